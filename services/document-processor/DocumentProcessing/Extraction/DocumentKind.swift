import Foundation
import PDFText

/// What an input is, from its first bytes (inputs arrive without a name).
enum DocumentKind: String, Sendable, Encodable {
    case pdf
    case png
    case jpeg
    case tiff
    case docx
    case html
    case text

    /// The kind of the file at `path`, or nil when it is not a document the service reads.
    static func detect(path: String) throws(DocumentError) -> DocumentKind {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable("The input could not be read.") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
        if head.isEmpty { throw .unreadable("The input is empty.") }
        if Self.find(Array("%PDF-".utf8), in: head.prefix(1024)) { return .pdf }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x49, 0x49, 0x2A, 0x00]) || head.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .docx }
        // Text: valid UTF-8 (a multi-byte character may be cut at the end of the sample) without NULs.
        guard !head.contains(0), String(validating: head.prefix(max(0, head.count - 4)), as: UTF8.self) != nil else {
            throw .unreadable("The input is not a document this service reads (PDF, PNG, JPEG, TIFF, HTML, Markdown or text).")
        }
        let sample = String(decoding: head, as: UTF8.self).lowercased()
        if sample.contains("<html") || sample.contains("<!doctype html") || sample.contains("<body") || sample.contains("<p>") { return .html }
        return .text
    }

    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
