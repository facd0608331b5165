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
    let envVars = ["GREETING": "hello"]

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        sleepAfter = try SleepAfter(parsing: env["SLEEP_AFTER"] ?? "10m")
    }

    var startOptions: ContainerStartOptions {
        ContainerStartOptions(defaultPort: defaultPort, sleepAfter: sleepAfter, envVars: envVars, enableInternet: enableInternet,
                              probe: ReadinessProbe(portTimeout: .seconds(10), path: pingEndpoint), stopGrace: .seconds(3),
                              durableObjectID: state.id.hex)
    }

    func onStart() async { ContainerHookLog.shared.record(state.id.hex, "start") }
    func onStop(exitCode: Int32, reason: ContainerExit.Reason) async {
        ContainerHookLog.shared.record(state.id.hex, "stop:\(exitCode):\(reason)")
    }
    func onError(_ error: ContainerError) async { ContainerHookLog.shared.record(state.id.hex, "error:\(error.message)") }
}

/// `/c/<name>/<rest>` goes to the container object `<name>` (`getContainer`).
struct ContainerWorker: Worker {
    func fetch(_ request: Request, env: Env, context: ExecutionContext) async throws -> Response {
        let rest = request.path.dropFirst(3)
        guard request.path.hasPrefix("/c/"), let slash = rest.firstIndex(of: "/") else { return .text("no container", status: .notFound) }
        var forwarded = request
        forwarded.url = "http://container" + rest[slash...] + (request.query.isEmpty ? "" : "?" + request.query)
        return try await getContainer(try env.durableObject("FIXTURE"), name: String(rest[..<slash])).fetch(forwarded)
    }
}

enum ContainerObjectFixtures {
    static let script = WorkerScript(worker: ContainerWorker(), durableObjects: ["FixtureContainer": FixtureContainer.self])

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
        """
    }
}
