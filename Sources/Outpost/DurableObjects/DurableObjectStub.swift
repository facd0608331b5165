/// A client for one Durable Object: `fetch` and typed RPC. Calls made one after another through
/// a stub arrive in that order; an error thrown in the object is thrown here.
public struct DurableObjectStub: Sendable {
    public let id: DurableObjectId
    let host: DurableObjectHost

    /// The name, when the id came from `idFromName`.
    public var name: String? { id.name }

    /// Sends `request` to the object's `fetch`. Returns once the writes made before the
    /// response are durable.
    public func fetch(_ request: Request) async throws -> Response {
        try await host.fetch(id, request)
    }

    /// Sends a request built from parts; `url` may be a path.
    public func fetch(_ url: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: Body = .empty) async throws -> Response {
        try await fetch(Request(method: method, url: url, headers: headers, body: body))
    }

    /// Calls into the object as a `O` (typed RPC), activating it if needed. The result is
    /// returned once the writes made before it are durable.
    ///
    /// ```swift
    /// let n = try await stub.call { (counter: Counter) in try await counter.increment() }
    /// ```
    public func call<O: DurableObject, T: Sendable>(_ type: O.Type = O.self, _ body: @Sendable (O) async throws -> T) async throws -> T {
        try await host.call(id, as: O.self, body)
    }
}
