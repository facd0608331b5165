import Foundation
import OutpostTesting

extension ServiceProcess {
    /// The real `ai-inference` executable, started as the runtime starts an instance: through
    /// `outpost-sandbox` (its own uid, filesystem view, pid namespace, rlimits, seccomp) with
    /// `/opt/ai-models` mapped read-only as wrangler.toml's `read_only_paths` asks — or, with
    /// `sandboxed: false`, directly (for the start-up failures).
    static func aiInference(sandboxed: Bool = true, environment: [String: String] = [:]) throws -> ServiceProcess {
        guard sandboxed else { return try ServiceProcess(product: "ai-inference", environment: environment) }
        let port = try FreePort.pick()
        let scratch = try TemporaryDirectory(prefix: "ai-inference-tests")
        let arguments = ["--dir", scratch.path, "--env", "PORT=\(port)", "--env", "TMPDIR=/scratch", "--env", "JOB_CONCURRENCY=2",
                         "--rlimit", "nofile=65536", "--rlimit", "core=0", "--ro-bind", "/opt/ai-models"]
            + environment.flatMap { ["--env", "\($0.key)=\($0.value)"] } + ["--", try executable("ai-inference")]
        return try ServiceProcess(executable: executable("outpost-sandbox"), arguments: arguments, environment: nil, port: port, scratch: scratch)
    }

    /// `POST /jobs/<operation>` with `params`; the reply.
    func job(_ operation: String, _ params: [String: Any]) async throws -> HTTPReply {
        try await ServiceHTTP.postJSON(baseURL + "/jobs/" + operation, ["params": params])
    }

    /// The job's `result` object, or a failure with the reply.
    func result(_ operation: String, _ params: [String: Any]) async throws -> [String: Any] {
        let reply = try await job(operation, params)
        guard reply.status == 200, let result = try reply.json()["result"] as? [String: Any] else {
            throw TestFailure("\(operation) answered \(reply.status): \(reply.text.prefix(500)); log: \(log.suffix(2000))")
        }
        return result
    }
}
