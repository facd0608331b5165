/// What `extract-text` returns: `{"kind", "text", "pages": [{"page", "text", "method", "width",
/// "height"}], "metadata", "markdown"?, "html"?}`.
///
/// `text` is not kept beside the pages: it is their texts joined by form feeds, made when it is
/// encoded, so a long document's text is held once. A text longer than
/// ``DocumentProcessorDescriptor/maxInlineTextBytes`` does not go in the job's result at all: see
/// ``ExtractionFile`` and ``ExtractionSummary``.
struct TextExtraction: Encodable, Sendable {
    struct Page: Encodable, Sendable {
        var page: Int
        var text: String
        /// `native` (text layer) or `ocr`.
        var method: String
        var width: Double?
        var height: Double?
    }

    struct PageSize: Encodable, Sendable {
        var width: Double
        var height: Double
    }

    struct Metadata: Encodable, Sendable {
        var pages: Int
        var title: String?
        var author: String?
        var subject: String?
        var creator: String?
        var producer: String?
        var creationDate: String?
        var modificationDate: String?
        var pdfVersion: String?
        var encrypted: Bool
        /// In points.
        var pageSizes: [PageSize]?
    }

    /// Separates the pages in ``text``.
    static let pageSeparator = "\u{0C}"

    /// What the input was: pdf, png, jpeg, tiff, html or text.
    var kind: DocumentKind
    var pages: [Page]
    var metadata: Metadata
    /// With `format=markdown`: the headings, paragraphs and list items as Markdown.
    var markdown: String?
    /// With `format=html`: the same as a standalone HTML page.
    var html: String?

    /// All the text; PDF pages are separated by form feeds.
    var text: String { pages.map(\.text).joined(separator: Self.pageSeparator) }

    /// The length of ``text`` in UTF-8 bytes, without making it.
    var textBytes: Int { pages.reduce(0) { $0 + $1.text.utf8.count } + max(0, pages.count - 1) * Self.pageSeparator.utf8.count }

    /// The extraction with `blocks` written as `format` asks (unchanged for `text`).
    func formatted(_ format: ExtractionRequest.Format, blocks: @autoclosure () -> [TextBlock]) -> TextExtraction {
        var extraction = self
        switch format {
        case .text: break
        case .markdown: extraction.markdown = MarkdownWriter.markdown(blocks())
        case .html: extraction.html = HTMLWriter.html(blocks(), title: metadata.title)
        }
        return extraction
    }

    private enum CodingKeys: String, CodingKey { case kind, text, pages, metadata, markdown, html }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(text, forKey: .text)
        try container.encode(pages, forKey: .pages)
        try container.encode(metadata, forKey: .metadata)
        try container.encodeIfPresent(markdown, forKey: .markdown)
        try container.encodeIfPresent(html, forKey: .html)
    }
}
