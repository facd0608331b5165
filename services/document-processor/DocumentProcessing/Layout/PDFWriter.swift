import CPopplerCairo
import Foundation
import PDFText

/// A cairo PDF surface that writes into memory, with the document's metadata (title, author,
/// creation date). Pages are drawn with ``context``, ended with ``showPage()``; ``finish()``
/// returns the PDF's bytes.
final class PDFWriter {
    /// The bytes cairo has written so far.
    private final class Sink { var bytes: [UInt8] = [] }

    let surface: OpaquePointer
    let context: OpaquePointer
    private let sink: Sink
    private let sinkPointer: Unmanaged<Sink>
    private var finished = false

    /// Starts a PDF whose first page is `width` × `height` points.
    init(width: Double, height: Double, metadata: PDFMetadata) throws(DocumentError) {
        let sink = Sink()
        let retained = Unmanaged.passRetained(sink)
        let write: cairo_write_func_t = { closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }
        guard let surface = cairo_pdf_surface_create_for_stream(write, retained.toOpaque(), width, height),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let context = cairo_create(surface) else {
            retained.release()
            throw .renderFailed("cairo could not start a PDF")
        }
        self.sink = sink
        self.sinkPointer = retained
        self.surface = surface
        self.context = context
        metadata.apply(to: surface)
    }

    /// Sets the size of the page about to be drawn (before drawing on it).
    func setPageSize(width: Double, height: Double) {
        cairo_pdf_surface_set_size(surface, width, height)
    }

    /// Ends the current page.
    func showPage() { cairo_show_page(context) }

    /// Finishes the PDF and returns it.
    func finish() throws(DocumentError) -> [UInt8] {
        finished = true
        cairo_destroy(context)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        let bytes = sink.bytes
        sinkPointer.release()
        guard status == CAIRO_STATUS_SUCCESS else { throw .renderFailed("cairo: " + String(cString: cairo_status_to_string(status))) }
        return bytes
    }

    deinit {
        if !finished {
            cairo_destroy(context)
            cairo_surface_destroy(surface)
            sinkPointer.release()
        }
    }
}

/// What a PDF says about itself in its Info dictionary.
struct PDFMetadata: Sendable {
    var title: String
    var author: String
    var subject: String?
    var creationDate: Date

    func apply(to surface: OpaquePointer) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, author)
        if let subject { cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, subject) }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Pitchey document-processor")
        let stamp = Self.iso8601(creationDate)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, stamp)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, stamp)
    }

    /// `2026-12-06T22:41:42Z`, the form cairo takes.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
