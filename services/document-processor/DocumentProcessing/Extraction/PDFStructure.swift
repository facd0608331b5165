import PDFText
/// Headings and paragraphs of a PDF's text layer or of OCR'd lines (paragraphs only: Tesseract
/// gives no font sizes). The body size is the font size most characters have; lines set more than
/// 10% larger (12 pt over 10.5 pt is) are headings, the largest size level 1, the next level 2… A paragraph ends where the next line's top is further down than the page's
/// usual line pitch by a third of a line, where the size changes, or where the text goes back up
/// the page (a new column). A page without lines gives its text's blank-line paragraphs.
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
            // Top to top, which an OCR'd line's descenders do not change; the lower quartile is the
            // pitch inside a paragraph even on a page of one-line paragraphs.
            let pitches = zip(lines, lines.dropFirst()).map { $1.top - $0.top }.filter { $0 > 0 }.sorted()
            let usualPitch = pitches.isEmpty ? 0 : pitches[pitches.count / 4]
            var paragraph: [TextLine] = []
            func flush() {
                guard let first = paragraph.first else { return }
                let text = paragraph.map(\.text).joined(separator: " ")
                if let level = level(first) { blocks.append(.heading(level: level, text: text)) } else { blocks.append(.paragraph(text)) }
                paragraph = []
            }
            for line in lines {
                if let previous = paragraph.last {
                    let pitch = line.top - previous.top
                    let height = previous.bottom - previous.top
                    let sameSize = level(line) == level(previous) && rounded(line.fontSize ?? 0) == rounded(previous.fontSize ?? 0)
                    if pitch < height / 2 || pitch > usualPitch + height / 3 || !sameSize { flush() }
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
