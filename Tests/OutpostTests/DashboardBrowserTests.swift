import Foundation
import OutpostTesting
import Testing

/// The web dashboard at `/dashboard` in a real browser: headless Chromium (Debian's `chromium` and
/// `chromium-driver`) driven by Selenium from PyPI, against `outpost dev` serving the Pitchey app.
/// The script is `Tests/Fixtures/dashboard-browser/dashboard_check.py`; its screenshots are kept in
/// `.build/test-artifacts/dashboard/` (one PNG per view, `failure.png` and `failure.html` on failure).
@Suite("Web dashboard in Chromium", .serialized)
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
}
