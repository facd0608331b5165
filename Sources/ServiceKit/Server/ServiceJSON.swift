public import Hummingbird

/// JSON responses for a service's own routes, encoded the same way as the job responses.
public enum ServiceJSON {
    /// A response with `value` as its JSON body.
    public static func response(_ value: some Encodable, status: Int = 200) throws -> Response {
        JSONResponse.make(status: status, value: value)
    }
}
