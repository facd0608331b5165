import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Outpost
import OutpostTesting
import Testing

/// The web dashboard at `/dashboard` in a real browser: headless Chromium (Debian's `chromium` and
/// `chromium-driver`) driven by Selenium from PyPI, against `outpost dev` serving the Pitchey app.
/// The script is `Tests/Fixtures/dashboard-browser/dashboard_check.py`; its screenshots are kept in
/// `.build/test-artifacts/dashboard/` (one PNG per view, `failure.png` and `failure.html` on failure).
@Suite("Web dashboard in Chromium", .serialized, .heavy)
struct DashboardBrowserTests {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let artifacts = repository + "/.build/test-artifacts/dashboard"
    static let adminKey = "dash-admin-key"
    static let userKey = "dash-user-key"
    static let jwtSecret = "dash-jwt-secret"

    @Test("sign in (JWT and key), a job appears and finishes live, cancel one, instance logs, every view; no session shows no data, a user key gets admins only")
    func dashboardInChromium() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.repository + "/wrangler.toml", toPath: directory + "/wrangler.toml")
        let server = try ServerProcess(product: "outpost", directory: directory, extraArguments: [
            "--var", "API_KEYS:root:admin:\(Self.adminKey), alice:user:\(Self.userKey)",
            "--var", "JWT_SECRET:\(Self.jwtSecret)", "--var", "RATE_LIMIT_PER_MINUTE:1000000", "--var", "RATE_LIMIT_BURST:100000",
        ])
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()

        // The page itself is served without credentials and carries no data; the API behind it is admin-only.
        let (pageStatus, page) = try await HTTP.send("GET", server.baseURL + "/dashboard")
        #expect(pageStatus == 200)
        let html = String(decoding: page, as: UTF8.self)
        #expect(html.contains("id=\"login\"") && html.contains("/dashboard/dashboard.js"), "\(html.prefix(300))")
        #expect(try await HTTP.send("GET", server.baseURL + "/api/dashboard/objects").0 == 401)
        #expect(try await HTTP.send("GET", server.baseURL + "/api/dashboard/objects", headers: ["X-API-Key": Self.userKey]).0 == 403)

        try? FileManager.default.removeItem(atPath: Self.artifacts)
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let (status, stdout, stderr) = try await ChildProcess.run("/usr/bin/env", [
            "python3", Self.repository + "/Tests/Fixtures/dashboard-browser/dashboard_check.py",
            server.baseURL, Self.adminKey, Self.userKey, Self.jwtSecret, directory + "/state", Self.repository + "/fixtures/sample.mp4", Self.artifacts,
        ])
        let report = String(decoding: stdout + stderr, as: UTF8.self)
        #expect(status == 0, "the browser check failed (screenshots in \(Self.artifacts)):\n\(report.suffix(4000))\nserver log:\n\(server.log.suffix(2000))")

        server.kill(signal: SIGTERM)
        _ = try? await server.waitForExit(timeout: 30)

        // Every view left a real PNG behind.
        for name in ["01-login", "02-admins-only", "03-job-appeared", "04-job-finished", "05-job-cancelled", "06-jobs-filtered",
                     "07-instance-logs", "08-queues", "09-costs", "10-durable-objects", "11-kv-value", "12-r2-object"] where status == 0 {
            let data = FileManager.default.contents(atPath: "\(Self.artifacts)/\(name).png") ?? Data()
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > 1000, "\(name).png is not a screenshot")
        }
    }

    @Test("the dashboard's admin routes answer bad input with a clear 4xx; the page is static and carries no data")
    func dashboardRoutesRejectBadInput() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Self.repository + "/wrangler.toml", toPath: directory + "/wrangler.toml")
        let server = try ServerProcess(product: "outpost", directory: directory, extraArguments: [
            "--var", "API_KEYS:root:admin:\(Self.adminKey)", "--var", "RATE_LIMIT_PER_MINUTE:1000000", "--var", "RATE_LIMIT_BURST:100000",
        ])
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let admin = ["X-API-Key": Self.adminKey]
        let longKey = String(repeating: "k", count: 2000)
        let cases: [(path: String, status: Int, code: String)] = [
            ("/api/dashboard/instances/NoSuchClass/x/logs", 404, "class_not_found"),
            ("/api/dashboard/instances/VideoProcessor/never-started/logs", 404, "log_not_found"),
            ("/api/dashboard/instances/VideoProcessor/x/logs?lines=0", 400, "invalid_lines"),
            ("/api/dashboard/instances/VideoProcessor/x/logs?lines=many", 400, "invalid_lines"),
            ("/api/dashboard/kv/NO_SUCH_KV", 404, "binding_not_found"),
            ("/api/dashboard/kv/MEDIA", 404, "binding_not_found"),
            ("/api/dashboard/kv/JOB_STATUS_KV?limit=5000", 400, "invalid_limit"),
            ("/api/dashboard/kv/JOB_STATUS_KV?cursor=not-a-cursor", 400, "kv_error"),
            ("/api/dashboard/kv/JOB_STATUS_KV/value", 400, "missing_key"),
            ("/api/dashboard/kv/JOB_STATUS_KV/value?key=\(longKey)", 400, "kv_error"),
            ("/api/dashboard/kv/JOB_STATUS_KV/value?key=job:none", 404, "key_not_found"),
            ("/api/dashboard/r2/NO_SUCH_BUCKET", 404, "binding_not_found"),
            ("/api/dashboard/r2/MEDIA?cursor=%25%25", 400, "InvalidArgument"),
            ("/api/dashboard/r2/MEDIA/object?key=uploads/none", 404, "object_not_found"),
            ("/api/dashboard/r2/MEDIA/object?key=\(longKey)", 400, "InvalidObjectName"),
        ]
        for c in cases {
            let (status, body) = try await HTTP.send("GET", server.baseURL + c.path, headers: admin)
            let error = try? JSONValue.parse(Array(body))["error"]
            #expect(status == c.status && error?["code"]?.stringValue == c.code && !(error?["message"]?.stringValue ?? "").isEmpty,
                    "\(c.path.prefix(80)): \(status) \(String(decoding: body, as: UTF8.self).prefix(300))")
        }
        // Good input reads: the bound namespaces and buckets, an empty listing, the orchestrator among the objects.
        let (kvStatus, kv) = try await HTTP.send("GET", server.baseURL + "/api/dashboard/kv", headers: admin)
        let bindings = try JSONValue.parse(Array(kv))["namespaces"]?.arrayValue?.compactMap { $0["binding"]?.stringValue }
        #expect(kvStatus == 200 && bindings == ["AUTH_KV", "JOB_STATUS_KV", "TEMPLATES_KV"], "\(bindings ?? [])")
        let (r2Status, r2) = try await HTTP.send("GET", server.baseURL + "/api/dashboard/r2/MEDIA", headers: admin)
        let objects = try JSONValue.parse(Array(r2))["objects"]?.arrayValue
        #expect(r2Status == 200 && objects?.isEmpty == true)

        // The page: static files, no data, locked down; nothing else under /dashboard.
        let (headStatus, headBody) = try await HTTP.send("HEAD", server.baseURL + "/dashboard")
        #expect(headStatus == 200 && headBody.isEmpty)
        var request = URLRequest(url: URL(string: server.baseURL + "/dashboard/dashboard.js")!)
        request.httpMethod = "GET"
        let (script, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        #expect(http?.statusCode == 200 && http?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/javascript") == true)
        #expect(http?.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(String(decoding: script, as: UTF8.self).contains("sessionStorage"))
        #expect(try await HTTP.send("GET", server.baseURL + "/dashboard/secrets.json").0 == 404)
        server.kill(signal: SIGTERM)
        _ = try? await server.waitForExit(timeout: 30)
    }
}
