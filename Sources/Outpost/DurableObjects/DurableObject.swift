/// A Durable Object class: an `actor` with one live instance per id, its own SQLite storage,
/// and at most one alarm.
///
/// The runtime builds it with `init(state:env:)` the first time an id is used (and again after
/// eviction), then delivers `fetch`, RPC calls and `alarm` to it. Storage calls are synchronous,
/// so no other event interleaves with them (the input gate); a response or RPC result leaves only
/// once the writes before it are durable (the output gate).
public protocol DurableObject: Actor {
    /// Builds the object. Use `state.blockConcurrencyWhile` to load state before any event arrives.
    init(state: DurableObjectState, env: Env) async throws

    /// Handles a request sent with `stub.fetch`.
    func fetch(_ request: Request) async throws -> Response

    /// Runs when the object's alarm is due.
    func alarm(_ info: AlarmInvocationInfo) async throws
}

extension DurableObject {
    public func fetch(_ request: Request) async throws -> Response {
        throw DurableObjectError.handlerMissing("fetch")
    }

    public func alarm(_ info: AlarmInvocationInfo) async throws {
        throw DurableObjectError.handlerMissing("alarm")
    }

    /// Ends an event on this actor: commits its implicit transaction; returns the commit to wait for.
    func outpostEndEvent(_ storage: DurableObjectStorage) -> UInt64 {
        storage.endEvent()
    }

    /// The stored alarm, read on this actor.
    func outpostStoredAlarm(_ storage: DurableObjectStorage) -> Int64? {
        try? storage.storedAlarm()
    }

    /// Delivers a request, then commits the event's writes, on this actor.
    func outpostFetch(_ request: Request, storage: DurableObjectStorage) async -> (Result<Response, any Error>, UInt64) {
        let result: Result<Response, any Error>
        do { result = .success(try await fetch(request)) } catch { result = .failure(error) }
        return (result, storage.endEvent())
    }

    /// Delivers an alarm, runs the runtime's bookkeeping (`finish(succeeded, handlerChangedAlarm)`),
    /// then commits the event's writes, on this actor.
    func outpostAlarm(
        _ info: AlarmInvocationInfo,
        storage: DurableObjectStorage,
        finish: @Sendable (Bool, Bool) -> Void
    ) async -> (Result<Void, any Error>, UInt64) {
        storage.alarmHandlerStarted()
        let result: Result<Void, any Error>
        do { try await alarm(info); result = .success(()) } catch { result = .failure(error) }
        let changed = storage.alarmHandlerEnded()
        if case .success = result { finish(true, changed) } else { finish(false, changed) }
        return (result, storage.endEvent())
    }
}

/// What an `alarm` handler is told about this invocation.
public struct AlarmInvocationInfo: Sendable, Equatable {
    /// How many times this alarm has been retried after a throwing handler (0 on the first run).
    public let retryCount: Int
    /// True when this run is a retry.
    public var isRetry: Bool { retryCount > 0 }

    public init(retryCount: Int) {
        self.retryCount = retryCount
    }
}

/// Builds an instance of one exported Durable Object class.
public typealias DurableObjectFactory = @Sendable (DurableObjectState, Env) async throws -> any DurableObject
