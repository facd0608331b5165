import Durable
import Outpost

/// `GET /api/containers/instances` and `/costs` (admins), `GET /api/containers/queues` (any caller).
enum OperationsRoutes {
    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.get, "/api/containers/instances") { _, _, ctx in
            try ctx.requireAdmin()
            return .json(try await JobRoutes.orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.instances() })
        }
        r.on(.get, "/api/containers/queues") { _, _, ctx in
            .json(try await JobRoutes.orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.queues() })
        }
        r.on(.get, "/api/containers/costs") { _, _, ctx in
            try ctx.requireAdmin()
            return .json(try await JobRoutes.orchestrator(ctx).call(ContainerOrchestrator.self) { try await $0.costs() })
        }
    }
}
