import AIInferenceDescriptor
import Foundation
import ServiceKit

/// The text `analyze` and `analyze-pitch` read: `text` inline, or the uploaded object (text or PDF) `key` names,
/// which the platform sends with the job as the attachment of that name.
enum AnalyzedText {
    /// The job's text.
    /// - Throws: 400 when the attachment for `key` is missing; 413 when the object (or a PDF's
    ///   text) is over ``AIInferenceDescriptor/maxTextBytes``, or a PDF over
    ///   ``AIInferenceDescriptor/maxPDFBytes``; 422 when it is neither UTF-8 text nor a readable PDF
    ///   (a PNG…) or holds only whitespace.
    static func read(_ job: Job) throws(ServiceError) -> String {
        let name = AIInferenceDescriptor.keyParameter
        guard let key = try job.parameters.string(name) else { return try TextInput.text(job.parameters) }
        guard let path = job.attachments[name]?.first else {
            throw .invalidParameter(name, "\"\(key)\": the object was not sent with the job (the platform sends it as the multipart part \"\(name)\").")
        }
        return try text(of: path, key: key)
    }

    /// The text of the file at `path` for the object `key`: the text of a PDF's pages (``UploadedPDF``),
    /// else the file as UTF-8 text (a leading byte-order mark dropped).
    static func text(of path: String, key: String) throws(ServiceError) -> String {
        let limit = AIInferenceDescriptor.maxTextBytes
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        guard let size else { throw .internalError("The attachment for \"\(key)\" cannot be read.") }
        let head = FileHandle(forReadingAtPath: path).flatMap { try? $0.read(upToCount: 8) }.map { [UInt8]($0) } ?? []
        let isPDF = UploadedPDF.isPDF(head)
        let fileLimit = isPDF ? AIInferenceDescriptor.maxPDFBytes : limit
        guard size <= fileLimit else {
            throw ServiceError(statusCode: 413, code: "input_too_large",
                               message: "The object \"\(key)\" is \(size) bytes: analyze reads \(isPDF ? "PDFs" : "texts") of at most \(fileLimit) bytes.")
        }
        let text: String
        if isPDF {
            text = try UploadedPDF.text(of: path, key: key)
            let bytes = text.utf8.count
            guard bytes <= limit else {
                throw ServiceError(statusCode: 413, code: "input_too_large",
                                   message: "The text of the PDF \"\(key)\" is \(bytes) bytes: analyze reads texts of at most \(limit) bytes.")
            }
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { throw .internalError("The attachment for \"\(key)\" cannot be read.") }
            var bytes = [UInt8](data)
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            guard !bytes.contains(0), let decoded = String(validating: bytes, as: UTF8.self) else {
                throw .unprocessable("The object \"\(key)\" is not text: analyze reads UTF-8 plain text, Markdown or a PDF (this one is binary or in another encoding).",
                                     code: "unreadable_input")
            }
            text = decoded
        }
        guard !text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) else {
            throw .unprocessable(isPDF ? "The PDF \"\(key)\" has no text layer (a scan? extract its text with the document-processor's extract-text, which OCRs, and analyze that)."
                                       : "The object \"\(key)\" holds no text (it is empty or only whitespace).", code: "unreadable_input")
        }
        return text
    }
}
