/// The `extract-text` result of a document whose text is longer than
/// ``DocumentProcessorDescriptor/maxInlineTextBytes``: what it is and how long, with the whole
/// extraction in the output `extraction.json` (``ExtractionFile``), so a long text never sits in
/// the job's record. `{"kind", "metadata" (without pageSizes), "textBytes", "textOutput"}`.
struct ExtractionSummary: Encodable, Sendable {
    var kind: DocumentKind
    /// The document's metadata; page sizes are in the output.
    var metadata: TextExtraction.Metadata
    /// The length of the text in UTF-8 bytes.
    var textBytes: Int
    /// The output holding the whole extraction.
    var textOutput: String

    init(_ extraction: TextExtraction) {
        kind = extraction.kind
        metadata = extraction.metadata
        metadata.pageSizes = nil
        textBytes = extraction.textBytes
        textOutput = ExtractionFile.outputName
    }
}
