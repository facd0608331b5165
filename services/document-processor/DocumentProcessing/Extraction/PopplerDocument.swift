import CPopplerCairo
import Foundation

/// A PDF opened with Poppler: its pages, text layer, metadata, and pages rendered with cairo.
final class PopplerDocument {
    let handle: OpaquePointer
    let path: String

    /// Opens the PDF at `path`; an encrypted one needs its `password`.
    init(path: String, password: String?) throws(DocumentError) {
        var error: UnsafeMutablePointer<GError>?
        let uri = URL(fileURLWithPath: path).absoluteString
        guard let document = poppler_document_new_from_file(uri, password, &error) else {
            var encrypted = false
            var message = "unknown error"
            if let error {
                encrypted = error.pointee.domain == poppler_error_quark() && error.pointee.code == Int32(POPPLER_ERROR_ENCRYPTED.rawValue)
                message = String(cString: error.pointee.message)
                g_error_free(error)
            }
            if encrypted { throw .encrypted(passwordGiven: password != nil) }
            throw .unreadable("The PDF could not be read (\(message)).")
        }
        handle = document
        self.path = path
    }

    deinit { outpost_g_object_unref(UnsafeMutableRawPointer(handle)) }

    var pageCount: Int { Int(poppler_document_get_n_pages(handle)) }

    /// The page at `index` (0-based); pages are released when the returned value goes.
    func page(_ index: Int) throws(DocumentError) -> PopplerPage {
        guard let page = poppler_document_get_page(handle, Int32(index)) else { throw .unreadable("Page \(index + 1) of the PDF could not be read.") }
        return PopplerPage(handle: page)
    }

    var title: String? { Self.take(poppler_document_get_title(handle)) }
    var author: String? { Self.take(poppler_document_get_author(handle)) }
    var subject: String? { Self.take(poppler_document_get_subject(handle)) }
    var creator: String? { Self.take(poppler_document_get_creator(handle)) }
    var producer: String? { Self.take(poppler_document_get_producer(handle)) }
    var pdfVersion: String? { Self.take(poppler_document_get_pdf_version_string(handle)) }

    var creationDate: Date? {
        let time = poppler_document_get_creation_date(handle)
        return time > 0 ? Date(timeIntervalSince1970: TimeInterval(time)) : nil
    }

    var modificationDate: Date? {
        let time = poppler_document_get_modification_date(handle)
        return time > 0 ? Date(timeIntervalSince1970: TimeInterval(time)) : nil
    }

    /// Whether the file has an encryption dictionary (one may open without a password when only
    /// an owner password is set). Poppler-glib does not say, so the file's own `/Encrypt` key is looked for.
    var isEncrypted: Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return data.range(of: Data("/Encrypt".utf8)) != nil
    }

    /// A glib string as a Swift one (freed), nil when absent or empty.
    static func take(_ text: UnsafeMutablePointer<gchar>?) -> String? {
        guard let text else { return nil }
        defer { outpost_g_free(text) }
        let value = String(cString: text)
        return value.isEmpty ? nil : value
    }
}

/// One page of a ``PopplerDocument``.
final class PopplerPage {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }
    deinit { outpost_g_object_unref(UnsafeMutableRawPointer(handle)) }

    /// Width and height in points.
    var size: (width: Double, height: Double) {
        var width = 0.0, height = 0.0
        poppler_page_get_size(handle, &width, &height)
        return (width, height)
    }

    /// Draws the page on a cairo context (for PDF output: vector, text stays text).
    func render(on context: OpaquePointer) {
        poppler_page_render_for_printing(handle, context)
    }

    /// The page as 8-bit grey pixels at `dpi` (white background), for OCR; at most `maxPixels` a side.
    func grayscale(dpi: Double, maxPixels: Int = 8000) throws(DocumentError) -> GrayImage {
        let (width, height) = size
        var scale = dpi / 72
        scale = min(scale, Double(maxPixels) / max(width, 1), Double(maxPixels) / max(height, 1))
        let pixelWidth = max(1, Int((width * scale).rounded())), pixelHeight = max(1, Int((height * scale).rounded()))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(pixelWidth), Int32(pixelHeight)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw .renderFailed("cairo could not make a \(pixelWidth)×\(pixelHeight) image")
        }
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)!
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_scale(cr, scale, scale)
        poppler_page_render(handle, cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { throw .renderFailed("cairo image has no pixels") }
        var pixels = [UInt8](repeating: 255, count: pixelWidth * pixelHeight)
        for y in 0..<pixelHeight {
            let row = data.advanced(by: y * stride).withMemoryRebound(to: UInt32.self, capacity: pixelWidth) { $0 }
            for x in 0..<pixelWidth {
                let pixel = row[x]
                let r = (pixel >> 16) & 0xFF, g = (pixel >> 8) & 0xFF, b = pixel & 0xFF
                pixels[y * pixelWidth + x] = UInt8((r * 299 + g * 587 + b * 114) / 1000)
            }
        }
        return GrayImage(width: pixelWidth, height: pixelHeight, pixels: pixels, dpi: Int(scale * 72))
    }
}

/// 8-bit grey pixels, row by row.
struct GrayImage {
    var width: Int
    var height: Int
    var pixels: [UInt8]
    var dpi: Int
}
