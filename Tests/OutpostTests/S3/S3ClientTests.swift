import Foundation
import Outpost
import OutpostTesting
import Testing

/// Real S3 clients (boto3, aws-cli, curl, and an independent SigV4 client in Python) against the
/// S3 endpoint of a real `outpost dev` process. Needs `pip install boto3 awscli`.
@Suite("S3 API with real clients", .serialized, .timeLimit(.minutes(15)))
struct S3ClientTests {
    static let config = """
        name = "s3-clients"
        compatibility_date = "2025-01-01"

        [[r2_buckets]]
        binding = "BUCKET"
        bucket_name = "media"
        """

    /// `Tests/Fixtures/s3-clients/`.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/s3-clients").path

    struct Key: Decodable {
        let accessKeyId: String
        let secretAccessKey: String
    }

    /// A running server with its S3 endpoint, a full key and a read-only key.
    struct Fixture {
        let dir: String
        let server: ServerProcess
        let endpoint: String
        let key: Key
        let readOnly: Key
        /// Limited to the bucket `boto-bucket`.
        let scoped: Key

        var state: String { dir + "/state" }
        var env: [String: String] {
            var e = ProcessInfo.processInfo.environment
            e["AWS_ACCESS_KEY_ID"] = key.accessKeyId
            e["AWS_SECRET_ACCESS_KEY"] = key.secretAccessKey
            e["AWS_DEFAULT_REGION"] = "auto"
            return e
        }

        func stop() {
            server.kill(signal: SIGKILL)
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    static func start() async throws -> Fixture {
        let dir = TestRuntime.makeTemporaryDirectory()
        try config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let key = try await createKey(state: dir + "/state", ["--name", "full"])
        let readOnly = try await createKey(state: dir + "/state", ["--name", "reader", "--read-only"])
        let scoped = try await createKey(state: dir + "/state", ["--name", "scoped", "--bucket", "boto-bucket"])
        let server = try ServerProcess(directory: dir)
        try await server.waitUntilReady()
        // With --port 0 and no --s3-port, S3 takes a free port too; its line follows "Ready on".
        let deadline = Date().addingTimeInterval(HangGuard.seconds)
        var endpoint: String?
        while endpoint == nil {
            if let range = server.log.range(of: #"S3 API on http://[0-9.]+:[0-9]+"#, options: .regularExpression) {
                endpoint = String(server.log[range].dropFirst("S3 API on ".count))
            } else {
                guard Date() < deadline, server.process.isRunning else { throw ServerProcessError("no S3 endpoint: \(server.log)") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return Fixture(dir: dir, server: server, endpoint: endpoint!, key: key, readOnly: readOnly, scoped: scoped)
    }

    static func createKey(state: String, _ arguments: [String]) async throws -> Key {
        let out = try await CLIProcess.run(["r2", "credentials", "create", "--persist-to", state] + arguments)
        #expect(out.status == 0, "\(out.stderr)")
        return try JSONDecoder().decode(Key.self, from: out.stdoutData)
    }

    /// Runs a client script; fails the test with its output unless it exits 0.
    static func runClient(_ executable: String, _ arguments: [String], env: [String: String]) async throws -> String {
        let r = try await ChildProcess.run(executable, arguments, environment: env)
        let output = String(decoding: r.stdout, as: UTF8.self) + String(decoding: r.stderr, as: UTF8.self)
        #expect(r.status == 0, "\(arguments.first ?? executable) failed (needs `pip install boto3 awscli`):\n\(output)")
        return output
    }

    @Test("boto3: buckets, put/get/head, ranges, conditionals, checksums, lists past 1000 keys, copy, delete-objects, 100 MiB multipart, presigned URLs with curl, wrong secret, read-only and bucket-scoped keys, NotImplemented, bad keys, CORS")
    func boto3() async throws {
        let f = try await Self.start()
        defer { f.stop() }
        let output = try await Self.runClient("/usr/bin/env", [
            "python3", Self.scripts + "/boto3_suite.py", f.endpoint, f.key.accessKeyId, f.key.secretAccessKey,
            f.readOnly.accessKeyId, f.readOnly.secretAccessKey, f.scoped.accessKeyId, f.scoped.secretAccessKey,
        ], env: f.env)
        #expect(output.contains("done 0 failures"), "\(output)")
        #expect(!f.server.log.contains("InternalError"), "\(f.server.log)")
    }

    @Test("An independent SigV4 client: signed aws-chunked, unsigned trailer checksums, CRC32C, truncated bodies, clock skew, malformed XML, odd keys")
    func rawSigV4() async throws {
        let f = try await Self.start()
        defer { f.stop() }
        let output = try await Self.runClient("/usr/bin/env", [
            "python3", Self.scripts + "/raw_sigv4.py", f.endpoint, f.key.accessKeyId, f.key.secretAccessKey, "media",
        ], env: f.env)
        #expect(output.contains("done 0 failures"), "\(output)")
        // Nothing escaped the bucket's directory, and no temporary file was left behind.
        let blobs = try FileManager.default.contentsOfDirectory(atPath: f.state + "/r2/media/blobs")
        #expect(!blobs.contains { $0.hasSuffix(".tmp") })
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/x"))
    }

    @Test("aws-cli: mb, sync both ways byte-exact (with multipart), s3api, wrong secret, read-only key, rm, rb")
    func awsCLI() async throws {
        let f = try await Self.start()
        defer { f.stop() }
        let work = f.dir + "/aws"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let output = try await Self.runClient("/bin/bash", [
            Self.scripts + "/awscli_suite.sh", f.endpoint, "cli-bucket", work, f.readOnly.accessKeyId, f.readOnly.secretAccessKey,
        ], env: f.env)
        #expect(output.contains("done 0 failures"), "\(output)")
    }

    @Test("One object through every door: boto3 → Worker binding and CLI; Worker and CLI → boto3")
    func everyDoor() async throws {
        let f = try await Self.start()
        defer { f.stop() }
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<700_000).map { _ in UInt8.random(in: 0...255, using: &g) }
        let file = f.dir + "/object.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let door = Self.scripts + "/object_door.py"
        let creds = [f.endpoint, f.key.accessKeyId, f.key.secretAccessKey]

        _ = try await Self.runClient("/usr/bin/env", ["python3", door] + creds + ["put", "media", "doors/from-boto3.bin", file], env: f.env)
        let (status, viaWorker) = try await HTTP.send("GET", f.server.baseURL + "/r2/doors/from-boto3.bin")
        #expect(status == 200)
        #expect(Array(viaWorker) == bytes)
        let viaCLI = try await CLIProcess.run(["r2", "object", "get", "media/doors/from-boto3.bin", "--config", f.dir + "/wrangler.toml", "--persist-to", f.state])
        #expect(viaCLI.status == 0, "\(viaCLI.stderr)")
        #expect(Array(viaCLI.stdoutData) == bytes)

        let (putStatus, _) = try await HTTP.send("PUT", f.server.baseURL + "/r2/doors/from-worker.bin", body: Data(bytes))
        #expect(putStatus == 200)
        let cliPut = try await CLIProcess.run(["r2", "object", "put", "media/doors/from-cli.bin", "--file", file, "--config", f.dir + "/wrangler.toml", "--persist-to", f.state])
        #expect(cliPut.status == 0, "\(cliPut.stderr)")
        for key in ["doors/from-worker.bin", "doors/from-cli.bin"] {
            let out = f.dir + "/got.bin"
            _ = try await Self.runClient("/usr/bin/env", ["python3", door] + creds + ["get", "media", key, out], env: f.env)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == bytes, "\(key)")
        }
    }

    @Test("A key from .dev.vars (R2_ACCESS_KEY_ID / R2_SECRET_ACCESS_KEY) works")
    func devVarsKey() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config.write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        try "R2_ACCESS_KEY_ID=devkey\nR2_SECRET_ACCESS_KEY=devsecret\n".write(toFile: dir + "/.dev.vars", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()
        let deadline = Date().addingTimeInterval(HangGuard.seconds)
        while server.log.range(of: #"S3 API on http://[0-9.]+:[0-9]+"#, options: .regularExpression) == nil {
            guard Date() < deadline else { throw ServerProcessError("no S3 endpoint: \(server.log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let range = server.log.range(of: #"S3 API on http://[0-9.]+:[0-9]+"#, options: .regularExpression)!
        let endpoint = String(server.log[range].dropFirst("S3 API on ".count))
        try Data("from dev vars".utf8).write(to: URL(fileURLWithPath: dir + "/in.txt"))
        let door = Self.scripts + "/object_door.py"
        _ = try await Self.runClient("/usr/bin/env", ["python3", door, endpoint, "devkey", "devsecret", "put", "media", "k", dir + "/in.txt"], env: ProcessInfo.processInfo.environment)
        let (status, body) = try await HTTP.send("GET", server.baseURL + "/r2/k")
        #expect(status == 200 && String(decoding: body, as: UTF8.self) == "from dev vars")
    }

    @Test("Credentials: the secret is stored sealed, list hides it, delete revokes it")
    func credentials() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try await Self.createKey(state: dir + "/state", ["--name", "scoped", "--bucket", "media"])
        let stored = try String(contentsOfFile: dir + "/state/s3/credentials.json", encoding: .utf8)
        #expect(stored.contains(key.accessKeyId))
        #expect(!stored.contains(key.secretAccessKey))
        let list = try await CLIProcess.run(["r2", "credentials", "list", "--persist-to", dir + "/state"])
        #expect(list.stdout.contains(key.accessKeyId) && list.stdout.contains("\"media\""))
        #expect(!list.stdout.contains(key.secretAccessKey))
        let delete = try await CLIProcess.run(["r2", "credentials", "delete", key.accessKeyId, "--persist-to", dir + "/state"])
        #expect(delete.status == 0)
        let after = try await CLIProcess.run(["r2", "credentials", "list", "--persist-to", dir + "/state"])
        #expect(!after.stdout.contains(key.accessKeyId))
    }

    @Test("outpost r2 bucket create|list|delete")
    func bucketCLI() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = ["--persist-to", dir + "/state"]
        #expect(try await CLIProcess.run(["r2", "bucket", "create", "photos"] + state).status == 0)
        #expect(try await CLIProcess.run(["r2", "bucket", "create", "Bad_Name"] + state).status != 0)
        #expect(try await CLIProcess.run(["r2", "bucket", "list"] + state).stdout.contains("\"photos\""))
        #expect(try await CLIProcess.run(["r2", "bucket", "delete", "photos"] + state).status == 0)
        #expect(!(try await CLIProcess.run(["r2", "bucket", "list"] + state).stdout.contains("photos")))
        #expect(try await CLIProcess.run(["r2", "bucket", "delete", "photos"] + state).stderr.contains("NoSuchBucket"))
    }
}
