import NoopDescriptor
import ServiceKit

/// The no-op service's one operation: the job's label back, at once.
struct NoopHandler: JobHandler {
    var descriptor: ServiceDescriptor? { NoopDescriptor.service }

    func run(_ job: Job, context: JobContext) async throws -> JobResult {
        .json(["label": try job.parameters.string("label") ?? ""])
    }
}

await ContainerService.main(NoopHandler())
