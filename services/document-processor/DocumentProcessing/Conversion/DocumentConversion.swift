import DocumentProcessorDescriptor
import Foundation
public import ServiceKit
import PDFText

/// `convert`: DOCX, HTML or Markdown (and plain text) laid out as a PDF with the same composer
/// as the templates (headings, emphasis, lists, tables as simple grids, links as "text (url)",
/// images: DOCX media and `data:` URIs of HTML and Markdown).
public struct DocumentConversion: Sendable {
    public var title: String?
    public var author: String

    public init(parameters: JobParameters) throws(ServiceError) {
        title = try parameters.string("title")
        author = try parameters.string("author") ?? "Pitchey"
    }

    /// The blocks of a DOCX, HTML, Markdown or text file; a DOCX's images only with `images`.
    static func blocks(path: String, kind: DocumentKind, images: Bool = false) throws(DocumentError) -> [DocumentBlock] {
        switch kind {
        case .docx: return try DocxReader.blocks(path: path, images: images)
        case .html, .text:
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .unreadable("The text is not valid UTF-8.")
            }
            return kind == .html ? HTMLBlocks.blocks(text) : DocumentMarkup.blocks(from: text, escaped: false, markdown: true)
        default:
            throw .unreadable("convert reads DOCX, HTML, Markdown or text; this input is \(kind.rawValue.uppercased()).")
        }
    }

    func pdf(path: String) throws(DocumentError) -> [UInt8] {
        let kind = try DocumentKind.detect(path: path)
        let blocks = try Self.blocks(path: path, kind: kind, images: true)
        guard !blocks.isEmpty else { throw .unreadable("The document has no text to lay out.") }
        let firstTitle = blocks.lazy.compactMap { block -> String? in
            switch block { case .title, .heading: block.plainText; default: nil }
        }.first
        let metadata = PDFMetadata(title: title ?? firstTitle ?? "", author: author, subject: nil, creationDate: Date())
        return try DocumentComposer().pdf(blocks, metadata: metadata)
    }
}
