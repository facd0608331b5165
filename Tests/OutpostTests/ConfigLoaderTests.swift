import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("wrangler.toml loading")
struct ConfigLoaderTests {
    func parse(_ text: String, environment: String? = nil) throws -> (WranglerConfig, [ConfigWarning]) {
        var loader = ConfigLoader(path: "wrangler.toml", environment: environment)
        let config = try loader.parse(text)
        return (config, loader.warnings)
    }

    func error(_ text: String, environment: String? = nil) -> ConfigError? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("every wrangler key of the Pitchey deployment parses, with production defaults")
    func fullConfig() throws {
        let (c, warnings) = try parse("""
            name = "app"
            main = "src/index.ts"
            compatibility_date = "2026-01-01"
            [vars]
            GREETING = "hi"
            LIMIT = 5
            NESTED = { a = 1, b = ["x"] }
            [[kv_namespaces]]
            binding = "KV"
            id = "abc"
            [[r2_buckets]]
            binding = "MEDIA"
            bucket_name = "media"
            [[durable_objects.bindings]]
            name = "ORCH"
            class_name = "Orchestrator"
            [[migrations]]
            tag = "v1"
            new_sqlite_classes = ["Orchestrator"]
            [[queues.producers]]
            binding = "JOBS"
            queue = "jobs"
            [[queues.consumers]]
            queue = "jobs"
            dead_letter_queue = "jobs-dlq"
            [[containers]]
            class_name = "Orchestrator"
            image = "video-processor"
            instance_type = "basic"
            [triggers]
            crons = ["*/5 * * * *"]
            """)
        #expect(warnings.isEmpty)
        #expect(c.name == "app")
        #expect(c.vars == ["GREETING": "hi", "LIMIT": "5", "NESTED": #"{"a":1,"b":["x"]}"#])
        #expect(c.kvNamespaces.map(\.binding) == ["KV"])
        #expect(c.kvNamespaces.first?.id == "abc")
        #expect(c.r2Buckets.first?.bucketName == "media")
        #expect(c.durableObjects.first?.className == "Orchestrator")
        #expect(c.migrations.first?.newSQLiteClasses == ["Orchestrator"])
        #expect(c.queueProducers.first?.queue == "jobs")
        let consumer = try #require(c.queueConsumers.first)
        #expect(consumer.maxBatchSize == 10)
        #expect(consumer.maxBatchTimeout == 5)
        #expect(consumer.maxRetries == 3)
        #expect(consumer.deadLetterQueue == "jobs-dlq")
        let container = try #require(c.containers.first)
        #expect(container.maxInstances == 20)
        #expect(container.instanceType == "basic")
        #expect(c.crons == ["*/5 * * * *"])
    }

    @Test("malformed TOML fails with file, line and column")
    func syntaxError() throws {
        let e = try #require(error("name = \"ok\"\n[vars]\nBROKEN = \n"))
        #expect(e.file == "wrangler.toml")
        #expect(e.line == 3)
        #expect(e.column != nil)
        #expect(e.description.hasPrefix("wrangler.toml:3:"))
    }

    @Test("a wrong type names the key and its line")
    func typeError() throws {
        let e = try #require(error("name = \"x\"\n\n[[kv_namespaces]]\nbinding = 42\n"))
        #expect(e.message == "\"binding\" must be a string")
        #expect(e.line == 4)
    }

    @Test("a missing required key names the section and entry")
    func missingKey() throws {
        let e = try #require(error("[[r2_buckets]]\nbinding = \"B\"\n"))
        #expect(e.message == "[[r2_buckets]] entry 1 is missing \"bucket_name\"")
        #expect(e.line == 1)
    }

    @Test("unknown keys warn and are ignored")
    func unknownKeys() throws {
        let (_, warnings) = try parse("name = \"x\"\nfavourite_colour = \"blue\"\n[[kv_namespaces]]\nbinding = \"K\"\nid = \"k\"\nttl = 5\n")
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.message.contains("favourite_colour") && $0.line == 2 })
        #expect(warnings.contains { $0.message.contains("\"ttl\"") && $0.line == 6 })
    }

    @Test("a container class without a Durable Object binding is an error naming both")
    func containerWithoutBinding() throws {
        let e = try #require(error("[[containers]]\nclass_name = \"VideoContainer\"\nimage = \"video-processor\"\n"))
        #expect(e.message.contains("VideoContainer"))
        #expect(e.message.contains("durable_objects.bindings"))
    }

    @Test("a Durable Object binding to a class no migration creates is an error naming both")
    func bindingWithoutMigration() throws {
        let e = try #require(error("""
            [[durable_objects.bindings]]
            name = "COUNTER"
            class_name = "Counter"
            [[migrations]]
            tag = "v1"
            new_sqlite_classes = ["Other"]
            """))
        #expect(e.message.contains("COUNTER"))
        #expect(e.message.contains("Counter"))
        #expect(e.line == 3)
    }

    @Test("a queue cannot be its own dead-letter queue")
    func selfDeadLetter() throws {
        let e = try #require(error("[[queues.consumers]]\nqueue = \"jobs\"\ndead_letter_queue = \"jobs\"\n"))
        #expect(e.message == "queue \"jobs\" cannot be its own dead_letter_queue")
    }

    @Test("consumer settings outside Cloudflare's ranges are refused with the range")
    func consumerRanges() throws {
        #expect(error("[[queues.consumers]]\nqueue = \"q\"\nmax_batch_size = 101\n")?.message == "max_batch_size must be between 1 and 100, got 101")
        #expect(error("[[queues.consumers]]\nqueue = \"q\"\nmax_batch_timeout = 61\n")?.message == "max_batch_timeout must be between 0 and 60 seconds, got 61.0")
        #expect(error("[[queues.consumers]]\nqueue = \"q\"\nmax_retries = 101\n")?.message == "max_retries must be between 0 and 100, got 101")
    }

    @Test("an unknown instance_type lists the known ones")
    func instanceType() throws {
        let e = try #require(error("""
            [[durable_objects.bindings]]
            name = "C"
            class_name = "C"
            [[containers]]
            class_name = "C"
            image = "x"
            instance_type = "huge"
            """))
        #expect(e.message == "unknown instance_type \"huge\"; expected one of lite, basic, standard-1, standard-2, standard-3, standard-4")
        #expect(e.line == 7)
    }

    @Test("a duplicate binding name is an error")
    func duplicateBinding() throws {
        let e = try #require(error("[[kv_namespaces]]\nbinding = \"X\"\nid = \"1\"\n[[r2_buckets]]\nbinding = \"X\"\nbucket_name = \"b\"\n"))
        #expect(e.message.contains("\"X\" is used twice"))
    }

    @Test("[env.NAME] replaces bindings and vars, and inherits name and triggers")
    func environments() throws {
        let text = """
            name = "app"
            [vars]
            MODE = "dev"
            [[kv_namespaces]]
            binding = "KV"
            id = "dev-ns"
            [triggers]
            crons = ["0 * * * *"]
            [env.staging]
            [env.staging.vars]
            MODE = "staging"
            [[env.staging.kv_namespaces]]
            binding = "KV"
            id = "staging-ns"
            """
        let (c, _) = try parse(text, environment: "staging")
        #expect(c.name == "app-staging")
        #expect(c.vars == ["MODE": "staging"])
        #expect(c.kvNamespaces.first?.id == "staging-ns")
        #expect(c.crons == ["0 * * * *"])
        #expect(error(text, environment: "prod")?.message == "no [env.prod] section (asked for with --env prod)")
    }

    @Test(".dev.vars secrets override [vars], and --var overrides both")
    func secrets() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[vars]\nA = \"from-vars\"\nB = \"from-vars\"\nC = \"from-vars\"\n".write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        try "# secrets\nB=from-dev-vars\nexport C=\"quoted value\"\nD='single'\n".write(toFile: dir + "/.dev.vars", atomically: true, encoding: .utf8)
        let runtime = try Runtime(
            options: RuntimeOptions(configPath: dir + "/wrangler.toml", stateDirectory: dir + "/state", varOverrides: ["C": "from-flag"]),
            script: WorkerScript(worker: NullWorker())
        )
        defer { runtime.close() }
        #expect(runtime.env["A"] == "from-vars")
        #expect(runtime.env["B"] == "from-dev-vars")
        #expect(runtime.env["C"] == "from-flag")
        #expect(runtime.env["D"] == "single")
        #expect(DevVars.parseOverride("NAME:a:b")! == ("NAME", "a:b"))
        #expect(DevVars.parseOverride("novalue") == nil)
    }

    @Test("a missing file is a clear error")
    func missingFile() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/wrangler.toml") }
    }

    @Test("the repository's wrangler.toml loads without warnings")
    func repositoryConfig() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let (c, warnings) = try ConfigLoader.load(path: root + "/wrangler.toml")
        #expect(warnings.isEmpty)
        #expect(c.kvNamespace(binding: "JOB_STATUS_KV") != nil)
        #expect(c.r2Bucket(binding: "MEDIA")?.bucketName == "pitchey-media")
    }
}
