import CPopplerCairo
import DocumentProcessorDescriptor
import Foundation
public import ServiceKit
import PDFText

/// `preview`: PDF pages as PNG images of a given width (aspect kept), on white.
public struct PagePreview: Sendable {
    public var width: Int
    public var pages: PageSelection
    public var password: String?

    /// Reads the `preview` operation's parameters (default: the first page, 800 pixels wide).
    public init(parameters: JobParameters) throws(ServiceError) {
        width = try parameters.int("width") ?? 800
        pages = try PageSelection(parameter: try parameters.string("pages") ?? "1")
        password = try parameters.string("password")
    }

    /// One PNG per selected page, in order, with its page number.
    func render(path: String, isCancelled: () -> Bool) throws(DocumentError) -> [(page: Int, png: [UInt8], width: Int, height: Int)] {
        guard try DocumentKind.detect(path: path) == .pdf else {
            throw .unreadable("preview reads PDFs only for now.")
        }
        let document = try PopplerDocument(path: path, password: password)
        let count = document.pageCount
        guard count > 0 else { throw .unreadable("The PDF has no pages.") }
        try pages.check(pageCount: count)
        let chosen = (1...count).filter(pages.contains)
        guard chosen.count <= DocumentProcessorDescriptor.maxPreviewPages else {
            throw .tooLarge("preview makes at most \(DocumentProcessorDescriptor.maxPreviewPages) pages per job; \(chosen.count) were asked for.")
        }
        var images: [(Int, [UInt8], Int, Int)] = []
        for number in chosen {
            if isCancelled() { throw .cancelled }
            let page = try document.page(number - 1)
            let size = page.size
            let scale = Double(width) / max(size.width, 1)
            let height = max(1, min(20_000, Int((size.height * scale).rounded())))
            guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)),
                  cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { throw .renderFailed("cairo could not make a \(width)×\(height) image") }
            defer { cairo_surface_destroy(surface) }
            let cr = cairo_create(surface)!
            cairo_set_source_rgb(cr, 1, 1, 1)
            cairo_paint(cr)
            cairo_scale(cr, scale, scale)
            poppler_page_render(page.handle, cr)
            cairo_destroy(cr)
            images.append((number, try Self.png(surface), width, height))
        }
        return images
    }

    /// The surface as PNG bytes.
    static func png(_ surface: OpaquePointer) throws(DocumentError) -> [UInt8] {
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(surface, { closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque())
        }
        guard status == CAIRO_STATUS_SUCCESS else { throw .renderFailed("PNG encoding failed") }
        return sink.bytes
    }
}
