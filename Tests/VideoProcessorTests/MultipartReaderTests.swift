import Foundation
import OutpostTesting
@testable import ServiceKit
import Testing

/// ServiceKit's streaming `multipart/form-data` reader: the same parts whatever the chunking
/// (delimiters split anywhere, byte by byte), bodies from an independent encoder (Python's
/// urllib3), bounded holding-back of content, and malformed bodies refused with a 4xx.
@Suite("Multipart reader")
struct MultipartReaderTests {
    /// One part as read back: name, file name, content type, content.
    struct ReadPart: Equatable {
        var name: String
        var filename: String?
        var contentType: String?
        var content: [UInt8]
    }

    /// Reads `body` fed in `chunks` (cut at these offsets); every part and its content.
    static func read(_ body: [UInt8], boundary: String, cuts: [Int]) throws -> [ReadPart] {
        var reader = MultipartReader(boundary: boundary)
        var parts: [ReadPart] = []
        var open = false
        var start = 0
        for cut in cuts + [body.count] where cut >= start {
            for event in try reader.feed(body[start..<cut]) {
                switch event {
                case .part(let header):
                    #expect(!open, "a part began before the previous one ended")
                    parts.append(ReadPart(name: header.name, filename: header.filename, contentType: header.contentType, content: []))
                    open = true
                case .content(let bytes):
                    #expect(open)
                    parts[parts.count - 1].content += bytes
                case .end:
                    open = false
                }
            }
            start = cut
        }
        try reader.finish()
        return parts
    }

    static let boundary = "----OutpostBoundary7MA4YWxkTrZu0gW"

    /// Content that comes close to the delimiter without being one, an empty part, and CRLFs.
    static let expected: [ReadPart] = [
        ReadPart(name: "input", filename: "clip.mp4", contentType: "video/mp4", content: Array("\r\n------OutpostBoundary7MA4YWxkTrZu0g\r\n--".utf8) + (0...255).map(UInt8.init)),
        ReadPart(name: "keys", filename: "a \"quoted\" name.pdf", contentType: "application/pdf", content: []),
        ReadPart(name: "keys", filename: "b.pdf", contentType: nil, content: Array("\r\n\r\n".utf8)),
    ]

    /// The body of ``expected``, written out byte by byte (with a preamble and an epilogue).
    static func body() -> [UInt8] {
        var bytes = Array("a preamble, ignored\r\n".utf8)
        for part in expected {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"" + filename.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            head += "\r\n"
            bytes += Array(head.utf8) + part.content + Array("\r\n".utf8)
        }
        return bytes + Array("--\(boundary)--\r\nan epilogue, ignored".utf8)
    }

    @Test func everySplitOfTheBodyGivesTheSameParts() throws {
        let body = Self.body()
        #expect(try Self.read(body, boundary: Self.boundary, cuts: []) == Self.expected)
        // Two chunks, cut at every offset: many cuts fall inside a delimiter or a header block.
        for cut in 0...body.count {
            #expect(try Self.read(body, boundary: Self.boundary, cuts: [cut]) == Self.expected, "cut at \(cut)")
        }
        // One byte at a time.
        #expect(try Self.read(body, boundary: Self.boundary, cuts: Array(0...body.count)) == Self.expected)
        // Three chunks, cut around every delimiter.
        let delimiter = Array("--\(Self.boundary)".utf8)
        var starts: [Int] = []
        for index in 0...(body.count - delimiter.count) where body[index..<(index + delimiter.count)].elementsEqual(delimiter) { starts.append(index) }
        #expect(starts.count == 4)
        for start in starts {
            for a in (start - 3)...(start + delimiter.count + 3) {
                for b in stride(from: a, through: start + delimiter.count + 5, by: 7) {
                    #expect(try Self.read(body, boundary: Self.boundary, cuts: [a, b]) == Self.expected, "cuts at \(a), \(b)")
                }
            }
        }
    }

    @Test func readsWhatPythonsUrllib3Encodes() throws {
        // An independent encoder: urllib3's encode_multipart_formdata, with its own random boundary.
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let script = """
        import sys, urllib3
        body, ctype = urllib3.encode_multipart_formdata([
            ("input", ("movie.mov", bytes(range(256)) * 40, "video/quicktime")),
            ("keys", ("first.pdf", b"%PDF-1.4 first", "application/pdf")),
            ("keys", ("second.pdf", b"%PDF-1.4 second\\r\\n", "application/pdf")),
        ])
        open(sys.argv[1], "wb").write(body)
        print(ctype)
        """
        let output = scratch.file("body")
        let contentType = try ChildProcess.output(of: "/usr/bin/env", ["python3", "-c", script, output]).trimmingCharacters(in: .whitespacesAndNewlines)
        let boundary = try #require(MultipartReader.boundary(contentType: contentType), "\(contentType)")
        let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: output)))
        for cuts in [[], [100], Array(stride(from: 0, to: body.count, by: 997)), Array(stride(from: 0, to: body.count, by: 13))] {
            let parts = try Self.read(body, boundary: boundary, cuts: cuts)
            #expect(parts.map(\.name) == ["input", "keys", "keys"])
            #expect(parts.map(\.filename) == ["movie.mov", "first.pdf", "second.pdf"])
            #expect(parts.map(\.contentType) == ["video/quicktime", "application/pdf", "application/pdf"])
            #expect(parts[0].content == Array(repeating: (0...255).map(UInt8.init), count: 40).flatMap { $0 })
            #expect(parts[2].content == Array("%PDF-1.4 second\r\n".utf8))
        }
    }

    @Test func contentIsPassedOnAsItArrivesNotCollected() throws {
        var reader = MultipartReader(boundary: Self.boundary)
        let head = Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"input\"; filename=\"big\"\r\n\r\n".utf8)
        _ = try reader.feed(head)
        let chunk = [UInt8](repeating: 0x2D, count: 64 << 10)  // all '-': the worst case for a delimiter search
        var fed = 0
        var passed = 0
        for _ in 0..<32 {
            fed += chunk.count
            for case .content(let bytes) in try reader.feed(chunk) { passed += bytes.count }
            // Only what could be the start of a delimiter is held back.
            #expect(fed - passed < Self.boundary.utf8.count + 4)
        }
        var ended = false
        for event in try reader.feed(Array("\r\n--\(Self.boundary)--\r\n".utf8)) {
            if case .content(let bytes) = event { passed += bytes.count }
            if case .end = event { ended = true }
        }
        #expect(ended && passed == fed)
        try reader.finish()
    }

    @Test func malformedBodiesAreRefusedWithAClearStatus() throws {
        let part = "--b\r\nContent-Disposition: form-data; name=\"keys\"; filename=\"x\"\r\n\r\ndata\r\n"
        // Truncated: no closing delimiter.
        #expect(throws: ServiceError.self) { try Self.read(Array(part.utf8), boundary: "b", cuts: []) }
        do {
            _ = try Self.read(Array(part.utf8), boundary: "b", cuts: [])
        } catch let error as ServiceError {
            #expect(error.statusCode == 400 && error.code == "invalid_multipart" && error.message.contains("truncated"))
        }
        // No delimiter at all.
        #expect(throws: ServiceError.self) { try Self.read(Array("just bytes".utf8), boundary: "b", cuts: []) }
        // A part without a name.
        let nameless = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"
        #expect(throws: ServiceError.self) { try Self.read(Array(nameless.utf8), boundary: "b", cuts: []) }
        // Garbage after a delimiter.
        #expect(throws: ServiceError.self) { try Self.read(Array("--bXY\r\n".utf8), boundary: "b", cuts: []) }
        // Too many parts: a 413 once the limit is passed.
        var reader = MultipartReader(boundary: "b", maxParts: 3)
        do {
            _ = try reader.feed(Array((String(repeating: part, count: 4) + "--b--").utf8))
            Issue.record("four parts were read with a limit of three")
        } catch {
            #expect(error.statusCode == 413 && error.code == "too_many_parts")
        }
        // Content types without a usable boundary.
        #expect(MultipartReader.boundary(contentType: "multipart/form-data") == nil)
        #expect(MultipartReader.boundary(contentType: "application/octet-stream; boundary=x") == nil)
        #expect(MultipartReader.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
    }
}
