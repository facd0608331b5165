import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The Pitchey deployment booted in the harness with the repository's wrangler.toml, the real
/// `video-processor` container and API keys for four callers.
struct Platform {
    let t: TestRuntime

    static let admin: HTTPFields = [HTTPField.Name("X-API-Key")!: "admin-key"]
    static let alice: HTTPFields = [HTTPField.Name("X-API-Key")!: "alice-key"]
    static let bob: HTTPFields = [HTTPField.Name("X-API-Key")!: "bob-key"]
    static let viewer: HTTPFields = [HTTPField.Name("X-API-Key")!: "viewer-key"]

    static let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures").path
    }()

    /// Boots the platform. `maxInstances` rewrites the video class's `max_instances`; `services`
    /// and `extraConfig` (wrangler blocks appended to the repository's) add services.
    static func with(
        vars: [String: String] = [:], maxInstances: Int? = nil, services: ServiceRegistry = .pitchey, extraConfig: String = "",
        _ body: @Sendable (Platform) async throws -> Void
    ) async throws {
        var config = PitcheyRoutesTests.repositoryConfig + extraConfig
        if let maxInstances { config = config.replacingOccurrences(of: "max_instances = 3", with: "max_instances = \(maxInstances)") }
        let secrets = [
            "API_KEYS": "root:admin:admin-key, alice:user:alice-key, bob:user:bob-key, val:viewer:viewer-key",
            "RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_BURST": "10000",
        ].merging(vars) { $1 }
        try await TestRuntime.with(config: config, script: Pitchey.script(services: services), vars: secrets) { t in
            try await body(Platform(t: t))
        }
    }

    /// Uploads a file from fixtures/ (or any path) as `caller`; returns its key.
    func upload(_ path: String, as caller: HTTPFields = Platform.alice, contentType: String = "video/mp4") async throws -> String {
        let file = path.hasPrefix("/") ? path : Self.fixtures + "/" + path
        var headers = caller
        headers[.contentType] = contentType
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let response = await t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(data: data))
        try #require(response.status == .created, "upload answered \(response.status)")
        return try #require(try await response.json()["key"]?.stringValue)
    }

    /// POSTs `json` to `path` as `caller`; returns status and JSON.
    func post(_ path: String, _ json: JSONValue, as caller: HTTPFields = Platform.alice) async throws -> (Int, JSONValue) {
        let response = await t.dispatchFetch(path, method: .post, headers: caller, json: json)
        return (response.status.code, try await response.json())
    }

    /// POSTs `json` to `path` with `?wait=60` as `caller`; returns the ended job (see `ended`).
    func finished(_ path: String, _ json: JSONValue, as caller: HTTPFields = Platform.alice) async throws -> JSONValue {
        try await ended(t.dispatchFetch(path + (path.contains("?") ? "&" : "?") + "wait=60", method: .post, headers: caller, json: json), as: caller)
    }

    /// The ended job, from a submit's answer: a `?wait=` 200 holds it. A 202 means the wait ran out
    /// first (a cold instance on a loaded machine), so the job is followed on its event stream to
    /// the terminal event, which holds the job as the 200 would have. No clock decides the result:
    /// `HangGuard` only ends a wait that would otherwise never end.
    func ended(_ response: Response, as caller: HTTPFields = Platform.alice) async throws -> JSONValue {
        let answered = try await response.json()
        guard response.status == .accepted else {
            try #require(response.status == .ok, "submit answered \(response.status): \(answered)")
            return answered
        }
        let id = try #require(answered["id"]?.stringValue, "\(answered)")
        let t = self.t
        let events = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await t.dispatchFetch("/api/containers/jobs/\(id)/events", method: .get, headers: caller, body: .empty).body.text() }
            group.addTask { try await Task.sleep(for: HangGuard.duration); return nil }
            defer { group.cancelAll() }
            guard let text = try await group.next() ?? nil else { throw TestTimeout(message: "job \(id) did not end within the \(HangGuard.duration) hang guard") }
            return text
        }
        let last = try #require(events.split(separator: "\n").last { $0.hasPrefix("data: ") }, "job \(id)'s events: \(events)")
        let job = try JSONValue.parse(String(last.dropFirst(6)))
        try #require(JobStatus(rawValue: job["status"]?.stringValue ?? "")?.isTerminal == true, "job \(id)'s stream ended before the job: \(job)")
        return job
    }

    func get(_ path: String, as caller: HTTPFields = Platform.alice) async throws -> (Int, JSONValue) {
        let response = await t.dispatchFetch(path, method: .get, headers: caller, body: .empty)
        return (response.status.code, try await response.json())
    }

    /// Submits a job; returns its id.
    func submit(_ type: String, key: String, params: JSONValue = [:], priority: String = "normal", as caller: HTTPFields = Platform.alice,
                extra: [String: JSONValue] = [:]) async throws -> String {
        var body: [String: JSONValue] = ["type": .string(type), "input": ["key": .string(key)], "params": params, "priority": .string(priority)]
        body.merge(extra) { $1 }
        let (status, job) = try await post("/api/containers/jobs", .object(body), as: caller)
        try #require(status == 202, "submit answered \(status): \(job)")
        return try #require(job["id"]?.stringValue)
    }

    /// Polls the job until `condition` holds (every 20 ms; `timeout` is a hang guard).
    @discardableResult
    func waitForJob(_ id: String, timeout: Double = HangGuard.seconds, as caller: HTTPFields = Platform.admin,
                    until condition: (JSONValue) -> Bool = { JobStatus(rawValue: $0["status"]?.stringValue ?? "")?.isTerminal == true }) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        var last: JSONValue = .null
        while Date() < deadline {
            let (status, job) = try await get("/api/containers/jobs/\(id)", as: caller)
            if status == 200 {
                last = job
                if condition(job) { return job }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestTimeout(message: "job \(id) did not reach the expected state within \(timeout) s; last: \(last)")
    }

    /// Polls until `condition` holds.
    func eventually(_ what: String, timeout: Double = HangGuard.seconds, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestTimeout(message: "\(what): not within \(timeout) s")
    }

    /// The video instances as `GET /api/containers/instances` reports them.
    func instances() async throws -> [JSONValue] {
        let (status, json) = try await get("/api/containers/instances", as: Platform.admin)
        try #require(status == 200)
        return json["instances"]?.arrayValue ?? []
    }

    /// The pid of instance `name`, if it runs.
    func pid(of name: String) async throws -> Int32? {
        try await instances().first { $0["name"]?.stringValue == name }?["pid"]?.intValue.map(Int32.init)
    }

    /// The service's own `/health` of instance `name` (jobs in flight, succeeded, failed).
    func serviceHealth(_ name: String = "video-processor-1") async throws -> JSONValue {
        let response = try await t.durableObject("VIDEO_PROCESSOR").getByName(name).fetch("http://\(name)/health")
        return try await response.json()
    }

    static func processExists(_ pid: Int32) -> Bool {
        // A zombie (dead, not yet reaped by pid 1) counts as gone.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z" && state != "X"
    }

    /// A 40 s lossless 720p H.264 video with a single keyframe, so a thumbnail near its end
    /// decodes every frame (a second or more of work): for tests that need a job to be running
    /// for a while. Made with ffmpeg in the runtime's temporary directory.
    func makeSlowVideo() throws -> String {
        let path = t.directory + "/slow.mp4"
        try FFmpegCLI.run(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "40", "-c:v", "libx264", "-preset", "ultrafast",
                           "-qp", "0", "-g", "100000", "-pix_fmt", "yuv420p", path])
        return path
    }
}
