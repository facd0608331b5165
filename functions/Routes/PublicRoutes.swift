import Durable
import Outpost

/// The routes served before authentication, each with its own reason to be open:
///
/// - `GET /metrics` (Prometheus scrapes without a credential) and `GET /openapi.json`;
/// - `GET /dashboard` and its files (``DashboardRoutes``: they hold no data);
/// - `GET /streams/{id}/{file}` (``StreamRoutes``: a signed `?token=` or the usual auth, checked there);
/// - `POST|PUT /api/media/live/{id}/ingest?key=` (``LiveIngestRoutes``: the stream key is the credential).
///
/// `GET /health` answers before any routing (``PitcheyWorker``). Everything else is `/api/*`, behind
/// authentication and the rate limit (``APIRoutes``).
enum PublicRoutes {
    /// What an open route gets: the Worker's environment, its services and the OpenAPI document.
    struct Context: Sendable {
        let env: Env
        let services: ServiceRegistry
        let openAPI: Body
    }

    static func router() -> WorkerRouter<Context> {
        var r = WorkerRouter<Context>()
        r.on(.get, "/metrics") { _, _, ctx in
            .text(ctx.env.metrics.exposition(describing: PlatformMetricFamilies.all), contentType: Metrics.contentType)
        }
        r.on(.get, "/openapi.json") { _, _, ctx in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ctx.openAPI)
        }
        for pattern in ["/dashboard", "/dashboard/*file"] {
            r.on(.get, pattern) { request, _, _ in
                guard let page = DashboardRoutes.page(request) else { throw HTTPFailure.noRoute(request) }
                return page
            }
        }
        r.on(.get, "/streams/:id/:file") { request, params, ctx in
            try await StreamRoutes.playback(request, id: params["id"] ?? "", file: params["file"] ?? "", env: ctx.env)
        }
        for method in [HTTPRequest.Method.post, .put] {
            r.on(method, "/api/media/live/:id/ingest") { request, params, ctx in
                try await LiveIngestRoutes.ingest(request, id: params["id"] ?? "", env: ctx.env, services: ctx.services)
            }
        }
        return r
    }
}
