/// A Worker: the code behind a deployment's default export.
///
/// Implement `fetch` for HTTP; `scheduled` runs for cron triggers (see `[triggers] crons`);
/// `queue` receives batches for the queues this Worker consumes (`[[queues.consumers]]`).
public protocol Worker: Sendable {
    /// Handles one HTTP request.
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response

    /// Handles one cron trigger firing.
    func scheduled(_ controller: ScheduledController, env: Env, context: ExecutionContext) async throws

    /// Handles one batch of queue messages. Messages not acked or retried are acked when it
    /// returns; if it throws, every message not explicitly acked is retried.
    func queue(_ batch: MessageBatch, env: Env, context: ExecutionContext) async throws
}

extension Worker {
    public func scheduled(_ controller: ScheduledController, env: Env, context: ExecutionContext) async throws {
        throw WorkerHandlerMissing(handler: "scheduled")
    }

    public func queue(_ batch: MessageBatch, env: Env, context: ExecutionContext) async throws {
        throw WorkerHandlerMissing(handler: "queue")
    }
}

/// Thrown when an event arrives for a handler the Worker does not implement.
public struct WorkerHandlerMissing: Error, CustomStringConvertible {
    public let handler: String
    public var description: String { "Handler does not export a \(handler)() function." }
}

/// What a `scheduled` handler is told about the trigger that fired.
public struct ScheduledController: Sendable {
    /// When the trigger was due, in milliseconds since the epoch.
    public let scheduledTime: Int64
    /// The cron expression that fired.
    public let cron: String

    public init(scheduledTime: Int64, cron: String) {
        self.scheduledTime = scheduledTime
        self.cron = cron
    }
}
