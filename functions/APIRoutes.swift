import Durable
import Outpost
import ServiceDescriptors

/// The `/api/*` routes.
enum APIRoutes {
    static func router(services: ServiceRegistry) -> WorkerRouter<APIContext> {
        var r = WorkerRouter<APIContext>()
        r.on(.get, "/api/me") { _, _, ctx in
            .json(["id": .string(ctx.caller.id), "role": .string(ctx.caller.role.rawValue)] as JSONValue)
        }
        r.on(.post, "/api/containers/uploads") { request, _, ctx in try await UploadRoute.handle(request, ctx: ctx) }
        JobRoutes.add(to: &r)
        OperationsRoutes.add(to: &r)
        DashboardRoutes.add(to: &r)
        StreamRoutes.add(to: &r)
        LiveIngestRoutes.add(to: &r)
        SimilarRoute.add(to: &r)
        if services.service(apiName: DocumentTemplateRoutes.service.apiName) != nil { DocumentTemplateRoutes.add(to: &r) }
        if services.service(apiName: CodeDeploymentRoutes.service.apiName) != nil { CodeDeploymentRoutes.add(to: &r) }
        // Last: the generic service routes (and their 404s for unknown services) come after every fixed path.
        ServiceRoutes.add(to: &r, services: services)
        return r
    }
}
