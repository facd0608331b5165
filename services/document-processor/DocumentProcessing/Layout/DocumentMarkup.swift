import Foundation

/// Reads the small markup templates render to into ``DocumentBlock``s:
///
/// - `# Title`, `> subtitle`, `## Heading`, `### Clause heading` (numbered 1, 2, … in order);
/// - paragraphs: consecutive lines, ended by a blank line; `- ` or `* ` starts a bullet;
/// - `\pagebreak` on its own line;
/// - `::: signatures`, then one `Role | Name` line per signatory, then `:::`;
/// - inline `**bold**` and `*italic*`.
///
/// Template output is already entity-escaped (Mustache escapes `&`, `<`, `>`, quotes), so its text
/// goes to pango as markup; plain text (`escaped: false`) is escaped first.
enum DocumentMarkup {
    /// - Parameter markdown: read as Markdown rather than template markup: `#` is the title,
    ///   `##`…`######` are headings (none numbered), `1.` items are bullets keeping their number,
    ///   `[text](url)` links read as "text (url)", `|`-separated lines are table rows, and a line
///   that is one image with a `data:` URI (`![description](data:image/png;base64,…)`) is an image
///   (other sources give their description as text).
    static func blocks(from text: String, escaped: Bool, markdown: Bool = false) -> [DocumentBlock] {
        var blocks: [DocumentBlock] = []
        var paragraph: [String] = []
        var bullet: String?
        var numberedBullet: String?
        var clauseNumber = 0
        var signatories: [Signatory]?

        func inline(_ raw: String) -> String { emphasis(escaped ? raw : escape(markdown ? links(raw) : raw)) }
        func flush() {
            if let item = bullet {
                blocks.append(numberedBullet.map { .numbered($0, inline(item)) } ?? .bullet(inline(item)))
                bullet = nil
                numberedBullet = nil
            }
            if !paragraph.isEmpty { blocks.append(.paragraph(inline(paragraph.joined(separator: " ")))); paragraph = [] }
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingSpaces
            if var signing = signatories {
                if line == ":::" {
                    blocks.append(.signatures(signing))
                    signatories = nil
                } else if !line.isEmpty {
                    let parts = line.split(separator: "|", maxSplits: 1).map { String($0.trimmingSpaces) }
                    signing.append(Signatory(role: inline(parts[0]), name: inline(parts.count > 1 ? parts[1] : "")))
                    signatories = signing
                }
                continue
            }
            if line.isEmpty { flush(); continue }
            if line == "::: signatures" { flush(); signatories = []; continue }
            if line == "\\pagebreak" { flush(); blocks.append(.pageBreak); continue }
            if markdown {
                let hashes = line.prefix { $0 == "#" }.count
                if hashes >= 1, hashes <= 6, line.dropFirst(hashes).first == " " {
                    flush()
                    let heading = inline(String(line.dropFirst(hashes + 1)))
                    blocks.append(hashes == 1 ? .title(heading) : .heading(heading))
                    continue
                }
                if let image = image(line) {
                    flush()
                    if let data = DataURI.bytes(image.source) {
                        blocks.append(.image(DocumentImage(data: data, description: image.description)))
                    } else if !image.description.isEmpty {
                        paragraph.append(image.description)
                    }
                    continue
                }
                if line.hasPrefix("|") {
                    flush()
                    let cells = line.split(separator: "|").map { String($0.trimmingSpaces) }
                    if !cells.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" || $0 == " " } }) {
                        blocks.append(.tableRow(cells.map(inline)))
                    }
                    continue
                }
                let digits = line.prefix { $0.isNumber }
                if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") {
                    flush(); bullet = String(line.dropFirst(digits.count + 2)); numberedBullet = String(digits)
                    continue
                }
            }
            if line.hasPrefix("### ") {
                flush(); clauseNumber += 1
                blocks.append(.clause(number: clauseNumber, heading: inline(String(line.dropFirst(4)))))
            } else if line.hasPrefix("## ") {
                flush(); blocks.append(.heading(inline(String(line.dropFirst(3)))))
            } else if line.hasPrefix("# ") {
                flush(); blocks.append(.title(inline(String(line.dropFirst(2)))))
            } else if line.hasPrefix("> ") {
                flush(); blocks.append(.subtitle(inline(String(line.dropFirst(2)))))
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flush(); bullet = String(line.dropFirst(2))
            } else if let item = bullet {
                bullet = item + " " + line
            } else {
                paragraph.append(String(line))
            }
        }
        flush()
        if let signing = signatories, !signing.isEmpty { blocks.append(.signatures(signing)) }
        return blocks
    }

    /// A line that is one image, `![description](source)`: its parts.
    static func image(_ line: Substring) -> (description: String, source: String)? {
        guard line.hasPrefix("!["), line.hasSuffix(")"), let close = line.firstIndex(of: "]"),
              line[line.index(after: close)...].hasPrefix("(") else { return nil }
        let source = line[line.index(close, offsetBy: 2)..<line.index(before: line.endIndex)]
        return (String(line[line.index(line.startIndex, offsetBy: 2)..<close]), String(source.trimmingSpaces))
    }

    /// `[text](url)` → `text (url)`; an image inside text, `![text](source)`, → `text`.
    static func links(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]"),
              rest.index(after: close) < rest.endIndex, rest[rest.index(after: close)] == "(",
              let end = rest[close...].firstIndex(of: ")") {
            out += rest[..<open]
            let label = rest[rest.index(after: open)..<close]
            let url = rest[rest.index(close, offsetBy: 2)..<end]
            if out.last == "!" {
                out.removeLast()
                out += label
            } else {
                out += label + (url.isEmpty || url == label ? "" : " (" + url + ")")
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    /// Escapes text for pango markup (which reads XML's entities, as HTML does).
    static func escape(_ text: String) -> String { HTMLWriter.escaped(text) }

    /// `**bold**` → `<b>bold</b>`, `*italic*` → `<i>italic</i>`; unpaired markers stay as they are.
    static func emphasis(_ text: String) -> String {
        var result = replacePairs(in: text, marker: "**", open: "<b>", close: "</b>")
        result = replacePairs(in: result, marker: "*", open: "<i>", close: "</i>")
        return result
    }

    private static func replacePairs(in text: String, marker: String, open: String, close: String) -> String {
        let pieces = text.components(separatedBy: marker)
        guard pieces.count >= 3 else { return text }
        var out = pieces[0]
        var index = 1
        while index < pieces.count {
            if index + 1 < pieces.count, !pieces[index].isEmpty {
                out += open + pieces[index] + close + pieces[index + 1]
                index += 2
            } else {
                out += marker + pieces[index]
                index += 1
            }
        }
        return out
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = lastIndex(where: { !$0.isWhitespace })!
        return self[start...end]
    }
}
