import Foundation
import Outpost

/// `PUT /r2/<key>` streams the body into the `BUCKET` binding; `GET /r2/<key>` streams it back
/// (honouring Range and If-* headers); `DELETE /r2/<key>` deletes it.
enum R2Routes {
    static func handle(_ request: Request, env: Env) async throws -> Response {
        let bucket = try env.r2("BUCKET")
        let key = String(request.path.dropFirst("/r2/".count)).removingPercentEncoding ?? ""
        switch request.method {
        case .put:
            let options = R2PutOptions(onlyIf: R2Conditional(headers: request.headers), httpMetadata: R2HTTPMetadata(headers: request.headers))
            guard let object = try await bucket.put(key, body: request.body, options: options) else {
                return .jsonError(status: 412, code: "precondition_failed", message: "onlyIf did not hold for \(key)")
            }
            return .json(["key": .string(object.key), "etag": .string(object.etag), "size": .number(Double(object.size)), "version": .string(object.version)] as JSONValue)
        case .get, .head:
            guard let result = try await bucket.get(key, options: R2GetOptions(headers: request.headers)) else {
                return .jsonError(status: 404, code: "not_found", message: "no object \(key)")
            }
            var headers = HTTPFields()
            result.object.writeHttpMetadata(to: &headers)
            headers[.eTag] = result.object.httpEtag
            guard let found = result.objectBody else {
                return Response(status: request.headers[.ifNoneMatch] != nil ? 304 : 412, headers: headers)
            }
            let range = found.range ?? R2Range(offset: 0, length: found.size)
            headers[.contentLength] = String(range.length ?? found.size)
            let partial = request.headers[.range] != nil && (range.length ?? found.size) != found.size
            if partial, let offset = range.offset, let length = range.length {
                headers[.contentRange] = "bytes \(offset)-\(offset + length - 1)/\(found.size)"
            }
            return Response(status: partial ? 206 : 200, headers: headers, body: request.method == .head ? .empty : found.body)
        case .delete:
            try await bucket.delete(key)
            return .json(["deleted": .string(key)] as JSONValue)
        default:
            return .jsonError(status: 405, code: "method_not_allowed", message: "use GET, PUT or DELETE")
        }
    }
}
