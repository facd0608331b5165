public import Hummingbird
public import NIOCore

/// The request context of a container service's routes: Hummingbird's core context plus the
/// connection (`channel`) the request came on, so a route that ends an exchange before its
/// client has finished sending (a live publisher whose stream has ended) can close the
/// connection once its answer is written. Hummingbird itself only closes a connection whose
/// *request* said `Connection: close`; otherwise it waits for the rest of the request body.
public struct ServiceRequestContext: RequestContext {
    /// Hummingbird's per-request storage (parameters, logger, allocator).
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    public let channel: any Channel

    /// Builds the context from the application's source (the accepted channel and the logger).
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
