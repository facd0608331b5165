import CPopplerCairo

/// A page's text layer, read from Poppler once: its text in reading order with the column gaps put
/// back, and (when asked for) its lines with their positions and font sizes.
///
/// Poppler-glib joins words that sit on one line with only a gap between them (side-by-side
/// columns, signature blocks), and may go from the end of one column to the next without a break:
/// where the gap between two characters is wider than half the line's height a space is put back,
/// and where the next character is on another line a line break, using the rectangle Poppler gives
/// for every character. The text and the rectangles are fetched once per page and walked as UTF-8
/// bytes (a `Unicode.Scalar` property lookup per character cost more than Poppler's own reading).
package struct PageTextLayer {
    /// The page's text, gaps put back.
    package var text: String
    /// The page's lines (empty when Poppler gives no layout); nil unless asked for.
    package var lines: [TextLine]?

    /// Whether the page has fewer than `minimum` non-whitespace characters (what `auto` OCRs).
    package func hasFewerVisibleCharacters(than minimum: Int) -> Bool {
        var scalars = 0
        for scalar in text.unicodeScalars where !PageTextLayer.isWhitespace(scalar.value) {
            scalars += 1
            // A character holds at least one scalar, so this many scalars can still be fewer characters.
            if scalars >= minimum * 8 { return false }
        }
        return text.filter { !$0.isWhitespace }.count < minimum
    }

    /// Whether the scalar is white space, without a property-table lookup for ASCII.
    @inline(__always) package static func isWhitespace(_ value: UInt32) -> Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return Unicode.Scalar(value)?.properties.isWhitespace ?? false
    }
}

extension PopplerPage {
    /// The page's text layer; with `lines`, also its lines (the font sizes cost one more Poppler call).
    package func textLayer(lines wantsLines: Bool) -> PageTextLayer {
        guard let raw = poppler_page_get_text(handle) else {
            return PageTextLayer(text: "", lines: wantsLines ? [] : nil)
        }
        defer { outpost_g_free(raw) }
        var rectangles: UnsafeMutablePointer<PopplerRectangle>?
        var count: guint = 0
        let hasLayout = poppler_page_get_text_layout(handle, &rectangles, &count) != 0
        defer { if let rectangles { outpost_g_free(rectangles) } }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
        guard hasLayout, let rectangles else {
            return PageTextLayer(text: String(cString: raw), lines: wantsLines ? [] : nil)
        }
        let layout = UnsafeBufferPointer(start: rectangles, count: Int(count))
        let text = Self.text(utf8: bytes, layout: layout) ?? String(cString: raw)
        return PageTextLayer(text: text, lines: wantsLines ? lines(raw: String(cString: raw), layout: layout) : nil)
    }

    /// The text with gaps put back, or nil when Poppler's text and rectangles do not pair up one
    /// to one (or the text is not valid UTF-8): then the text is taken as Poppler gives it.
    private static func text(utf8 bytes: UnsafeBufferPointer<UInt8>, layout: UnsafeBufferPointer<PopplerRectangle>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var offset = 0, index = 0
        var previousIsWhitespace = true
        while offset < bytes.count {
            guard let (value, length) = decode(bytes, at: offset) else { return nil }
            guard index < layout.count else { return nil }
            let isWhitespace = PageTextLayer.isWhitespace(value)
            if index > 0, !previousIsWhitespace, !isWhitespace {
                let previous = layout[index - 1], current = layout[index]
                let height = max(previous.y2 - previous.y1, 1)
                if abs(current.y1 - previous.y1) >= height / 2 {
                    out.append(0x0A)
                } else if current.x1 - previous.x2 > height / 2 {
                    out.append(0x20)
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]))
            previousIsWhitespace = isWhitespace
            offset += length
            index += 1
        }
        guard index == layout.count else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// The scalar starting at `offset` and its length in bytes; nil for malformed UTF-8.
    @inline(__always) private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> (UInt32, Int)? {
        let lead = bytes[offset]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard offset + length <= bytes.count else { return nil }
        for next in 1..<length {
            let byte = bytes[offset + next]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        // Overlong forms and surrogates are malformed (the fallback repairs them as Swift does).
        guard (length == 3 ? value >= 0x800 && !(0xD800...0xDFFF).contains(value) : true),
              (length == 4 ? value >= 0x10000 && value <= 0x10FFFF : true) else { return nil }
        return (value, length)
    }
}
