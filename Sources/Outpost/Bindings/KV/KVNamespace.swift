public import NIOCore
import Foundation

/// A Workers KV namespace (`env.kv("NAME")`), stored in SQLite under the state directory.
///
/// Every write is committed with fsync before it returns. Reads see the latest write,
/// including writes from other processes sharing the state directory.
public struct KVNamespace: Sendable {
    let store: KVStore
    /// The namespace id from `[[kv_namespaces]] id`.
    public let namespaceID: String

    // MARK: get

    /// The value of `key` as text, or nil when missing or expired.
    public func get(_ key: String) async throws -> String? {
        try await getWithMetadata(key)?.value
    }

    /// The value of `key` parsed as JSON.
    public func getJSON(_ key: String) async throws -> JSONValue? {
        guard let raw = try await getBytes(key) else { return nil }
        do { return try JSONValue.parse(raw) } catch { throw KVError.invalidJSON(key) }
    }

    /// The value of `key` decoded from JSON into `T`.
    public func get<T: Decodable>(_ key: String, as type: T.Type) async throws -> T? {
        guard let raw = try await getBytes(key) else { return nil }
        do { return try JSONDecoder().decode(T.self, from: Data(raw)) } catch { throw KVError.invalidJSON(key) }
    }

    /// The value of `key` as bytes.
    public func getBytes(_ key: String) async throws -> [UInt8]? {
        try read(key)?.value
    }

    /// The value of `key` as a stream.
    public func getStream(_ key: String) async throws -> Body? {
        guard let bytes = try read(key)?.value else { return nil }
        return Body(bytes: bytes)
    }

    /// The text value of `key` with its metadata (nil metadata when none was stored).
    public func getWithMetadata(_ key: String) async throws -> KVValueWithMetadata<String>? {
        guard let row = try read(key) else { return nil }
        return KVValueWithMetadata(value: String(decoding: row.value, as: UTF8.self), metadata: row.metadata)
    }

    /// The byte value of `key` with its metadata.
    public func getBytesWithMetadata(_ key: String) async throws -> KVValueWithMetadata<[UInt8]>? {
        guard let row = try read(key) else { return nil }
        return KVValueWithMetadata(value: row.value, metadata: row.metadata)
    }

    /// Bulk get of 1…100 keys: a map with nil for missing keys.
    public func get(_ keys: [String]) async throws -> [String: String?] {
        try await getWithMetadata(keys).mapValues { $0?.value }
    }

    /// Bulk get with metadata.
    public func getWithMetadata(_ keys: [String]) async throws -> [String: KVValueWithMetadata<String>?] {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.kvOperations, RuntimeMetricFamilies.kvDuration, "get", since: start) }
        guard !keys.isEmpty, keys.count <= KVLimits.maxBulkKeys else { throw KVError.tooManyKeys }
        for key in keys { try Self.validate(key: key) }
        let now = Int64(store.clock.now())
        return try store.database.read { db in
            var out: [String: KVValueWithMetadata<String>?] = [:]
            let stmt = try db.cached("SELECT value, metadata FROM kv WHERE namespace = ? AND key = ? AND (expiration IS NULL OR expiration > ?)")
            for key in keys {
                try stmt.bind([.text(namespaceID), .text(key), .integer(now)])
                if try stmt.step() {
                    let value = String(decoding: stmt.bytes(at: 0) ?? [], as: UTF8.self)
                    let metadata = stmt.string(at: 1).flatMap { try? JSONValue.parse($0) }
                    out[key] = .some(KVValueWithMetadata(value: value, metadata: metadata))
                } else {
                    out[key] = .some(nil)
                }
                stmt.reset()
            }
            return out
        }
    }

    private func read(_ key: String) throws -> (value: [UInt8], metadata: JSONValue?)? {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.kvOperations, RuntimeMetricFamilies.kvDuration, "get", since: start) }
        try Self.validate(key: key)
        let now = Int64(store.clock.now())
        return try store.database.read { db in
            let stmt = try db.cached("SELECT value, metadata FROM kv WHERE namespace = ? AND key = ? AND (expiration IS NULL OR expiration > ?)")
            try stmt.bind([.text(namespaceID), .text(key), .integer(now)])
            defer { stmt.reset() }
            guard try stmt.step() else { return nil }
            let metadata = stmt.string(at: 1).flatMap { try? JSONValue.parse($0) }
            return (stmt.bytes(at: 0) ?? [], metadata)
        }
    }

    // MARK: put / delete

    /// Stores `value` under `key`. Returns once the write is durable.
    public func put(_ key: String, _ value: String, options: KVPutOptions = .init()) async throws {
        try await put(key, bytes: Array(value.utf8), options: options)
    }

    /// Stores `value` encoded as JSON.
    public func put(_ key: String, json value: some Encodable, options: KVPutOptions = .init()) async throws {
        let data = try JSONCoding.encoder.encode(value)
        try await put(key, bytes: Array(data), options: options)
    }

    /// Stores a streamed value (read up to the 25 MiB limit).
    public func put(_ key: String, body: Body, options: KVPutOptions = .init()) async throws {
        try Self.validate(key: key)
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: KVLimits.maxValueBytes)
        } catch is BodyTooLargeError {
            throw KVError.valueTooLarge(body.knownLength ?? KVLimits.maxValueBytes + 1)
        }
        try await put(key, bytes: Array(buffer.readableBytesView), options: options)
    }

    /// Stores raw bytes.
    public func put(_ key: String, bytes value: [UInt8], options: KVPutOptions = .init()) async throws {
        try await put([(key, value)], options: options)
    }

    /// Stores `value` as JSON text (JSONValue's own writer, not `JSONEncoder`).
    public func put(_ key: String, json value: JSONValue, options: KVPutOptions = .init()) async throws {
        try await put(key, bytes: Array(value.serialized().utf8), options: options)
    }

    /// Stores several values in one commit (one fsync), all with the same options. An Outpost
    /// addition for writers that batch, such as caches; the Workers binding writes one key per
    /// call. Every entry is checked as `put` checks it before anything is written.
    public func put(_ entries: [(key: String, value: [UInt8])], options: KVPutOptions = .init()) async throws {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.kvOperations, RuntimeMetricFamilies.kvDuration, "put", since: start) }
        for (key, value) in entries {
            try Self.validate(key: key)
            guard value.count <= KVLimits.maxValueBytes else { throw KVError.valueTooLarge(value.count) }
        }
        let metadataText = options.metadata?.serialized()
        if let metadataText, metadataText.utf8.count > KVLimits.maxMetadataBytes {
            throw KVError.metadataTooLarge(metadataText.utf8.count)
        }
        let expiration = try resolveExpiration(options)
        let ns = namespaceID
        try await store.database.write { db in
            try db.transaction {
                for (key, value) in entries {
                    try db.run(
                        "INSERT OR REPLACE INTO kv (namespace, key, value, expiration, metadata) VALUES (?, ?, ?, ?, ?)",
                        [.text(ns), .text(key), .blob(value), SQLiteValue(expiration), SQLiteValue(metadataText)]
                    )
                }
            }
        }
    }

    /// Deletes `key`; deleting a missing key does nothing.
    public func delete(_ key: String) async throws {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.kvOperations, RuntimeMetricFamilies.kvDuration, "delete", since: start) }
        try Self.validate(key: key)
        let ns = namespaceID
        try await store.database.write { db in
            try db.run("DELETE FROM kv WHERE namespace = ? AND key = ?", [.text(ns), .text(key)])
        }
    }

    private func resolveExpiration(_ options: KVPutOptions) throws -> Int64? {
        let now = store.clock.now()
        if let ttl = options.expirationTtl {
            guard ttl >= KVLimits.minExpirationTTL else { throw KVError.invalidTTL(ttl) }
            return Int64(now) + Int64(ttl)
        }
        if let expiration = options.expiration {
            guard expiration > 0, Double(expiration) >= now + Double(KVLimits.minExpirationTTL) else {
                throw KVError.invalidExpiration(expiration)
            }
            return Int64(expiration)
        }
        return nil
    }

    // MARK: list

    /// Lists keys in UTF-8 byte order: `prefix`, `limit` (default and max 1000), `cursor`.
    public func list(_ options: KVListOptions = .init()) async throws -> KVListResult {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.kvOperations, RuntimeMetricFamilies.kvDuration, "list", since: start) }
        let limit = options.limit ?? KVLimits.maxListLimit
        guard limit >= 1, limit <= KVLimits.maxListLimit else { throw KVError.invalidLimit(limit) }
        var after: String?
        if let cursor = options.cursor, !cursor.isEmpty {
            guard let decoded = Data(base64Encoded: cursor).flatMap({ String(data: $0, encoding: .utf8) }), decoded.hasPrefix("k:") else {
                throw KVError.invalidCursor
            }
            after = String(decoded.dropFirst(2))
        }
        let prefix = options.prefix ?? ""
        let now = Int64(store.clock.now())
        let ns = namespaceID
        let rows: [(String, Int64?, String?)] = try store.database.read { db in
            // Walk the primary key in byte order from the later of prefix and cursor; the first key
            // outside the prefix ends the scan, so a page costs O(limit) whatever the namespace size.
            let stmt = try db.cached("""
                SELECT key, expiration, metadata FROM kv
                WHERE namespace = ?1 AND key >= ?2 AND key > ?3 AND (expiration IS NULL OR expiration > ?4)
                ORDER BY key
                """)
            try stmt.bind([.text(ns), .text(prefix), .text(after ?? ""), .integer(now)])
            defer { stmt.reset() }
            var out: [(String, Int64?, String?)] = []
            while out.count <= limit, try stmt.step() {
                let key = stmt.string(at: 0) ?? ""
                guard key.utf8.starts(with: prefix.utf8) else { break }
                out.append((key, stmt.isNull(at: 1) ? nil : stmt.int64(at: 1), stmt.string(at: 2)))
            }
            return out
        }
        let complete = rows.count <= limit
        let page = rows.prefix(limit)
        let keys = page.map { row in
            KVListKey(name: row.0, expiration: row.1.map(Int.init), metadata: row.2.flatMap { try? JSONValue.parse($0) })
        }
        let cursor = complete ? nil : page.last.map { Data(("k:" + $0.0).utf8).base64EncodedString() }
        return KVListResult(keys: keys, listComplete: complete, cursor: cursor)
    }

    // MARK: validation

    static func validate(key: String) throws {
        if key.isEmpty { throw KVError.emptyKey }
        if key == "." || key == ".." { throw KVError.dotKey(key) }
        let length = key.utf8.count
        if length > KVLimits.maxKeyBytes { throw KVError.keyTooLong(length) }
    }
}

/// Options for `KVNamespace.put`. When both are given, `expirationTtl` wins.
public struct KVPutOptions: Sendable {
    /// Absolute expiration, seconds since the epoch; at least 60 s in the future.
    public var expiration: Int?
    /// Seconds from now; at least 60.
    public var expirationTtl: Int?
    /// Arbitrary JSON, at most 1024 bytes serialized.
    public var metadata: JSONValue?

    public init(expiration: Int? = nil, expirationTtl: Int? = nil, metadata: JSONValue? = nil) {
        self.expiration = expiration
        self.expirationTtl = expirationTtl
        self.metadata = metadata
    }
}

/// Options for `KVNamespace.list`.
public struct KVListOptions: Sendable {
    public var prefix: String?
    public var limit: Int?
    public var cursor: String?

    public init(prefix: String? = nil, limit: Int? = nil, cursor: String? = nil) {
        self.prefix = prefix
        self.limit = limit
        self.cursor = cursor
    }
}

/// A value with the metadata stored beside it.
public struct KVValueWithMetadata<Value: Sendable>: Sendable {
    public let value: Value
    public let metadata: JSONValue?
}

extension KVValueWithMetadata: Equatable where Value: Equatable {}

/// One key in a list result; `expiration` is absolute seconds since the epoch.
public struct KVListKey: Sendable, Codable, Equatable {
    public let name: String
    public let expiration: Int?
    public let metadata: JSONValue?
}

/// One page of keys. `cursor` is set only when `listComplete` is false.
public struct KVListResult: Sendable, Codable, Equatable {
    public let keys: [KVListKey]
    public let listComplete: Bool
    public let cursor: String?

    enum CodingKeys: String, CodingKey {
        case keys
        case listComplete = "list_complete"
        case cursor
    }
}
