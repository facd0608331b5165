/// Headings and paragraphs of a PDF's text layer. The body size is the font size most characters
/// have; lines set more than 10% larger (12 pt over 10.5 pt is) are headings, the largest size level 1, the next
/// level 2, and so on. A paragraph ends where the gap to the next line is wider than the page's
/// usual line gap by half a line, where the size changes, or where the text goes back up the page
/// (a new column). A page without layout lines (OCR'd) gives its text's blank-line paragraphs.
enum PDFStructure {
    static func blocks(pages: [(lines: [TextLine], text: String)]) -> [TextBlock] {
        var characters: [Double: Int] = [:]
        for line in pages.map(\.lines).joined() {
            if let size = line.fontSize { characters[rounded(size), default: 0] += line.text.count }
        }
        let body = characters.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        let headingSizes = characters.keys.filter { body != nil && $0 > body! * 1.1 }.sorted(by: >)
        func level(_ line: TextLine) -> Int? {
            guard let size = line.fontSize, let index = headingSizes.firstIndex(of: rounded(size)) else { return nil }
            return min(index + 1, 6)
        }
        var blocks: [TextBlock] = []
        for (lines, text) in pages {
            guard !lines.isEmpty else {
                blocks += TextBlock.paragraphs(text)
                continue
            }
            let gaps = zip(lines, lines.dropFirst()).map { $1.top - $0.bottom }.filter { $0 >= 0 }.sorted()
            let usualGap = gaps.isEmpty ? 0 : gaps[gaps.count / 2]
            var paragraph: [TextLine] = []
            func flush() {
                guard let first = paragraph.first else { return }
                let text = paragraph.map(\.text).joined(separator: " ")
                if let level = level(first) { blocks.append(.heading(level: level, text: text)) } else { blocks.append(.paragraph(text)) }
                paragraph = []
            }
            for line in lines {
                if let previous = paragraph.last {
                    let gap = line.top - previous.bottom
                    let height = previous.bottom - previous.top
                    let sameSize = level(line) == level(previous) && rounded(line.fontSize ?? 0) == rounded(previous.fontSize ?? 0)
                    if gap < -height / 2 || gap > usualGap + height / 2 || !sameSize { flush() }
                }
                paragraph.append(line)
            }
            flush()
        }
        return blocks
    }

    /// Font sizes to the half point, so that a size read back as 11.9999 is 12.
    private static func rounded(_ size: Double) -> Double { (size * 2).rounded() / 2 }
}
