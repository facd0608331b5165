import AIInferenceDescriptor
import PDFText
import ServiceKit

/// The text of an uploaded PDF that `analyze` reads by key: every page's text layer, read with
/// Poppler (the shared `PDFText` library the document-processor's `extract-text` reads with), in
/// page order, pages separated by a form feed as `pdftotext` separates them. No OCR: a scan has no
/// text layer, so it reads as empty (the document-processor's `extract-text` OCRs it).
enum UploadedPDF {
    /// Whether `bytes` start as a PDF does (`%PDF-`).
    static func isPDF(_ bytes: [UInt8]) -> Bool { bytes.starts(with: Array("%PDF-".utf8)) }

    /// The text of the PDF at `path`, for the object `key`.
    /// - Throws: 413 over ``AIInferenceDescriptor/maxPDFPages`` pages; 422 when Poppler cannot
    ///   read it or it is encrypted; both naming the key.
    static func text(of path: String, key: String) throws(ServiceError) -> String {
        do {
            let document = try PopplerDocument(path: path, password: nil)
            let count = document.pageCount
            guard count > 0 else { throw DocumentError.unreadable("The PDF has no pages.") }
            guard count <= AIInferenceDescriptor.maxPDFPages else {
                throw ServiceError(statusCode: 413, code: "input_too_large",
                                   message: "The PDF \"\(key)\" has \(count) pages: analyze reads PDFs of at most \(AIInferenceDescriptor.maxPDFPages) pages.")
            }
            var pages: [String] = []
            for index in 0..<count { pages.append(try document.page(index).textLayer(lines: false).text) }
            return pages.joined(separator: "\u{0C}")
        } catch let error as ServiceError {
            throw error
        } catch DocumentError.encrypted {
            throw .unprocessable("The PDF \"\(key)\" is encrypted: analyze reads PDFs without a password.", code: "encrypted_pdf")
        } catch let error as DocumentError {
            throw .unprocessable("The PDF \"\(key)\" cannot be read: \(error.serviceError.message)", code: "unreadable_input")
        } catch {
            throw .internalError("The PDF \"\(key)\" could not be read: \(error)")
        }
    }
}
