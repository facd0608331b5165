import Hummingbird
import Logging

/// Turns every error a route throws into `{"error": {"code", "message"}}` with its status,
/// so callers never get Hummingbird's plain-text errors or a bare 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServiceError {
            if error.statusCode >= 500 {
                context.logger.error("request failed", metadata: ["code": "\(error.code)", "error": "\(error)"])
            }
            return JSONResponse.make(status: error.statusCode, value: error.jsonBody)
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            let code = status == 404 ? "not_found" : status == 405 ? "method_not_allowed" : "http_\(status)"
            let message = status == 404 ? "No route for \(request.method) \(request.uri.path)." : "\(error.status.reasonPhrase)"
            return JSONResponse.make(status: status, value: ["error": ["code": code, "message": message]])
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return JSONResponse.make(status: 500, value: ["error": ["code": "internal", "message": "Internal error: \(error)"]])
        }
    }
}
