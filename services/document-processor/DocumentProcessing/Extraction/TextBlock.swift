/// One block of extracted structure, as plain text: what `extract-text` writes as Markdown or
/// HTML (headings with levels, paragraphs, list items).
enum TextBlock: Equatable, Sendable {
    /// A heading, level 1 (the title) to 6.
    case heading(level: Int, text: String)
    case paragraph(String)
    /// A list item; `number` as written for a numbered item, nil for a bullet.
    case listItem(String, number: String?)

    /// The blocks `convert` reads from a DOCX, HTML or Markdown file: the title is level 1,
    /// headings level 2, numbered clauses level 3; subtitles, table rows and signatures are
    /// paragraphs, page breaks and images dropped.
    static func blocks(_ document: [DocumentBlock]) -> [TextBlock] {
        document.compactMap { block -> TextBlock? in
            let text = block.plainText
            switch block {
            case .title: return .heading(level: 1, text: text)
            case .heading: return .heading(level: 2, text: text)
            case .clause: return .heading(level: 3, text: text)
            case .subtitle, .paragraph, .tableRow: return text.isEmpty ? nil : .paragraph(text)
            case .bullet(let markup): return .listItem(DocumentBlock.paragraph(markup).plainText, number: nil)
            case .numbered(let number, let markup): return .listItem(DocumentBlock.paragraph(markup).plainText, number: number)
            case .signatures(let signatories): return .paragraph(signatories.map { $0.role + ": " + $0.name }.joined(separator: "; "))
            case .pageBreak, .image: return nil
            }
        }
    }

    /// Paragraphs of text separated by blank lines (OCR output, plain text), each paragraph's
    /// lines joined by spaces.
    static func paragraphs(_ text: String) -> [TextBlock] {
        var blocks: [TextBlock] = []
        var lines: [String] = []
        func flush() {
            let paragraph = lines.joined(separator: " ")
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph)) }
            lines = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if words.isEmpty { flush() } else { lines.append(words) }
        }
        flush()
        return blocks
    }
}
