import Foundation
import Outpost
import OutpostTesting

/// The hooks each Container object saw, by object id (they outlive an object's activation).
/// @unchecked Sendable: `entries` is only touched under `lock`.
final class ContainerHookLog: @unchecked Sendable {
    static let shared = ContainerHookLog()
    private let lock = NSLock()
    private var entries: [String: [String]] = [:]

    func record(_ id: String, _ entry: String) { lock.withLock { entries[id, default: []].append(entry) } }
    func entries(_ id: String) -> [String] { lock.withLock { entries[id] ?? [] } }
    func count(_ id: String, prefix: String) -> Int { entries(id).filter { $0.hasPrefix(prefix) }.count }
}

/// A Container whose image is `container-fixture`; `SLEEP_AFTER` (a var) sets its sleepAfter.
actor FixtureContainer: Container {
    let state: DurableObjectState
    let sleepAfter: SleepAfter
    let envVars: [String: String]
    let portTimeout: Duration

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        sleepAfter = try SleepAfter(parsing: env["SLEEP_AFTER"] ?? "10m")
        envVars = ["GREETING": "hello"].merging(env["NO_LISTEN"] == nil ? [:] : ["FIXTURE_NO_LISTEN": "1"]) { $1 }
        portTimeout = .seconds(Int64(env["PORT_TIMEOUT"] ?? "10") ?? 10)
    }

    var startOptions: ContainerStartOptions {
        ContainerStartOptions(defaultPort: defaultPort, sleepAfter: sleepAfter, envVars: envVars, enableInternet: enableInternet,
                              probe: ReadinessProbe(portTimeout: portTimeout, path: pingEndpoint), stopGrace: .seconds(3),
                              durableObjectID: state.id.hex)
    }

    func onStart() async { ContainerHookLog.shared.record(state.id.hex, "start") }
    func onStop(exitCode: Int32, reason: ContainerExit.Reason) async {
        ContainerHookLog.shared.record(state.id.hex, "stop:\(exitCode):\(reason)")
    }
    func onError(_ error: ContainerError) async { ContainerHookLog.shared.record(state.id.hex, "error:\(error.message)") }
}

/// A Container that keeps its instance through the first sleepAfter expiry and stops on the second.
actor PatientContainer: Container {
    let state: DurableObjectState
    let sleepAfter = SleepAfter(duration: .milliseconds(500))
    var expiries = 0

    init(state: DurableObjectState, env: Env) async throws { self.state = state }

    func onActivityExpired() async {
        expiries += 1
        ContainerHookLog.shared.record(state.id.hex, "expired:\(expiries)")
        if expiries >= 2 { await stop() }
    }

    func onStop(exitCode: Int32, reason: ContainerExit.Reason) async {
        ContainerHookLog.shared.record(state.id.hex, "stop:\(exitCode):\(reason)")
    }
}

/// `/c/<name>/<rest>` goes to the container object `<name>` (`getContainer`).
struct ContainerWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        let rest = request.path.dropFirst(3)
        guard request.path.hasPrefix("/c/"), let slash = rest.firstIndex(of: "/") else { return .text("no container", status: .notFound) }
        var forwarded = request
        forwarded.url = "http://container" + rest[slash...] + (request.query.isEmpty ? "" : "?" + request.query)
        let binding = request.header("x-binding") ?? "FIXTURE"
        return try await getContainer(try env.durableObject(binding), name: String(rest[..<slash])).fetch(forwarded)
    }
}

enum ContainerObjectFixtures {
    static let script = WorkerScript(worker: ContainerWorker(), durableObjects: ["FixtureContainer": FixtureContainer.self, "PatientContainer": PatientContainer.self])

    static func config(maxInstances: Int = 20) -> String {
        """
        name = "containers-test"
        [[durable_objects.bindings]]
        name = "FIXTURE"
        class_name = "FixtureContainer"
        [[containers]]
        class_name = "FixtureContainer"
        image = "\(ContainerTestSupport.fixture)"
        max_instances = \(maxInstances)
        [[durable_objects.bindings]]
        name = "PATIENT"
        class_name = "PatientContainer"
        [[containers]]
        class_name = "PatientContainer"
        image = "\(ContainerTestSupport.fixture)"
        """
    }
}
