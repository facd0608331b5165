public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// A response as a service's tests look at it.
public struct HTTPReply: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public var text: String { String(decoding: body, as: UTF8.self) }

    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text.prefix(300))")
        }
        return object
    }

    /// The `error.code` of a JSON error body.
    public var errorCode: String? { ((try? json())?["error"] as? [String: Any])?["code"] as? String }

    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// A minimal HTTP client for tests that talk to a service process (URLSession).
public enum ServiceHTTP {
    public static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        // A hang guard, not a deadline: the longest silence a loaded machine may keep a job's answer.
        configuration.timeoutIntervalForRequest = HangGuard.seconds
        return URLSession(configuration: configuration)
    }()

    public static func send(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        let (data, response): (Data, URLResponse)
        if let body {
            (data, response) = try await session.upload(for: request, from: body)
        } else {
            (data, response) = try await session.data(for: request)
        }
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return HTTPReply(status: http.statusCode, headers: fields, body: data)
    }

    public static func postJSON(_ url: String, _ object: [String: Any], headers: [String: String] = [:]) async throws -> HTTPReply {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try await send("POST", url, body: body, headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a })
    }

    public static func postRaw(_ url: String, _ body: Data, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await send("POST", url, body: body, headers: headers.merging(["Content-Type": "application/octet-stream"]) { a, _ in a })
    }

    /// Polls `url` until it answers 200 (an event, not a fixed sleep), or fails after `timeout`.
    public static func waitUntilAvailable(_ url: String, timeout: Duration = HangGuard.duration, while alive: () -> Bool = { true }) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let reply = try? await send("GET", url), reply.status == 200 { return }
            guard alive() else { throw TestFailure("\(url): the server exited before answering") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("\(url) did not answer within \(timeout)")
    }
}

/// A test's own failure, with what went wrong.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
