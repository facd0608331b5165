public import Hummingbird

/// A container service's work: the operations it runs and any extra routes it serves.
///
/// ``ContainerService`` does the HTTP, input fetching, scratch files, output delivery, errors
/// and progress; a handler only turns a ``Job`` into a ``JobResult``.
public protocol JobHandler: Sendable {
    /// The service's declaration, shared with the platform: its operations, their parameters
    /// (checked before ``validate(operation:parameters:)``) and inputs. Nil for ad-hoc handlers.
    var descriptor: ServiceDescriptor? { get }

    /// The operations this service accepts, e.g. `["analyze", "thumbnail"]`. Defaults to the descriptor's.
    var operations: [String] { get }

    /// Whether `operation` reads an input. Defaults to true.
    func needsInput(_ operation: String) -> Bool

    /// Checks parameters before any input is fetched, so a bad request fails fast with a 400.
    func validate(operation: String, parameters: JobParameters) throws(ServiceError)

    /// Runs one job. Throw a ``ServiceError`` (4xx for bad input) to fail it.
    func run(_ job: Job, context: JobContext) async throws -> JobResult

    /// Adds service-specific routes (for example `GET /formats`).
    func addRoutes(to router: Router<ServiceRequestContext>)
}

extension JobHandler {
    public var descriptor: ServiceDescriptor? { nil }
    public var operations: [String] { descriptor?.operations.map(\.name) ?? [] }
    public func needsInput(_ operation: String) -> Bool { descriptor?.operation(operation)?.input != InputKind.none }
    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {}
    public func addRoutes(to router: Router<ServiceRequestContext>) {}
}
