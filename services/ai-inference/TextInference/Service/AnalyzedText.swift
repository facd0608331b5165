import AIInferenceDescriptor
import Foundation
import ServiceKit

/// The text `analyze` and `analyze-pitch` read: `text` inline, or the uploaded object `key` names,
/// which the platform sends with the job as the attachment of that name.
enum AnalyzedText {
    /// The job's text.
    /// - Throws: 400 when the attachment for `key` is missing; 413 when the object is over
    ///   ``AIInferenceDescriptor/maxTextBytes``; 422 when it is not UTF-8 text (a PNG, a PDF…) or
    ///   holds only whitespace.
    static func read(_ job: Job) throws(ServiceError) -> String {
        let name = AIInferenceDescriptor.keyParameter
        guard let key = try job.parameters.string(name) else { return try TextInput.text(job.parameters) }
        guard let path = job.attachments[name]?.first else {
            throw .invalidParameter(name, "\"\(key)\": the object was not sent with the job (the platform sends it as the multipart part \"\(name)\").")
        }
        return try text(of: path, key: key)
    }

    /// The UTF-8 text of the file at `path` (a leading byte-order mark dropped), for the object `key`.
    static func text(of path: String, key: String) throws(ServiceError) -> String {
        let limit = AIInferenceDescriptor.maxTextBytes
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
        guard let size else { throw .internalError("The attachment for \"\(key)\" cannot be read.") }
        guard size <= limit else {
            throw ServiceError(statusCode: 413, code: "input_too_large",
                               message: "The object \"\(key)\" is \(size) bytes: analyze reads texts of at most \(limit) bytes.")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .internalError("The attachment for \"\(key)\" cannot be read.") }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            throw .unprocessable("The object \"\(key)\" is not text: analyze reads UTF-8 plain text or Markdown (this one is binary or in another encoding).",
                                 code: "unreadable_input")
        }
        guard !text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) else {
            throw .unprocessable("The object \"\(key)\" holds no text (it is empty or only whitespace).", code: "unreadable_input")
        }
        return text
    }
}
