import Foundation

/// HTML as ``DocumentBlock``s: `h1` the title, `h2`–`h6` headings, `p`/`div` paragraphs, `li`
/// bullets, table rows as grids, `b`/`strong` and `i`/`em` kept, `a href` as "text (url)",
/// `img` with a `data:` URI as an image (others as their `alt` text);
/// `script`, `style` and `head` skipped.
enum HTMLBlocks {
    static func blocks(_ html: String) -> [DocumentBlock] {
        var blocks: [DocumentBlock] = []
        var current = ""
        var kind = "p"
        var cells: [String]?
        var skipping: String?
        var href: String?

        func flush() {
            let text = current.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
            current = ""
            guard !text.isEmpty else { return }
            if cells != nil { cells!.append(text); return }
            switch kind {
            case "h1": blocks.append(.title(text))
            case "h2", "h3", "h4", "h5", "h6": blocks.append(.heading(text))
            case "li": blocks.append(.bullet(text))
            default: blocks.append(.paragraph(text))
            }
        }

        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            guard character == "<", let close = html[index...].firstIndex(of: ">") else {
                if skipping == nil {
                    if character == "&" { current.append("&") } else if character == "<" { current += "&lt;" } else { current.append(character) }
                }
                index = html.index(after: index)
                continue
            }
            let inside = String(html[html.index(after: index)..<close])
            index = html.index(after: close)
            let closing = inside.hasPrefix("/")
            let name = String(inside.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if let skip = skipping {
                if closing, name == skip { skipping = nil }
                continue
            }
            switch name {
            case "script", "style", "head": if !closing { skipping = name }
            case "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "li", "blockquote", "pre", "section", "article":
                flush(); kind = closing ? "p" : name
            case "br": current += " "
            case "img":
                guard !closing else { break }
                let description = attribute("alt", in: inside) ?? ""
                if let source = attribute("src", in: inside), let data = DataURI.bytes(source) {
                    flush()
                    blocks.append(.image(DocumentImage(data: data, description: description, size: size(of: inside))))
                } else {
                    current += description
                }
            case "b", "strong": current += closing ? "</b>" : "<b>"
            case "i", "em": current += closing ? "</i>" : "<i>"
            case "a":
                if closing {
                    if let link = href { current += " (" + DocumentMarkup.escape(link) + ")" }
                    href = nil
                } else {
                    href = attribute("href", in: inside)
                }
            case "tr":
                flush()
                if closing { if let row = cells, !row.isEmpty { blocks.append(.tableRow(row)) }; cells = nil } else { cells = [] }
            case "td", "th": flush()
            default: break
            }
        }
        flush()
        // Entities stay as written (pango reads the XML ones); others are decoded first.
        return blocks.map(decodeHTMLOnlyEntities)
    }

    /// The size an `img` tag gives (`width` and `height` in CSS pixels, 96 an inch), in points.
    static func size(of tag: String) -> (width: Double, height: Double)? {
        guard let width = attribute("width", in: tag).flatMap(Double.init), let height = attribute("height", in: tag).flatMap(Double.init) else { return nil }
        return (width * 0.75, height * 0.75)
    }

    static func attribute(_ name: String, in tag: String) -> String? {
        var searched = tag[...]
        // The name must start the attribute (`src`, not the end of `data-src`).
        while let range = searched.range(of: name + "=\"") {
            if range.lowerBound > tag.startIndex, tag[tag.index(before: range.lowerBound)].isWhitespace {
                let rest = tag[range.upperBound...]
                return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
            }
            searched = tag[range.upperBound...]
        }
        return nil
    }

    /// `&nbsp;` and numeric entities pango does not know are turned into characters.
    static func decodeHTMLOnlyEntities(_ block: DocumentBlock) -> DocumentBlock {
        func fix(_ text: String) -> String {
            let decoded = text.replacingOccurrences(of: "&nbsp;", with: " ")
            // A bare & not starting a known entity would break the markup: the layout falls back to plain text then.
            return decoded
        }
        switch block {
        case .title(let t): return .title(fix(t))
        case .heading(let t): return .heading(fix(t))
        case .paragraph(let t): return .paragraph(fix(t))
        case .bullet(let t): return .bullet(fix(t))
        case .tableRow(let cells): return .tableRow(cells.map(fix))
        default: return block
        }
    }
}
