import Foundation
import Outpost
import OutpostTesting
import Testing

/// The Worker for Durable Object tests: `/<name>/<rest>` goes to the COUNTER object `<name>`.
struct CounterWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        let rest = request.path.dropFirst()
        guard let slash = rest.firstIndex(of: "/") else { return .text("no object", status: .notFound) }
        let stub = try env.durableObject("COUNTER").getByName(String(rest[..<slash]))
        var forwarded = request
        forwarded.url = "http://do" + rest[slash...]
        return try await stub.fetch(forwarded)
    }
}

struct CounterFailure: Error, Equatable {
    let message: String
}

/// A counter with in-memory fields, alarms that can be told to throw, and hooks for the gates.
actor Counter: DurableObject {
    let state: DurableObjectState
    let instanceID = UUID().uuidString
    var memoryHits = 0
    var constructed = false

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        let delay = try state.storage.get("initDelayMs", as: Int.self) ?? 0
        try await state.blockConcurrencyWhile {
            if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            self.constructed = true
        }
    }

    func fetch(_ request: Request) async throws -> Response {
        guard constructed else { return .text("event before construction finished", status: .internalServerError) }
        switch request.path {
        case "/increment":
            return .text("\(try increment())")
        case "/count":
            return .text("\(try state.storage.get("count", as: Int.self) ?? 0)")
        case "/memory":
            memoryHits += 1
            return .text("\(memoryHits)")
        case "/instance":
            return .text(instanceID)
        case "/throw":
            throw CounterFailure(message: "boom")
        default:
            return .text("no route", status: .notFound)
        }
    }

    func increment() throws -> Int {
        let n = (try state.storage.get("count", as: Int.self) ?? 0) + 1
        try state.storage.put("count", n)
        return n
    }

    func fail() throws -> Int { throw CounterFailure(message: "rpc boom") }

    func storage() -> DurableObjectStorage { state.storage }

    func blockAndThrow() async throws {
        try await state.blockConcurrencyWhile { throw CounterFailure(message: "bcw boom") }
    }

    func blockFor(_ duration: Duration) async throws {
        try await state.blockConcurrencyWhile { try await Task.sleep(for: duration) }
    }

    func alarm(_ info: AlarmInvocationInfo) async throws {
        let storage = state.storage
        let now = Date().timeIntervalSince1970
        var runs = try storage.get("alarmRuns", as: [AlarmRun].self) ?? []
        runs.append(AlarmRun(retryCount: info.retryCount, isRetry: info.isRetry, at: now, alarmInside: try storage.getAlarm()))
        try storage.put("alarmRuns", runs)
        if try storage.get("alarmThrows", as: Bool.self) == true {
            throw CounterFailure(message: "alarm boom")
        }
    }
}

struct AlarmRun: Codable, Sendable, Equatable {
    let retryCount: Int
    let isRetry: Bool
    let at: Double
    let alarmInside: Int64?
}

enum DOFixtures {
    static let config = """
        name = "do-test"
        [[durable_objects.bindings]]
        name = "COUNTER"
        class_name = "Counter"
        [[migrations]]
        tag = "v1"
        new_sqlite_classes = ["Counter"]
        """

    static var script: WorkerScript { WorkerScript(worker: CounterWorker(), durableObjects: ["Counter": Counter.self]) }

    /// Polls `condition` until true or `timeout` seconds pass (waits for an event, not a fixed time).
    static func waitUntil(timeout: Double = HangGuard.seconds, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}
