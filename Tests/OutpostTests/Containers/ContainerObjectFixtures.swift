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

/// A Container whose image is `container-fixture`, shaped by vars: `SLEEP_AFTER`, `NO_LISTEN`,
/// `PORT_TIMEOUT` (seconds), `NO_INTERNET`, `MEMORY_MB`, `DISK_MB`, `EXTRA_PORTS` ("9090,9091": its
/// requiredPorts, which the fixture serves) and `EXTRA_PORT_DELAY_MS` (how late it listens on them).
/// A request with `x-container-port: N` goes to port N (`containerFetch(_:port:)`).
actor FixtureContainer: Container {
    let state: DurableObjectState
    let sleepAfter: SleepAfter
    let envVars: [String: String]
    let portTimeout: Duration
    let enableInternet: Bool
    let requiredPorts: [Int]
    let memoryLimitBytes: Int64?
    let diskLimitBytes: Int64?

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        sleepAfter = try SleepAfter(parsing: env["SLEEP_AFTER"] ?? "10m")
        var vars = ["GREETING": "hello"]
        if env["NO_LISTEN"] != nil { vars["FIXTURE_NO_LISTEN"] = "1" }
        if let ports = env["EXTRA_PORTS"] { vars["FIXTURE_EXTRA_PORTS"] = ports }
        if let delay = env["EXTRA_PORT_DELAY_MS"] { vars["FIXTURE_EXTRA_PORT_DELAY_MS"] = delay }
        envVars = vars
        portTimeout = .seconds(Int64(env["PORT_TIMEOUT"] ?? "60") ?? 60)
        enableInternet = env["NO_INTERNET"] == nil
        requiredPorts = (env["EXTRA_PORTS"] ?? "").split(separator: ",").compactMap { Int($0) }
        memoryLimitBytes = env["MEMORY_MB"].flatMap { Int64($0) }.map { $0 << 20 }
        diskLimitBytes = env["DISK_MB"].flatMap { Int64($0) }.map { $0 << 20 }
    }

    var startOptions: ContainerStartOptions {
        ContainerStartOptions(defaultPort: defaultPort, sleepAfter: sleepAfter, envVars: envVars, enableInternet: enableInternet,
                              probe: ReadinessProbe(portTimeout: portTimeout, path: pingEndpoint), stopGrace: .seconds(3),
                              durableObjectID: state.id.hex, requiredPorts: requiredPorts,
                              memoryLimitBytes: memoryLimitBytes, diskLimitBytes: diskLimitBytes)
    }

    func fetch(_ request: Request) async throws -> Response {
        try await containerFetch(request, port: request.header("x-container-port").flatMap { Int($0) })
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

/// A Container that declares only Cloudflare's class fields, its egress rules among them
/// (`allowedHosts` / `deniedHosts` from the vars `ALLOWED_HOSTS` / `DENIED_HOSTS`, comma-separated):
/// the protocol's own `startOptions` carries them to the runtime.
actor EgressContainer: Container {
    let state: DurableObjectState
    let allowedHosts: [String]
    let deniedHosts: [String]

    init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        allowedHosts = (env["ALLOWED_HOSTS"] ?? "").split(separator: ",").map(String.init)
        deniedHosts = (env["DENIED_HOSTS"] ?? "").split(separator: ",").map(String.init)
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
    static let script = WorkerScript(worker: ContainerWorker(), durableObjects: ["FixtureContainer": FixtureContainer.self, "PatientContainer": PatientContainer.self,
                                                                                  "EgressContainer": EgressContainer.self])

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
        [[durable_objects.bindings]]
        name = "EGRESS"
        class_name = "EgressContainer"
        [[containers]]
        class_name = "EgressContainer"
        image = "\(ContainerTestSupport.fixture)"
        """
    }
}
