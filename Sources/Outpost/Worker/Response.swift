public import HTTPTypes
public import NIOCore
public import Foundation

/// An outgoing HTTP response, shaped like the Workers `Response`.
public struct Response: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: Body

    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, headers: HTTPFields = [:], body: Body = .empty) {
        self.init(status: HTTPResponse.Status(code: status), headers: headers, body: body)
    }

    /// A text response.
    public static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: Body(text))
    }

    /// A JSON response encoding `value`.
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONCoding.encoder.encode(value)) ?? Data("null".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: Body(data: data))
    }

    /// A JSON response from a dictionary-like `JSONValue`.
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: Body(value.serialized()))
    }

    /// The standard error shape: `{"error": {"code", "message"}}`.
    public static func jsonError(status: Int, code: String, message: String) -> Response {
        json(.object(["error": .object(["code": .string(code), "message": .string(message)])]), status: .init(code: status))
    }

    public func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}

/// Shared JSON coders configured the way the Workers world expects (sorted keys for stable output).
public enum JSONCoding {
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
    public static var decoder: JSONDecoder { JSONDecoder() }
}
