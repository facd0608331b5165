import Foundation
import PDFText

/// The whole `extract-text` result of a long document as a file, the output `extraction.json`:
/// the same JSON object a shorter document's `result` is (`kind`, `text`, `pages`, `metadata`;
/// Markdown or HTML go in their own outputs), written page by page, so neither it nor its
/// encoding is ever held in memory whole.
enum ExtractionFile {
    /// The output's name.
    static let outputName = "extraction"
    /// Bytes gathered before each write.
    private static let chunkBytes = 256 * 1024

    /// Writes `extraction` to a new file in `directory` and returns its path.
    static func write(_ extraction: TextExtraction, directory: String) throws(DocumentError) -> String {
        let path = directory + "/extraction-" + UUID().uuidString.prefix(12) + ".json"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw .renderFailed("Could not write the extraction to \(path).")
        }
        defer { try? handle.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var pending = Data()
        func flush(_ force: Bool = false) throws {
            guard force || pending.count >= chunkBytes else { return }
            try handle.write(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
        }
        do {
            // Keys in the order the service's encoder sorts them.
            pending.append(contentsOf: #"{"kind":"#.utf8)
            pending.append(try encoder.encode(extraction.kind))
            pending.append(contentsOf: #","metadata":"#.utf8)
            pending.append(try encoder.encode(extraction.metadata))
            pending.append(contentsOf: #","pages":["#.utf8)
            for (index, page) in extraction.pages.enumerated() {
                if index > 0 { pending.append(UInt8(ascii: ",")) }
                pending.append(try encoder.encode(page))
                try flush()
            }
            pending.append(contentsOf: #"],"text":""#.utf8)
            let separator = try encoder.encode(TextExtraction.pageSeparator).dropFirst().dropLast()
            for (index, page) in extraction.pages.enumerated() {
                if index > 0 { pending.append(contentsOf: separator) }
                // A JSON string's inside: its encoding without the quotes.
                pending.append(contentsOf: try encoder.encode(page.text).dropFirst().dropLast())
                try flush()
            }
            pending.append(contentsOf: #""}"#.utf8)
            try flush(true)
        } catch {
            unlink(path)
            throw .renderFailed("Could not write the extraction: \(error)")
        }
        return path
    }
}
