public import Outpost
public import HTTPTypes
public import Logging
import Foundation
import ServiceLifecycle

/// An Outpost runtime booted in-process on a fresh temporary state directory, for tests.
///
/// ```swift
/// try await TestRuntime.with(config: toml, script: WorkerScript(worker: MyWorker())) { t in
///     let response = await t.dispatchFetch("/health")
///     #expect(response.status == .ok)
/// }
/// ```
public final class TestRuntime: Sendable {
    public let runtime: Runtime
    /// The temporary directory holding `wrangler.toml` and `state/`.
    public let directory: String

    public var env: Env { runtime.env }
    public var clock: RuntimeClock { runtime.clock }
    public var stateDirectory: String { runtime.stateDirectory }

    /// Boots a runtime from `config` (wrangler.toml text) in a new temporary directory, or in
    /// `directory` when given (to boot again on the same state, as after a restart).
    public init(
        config: String,
        script: WorkerScript,
        vars: [String: String] = [:],
        directory: String? = nil,
        clock: RuntimeClock = RuntimeClock(),
        logLevel: Logger.Level = .warning,
        durableObjects: DurableObjectOptions = DurableObjectOptions()
    ) throws {
        let dir = directory ?? TestRuntime.makeTemporaryDirectory()
        self.directory = dir
        do {
            let configPath = dir + "/wrangler.toml"
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
            var logger = Logger(label: "outpost.test")
            logger.logLevel = logLevel
            let options = RuntimeOptions(
                configPath: configPath, stateDirectory: dir + "/state", varOverrides: vars,
                logger: logger, clock: clock, durableObjects: durableObjects
            )
            self.runtime = try Runtime(options: options, script: script)
        } catch {
            // A runtime that fails to boot leaves nothing behind in a directory made for it.
            if directory == nil { try? FileManager.default.removeItem(atPath: dir) }
            throw error
        }
    }

    /// Boots a runtime, runs its services (queues, alarms, containers) while `body` runs, then
    /// shuts down gracefully, closes storage and deletes the temporary directory.
    public static func with<T: Sendable>(
        config: String,
        script: WorkerScript,
        vars: [String: String] = [:],
        clock: RuntimeClock = RuntimeClock(),
        keepDirectory: Bool = false,
        durableObjects: DurableObjectOptions = DurableObjectOptions(),
        _ body: @Sendable (TestRuntime) async throws -> T
    ) async throws -> T {
        let t = try TestRuntime(config: config, script: script, vars: vars, clock: clock, durableObjects: durableObjects)
        defer {
            if !keepDirectory { t.removeDirectory() }
        }
        return try await t.run(body)
    }

    /// Runs the runtime's services while `body` runs; closes the runtime afterwards.
    public func run<T: Sendable>(_ body: @Sendable (TestRuntime) async throws -> T) async throws -> T {
        let services = runtime.services + runtime.stopFirstServices
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: runtime.logger))
        let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await group.run() }
            let r: Result<T, any Error>
            do { r = .success(try await body(self)) } catch { r = .failure(error) }
            await group.triggerGracefulShutdown()
            await tasks.waitForAll()
            return r
        }
        runtime.close()
        return try result.get()
    }

    /// Sends a request to the Worker, as `SELF.fetch` / `dispatchFetch` in Cloudflare's test tools.
    public func dispatchFetch(_ request: Request) async -> Response {
        await runtime.fetch(request)
    }

    /// Sends a request built from parts. `path` may be a path or an absolute URL.
    public func dispatchFetch(
        _ path: String,
        method: HTTPRequest.Method = .get,
        headers: HTTPFields = [:],
        body: Body = .empty
    ) async -> Response {
        await runtime.fetch(Request(method: method, url: path, headers: headers, body: body))
    }

    /// Sends a JSON body.
    public func dispatchFetch(_ path: String, method: HTTPRequest.Method = .post, headers: HTTPFields = [:], json: JSONValue) async -> Response {
        var h = headers
        h[.contentType] = "application/json"
        return await dispatchFetch(path, method: method, headers: h, body: Body(json.serialized()))
    }

    /// The KV namespace bound as `binding`.
    public func kv(_ binding: String) throws -> KVNamespace { try env.kv(binding) }

    /// The queue producer bound as `binding`.
    public func queue(_ binding: String) throws -> Queue { try env.queue(binding) }

    /// The store behind every queue of this runtime.
    public var queues: QueueStore {
        guard let q = runtime.subsystem(QueuesSubsystem.self) else { preconditionFailure("the runtime has no queues subsystem") }
        return q.store
    }

    /// Waits until `condition` holds for the counts of queue `name` (checked as the dispatcher works,
    /// every few milliseconds); throws `TestTimeout` after `timeout` seconds.
    @discardableResult
    public func waitForQueue(_ name: String, timeout: Double = 60, until condition: (QueueCounts) -> Bool) async throws -> QueueCounts {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            let counts = try queues.counts(queue: name)
            if condition(counts) { return counts }
            if ContinuousClock.now > deadline { throw TestTimeout(message: "queue \(name) still at \(counts) after \(timeout)s") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until queue `name` holds nothing ready and nothing in flight (delayed messages may remain).
    @discardableResult
    public func waitUntilDelivered(_ name: String, timeout: Double = HangGuard.seconds) async throws -> QueueCounts {
        try await waitForQueue(name, timeout: timeout) { $0.depth == 0 && $0.inFlight == 0 }
    }
    /// The Durable Object namespace bound as `binding`.
    public func durableObject(_ binding: String) throws -> DurableObjectNamespace { try env.durableObject(binding) }

    /// The Durable Objects subsystem (live objects, forced eviction).
    public var durableObjects: DurableObjectsSubsystem? { runtime.subsystem(DurableObjectsSubsystem.self) }

    /// Moves the runtime's clock forward (expirations, alarms, delayed messages).
    public func advanceTime(by seconds: Double) { clock.advance(by: seconds) }

    /// Deletes the temporary directory.
    public func removeDirectory() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    public static func makeTemporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "outpost-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A wait in the harness that ran out of time.
public struct TestTimeout: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Response {
    /// The body as text (test helper).
    public func text() async throws -> String { try await body.text() }

    /// The body as JSON (test helper).
    public func json() async throws -> JSONValue { try JSONValue.parse(try await body.text()) }
}
