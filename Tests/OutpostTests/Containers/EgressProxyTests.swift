import Foundation
import Outpost
import OutpostTesting
import Testing

/// The runtime's egress proxy on real instances: the fixture runs `curl` inside its sandbox, which
/// finds the proxy through the environment the runtime set. The upstream is a server on the host's
/// 127.0.0.1 that the instance cannot reach directly. Test host names never leave the machine:
/// `localhost` (resolved by the proxy in the host namespace) is the allowed name, and the blocked
/// names are refused before any lookup.
@Suite("Egress proxy", .serialized)
struct EgressProxyTests {
    typealias S = ContainerTestSupport

    static func options(allowed: [String] = [], denied: [String] = [], internet: Bool = true) -> ContainerStartOptions {
        var options = S.options(internet: internet)
        options.allowedHosts = allowed
        options.deniedHosts = denied
        return options
    }

    /// Runs curl in the instance with its own environment; `--noproxy ,` clears NO_PROXY (it names
    /// localhost) so that even localhost goes through the proxy. `-i` (unless `heads` is false) puts
    /// the response heads in the output. Returns (exit status, output).
    static func curl(_ sup: ContainerSupervisor, _ instance: String, _ options: ContainerStartOptions,
                     _ arguments: [String], heads: Bool = true) async throws -> (Int, String) {
        let argv = (["/usr/bin/curl", "-sS", "--noproxy", ""] + (heads ? ["-i"] : []) + arguments).joined(separator: ",")
        let r = try await S.json(sup.fetch(Request(url: "/run?inheritEnv=1&argv=\(argv)"), className: "Fixture",
                                           instanceID: instance, options: options))
        return (r["status"] as? Int ?? -1, r["output"] as? String ?? "")
    }

    @Test func allowedHostAnswersThroughTheProxyAndOthersGet520() async throws {
        let upstream = try UpstreamServer()
        defer { upstream.close() }
        let opts = Self.options(allowed: ["localhost"])
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let info = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "egress", options: opts))
            let env = try #require(info["env"] as? [String: String])
            let proxy = try #require(env["http_proxy"])
            #expect(proxy.hasPrefix("http://127.0.0.1:"))
            #expect(env["HTTP_PROXY"] == proxy && env["HTTPS_PROXY"] == proxy && env["https_proxy"] == proxy)
            #expect(env["NO_PROXY"] == "127.0.0.1", "localhost is listed outright: it is the host's, through the proxy")

            // A client that honours NO_PROXY (curl without --noproxy) reaches the host's localhost through the proxy.
            let plain = try await S.json(sup.fetch(Request(url: "/run?inheritEnv=1&argv=/usr/bin/curl,-sS,http://localhost:\(upstream.port)/plain"),
                                                   className: "Fixture", instanceID: "egress", options: opts))
            #expect((plain["output"] as? String ?? "").contains("upstream saw GET /plain"), "\(plain)")

            let (status, output) = try await Self.curl(sup, "egress", opts, ["http://localhost:\(upstream.port)/hello"])
            #expect(status == 0, "\(output)")
            #expect(output.hasPrefix("HTTP/1.1 200"), "\(output)")
            #expect(output.contains("upstream saw GET /hello HTTP/1.1 for localhost:\(upstream.port) with 0 body bytes"), "\(output)")

            // The same upstream by another name is not on the allowlist.
            let (_, blocked) = try await Self.curl(sup, "egress", opts, ["http://127.0.0.1:\(upstream.port)/secret"])
            #expect(blocked.hasPrefix("HTTP/1.1 520"), "\(blocked)")
            #expect(blocked.contains("blocked 127.0.0.1: it matches no allowedHosts pattern"), "\(blocked)")
            #expect(upstream.requests == ["GET /plain HTTP/1.1", "GET /hello HTTP/1.1"], "a blocked request never reaches the upstream")
        }
    }

    @Test func connectTunnelsToAnAllowedHost() async throws {
        let upstream = try UpstreamServer()
        defer { upstream.close() }
        let opts = Self.options(allowed: ["local*"], internet: false)
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            // -p: plain HTTP inside a CONNECT tunnel, so the test needs no TLS upstream.
            let (status, output) = try await Self.curl(sup, "tunnel", opts, ["-p", "http://localhost:\(upstream.port)/tunnelled"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("HTTP/1.1 200 Connection Established"), "\(output)")
            #expect(output.contains("upstream saw GET /tunnelled HTTP/1.1 for localhost:\(upstream.port)"), "\(output)")
        }
    }

    @Test func bodiesStreamBothWaysThroughPlainHTTPAndTunnels() async throws {
        let upstream = try UpstreamServer()
        defer { upstream.close() }
        let opts = Self.options(allowed: ["localhost"])
        let size = 24 << 20
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            // 3 MiB to upload, written by the fixture in its scratch directory.
            _ = try await sup.fetch(Request(url: "/fill?mb=3&name=upload"), className: "Fixture", instanceID: "bodies", options: opts).body.text()
            for tunnel in [false, true] {
                let (status, output) = try await Self.curl(sup, "bodies", opts, (tunnel ? ["-p"] : [])
                    + ["-o", "/scratch/download", "http://localhost:\(upstream.port)/bytes/\(size)"], heads: false)
                #expect(status == 0, "tunnel \(tunnel): \(output)")
                let count = try await S.json(sup.fetch(Request(url: "/run?argv=/usr/bin/wc,-c,/scratch/download"), className: "Fixture",
                                                       instanceID: "bodies", options: opts))
                #expect(count["output"] as? String == "\(size) /scratch/download\n", "tunnel \(tunnel): wc says \(count)")
                let (upStatus, upload) = try await Self.curl(sup, "bodies", opts, (tunnel ? ["-p"] : [])
                    + ["-H", "Expect:", "--data-binary", "@/scratch/upload", "http://localhost:\(upstream.port)/upload"])
                #expect(upStatus == 0, "tunnel \(tunnel): \(upload)")
                #expect(upload.contains("upstream saw POST /upload HTTP/1.1 for localhost:\(upstream.port) with \(3 << 20) body bytes"), "tunnel \(tunnel): \(upload)")
            }
        }
    }

    @Test func deniedHostGets520ForPlainHTTPAndForCONNECT() async throws {
        let opts = Self.options(denied: ["*.denied.test"])
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let (_, plain) = try await Self.curl(sup, "denied", opts, ["http://api.denied.test/v1"])
            #expect(plain.hasPrefix("HTTP/1.1 520"), "\(plain)")
            #expect(plain.contains("blocked api.denied.test: it matches deniedHosts pattern \"*.denied.test\""), "\(plain)")

            let (status, tunnel) = try await Self.curl(sup, "denied", opts, ["https://api.denied.test/v1"])
            #expect(status != 0, "the TLS request cannot go on: \(tunnel)")
            #expect(tunnel.contains("HTTP/1.1 520"), "the CONNECT was answered 520: \(tunnel)")
        }
    }

    @Test func rawSocketsReachNothingButTheProxy() async throws {
        let upstream = try UpstreamServer()
        defer { upstream.close() }
        let opts = Self.options(allowed: ["localhost"])
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let direct = try await S.json(sup.fetch(Request(url: "/connect?host=127.0.0.1&port=\(upstream.port)"), className: "Fixture",
                                                    instanceID: "raw", options: opts))
            #expect(direct["ok"] as? Bool == false, "a raw connect reached the host's 127.0.0.1:\(upstream.port)")
            #expect(direct["errno"] as? Int == Int(ECONNREFUSED), "only the instance's own loopback exists")
            let outside = try await S.json(sup.fetch(Request(url: "/connect?host=1.1.1.1&port=443"), className: "Fixture",
                                                     instanceID: "raw", options: opts))
            #expect(outside["ok"] as? Bool == false)
            #expect(outside["errno"] as? Int == Int(ENETUNREACH), "no route out of the namespace")
            #expect(upstream.requests.isEmpty)
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "raw")?.pid)
            let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net") != mine, "rules give an own network namespace")
        }
    }

    @Test func noRulesKeepsTheHostNetworkWithoutAProxy() async throws {
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let info = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "open", options: S.options()))
            let env = try #require(info["env"] as? [String: String])
            #expect(env["HTTP_PROXY"] == nil && env["https_proxy"] == nil)
        }
    }

    @Test func aContainerClassDeclaresItsRulesAsClassFields() async throws {
        let upstream = try UpstreamServer()
        defer { upstream.close() }
        let vars = ["ALLOWED_HOSTS": "localhost,*.allowed.test", "DENIED_HOSTS": "secret.allowed.test"]
        try await TestRuntime.with(config: ContainerObjectFixtures.config(), script: ContainerObjectFixtures.script, vars: vars) { t in
            let binding: HTTPFields = [HTTPField.Name("x-binding")!: "EGRESS"]
            func curl(_ url: String) async throws -> String {
                let argv = ["/usr/bin/curl", "-sS", "-i", "--noproxy", "", url].joined(separator: ",")
                let response = await t.dispatchFetch("/c/object/run?inheritEnv=1&argv=\(argv)", headers: binding)
                #expect(response.status == .ok)
                return try await S.json(response)["output"] as? String ?? ""
            }
            let allowed = try await curl("http://localhost:\(upstream.port)/via-object")
            #expect(allowed.contains("upstream saw GET /via-object HTTP/1.1 for localhost:\(upstream.port)"), "\(allowed)")
            let denied = try await curl("http://secret.allowed.test/")
            #expect(denied.hasPrefix("HTTP/1.1 520") && denied.contains("deniedHosts pattern \"secret.allowed.test\""), "\(denied)")
            let other = try await curl("http://example.org/")
            #expect(other.hasPrefix("HTTP/1.1 520") && other.contains("no allowedHosts pattern"), "\(other)")
        }
    }

    @Test func loopbackNamesStayOffTheProxyUnlessAllowedHostsNamesThem() async throws {
        let opts = Self.options(allowed: ["*.example.org"])
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            let info = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "loop", options: opts))
            let env = try #require(info["env"] as? [String: String])
            #expect(env["NO_PROXY"] == "localhost,127.0.0.1", "inside the namespace, loopback is the instance itself")
        }
    }

    @Test func theProxyListensBeforeTheServiceRuns() async throws {
        // The runtime makes the namespace and opens the proxy in it before it spawns the instance,
        // so a service that connects out as its very first act is never refused.
        var opts = Self.options(allowed: ["localhost"])
        opts.envVars["FIXTURE_CONNECT_AT_START"] = "1"
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            for i in 0..<5 {
                let info = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: "first-\(i)", options: opts))
                #expect(info["connectAtStartErrno"] as? Int == 0, "instance \(i): \(info["connectAtStartErrno"] ?? "nil")")
            }
        }
    }

    @Test func theProxyEndsWithTheInstance() async throws {
        let opts = Self.options(allowed: ["localhost"])
        try await S.withSupervisor(classes: [S.fixtureClass()]) { sup in
            try await sup.start(className: "Fixture", instanceID: "life", options: opts)
            let pid = try #require(await sup.process(className: "Fixture", instanceID: "life")?.pid)
            // Held open, the namespace outlives the process, so its sockets can be listed after the stop.
            let namespace = open("/proc/\(pid)/ns/net", O_RDONLY)
            try #require(namespace >= 0)
            defer { close(namespace) }
            let proxyURL = try #require(await Self.proxyURL(sup, "life", opts))
            let proxyPort = try #require(proxyURL.split(separator: ":").last.flatMap { Int($0) })
            #expect(try Self.listeningPorts(namespace: namespace).contains(proxyPort), "the proxy listens inside the instance's namespace")
            await sup.stop(className: "Fixture", instanceID: "life")
            #expect(await S.waitUntil { (try? Self.listeningPorts(namespace: namespace).contains(proxyPort)) == false },
                    "the proxy's listener closed with the instance")
        }
    }

    static func proxyURL(_ sup: ContainerSupervisor, _ instance: String, _ options: ContainerStartOptions) async throws -> String? {
        let info = try await S.json(sup.fetch(Request(url: "/"), className: "Fixture", instanceID: instance, options: options))
        return (info["env"] as? [String: String])?["HTTP_PROXY"]
    }

    /// The TCP ports in LISTEN state in the namespace `fd` refers to, as `nsenter` + `cat /proc/net/tcp` list them.
    static func listeningPorts(namespace fd: Int32) throws -> Set<Int> {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=/proc/\(getpid())/fd/\(fd)", "cat", "/proc/net/tcp"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        var ports = Set<Int>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            // local_address is "HEXIP:HEXPORT"; state 0A is LISTEN.
            guard fields.count > 3, fields[3] == "0A", let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) else { continue }
            ports.insert(port)
        }
        return ports
    }
}
