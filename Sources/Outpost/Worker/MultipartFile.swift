public import NIOCore
import Foundation
import NIOConcurrencyHelpers

/// One file field of a `multipart/form-data` body, its bytes streamed as they arrive.
public struct MultipartFile: Sendable {
    /// The form field name.
    public let name: String
    public let filename: String?
    public let contentType: String?
    /// The field's content, read once; it ends where the part ends.
    public let body: Body
}

/// A multipart body that cannot be read.
public struct MultipartError: HTTPError {
    public let message: String
    public var status: Int { 400 }
    public var code: String { "invalid_multipart" }
}

extension Request {
    /// The boundary of a `multipart/form-data` request, or nil for other content types.
    public var multipartBoundary: String? {
        guard let type = contentType, type.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for param in type.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" {
                return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// Finds the field `name` in a `multipart/form-data` body without buffering it: the parts
    /// before it are skipped as they stream past, and its content streams through `body`.
    ///
    /// Returns nil when the body has no such field. The request body is consumed.
    public func multipartFile(named name: String) async throws -> MultipartFile? {
        guard let boundary = multipartBoundary, !boundary.isEmpty else {
            throw MultipartError(message: "Content-Type must be multipart/form-data with a boundary.")
        }
        let reader = MultipartReader(body: body, boundary: boundary)
        while let part = try await reader.nextPartHeaders() {
            if part.name == name {
                let file = MultipartFile(name: part.name, filename: part.filename, contentType: part.contentType, body: Body { writer in
                    try await reader.streamPartContent { await writer.write($0) }
                })
                return file
            }
            try await reader.streamPartContent { _ in }
        }
        return nil
    }
}

/// A streaming `multipart/form-data` parser: headers of each part, then its content in pieces,
/// holding back only as many bytes as could be the start of the next delimiter.
///
/// @unchecked Sendable: used by one task at a time (the route, then the body's reader), in sequence.
final class MultipartReader: @unchecked Sendable {
    struct PartHeaders {
        var name = ""
        var filename: String?
        var contentType: String?
    }

    private var iterator: Body.Iterator
    private var pending: [UInt8] = []
    private var finished = false
    private var sawFirstBoundary = false
    private let delimiter: [UInt8]        // "\r\n--boundary"
    private let maxHeaderBytes = 16 * 1024

    init(body: Body, boundary: String) {
        iterator = body.makeAsyncIterator()
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    private func fill() async throws -> Bool {
        guard let chunk = try await iterator.next() else { return false }
        pending.append(contentsOf: chunk.readableBytesView)
        return true
    }

    /// Reads up to and including the next part's blank line; nil after the closing delimiter.
    func nextPartHeaders() async throws -> PartHeaders? {
        if finished { return nil }
        if !sawFirstBoundary {
            // The body starts with "--boundary" (the delimiter without its CRLF), maybe after a preamble.
            pending = Array("\r\n".utf8) + pending
            while true {
                if let i = Self.find(delimiter, in: pending) {
                    pending.removeFirst(i + delimiter.count)
                    break
                }
                // Search what arrived before giving up: one chunk may hold the whole body.
                if pending.count > maxHeaderBytes + delimiter.count {
                    throw MultipartError(message: "The multipart body has no opening boundary.")
                }
                guard try await fill() else { throw MultipartError(message: "The multipart body has no opening boundary.") }
            }
            sawFirstBoundary = true
        }
        // After a delimiter: "--" closes the body, "\r\n" starts a part.
        while pending.count < 2 {
            guard try await fill() else { throw MultipartError(message: "The multipart body ends without its closing boundary.") }
        }
        if pending[0] == UInt8(ascii: "-"), pending[1] == UInt8(ascii: "-") {
            finished = true
            return nil
        }
        let crlfcrlf = Array("\r\n\r\n".utf8)
        while Self.find(crlfcrlf, in: pending) == nil {
            guard pending.count <= maxHeaderBytes else { throw MultipartError(message: "A multipart part's headers exceed 16 KiB.") }
            guard try await fill() else { throw MultipartError(message: "The multipart body ends inside a part's headers.") }
        }
        let end = Self.find(crlfcrlf, in: pending)!
        let headerText = String(decoding: pending[0..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        var part = PartHeaders()
        for line in headerText.split(separator: "\r\n") {
            let pieces = line.split(separator: ":", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let field = pieces[0].trimmingCharacters(in: .whitespaces).lowercased()
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            if field == "content-type" { part.contentType = value }
            if field == "content-disposition" {
                for param in value.split(separator: ";").dropFirst() {
                    let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if kv[0] == "name" { part.name = v }
                    if kv[0] == "filename" { part.filename = v }
                }
            }
        }
        return part
    }

    /// Streams the current part's content to `emit`, stopping at (and consuming) the next delimiter.
    func streamPartContent(_ emit: (ByteBuffer) async throws -> Void) async throws {
        while true {
            if let i = Self.find(delimiter, in: pending) {
                if i > 0 { try await emit(ByteBuffer(bytes: pending[0..<i])) }
                pending.removeFirst(i + delimiter.count)
                return
            }
            // Everything but a possible delimiter prefix at the end is content.
            let safe = pending.count - (delimiter.count - 1)
            if safe > 0 {
                try await emit(ByteBuffer(bytes: pending[0..<safe]))
                pending.removeFirst(safe)
            }
            guard try await fill() else { throw MultipartError(message: "The multipart body ends inside a part.") }
        }
    }

    /// The first index of `needle` in `haystack` (a first-byte scan, then a compare).
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        let n = needle.count
        guard n > 0, haystack.count >= n else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { nd in
                let first = nd[0]
                var i = 0
                let last = h.count - n
                while i <= last {
                    if h[i] == first, memcmp(h.baseAddress! + i, nd.baseAddress!, n) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }
}
