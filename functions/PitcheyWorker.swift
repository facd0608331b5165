public import Outpost
public import Durable
import Foundation

/// The Pitchey Worker: `/health` and the ``PublicRoutes`` in the open, `/api/*` behind
/// authentication, a per-caller rate limit and CORS.
public struct PitcheyWorker: Worker {
    let startedAt = Date()
    let rateLimiter = RateLimiter()
    let healthCache = HealthCache()
    let services: ServiceRegistry
    let open = PublicRoutes.router()
    let api: WorkerRouter<APIContext>
    /// `GET /openapi.json`, made once from the services' descriptors.
    let openAPI: Body

    /// - Parameter services: the container services the API serves (Pitchey's by default).
    public init(services: ServiceRegistry = .pitchey) {
        self.services = services
        api = APIRoutes.router(services: services)
        openAPI = Body(OpenAPIDocument.make(services: services).serialized())
    }

    public func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        let start = ContinuousClock.now
        if request.path == "/health", request.method == .get || request.method == .head {
            // The route load balancers hit most: no routing, no storage.
            let response = HealthRoute.response(env: env, startedAt: startedAt, cache: healthCache)
            context.annotate("route", Self.healthRoute[request.method == .get ? 0 : 1])
            env.metrics.observe(PlatformMetricFamilies.httpDuration, Self.healthRoute[request.method == .get ? 0 : 1], "2xx", duration: .now - start)
            return response
        }
        // Found once: it labels the request's metrics and log line, and it runs the handler.
        let openRoute = open.resolve(request)
        let resolution: Resolution = openRoute.matchesPath ? .open(openRoute) : .api(api.resolve(request))
        let response = await respond(request, resolution: resolution, env: env, context: context)
        let route = route(of: request, resolution: resolution, context: context)
        // Time to the response's head (a stream's body may go on).
        env.metrics.observe(PlatformMetricFamilies.httpDuration, route, "\(response.status.code / 100)xx", duration: .now - start)
        return response
    }

    /// `/health`'s route labels, made once.
    private static let healthRoute = ["GET /health", "HEAD /health"]

    /// Cron triggers: a whole-node backup when `BACKUP_DIR` is set (see `ScheduledBackup`).
    public func scheduled(_ controller: ScheduledController, env: Env, context: ExecutionContext) async throws {
        try await ScheduledBackup.run(controller, env: env)
    }

    /// Which router takes a request, and how.
    private enum Resolution {
        case open(WorkerRouter<PublicRoutes.Context>.Resolution)
        case api(WorkerRouter<APIContext>.Resolution)
    }

    /// The route pattern `request` is counted and logged under (its method and pattern, never its
    /// path); a job's id goes to the access log too.
    private func route(of request: Request, resolution: Resolution, context: ExecutionContext) -> String {
        let route: String
        switch resolution {
        case .open(let found):
            route = found.pattern ?? "unmatched"
        case .api(let found):
            route = found.pattern ?? "unmatched"
            if let id = found.parameters?["id"], request.path.hasPrefix("/api/containers/jobs/") { context.annotate("jobId", id) }
        }
        context.annotate("route", route)
        return route
    }

    private func respond(_ request: Request, resolution: Resolution, env: Env, context: ExecutionContext) async -> Response {
        let cors = CORS(env["CORS_ORIGINS"])
        if request.method == .options { return cors.preflight(request) }
        do {
            return cors.decorate(try await route(request, resolution: resolution, env: env, context: context), for: request)
        } catch let limited as RateLimited {
            var response = limited.response
            response.headers[.retryAfter] = String(limited.retryAfter)
            return cors.decorate(response, for: request)
        } catch let error as any HTTPError {
            return cors.decorate(error.response, for: request)
        } catch {
            return cors.decorate(Response.jsonError(status: 500, code: "internal_error", message: "\(error)"), for: request)
        }
    }

    private func route(_ request: Request, resolution: Resolution, env: Env, context: ExecutionContext) async throws -> Response {
        let path = request.path
        let apiRoute: WorkerRouter<APIContext>.Resolution
        switch resolution {
        case .open(let found):
            let ctx = PublicRoutes.Context(env: env, services: services, openAPI: openAPI)
            if let response = try await open.handle(request, resolved: found, context: ctx) { return response }
            throw HTTPFailure.noRoute(request)
        case .api(let found):
            apiRoute = found
        }
        guard path == "/api" || path.hasPrefix("/api/") else {
            throw HTTPFailure.noRoute(request)
        }
        let now = Date().timeIntervalSince1970
        let caller = try await Authenticator(env: env, now: now).authenticate(request)
        context.annotate("caller", caller.id)
        let perMinute = Double(env["RATE_LIMIT_PER_MINUTE"] ?? "") ?? 600
        let burst = Double(env["RATE_LIMIT_BURST"] ?? "") ?? 60
        if let wait = rateLimiter.take(caller: caller.id, perMinute: perMinute, burst: burst, now: now) {
            throw RateLimited(retryAfter: wait)
        }
        let ctx = APIContext(caller: caller, env: env, execution: context, services: services)
        guard let response = try await api.handle(request, resolved: apiRoute, context: ctx) else {
            throw HTTPFailure.noRoute(request)
        }
        return response
    }
}

/// What every `/api/*` handler gets: the authenticated caller and the Worker's environment.
struct APIContext: Sendable {
    let caller: Caller
    let env: Env
    let execution: ExecutionContext
    let services: ServiceRegistry

    /// Throws 403 unless the caller is an admin.
    func requireAdmin() throws {
        guard caller.isAdmin else {
            throw AuthError.forbidden("Only admins may see this (role \(caller.role.rawValue)).")
        }
    }

    /// Throws 403 unless the caller may create or change things.
    func requireWrite() throws {
        guard caller.role.canWrite else {
            throw AuthError.forbidden("Role \(caller.role.rawValue) can read but not create or change jobs.")
        }
    }
}

/// The whole Pitchey deployment: the Worker and its exported classes.
public enum Pitchey {
    /// With the services Pitchey ships.
    public static var script: WorkerScript { script(services: .pitchey) }

    /// The Worker, the orchestrator and scheduler, and one Container class per service.
    public static func script(services: ServiceRegistry) -> WorkerScript {
        var classes = services.durableObjectFactories
        classes["ContainerOrchestrator"] = { state, env in try await ContainerOrchestrator(state: state, env: env, services: services) }
        classes["JobScheduler"] = { state, env in try await JobScheduler(state: state, env: env) }
        classes["PitchIndex"] = { state, env in try await PitchIndex(state: state, env: env) }
        classes["CodeDeployments"] = { state, env in try await CodeDeployments(state: state, env: env) }
        return WorkerScript(worker: PitcheyWorker(services: services), durableObjectFactories: classes)
    }
}
