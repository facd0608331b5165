package import CPopplerCairo
package import Foundation

/// A PDF opened with Poppler: its pages, text layer and metadata (shared by the document-processor
/// and the ai-inference, which reads a PDF's text with it).
package final class PopplerDocument {
    package let handle: OpaquePointer
    package let path: String

    /// Opens the PDF at `path`; an encrypted one needs its `password`.
    package init(path: String, password: String?) throws(DocumentError) {
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

    package var pageCount: Int { Int(poppler_document_get_n_pages(handle)) }

    /// The page at `index` (0-based); pages are released when the returned value goes.
    package func page(_ index: Int) throws(DocumentError) -> PopplerPage {
        guard let page = poppler_document_get_page(handle, Int32(index)) else { throw .unreadable("Page \(index + 1) of the PDF could not be read.") }
        return PopplerPage(handle: page)
    }

    package var title: String? { Self.take(poppler_document_get_title(handle)) }
    package var author: String? { Self.take(poppler_document_get_author(handle)) }
    package var subject: String? { Self.take(poppler_document_get_subject(handle)) }
    package var creator: String? { Self.take(poppler_document_get_creator(handle)) }
    package var producer: String? { Self.take(poppler_document_get_producer(handle)) }
    package var pdfVersion: String? { Self.take(poppler_document_get_pdf_version_string(handle)) }

    package var creationDate: Date? {
        let time = poppler_document_get_creation_date(handle)
        return time > 0 ? Date(timeIntervalSince1970: TimeInterval(time)) : nil
    }

    package var modificationDate: Date? {
        let time = poppler_document_get_modification_date(handle)
        return time > 0 ? Date(timeIntervalSince1970: TimeInterval(time)) : nil
    }

    /// Whether the file has an encryption dictionary (one may open without a password when only
    /// an owner password is set). Poppler-glib does not say, so the file's own `/Encrypt` key is looked for.
    package var isEncrypted: Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return data.range(of: Data("/Encrypt".utf8)) != nil
    }

    /// A glib string as a Swift one (freed), nil when absent or empty.
    package static func take(_ text: UnsafeMutablePointer<gchar>?) -> String? {
        guard let text else { return nil }
        defer { outpost_g_free(text) }
        let value = String(cString: text)
        return value.isEmpty ? nil : value
    }
}

/// One page of a ``PopplerDocument``.
package final class PopplerPage {
    package let handle: OpaquePointer

    package init(handle: OpaquePointer) { self.handle = handle }
    deinit { outpost_g_object_unref(UnsafeMutableRawPointer(handle)) }

    /// Width and height in points.
    package var size: (width: Double, height: Double) {
        var width = 0.0, height = 0.0
        poppler_page_get_size(handle, &width, &height)
        return (width, height)
    }

    /// Draws the page on a cairo context (for PDF output: vector, text stays text).
    package func render(on context: OpaquePointer) {
        poppler_page_render_for_printing(handle, context)
    }
}
