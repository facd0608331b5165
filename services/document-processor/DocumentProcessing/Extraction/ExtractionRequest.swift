import DocumentProcessorDescriptor
import Foundation
public import ServiceKit

/// `extract-text`'s parameters, checked.
public struct ExtractionRequest: Sendable {
    /// How a PDF's pages become text.
    public enum Method: String, Sendable {
        /// The PDF's text layer only.
        case native
        /// Every page rendered at 300 dpi and read by Tesseract.
        case ocr
        /// The text layer; OCR for pages without one.
        case auto
    }

    /// What `extract-text` writes besides the text.
    public enum Format: String, Sendable {
        /// The text, per-page text and metadata only.
        case text
        /// Also the headings, paragraphs and list items as Markdown (`document.md`).
        case markdown
        /// Also the same as a standalone HTML page (`document.html`).
        case html
    }

    public var method: Method
    public var format: Format
    /// Tesseract's language string, e.g. `eng` or `eng+deu`.
    public var languages: String
    public var password: String?

    public init(parameters: JobParameters) throws(ServiceError) {
        let name = (try parameters.string("method") ?? "auto").lowercased()
        guard let method = Method(rawValue: name) else { throw .invalidParameter("method", "must be one of auto, native, ocr, got \"\(name)\".") }
        self.method = method
        let formatName = (try parameters.string("format") ?? "text").lowercased()
        guard let format = Format(rawValue: formatName) else { throw .invalidParameter("format", "must be one of text, markdown, html, got \"\(formatName)\".") }
        self.format = format
        languages = try parameters.string("languages") ?? "eng"
        password = try parameters.string("password")
        let installed = OCREngine.installedLanguages()
        for language in languages.split(separator: "+", omittingEmptySubsequences: false).map(String.init) {
            guard !language.isEmpty, language.allSatisfy({ $0.isLetter || $0 == "_" }) else {
                throw .invalidParameter("languages", "must be Tesseract language codes joined by +, e.g. eng, got \"\(languages)\".")
            }
            guard installed.contains(language) else {
                throw .invalidParameter("languages", "\"\(language)\" is not installed; installed: \(installed.sorted().joined(separator: ", ")).")
            }
        }
    }
}
