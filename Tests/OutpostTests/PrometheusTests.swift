import Foundation
import OutpostTesting
import Testing

/// `deploy/`: the Prometheus configuration and alert rules pass promtool, and a real Prometheus
/// (Debian's) started on loopback scrapes a real `outpost dev`: the job counter is queryable
/// after a job runs, and every query of the Grafana dashboard and the rules evaluates.
@Suite("Prometheus and the deploy files", .serialized)
struct PrometheusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func promtool(_ arguments: [String], stdin: Data? = nil) async throws -> (Int32, String) {
        let (status, out, err) = try await ChildProcess.run("/usr/bin/promtool", arguments, stdin: stdin)
        return (status, String(decoding: out + err, as: UTF8.self))
    }

    @Test("promtool accepts the configuration and the rules, and the rules' unit tests pass")
    func promtoolChecks() async throws {
        let deploy = Self.root + "/deploy"
        for args in [["check", "config", deploy + "/prometheus.yml"], ["check", "rules", deploy + "/alerts.yml"], ["test", "rules", deploy + "/alerts.test.yml"]] {
            let (status, output) = try await Self.promtool(args)
            #expect(status == 0, "promtool \(args.joined(separator: " ")):\n\(output)")
        }
    }

    @Test("a real Prometheus scrapes outpost dev: the job counter is there after a job, and every dashboard and alert query evaluates")
    func realPrometheusScrapes() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.root + "/wrangler.toml", toPath: dir + "/wrangler.toml")
        let server = try ServerProcess(product: "outpost", directory: dir, extraArguments: ["--var", "API_KEYS:root:admin:prom-admin-key"])
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let key = ["X-API-Key": "prom-admin-key"]

        // A job runs: upload, then analyze with ?wait=.
        let sample = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/fixtures/sample.mp4"))
        let (uploaded, uploadBody) = try await HTTP.send("POST", server.baseURL + "/api/containers/uploads", body: sample, headers: key.merging(["Content-Type": "video/mp4"]) { $1 })
        try #require(uploaded == 201, "\(String(decoding: uploadBody, as: UTF8.self))")
        let uploadKey = try #require((try JSONSerialization.jsonObject(with: uploadBody) as? [String: Any])?["key"] as? String)
        let (submitted, jobBody) = try await HTTP.send("POST", server.baseURL + "/api/video/analyze?wait=60",
                                                       body: try JSONSerialization.data(withJSONObject: ["key": uploadKey]),
                                                       headers: key.merging(["Content-Type": "application/json"]) { $1 })
        try #require(submitted == 200 || submitted == 202, "\(String(decoding: jobBody, as: UTF8.self))")
        if submitted == 202 {
            // The wait ran out before the cold instance answered (a loaded machine): the job's event
            // stream ends after its terminal status.
            let id = try #require((try JSONSerialization.jsonObject(with: jobBody) as? [String: Any])?["id"] as? String)
            let (_, events) = try await HTTP.send("GET", server.baseURL + "/api/containers/jobs/\(id)/events", headers: key)
            #expect(String(decoding: events, as: UTF8.self).contains(#""status":"succeeded""#), "\(String(decoding: events, as: UTF8.self))")
        }

        // The exposition itself passes promtool's linter.
        let (_, scrape) = try await HTTP.send("GET", server.baseURL + "/metrics")
        let (lintStatus, lint) = try await Self.promtool(["check", "metrics"], stdin: scrape)
        #expect(lintStatus == 0, "promtool check metrics:\n\(lint)")

        // Prometheus with deploy/prometheus.yml, pointed at this server and scraping every second.
        var config = try String(contentsOfFile: Self.root + "/deploy/prometheus.yml", encoding: .utf8)
        config = config.replacingOccurrences(of: "127.0.0.1:8787", with: "127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "scrape_interval: 15s", with: "scrape_interval: 1s")
            .replacingOccurrences(of: "  - alerts.yml", with: "  - \(Self.root)/deploy/alerts.yml")
        try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try await Self.startPrometheus(config: dir + "/prometheus.yml", data: dir + "/tsdb")
        defer { prometheus.process.signal(SIGTERM); prometheus.process.waitUntilExit() }

        // The job counter, as soon as a scrape has happened (an event: poll the query API).
        let counter = #"pitchey_jobs_completed_total{type="video.analyze",status="succeeded"}"#
        var value: Double?
        let deadline = Date().addingTimeInterval(HangGuard.seconds)
        while value == nil, Date() < deadline {
            value = try await Self.query(prometheus.url, counter).first?.value
            if value == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(value == 1, "Prometheus has \(counter) = \(String(describing: value))")

        // Every query of the dashboard and of the alert rules is valid PromQL over these series.
        for expr in try Self.deployQueries() {
            let (status, body) = try await HTTP.send("GET", prometheus.url + "/api/v1/query?query=" + Self.encode(expr))
            #expect(status == 200 && String(decoding: body, as: UTF8.self).contains(#""status":"success""#),
                    "\(expr): \(String(decoding: body, as: UTF8.self))")
        }
        let (rulesStatus, rules) = try await HTTP.send("GET", prometheus.url + "/api/v1/rules")
        #expect(rulesStatus == 200 && String(decoding: rules, as: UTF8.self).contains("QueueDepthStuck"), "the rules were loaded")
    }

    /// The expressions of `deploy/grafana/outpost-dashboard.json` (Grafana's `$__rate_interval`
    /// as 1m) and of `deploy/alerts.yml`.
    static func deployQueries() throws -> [String] {
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/deploy/grafana/outpost-dashboard.json"))) as? [String: Any]
        let panels = dashboard?["panels"] as? [[String: Any]] ?? []
        var exprs = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
            .map { $0.replacingOccurrences(of: "$__rate_interval", with: "1m") }
        // alerts.yml: each `expr:` is one line or a `|` block indented under it.
        let lines = try String(contentsOfFile: root + "/deploy/alerts.yml", encoding: .utf8).components(separatedBy: "\n")
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if let range = line.range(of: "expr: ") {
                let rest = String(line[range.upperBound...])
                if rest == "|" {
                    var block: [String] = []
                    i += 1
                    while i < lines.count, lines[i].hasPrefix(String(repeating: " ", count: line.distance(from: line.startIndex, to: range.lowerBound) + 2)) {
                        block.append(lines[i].trimmingCharacters(in: .whitespaces))
                        i += 1
                    }
                    exprs.append(block.joined(separator: " "))
                    continue
                }
                exprs.append(rest)
            }
            i += 1
        }
        #expect(exprs.count >= 20, "found \(exprs.count) queries")
        return exprs
    }

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    /// Instant-query results: each series' value.
    static func query(_ base: String, _ expr: String) async throws -> [(metric: [String: String], value: Double)] {
        let (status, body) = try await HTTP.send("GET", base + "/api/v1/query?query=" + encode(expr))
        guard status == 200, let json = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [] }
        return result.compactMap { series in
            guard let pair = series["value"] as? [Any], pair.count == 2, let text = pair[1] as? String, let v = Double(text) else { return nil }
            return (series["metric"] as? [String: String] ?? [:], v)
        }
    }

    /// Starts `prometheus` on a free loopback port and waits for `/-/ready`; a port taken in the
    /// meantime makes it exit, and another port is tried.
    static func startPrometheus(config: String, data: String) async throws -> (process: ChildProcess, url: String) {
        var lastLog = ""
        for _ in 0..<3 {
            let port = try FreePort.pick()
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
            process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(data)", "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
            let log = Pipe()
            process.standardError = log
            process.standardOutput = log
            try process.run()
            let url = "http://127.0.0.1:\(port)"
            let deadline = Date().addingTimeInterval(HangGuard.seconds)
            while process.isRunning, Date() < deadline {
                if let (status, _) = try? await HTTP.send("GET", url + "/-/ready", timeout: 5), status == 200 { return (process, url) }
                try await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning { process.signal(SIGTERM) }
            process.waitUntilExit()
            lastLog = String(decoding: log.fileHandleForReading.availableData, as: UTF8.self)
        }
        throw ServerProcessError("prometheus did not become ready: \(lastLog)")
    }
}
