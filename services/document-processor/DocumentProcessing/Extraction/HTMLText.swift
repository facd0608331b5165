import Foundation

/// Plain text from HTML: tags dropped (block elements become line breaks), `script` and
/// `style` contents skipped, common entities decoded.
enum HTMLText {
    static let blockTags: Set<String> = ["p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article", "header", "footer", "blockquote", "pre", "title", "table", "ul", "ol"]

    static func plainText(_ html: String) -> String {
        var out = ""
        var index = html.startIndex
        var skipping: String?
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                let inside = html[html.index(after: index)..<close].lowercased()
                let closing = inside.hasPrefix("/")
                let name = String(inside.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber })
                if let skip = skipping {
                    if closing, name == skip { skipping = nil }
                } else if !closing, name == "script" || name == "style" || name == "head" {
                    skipping = name
                } else if blockTags.contains(name), !out.hasSuffix("\n") {
                    out += "\n"
                }
                index = html.index(after: close)
                continue
            }
            if skipping == nil { out.append(character) }
            index = html.index(after: index)
        }
        let decoded = decodeEntities(out)
        return decoded.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ") }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    /// The `<title>`, if any.
    static func title(_ html: String) -> String? {
        let lower = html.lowercased()
        guard let start = lower.range(of: "<title>"), let end = lower.range(of: "</title>", range: start.upperBound..<lower.endIndex) else { return nil }
        let offset = lower.distance(from: lower.startIndex, to: start.upperBound)
        let length = lower.distance(from: start.upperBound, to: end.lowerBound)
        let from = html.index(html.startIndex, offsetBy: offset)
        let title = decodeEntities(String(html[from..<html.index(from, offsetBy: length)])).trimmingCharacters(in: .whitespacesAndNewlines)
        return title.isEmpty ? nil : title
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = text
        for (entity, value) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: value)
        }
        return out
    }
}
