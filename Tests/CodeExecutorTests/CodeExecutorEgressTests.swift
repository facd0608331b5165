import Foundation
import Logging
import Outpost
import OutpostTesting
import Testing

/// `allowNetworking` on a real instance the runtime runs: the `code-executor` executable under a
/// `ContainerSupervisor`, in its own network namespace with the runtime's egress proxy
/// (`allowedHosts = ["localhost"]`, as `CODE_EXECUTOR_ALLOWED_HOSTS=localhost` would give). The
/// upstream is a server on the host's 127.0.0.1, which a run can only reach through the proxy.
@Suite("Code executor: allowNetworking through the egress proxy", .serialized, .heavy)
struct CodeExecutorEgressTests {
    /// Fetches each of `inputs.urls` with urllib (proxies from the environment, or `inputs.proxy`
    /// when given), then tries a raw TCP connect to `inputs.raw`.
    static let program = """
    import json, os, socket, urllib.request, urllib.error
    inputs = json.loads(os.environ["INPUTS"])
    print("PROXY", os.environ.get("HTTP_PROXY"))
    proxies = {"http": inputs["proxy"]} if inputs.get("proxy") else None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies))
    for url in inputs["urls"]:
        try:
            print("OK", url, opener.open(url, timeout=20).read().decode().strip())
        except urllib.error.HTTPError as e:
            print("HTTP", e.code, url, e.read().decode().strip())
        except Exception as e:
            print("FAILED", url, type(e).__name__)
    try:
        socket.create_connection(("127.0.0.1", inputs["raw"]), timeout=5).close()
        print("RAW CONNECTED")
    except OSError as e:
        print("RAW", type(e).__name__)
    """

    @Test func aNetworkingRunReachesOnlyAllowedHostsThroughTheProxy() async throws {
        let upstream = try UpstreamServer()
        defer { upstream.close() }
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let options = ContainerStartOptions(envVars: ["JOB_CONCURRENCY": "2"], enableInternet: false,
                                            probe: ReadinessProbe(portTimeout: .seconds(60)), allowedHosts: ["localhost"])
        let supervisor = SupervisedCodeExecutor.supervisor(stateDirectory: state.path, label: "test.code-executor-egress")
        let runner = Task { try await supervisor.run() }
        do {
            try await Self.check(supervisor, options: options, upstream: upstream)
        } catch {
            runner.cancel()
            try? await runner.value
            throw error
        }
        // Graceful shutdown stops the instance (and its proxy) before the state directory goes.
        runner.cancel()
        try await runner.value
    }

    static func check(_ supervisor: ContainerSupervisor, options: ContainerStartOptions, upstream: UpstreamServer) async throws {

        func execute(_ params: [String: Any]) async throws -> [String: Any] {
            let body = try JSONSerialization.data(withJSONObject: ["params": params])
            let response = try await supervisor.fetch(Request(method: .post, url: "/jobs/execute", headers: [.contentType: "application/json"],
                                                              body: Body(data: body)),
                                                      className: "CodeExecutor", instanceID: "egress", options: options)
            let text = try await response.body.text()
            try #require(response.status == 200, "execute answered \(response.status): \(text.prefix(800))")
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(reply["result"] as? [String: Any])
        }

        let allowed = "http://localhost:\(upstream.port)/from-run"
        let other = "http://127.0.0.1:\(upstream.port)/not-allowed"
        let networked = try await execute(["language": "python", "code": Self.program, "timeout": 30, "allowNetworking": true,
                                           "inputs": ["urls": [allowed, other], "raw": upstream.port]])
        let out = networked["stdout"] as? String ?? ""
        print("allowNetworking run:\n\(out)")
        #expect(networked["exitCode"] as? Int == 0, "\(networked)")
        #expect(out.contains("PROXY http://127.0.0.1:"), "the run finds the proxy in its environment: \(out)")
        #expect(out.contains("OK \(allowed) upstream saw GET /from-run HTTP/1.1 for localhost:\(upstream.port)"), "\(networked)")
        #expect(out.contains("HTTP 520 \(other) Outpost egress proxy blocked 127.0.0.1"), "\(networked)")
        #expect(out.contains("RAW ConnectionRefusedError"), "no raw route to the host's loopback: \(out)")

        let proxyURL = try #require(out.split(separator: "\n").first { $0.hasPrefix("PROXY ") }.map { String($0.dropFirst(6)) })
        let isolated = try await execute(["language": "python", "code": Self.program, "timeout": 30,
                                          "inputs": ["urls": [allowed], "raw": upstream.port, "proxy": proxyURL]])
        let isolatedOut = isolated["stdout"] as? String ?? ""
        print("run without networking:\n\(isolatedOut)")
        #expect(isolatedOut.contains("PROXY None"), "\(isolated)")
        #expect(isolatedOut.contains("FAILED \(allowed) URLError"), "without allowNetworking even the proxy is out of reach: \(isolated)")
        #expect(isolatedOut.contains("RAW ConnectionRefusedError"), "\(isolated)")
        #expect(upstream.requests == ["GET /from-run HTTP/1.1"], "only the allowed request reached the upstream")
    }
}
