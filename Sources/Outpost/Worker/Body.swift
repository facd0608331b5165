public import NIOCore
import AsyncAlgorithms
public import Foundation

/// A request or response body: empty, a buffer held in memory, or a stream read once.
///
/// Streams are never collected behind your back: a 1 GB upload flows through
/// `for try await chunk in body` in pieces. `bytes(upTo:)` and friends collect with a limit.
public struct Body: Sendable, AsyncSequence {
    public typealias Element = ByteBuffer

    enum Storage: Sendable {
        case empty
        case buffer(ByteBuffer)
        case stream(ByteStream)
    }

    let storage: Storage

    /// The length when known without reading the body.
    public let knownLength: Int?

    public static let empty = Body(storage: .empty, knownLength: 0)

    init(storage: Storage, knownLength: Int?) {
        self.storage = storage
        self.knownLength = knownLength
    }

    public init(_ buffer: ByteBuffer) {
        self.init(storage: .buffer(buffer), knownLength: buffer.readableBytes)
    }

    public init(_ string: String) {
        self.init(ByteBuffer(string: string))
    }

    public init(bytes: some Sequence<UInt8>) {
        self.init(ByteBuffer(bytes: bytes))
    }

    public init(data: Data) {
        self.init(ByteBuffer(bytes: data))
    }

    /// A body streamed from `sequence`, read at most once.
    public init<S: AsyncSequence & Sendable>(stream sequence: S, length: Int? = nil) where S.Element == ByteBuffer {
        self.init(storage: .stream(ByteStream(sequence)), knownLength: length)
    }

    /// A body produced by `writer`, which gets a function to emit each chunk.
    /// The writer runs when the body is first read; each `write` waits until the reader takes
    /// the chunk, so a slow reader slows the writer instead of buffering without bound.
    public init(length: Int? = nil, writer: @escaping @Sendable (BodyWriter) async throws -> Void) {
        let channel = AsyncThrowingChannel<ByteBuffer, any Error>()
        let task = BodyWriterTask(writer: writer, channel: channel)
        self.init(storage: .stream(ByteStream(producer: task, channel: channel)), knownLength: length)
    }

    public var isEmpty: Bool {
        if case .empty = storage { return true }
        return knownLength == 0
    }

    public func makeAsyncIterator() -> Iterator {
        switch storage {
        case .empty: Iterator(state: .done)
        case .buffer(let b): Iterator(state: b.readableBytes == 0 ? .done : .buffer(b))
        case .stream(let s): Iterator(state: .stream(s.makeIterator()))
        }
    }

    public struct Iterator: AsyncIteratorProtocol {
        enum State {
            case done
            case buffer(ByteBuffer)
            case stream(ByteStream.Iterator)
        }
        var state: State

        public mutating func next() async throws -> ByteBuffer? {
            switch state {
            case .done: return nil
            case .buffer(let b):
                state = .done
                return b
            case .stream(let it):
                let chunk = try await it.next()
                if chunk == nil { state = .done }
                return chunk
            }
        }
    }

    /// Collects the whole body, failing with `BodyTooLargeError` past `maxSize` bytes.
    public func collect(upTo maxSize: Int = Int.max) async throws -> ByteBuffer {
        switch storage {
        case .empty: return ByteBuffer()
        case .buffer(let b):
            guard b.readableBytes <= maxSize else { throw BodyTooLargeError(limit: maxSize) }
            return b
        case .stream:
            var out = ByteBuffer()
            if let knownLength, knownLength <= maxSize { out.reserveCapacity(knownLength) }
            for try await var chunk in self {
                guard out.readableBytes + chunk.readableBytes <= maxSize else { throw BodyTooLargeError(limit: maxSize) }
                out.writeBuffer(&chunk)
            }
            return out
        }
    }

    public func bytes(upTo maxSize: Int = Int.max) async throws -> [UInt8] {
        let buffer = try await collect(upTo: maxSize)
        return Array(buffer.readableBytesView)
    }

    public func text(upTo maxSize: Int = Int.max) async throws -> String {
        let buffer = try await collect(upTo: maxSize)
        return String(buffer: buffer)
    }

    /// Decodes the body as JSON; a malformed body throws `InvalidJSONError` (a 400).
    public func json<T: Decodable>(_ type: T.Type = T.self, upTo maxSize: Int = 10 << 20) async throws -> T {
        let buffer = try await collect(upTo: maxSize)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw InvalidJSONError(error)
        }
    }

    /// Parses the body as a `JSONValue` with the runtime's own parser (no `Decoder`); chosen over
    /// the generic `json()` whenever a `JSONValue` is wanted. Malformed JSON throws
    /// `InvalidJSONError` (a 400).
    public func json(_ type: JSONValue.Type = JSONValue.self, upTo maxSize: Int = 10 << 20) async throws -> JSONValue {
        let buffer = try await collect(upTo: maxSize)
        do {
            return try JSONValue.parse(Array(buffer.readableBytesView))
        } catch {
            throw InvalidJSONError(detail: "\(error)")
        }
    }
}

/// Emits the chunks of a body built with `Body(writer:)`.
public struct BodyWriter: Sendable {
    let channel: AsyncThrowingChannel<ByteBuffer, any Error>

    /// Hands `buffer` to the reader, waiting until it is taken.
    public func write(_ buffer: ByteBuffer) async {
        await channel.send(buffer)
    }

    public func write(_ string: String) async {
        await channel.send(ByteBuffer(string: string))
    }
}

/// A body larger than the caller allowed.
public struct BodyTooLargeError: HTTPError {
    public let limit: Int
    public var status: Int { 413 }
    public var code: String { "payload_too_large" }
    public var message: String { "Request body exceeds the limit of \(limit) bytes." }
}

/// A JSON body that does not decode.
public struct InvalidJSONError: HTTPError {
    public let detail: String
    public var status: Int { 400 }
    public var code: String { "invalid_json" }
    public var message: String { "Malformed JSON body: \(detail)" }

    init(detail: String) {
        self.detail = detail
    }

    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let ctx):
            detail = "missing field '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            detail = "wrong type for '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let ctx):
            detail = ctx.codingPath.isEmpty ? "not valid JSON" : "bad value for '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))'"
        @unknown default:
            detail = "\(error)"
        }
    }
}
