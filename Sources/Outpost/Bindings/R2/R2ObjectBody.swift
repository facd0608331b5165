
/// An object with its body, as returned by `get`. The body streams from disk and is read once.
@dynamicMemberLookup
public struct R2ObjectBody: Sendable {
    /// The object's metadata, with `range` set to the bytes in `body`.
    public let object: R2Object
    /// The selected bytes (the range, or the whole object), streamed in chunks of at most 64 KiB.
    public let body: Body

    public subscript<T>(dynamicMember keyPath: KeyPath<R2Object, T>) -> T { object[keyPath: keyPath] }

    /// Reads the body as text.
    public func text() async throws -> String { try await body.text() }

    /// Reads the body into memory.
    public func bytes() async throws -> [UInt8] { try await body.bytes() }

    /// Reads the body as JSON.
    public func json() async throws -> JSONValue { try JSONValue.parse(try await body.bytes()) }
}

/// What `get` with options returns: the object with its body, or, when `onlyIf` failed, its
/// metadata only (Workers returns an `R2Object` without `body`).
public enum R2GetResult: Sendable {
    case body(R2ObjectBody)
    case preconditionFailed(R2Object)

    /// The object's metadata, in both cases.
    public var object: R2Object {
        switch self {
        case .body(let b): b.object
        case .preconditionFailed(let o): o
        }
    }

    /// The object with its body, or nil when a condition failed.
    public var objectBody: R2ObjectBody? {
        if case .body(let b) = self { return b }
        return nil
    }
}
