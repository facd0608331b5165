import CPopplerCairo

/// One line of a page's text: its words, where it sits (from the page's top: points in a PDF's
/// text layer, pixels in an OCR'd image) and the largest font size on it (nil when unknown, as
/// for OCR).
package struct TextLine: Equatable, Sendable {
    package var text: String
    package var top: Double
    package var bottom: Double
    package var fontSize: Double?

    package init(text: String, top: Double, bottom: Double, fontSize: Double?) {
        self.text = text
        self.top = top
        self.bottom = bottom
        self.fontSize = fontSize
    }
}

extension PopplerPage {
    /// The page's text as lines, in reading order, from the text, the rectangle and the font size
    /// Poppler gives for every character (the same walk as ``PageTextLayer``'s text); empty when
    /// the text and the rectangles do not pair up.
    func lines(raw: String, layout rectangles: UnsafeBufferPointer<PopplerRectangle>) -> [TextLine] {
        let scalars = Array(raw.unicodeScalars)
        guard scalars.count == rectangles.count else { return [] }
        let sizes = fontSizes(count: scalars.count)
        var lines: [TextLine] = []
        var current = String.UnicodeScalarView()
        var top = Double.infinity, bottom = -Double.infinity
        var size: Double?
        var last: PopplerRectangle?
        func flush() {
            let text = String(current).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if !text.isEmpty { lines.append(TextLine(text: text, top: top, bottom: bottom, fontSize: size)) }
            current = String.UnicodeScalarView()
            top = .infinity; bottom = -.infinity; size = nil; last = nil
        }
        for index in scalars.indices {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" { flush(); continue }
            let rectangle = rectangles[index]
            if scalar.properties.isWhitespace { current.append(" "); continue }
            if let previous = last {
                let height = max(previous.y2 - previous.y1, 1)
                if abs(rectangle.y1 - previous.y1) >= height / 2 {
                    flush()
                } else if rectangle.x1 - previous.x2 > height / 2 {
                    current.append(" ")
                }
            }
            current.append(scalar)
            top = min(top, rectangle.y1, rectangle.y2)
            bottom = max(bottom, rectangle.y1, rectangle.y2)
            if let characterSize = sizes[index] { size = max(size ?? 0, characterSize) }
            last = rectangle
        }
        flush()
        return lines
    }

    /// Each character's font size, from Poppler's text attributes (nil where none covers it).
    private func fontSizes(count: Int) -> [Double?] {
        var sizes = [Double?](repeating: nil, count: count)
        guard let list = poppler_page_get_text_attributes(handle) else { return sizes }
        defer { poppler_page_free_text_attributes(list) }
        var node: UnsafeMutablePointer<GList>? = list
        while let item = node {
            if let data = item.pointee.data {
                let attributes = data.assumingMemoryBound(to: PopplerTextAttributes.self).pointee
                let start = max(0, Int(attributes.start_index)), end = min(count - 1, Int(attributes.end_index))
                if start <= end, attributes.font_size > 0 {
                    for index in start...end { sizes[index] = attributes.font_size }
                }
            }
            node = item.pointee.next
        }
        return sizes
    }
}
