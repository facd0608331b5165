/// ``TextBlock``s as Markdown: `#`…`######` headings, paragraphs, `-` and `1.` list items, with
/// the characters that would change the meaning of the text escaped by a backslash.
enum MarkdownWriter {
    static func markdown(_ blocks: [TextBlock]) -> String {
        var out = ""
        var previousWasItem = false
        for block in blocks {
            let isItem: Bool
            switch block {
            case .heading(let level, let text):
                isItem = false
                out += (out.isEmpty ? "" : "\n") + String(repeating: "#", count: min(max(level, 1), 6)) + " " + escaped(text) + "\n"
            case .paragraph(let text):
                isItem = false
                out += (out.isEmpty ? "" : "\n") + escaped(text) + "\n"
            case .listItem(let text, let number):
                isItem = true
                let marker = number.map { String($0.filter(\.isNumber).prefix(9)) }.flatMap { $0.isEmpty ? nil : $0 + ". " } ?? "- "
                out += (out.isEmpty || previousWasItem ? "" : "\n") + marker + escaped(text) + "\n"
            }
            previousWasItem = isItem
        }
        return out
    }

    /// `text` on one line, with Markdown's inline characters escaped, and a line start that
    /// would read as a heading, quote, list item, rule or table escaped.
    static func escaped(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        var out = ""
        for character in line {
            if "\\`*_[]<".contains(character) { out.append("\\") }
            out.append(character)
        }
        if let first = out.first, "#>-+=|~".contains(first) {
            out.insert("\\", at: out.startIndex)
        } else if let end = out.firstIndex(where: { !$0.isNumber }), end != out.startIndex, out[end] == "." || out[end] == ")" {
            out.insert("\\", at: end)
        }
        return out
    }
}
