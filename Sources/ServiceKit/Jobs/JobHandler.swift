public import Hummingbird

/// A container service's work: the operations it runs and any extra routes it serves.
///
/// ``ContainerService`` does the HTTP, input fetching, scratch files, output delivery, errors
/// and progress; a handler only turns a ``Job`` into a ``JobResult``.
public protocol JobHandler: Sendable {
    /// The operations this service accepts, e.g. `["analyze", "thumbnail"]`.
    var operations: [String] { get }

    /// Whether `operation` reads an input. Defaults to true.
    func needsInput(_ operation: String) -> Bool

    /// Checks parameters before any input is fetched, so a bad request fails fast with a 400.
    func validate(operation: String, parameters: JobParameters) throws(ServiceError)

    /// Runs one job. Throw a ``ServiceError`` (4xx for bad input) to fail it.
    func run(_ job: Job, context: JobContext) async throws -> JobResult

    /// Adds service-specific routes (for example `GET /formats`).
    func addRoutes(to router: Router<BasicRequestContext>)
}

extension JobHandler {
    public func needsInput(_ operation: String) -> Bool { true }
    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {}
    public func addRoutes(to router: Router<BasicRequestContext>) {}
}
