import CPopplerCairo
import Foundation
public import ServiceKit
import PDFText

/// `watermark`: each selected page of a PDF with a text mark drawn over it. Pages are redrawn
/// by Poppler into a cairo PDF (sizes kept, their text still text) and the mark is pango text,
/// so both stay extractable.
public struct Watermark: Sendable {
    public enum Position: String, Sendable, CaseIterable {
        case diagonal, center, top, bottom
        case topLeft = "top-left", topRight = "top-right", bottomLeft = "bottom-left", bottomRight = "bottom-right"
    }

    public var text: String
    public var opacity: Double
    public var fontSize: Double
    public var position: Position
    public var pages: PageSelection
    public var password: String?

    /// Reads the `watermark` operation's parameters.
    public init(parameters: JobParameters) throws(ServiceError) {
        guard let text = try parameters.string("text"), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalidParameter("text", "is required: the mark's text.")
        }
        self.text = text
        opacity = try parameters.double("opacity") ?? 0.3
        fontSize = try parameters.double("fontSize") ?? 48
        let name = (try parameters.string("position") ?? "diagonal").lowercased()
        guard let position = Position(rawValue: name) else {
            throw .invalidParameter("position", "must be one of \(Position.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\".")
        }
        self.position = position
        pages = try PageSelection(parameter: try parameters.string("pages"))
        password = try parameters.string("password")
    }

    /// The watermarked PDF.
    func apply(path: String, isCancelled: () -> Bool) throws(DocumentError) -> (bytes: [UInt8], pages: Int, marked: Int) {
        let document = try PopplerDocument(path: path, password: password)
        let count = document.pageCount
        guard count > 0 else { throw .unreadable("The PDF has no pages.") }
        try PDFLimits.check(pages: count)
        try pages.check(pageCount: count)
        let first = try document.page(0).size
        let writer = try PDFWriter(width: first.width, height: first.height, metadata: PDFLimits.metadata(of: document))
        var marked = 0
        for index in 0..<count {
            if isCancelled() { throw .cancelled }
            let page = try document.page(index)
            let size = page.size
            writer.setPageSize(width: size.width, height: size.height)
            let cr = writer.context
            cairo_save(cr)
            page.render(on: cr)
            cairo_restore(cr)
            if pages.contains(index + 1) {
                draw(on: cr, width: size.width, height: size.height)
                marked += 1
            }
            writer.showPage()
        }
        return (try writer.finish(), count, marked)
    }

    /// Draws the mark on a page of `width` × `height` points.
    func draw(on cr: OpaquePointer, width: Double, height: Double) {
        let scale = Double(outpost_pango_scale())
        guard let layout = pango_cairo_create_layout(cr) else { return }
        defer { outpost_g_object_unref(UnsafeMutableRawPointer(layout)) }
        var size = fontSize
        var textWidth = 0.0, textHeight = 0.0
        let margin = 24.0
        let diagonal = (width * width + height * height).squareRoot()
        let room = position == .diagonal ? diagonal * 0.85 : width - 2 * margin
        for _ in 0..<8 {
            let description = pango_font_description_from_string("DejaVu Sans Bold")
            pango_font_description_set_absolute_size(description, size * scale)
            pango_layout_set_font_description(layout, description)
            pango_font_description_free(description)
            pango_layout_set_text(layout, text, -1)
            var ink = PangoRectangle(), logical = PangoRectangle()
            pango_layout_get_extents(layout, &ink, &logical)
            textWidth = Double(logical.width) / scale
            textHeight = Double(logical.height) / scale
            if textWidth <= room || size <= 6 { break }
            size = max(6, size * room / textWidth)
        }
        cairo_save(cr)
        cairo_set_source_rgba(cr, 0.55, 0.55, 0.55, opacity)
        switch position {
        case .diagonal:
            cairo_translate(cr, width / 2, height / 2)
            cairo_rotate(cr, -atan2(height, width))
            cairo_move_to(cr, -textWidth / 2, -textHeight / 2)
        case .center: cairo_move_to(cr, (width - textWidth) / 2, (height - textHeight) / 2)
        case .top: cairo_move_to(cr, (width - textWidth) / 2, margin)
        case .bottom: cairo_move_to(cr, (width - textWidth) / 2, height - margin - textHeight)
        case .topLeft: cairo_move_to(cr, margin, margin)
        case .topRight: cairo_move_to(cr, width - margin - textWidth, margin)
        case .bottomLeft: cairo_move_to(cr, margin, height - margin - textHeight)
        case .bottomRight: cairo_move_to(cr, width - margin - textWidth, height - margin - textHeight)
        }
        pango_cairo_show_layout(cr, layout)
        cairo_restore(cr)
    }
}
