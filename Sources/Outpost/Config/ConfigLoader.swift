import Foundation
import TOMLKit

/// Reads `wrangler.toml`: parses, applies `[env.NAME]`, validates and reports problems with
/// file:line:column.
public struct ConfigLoader {
    public let path: String
    public let environment: String?
    public private(set) var warnings: [ConfigWarning] = []
    private var lines: [Substring] = []

    public init(path: String, environment: String? = nil) {
        self.path = path
        self.environment = environment
    }

    /// Loads and validates the file at `path`.
    public static func load(path: String, environment: String? = nil) throws -> (WranglerConfig, [ConfigWarning]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, message: "cannot read the configuration file (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "the configuration file is not UTF-8 text")
        }
        var loader = ConfigLoader(path: path, environment: environment)
        let config = try loader.parse(text)
        return (config, loader.warnings)
    }

    /// Parses TOML `text` as if read from `path`.
    public mutating func parse(_ text: String) throws -> WranglerConfig {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, line: error.source.begin.line, column: error.source.begin.column, message: error.description)
        }

        var top = root
        if let environment {
            guard let envs = root["env"]?.table, let envTable = envs[environment]?.table else {
                throw ConfigError(file: path, message: "no [env.\(environment)] section (asked for with --env \(environment))")
            }
            top = envTable
        }
        let config = try build(root: root, top: top)
        try validate(config)
        return config
    }

    private static let topKeys: Set<String> = [
        "name", "main", "compatibility_date", "compatibility_flags", "vars", "kv_namespaces", "r2_buckets",
        "durable_objects", "migrations", "queues", "containers", "triggers", "env", "account_id", "workers_dev",
        "route", "routes", "build", "dev", "observability", "placement", "limits", "rules", "no_bundle",
        "minify", "node_compat", "send_metrics", "keep_vars", "logpush", "tail_consumers", "assets", "preview_urls",
    ]

    private mutating func build(root: TOMLTable, top: TOMLTable) throws -> WranglerConfig {
        for key in root.keys where !Self.topKeys.contains(key) {
            warn(key: key, "unknown key \"\(key)\" (ignored)")
        }
        // Non-inheritable keys (bindings, vars) come from the environment section when one is chosen;
        // inheritable ones (name, main, compatibility_date, triggers) fall back to the top level.
        func inherited(_ key: String) -> (any TOMLValueConvertible)? { top[key] ?? root[key] }

        let name = try string(inherited("name"), key: "name") ?? "worker"
        var config = WranglerConfig(path: path, name: environment.map { "\(name)-\($0)" } ?? name)
        config.main = try string(inherited("main"), key: "main")
        config.compatibilityDate = try string(inherited("compatibility_date"), key: "compatibility_date")
        config.compatibilityFlags = try stringArray(inherited("compatibility_flags"), key: "compatibility_flags")

        if let vars = top["vars"] {
            guard let table = vars.table else { throw typeError("vars", "a table") }
            for key in table.keys {
                guard let value = table[key] else { continue }
                config.vars[key] = value.string ?? jsonText(value)
            }
        }

        for (i, t) in try tables(top["kv_namespaces"], key: "kv_namespaces").enumerated() {
            try checkKeys(t, "kv_namespaces", allowed: ["binding", "id", "preview_id"])
            let binding = try required(t, "binding", in: "kv_namespaces", index: i)
            config.kvNamespaces.append(KVNamespaceConfig(
                binding: binding,
                id: try string(t["id"], key: "id") ?? binding,
                previewId: try string(t["preview_id"], key: "preview_id")
            ))
        }

        for (i, t) in try tables(top["r2_buckets"], key: "r2_buckets").enumerated() {
            try checkKeys(t, "r2_buckets", allowed: ["binding", "bucket_name", "jurisdiction", "preview_bucket_name"])
            config.r2Buckets.append(R2BucketConfig(
                binding: try required(t, "binding", in: "r2_buckets", index: i),
                bucketName: try required(t, "bucket_name", in: "r2_buckets", index: i),
                jurisdiction: try string(t["jurisdiction"], key: "jurisdiction")
            ))
        }

        if let durable = top["durable_objects"] {
            guard let dt = durable.table else { throw typeError("durable_objects", "a table") }
            for (i, t) in try tables(dt["bindings"], key: "durable_objects.bindings").enumerated() {
                try checkKeys(t, "durable_objects.bindings", allowed: ["name", "class_name", "script_name", "environment"])
                config.durableObjects.append(DurableObjectBindingConfig(
                    name: try required(t, "name", in: "durable_objects.bindings", index: i),
                    className: try required(t, "class_name", in: "durable_objects.bindings", index: i),
                    scriptName: try string(t["script_name"], key: "script_name")
                ))
            }
        }

        for (i, t) in try tables(inherited("migrations"), key: "migrations").enumerated() {
            try checkKeys(t, "migrations", allowed: ["tag", "new_classes", "new_sqlite_classes", "deleted_classes", "renamed_classes", "transferred_classes"])
            var m = MigrationConfig(tag: try required(t, "tag", in: "migrations", index: i))
            m.newClasses = try stringArray(t["new_classes"], key: "new_classes")
            m.newSQLiteClasses = try stringArray(t["new_sqlite_classes"], key: "new_sqlite_classes")
            m.deletedClasses = try stringArray(t["deleted_classes"], key: "deleted_classes")
            for r in try tables(t["renamed_classes"], key: "renamed_classes") {
                m.renamedClasses.append(.init(from: try required(r, "from", in: "renamed_classes", index: 0), to: try required(r, "to", in: "renamed_classes", index: 0)))
            }
            config.migrations.append(m)
        }

        if let queues = top["queues"] {
            guard let qt = queues.table else { throw typeError("queues", "a table") }
            for key in qt.keys where key != "producers" && key != "consumers" {
                warn(key: key, "unknown key \"queues.\(key)\" (ignored)")
            }
            for (i, t) in try tables(qt["producers"], key: "queues.producers").enumerated() {
                try checkKeys(t, "queues.producers", allowed: ["binding", "queue", "delivery_delay"])
                config.queueProducers.append(QueueProducerConfig(
                    binding: try required(t, "binding", in: "queues.producers", index: i),
                    queue: try required(t, "queue", in: "queues.producers", index: i),
                    deliveryDelay: try int(t["delivery_delay"], key: "delivery_delay")
                ))
            }
            for (i, t) in try tables(qt["consumers"], key: "queues.consumers").enumerated() {
                try checkKeys(t, "queues.consumers", allowed: ["queue", "max_batch_size", "max_batch_timeout", "max_retries", "dead_letter_queue", "max_concurrency", "retry_delay", "type", "visibility_timeout_ms"])
                var c = QueueConsumerConfig(queue: try required(t, "queue", in: "queues.consumers", index: i))
                if let v = try int(t["max_batch_size"], key: "max_batch_size") {
                    guard (1...100).contains(v) else { throw valueError("max_batch_size", "max_batch_size must be between 1 and 100, got \(v)") }
                    c.maxBatchSize = v
                }
                if let v = try number(t["max_batch_timeout"], key: "max_batch_timeout") {
                    guard (0...60).contains(v) else { throw valueError("max_batch_timeout", "max_batch_timeout must be between 0 and 60 seconds, got \(v)") }
                    c.maxBatchTimeout = v
                }
                if let v = try int(t["max_retries"], key: "max_retries") {
                    guard (0...100).contains(v) else { throw valueError("max_retries", "max_retries must be between 0 and 100, got \(v)") }
                    c.maxRetries = v
                }
                if let v = try int(t["retry_delay"], key: "retry_delay") {
                    guard (0...43200).contains(v) else { throw valueError("retry_delay", "retry_delay must be between 0 and 43200 seconds, got \(v)") }
                    c.retryDelay = v
                }
                if let v = try int(t["max_concurrency"], key: "max_concurrency") {
                    guard v >= 1 else { throw valueError("max_concurrency", "max_concurrency must be at least 1, got \(v)") }
                    c.maxConcurrency = v
                }
                c.deadLetterQueue = try string(t["dead_letter_queue"], key: "dead_letter_queue")
                config.queueConsumers.append(c)
            }
        }

        for (i, t) in try tables(top["containers"], key: "containers").enumerated() {
            try checkKeys(t, "containers", allowed: ["class_name", "image", "max_instances", "instance_type", "name", "image_build_context", "image_vars", "rollout_step_percentage", "rollout_kind", "sandbox"])
            var c = ContainerConfig(
                className: try required(t, "class_name", in: "containers", index: i),
                image: try required(t, "image", in: "containers", index: i)
            )
            if let v = try int(t["max_instances"], key: "max_instances") {
                guard v >= 1 else { throw valueError("max_instances", "max_instances must be at least 1, got \(v)") }
                c.maxInstances = v
            }
            if let v = try string(t["instance_type"], key: "instance_type") {
                guard InstanceTypes.known.contains(v) else {
                    throw valueError("instance_type", "unknown instance_type \"\(v)\"; expected one of \(InstanceTypes.known.joined(separator: ", "))")
                }
                c.instanceType = v
            }
            c.name = try string(t["name"], key: "name")
            if let v = t["sandbox"] {
                c.sandbox = try containerSandbox(v)
            }
            config.containers.append(c)
        }

        if let triggers = inherited("triggers") {
            guard let tt = triggers.table else { throw typeError("triggers", "a table") }
            config.crons = try stringArray(tt["crons"], key: "crons")
        }
        return config
    }

    private func validate(_ config: WranglerConfig) throws {
        func duplicate(_ names: [String], _ what: String) throws {
            var seen = Set<String>()
            for n in names where !seen.insert(n).inserted {
                throw ConfigError(file: path, line: locate(value: n), message: "binding name \"\(n)\" is used twice (\(what))")
            }
        }
        let allBindings = config.kvNamespaces.map(\.binding) + config.r2Buckets.map(\.binding)
            + config.durableObjects.map(\.name) + config.queueProducers.map(\.binding)
        try duplicate(allBindings + config.vars.keys.sorted(), "every binding and var needs its own name")

        let queueNames = config.queueProducers.map(\.queue) + config.queueConsumers.flatMap { [$0.queue] + ($0.deadLetterQueue.map { [$0] } ?? []) }
        for name in queueNames where !Self.isValidQueueName(name) {
            throw ConfigError(
                file: path, line: locate(value: name),
                message: "queue name \"\(name)\" is invalid: use 1-63 letters, digits, \"-\" or \"_\""
            )
        }
        for p in config.queueProducers {
            if let d = p.deliveryDelay, !(0...43200).contains(d) {
                throw valueError("delivery_delay", "delivery_delay must be between 0 and 43200 seconds, got \(d)")
            }
        }
        for c in config.queueConsumers {
            if let dlq = c.deadLetterQueue, dlq == c.queue {
                throw ConfigError(file: path, line: locate(key: "dead_letter_queue", value: dlq), message: "queue \"\(c.queue)\" cannot be its own dead_letter_queue")
            }
        }
        // A chain of dead-letter queues that comes back to its start would pass messages round forever.
        let dlqOf = Dictionary(config.queueConsumers.compactMap { c in c.deadLetterQueue.map { (c.queue, $0) } }, uniquingKeysWith: { a, _ in a })
        for start in dlqOf.keys.sorted() {
            var seen: [String] = [start]
            var current = start
            while let next = dlqOf[current] {
                if next == start {
                    throw ConfigError(
                        file: path, line: locate(key: "dead_letter_queue", value: next),
                        message: "dead_letter_queue chain \((seen + [next]).joined(separator: " -> ")) loops back to \"\(start)\""
                    )
                }
                if seen.contains(next) { break }
                seen.append(next)
                current = next
            }
        }
        var seenConsumers = Set<String>()
        for c in config.queueConsumers where !seenConsumers.insert(c.queue).inserted {
            throw ConfigError(file: path, line: locate(value: c.queue), message: "queue \"\(c.queue)\" has more than one consumer")
        }

        let doClasses = Set(config.durableObjects.map(\.className))
        for c in config.containers where !doClasses.contains(c.className) {
            throw ConfigError(
                file: path, line: locate(value: c.className),
                message: "container class \"\(c.className)\" has no [[durable_objects.bindings]] entry; add one with class_name = \"\(c.className)\""
            )
        }
        let migrated = Set(config.migrations.flatMap { $0.newClasses + $0.newSQLiteClasses + $0.renamedClasses.map(\.to) })
        if !config.migrations.isEmpty {
            for b in config.durableObjects where b.scriptName == nil && !migrated.contains(b.className) {
                throw ConfigError(
                    file: path, line: locate(value: b.className),
                    message: "Durable Object binding \"\(b.name)\" refers to class \"\(b.className)\", which no [[migrations]] entry creates (add it to new_sqlite_classes)"
                )
            }
        }
        for cron in config.crons {
            do { _ = try CronExpression(cron) } catch let error as CronParseError {
                throw ConfigError(file: path, line: locate(value: cron), message: error.description)
            }
        }
    }

    /// Cloudflare's queue names: letters, digits and dashes, up to 63 characters (underscores tolerated).
    static func isValidQueueName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    // MARK: - Typed access with located errors

    private func string(_ v: (any TOMLValueConvertible)?, key: String) throws -> String? {
        guard let v else { return nil }
        guard let s = v.string else { throw typeError(key, "a string") }
        return s
    }

    private func int(_ v: (any TOMLValueConvertible)?, key: String) throws -> Int? {
        guard let v else { return nil }
        guard let i = v.int else { throw typeError(key, "an integer") }
        return i
    }

    private func number(_ v: (any TOMLValueConvertible)?, key: String) throws -> Double? {
        guard let v else { return nil }
        if let i = v.int { return Double(i) }
        guard let d = v.double else { throw typeError(key, "a number") }
        return d
    }

    private func stringArray(_ v: (any TOMLValueConvertible)?, key: String) throws -> [String] {
        guard let v else { return [] }
        guard let a = v.array else { throw typeError(key, "an array of strings") }
        return try a.map { item in
            guard let s = item.string else { throw typeError(key, "an array of strings") }
            return s
        }
    }

    /// Outpost's `[containers.sandbox]` extension table.
    private mutating func containerSandbox(_ v: any TOMLValueConvertible) throws -> ContainerSandbox {
        guard let t = v.table else { throw typeError("sandbox", "a table: sandbox = { nested = true, read_only_paths = [\"/opt/models\"] }") }
        var sandbox = ContainerSandbox()
        for key in t.keys where !["nested", "read_only_paths"].contains(key) {
            warn(key: key, "unknown key \"\(key)\" in [containers.sandbox] (ignored)")
        }
        if let n = t["nested"] {
            guard let b = n.bool else { throw typeError("nested", "a boolean") }
            sandbox.nested = b
        }
        sandbox.readOnlyPaths = try stringArray(t["read_only_paths"], key: "read_only_paths")
        for path in sandbox.readOnlyPaths {
            guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw valueError("read_only_paths", "read_only_paths must hold absolute paths without \"..\", got \"\(path)\"")
            }
            guard path != "/" else { throw valueError("read_only_paths", "read_only_paths cannot hold \"/\": that is the whole host") }
        }
        return sandbox
    }

    private func tables(_ v: (any TOMLValueConvertible)?, key: String) throws -> [TOMLTable] {
        guard let v else { return [] }
        guard let a = v.array else { throw typeError(key, "an array of tables ([[\(key)]])") }
        return try a.map { item in
            guard let t = item.table else { throw typeError(key, "an array of tables ([[\(key)]])") }
            return t
        }
    }

    private func required(_ t: TOMLTable, _ key: String, in section: String, index: Int) throws -> String {
        guard let v = t[key] else {
            throw ConfigError(file: path, line: locate(header: section, index: index), message: "[[\(section)]] entry \(index + 1) is missing \"\(key)\"")
        }
        guard let s = v.string else { throw typeError(key, "a string") }
        return s
    }

    private mutating func checkKeys(_ t: TOMLTable, _ section: String, allowed: Set<String>) throws {
        for key in t.keys where !allowed.contains(key) {
            warn(key: key, "unknown key \"\(key)\" in [[\(section)]] (ignored)")
        }
    }

    private func jsonText(_ v: any TOMLValueConvertible) -> String {
        if let i = v.int { return String(i) }
        if let d = v.double { return String(d) }
        if let b = v.bool { return String(b) }
        if let a = v.array { return "[" + a.map { jsonText($0) }.joined(separator: ",") + "]" }
        if let t = v.table {
            let pairs = t.keys.sorted().compactMap { k in t[k].map { "\"\(k)\":\(jsonText($0))" } }
            return "{" + pairs.joined(separator: ",") + "}"
        }
        if let s = v.string { return JSONValue.string(s).serialized() }
        return "null"
    }

    private func typeError(_ key: String, _ expected: String) -> ConfigError {
        let (line, column) = locate(key: key)
        return ConfigError(file: path, line: line, column: column, message: "\"\(key)\" must be \(expected)")
    }

    private func valueError(_ key: String, _ message: String) -> ConfigError {
        let (line, column) = locate(key: key)
        return ConfigError(file: path, line: line, column: column, message: message)
    }

    private mutating func warn(key: String, _ message: String) {
        warnings.append(ConfigWarning(file: path, line: locate(key: key).0, message: message))
    }

    // MARK: - Locating keys in the source (TOMLKit reports positions for syntax errors only)

    private func locate(key: String) -> (Int?, Int?) {
        for (i, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix(key) {
                let rest = trimmed.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") { return (i + 1, line.count - trimmed.count + 1) }
            }
        }
        return (nil, nil)
    }

    /// The line that sets `key` to `value`, else the first line mentioning `value`.
    private func locate(key: String, value: String) -> Int? {
        let hit = lines.firstIndex { line in
            line.trimmingCharacters(in: .whitespaces).hasPrefix(key) && (line.contains("\"\(value)\"") || line.contains("'\(value)'"))
        }
        return hit.map { $0 + 1 } ?? locate(value: value)
    }

    private func locate(value: String) -> Int? {
        lines.firstIndex { $0.contains("\"\(value)\"") || $0.contains("'\(value)'") }.map { $0 + 1 }
    }

    private func locate(header section: String, index: Int) -> Int? {
        let header = "[[\(section)]]"
        let matches = lines.enumerated().filter { $0.element.trimmingCharacters(in: .whitespaces) == header }
        return index < matches.count ? matches[index].offset + 1 : matches.first.map { $0.offset + 1 }
    }
}
