import NIOCore
import Foundation

/// How a message body is serialized (`contentType` in `send`).
public enum QueueContentType: String, Sendable, Hashable, CaseIterable {
    case json
    case text
    case bytes
    /// Structured clone in Workers; stored as JSON here (Swift values have no V8 form).
    case v8

    /// The form stored and delivered: `v8` travels as JSON.
    var stored: QueueContentType { self == .v8 ? .json : self }

    /// Serializes `body` for this content type.
    func encode(_ body: any Encodable & Sendable) throws -> [UInt8] {
        switch self {
        case .json, .v8:
            if let json = body as? JSONValue { return Array(json.serialized().utf8) }
            do { return Array(try JSONCoding.encoder.encode(body)) } catch { throw QueueError.notJSON(error) }
        case .text:
            if let s = body as? String { return Array(s.utf8) }
            if let s = body as? Substring { return Array(s.utf8) }
            throw QueueError.invalidBody(self, "\(type(of: body))")
        case .bytes:
            if let b = body as? [UInt8] { return b }
            if let d = body as? Data { return Array(d) }
            if let b = body as? ByteBuffer { return Array(b.readableBytesView) }
            throw QueueError.invalidBody(self, "\(type(of: body))")
        }
    }
}

/// A delivered message body, decoded per its content type.
public enum MessageBody: Sendable, Hashable {
    case json(JSONValue)
    case text(String)
    case bytes([UInt8])

    init(stored bytes: [UInt8], contentType: QueueContentType) {
        switch contentType {
        case .text: self = .text(String(decoding: bytes, as: UTF8.self))
        case .bytes: self = .bytes(bytes)
        case .json, .v8: self = (try? JSONValue.parse(bytes)).map(MessageBody.json) ?? .bytes(bytes)
        }
    }

    /// The JSON value, for `json` (and `v8`) messages.
    public var json: JSONValue? { if case .json(let v) = self { v } else { nil } }
    /// The text, for `text` messages (or a JSON string).
    public var text: String? {
        switch self {
        case .text(let s): s
        case .json(let v): v.stringValue
        case .bytes: nil
        }
    }
    /// The raw bytes, for `bytes` messages.
    public var bytes: [UInt8]? { if case .bytes(let b) = self { b } else { nil } }
}
