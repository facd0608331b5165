import Crypto
import NIOConcurrencyHelpers
public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An S3 access key: what it may reach, and its secret sealed under the node key.
public struct S3AccessKey: Sendable, Codable, Hashable {
    public let accessKeyId: String
    public let name: String
    /// The buckets the key may reach; empty means every bucket.
    public let buckets: [String]
    public let readOnly: Bool
    public let created: Date
    /// The secret, AES-GCM sealed under the node key (nonce, ciphertext and tag, base64).
    let sealedSecret: String

    /// Whether the key may reach `bucket`.
    func allows(bucket: String) -> Bool { buckets.isEmpty || buckets.contains(bucket) }
}

/// What `outpost r2 credentials list` shows of a key: everything but the secret.
public struct S3AccessKeySummary: Sendable, Encodable {
    public let accessKeyId: String
    public let name: String
    public let buckets: [String]
    public let readOnly: Bool
    public let created: Date
}

/// A key as created: the only time its secret is shown.
public struct S3NewAccessKey: Sendable, Encodable {
    public let accessKeyId: String
    public let secretAccessKey: String
}

/// Access keys for the S3 API, in `<state>/s3/credentials.json`.
///
/// SigV4 needs the secret itself to check a signature, so it is stored sealed (AES-GCM) under a
/// random 256-bit node key in `<state>/s3/node.key` (mode 0600), never in plain text. The CLI and
/// the server share the file; writes hold an `flock` and replace the file atomically, and the
/// server rereads it when it changes.
public final class S3CredentialStore: Sendable {
    public let directory: String
    private let cache = NIOLockedValueBox<(stamp: [Int], keys: [S3AccessKey])?>(nil)

    public init(stateDirectory: String) throws {
        directory = stateDirectory + "/s3"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o700)
    }

    var path: String { directory + "/credentials.json" }
    var keyPath: String { directory + "/node.key" }

    /// Creates a key and returns its secret, which is not shown again.
    public func create(name: String, buckets: [String], readOnly: Bool) throws -> S3NewAccessKey {
        let id = Self.randomHex(16)
        let secret = Self.randomHex(32)
        let nodeKey = try self.nodeKey()
        let sealed = try AES.GCM.seal(Data(secret.utf8), using: nodeKey, authenticating: Data(id.utf8))
        guard let combined = sealed.combined else { throw S3StoreError("could not seal the secret") }
        let record = S3AccessKey(accessKeyId: id, name: name, buckets: buckets, readOnly: readOnly, created: Date(), sealedSecret: combined.base64EncodedString())
        try update { $0.append(record) }
        return S3NewAccessKey(accessKeyId: id, secretAccessKey: secret)
    }

    /// Every key, without secrets.
    public func list() throws -> [S3AccessKeySummary] {
        try load().map { S3AccessKeySummary(accessKeyId: $0.accessKeyId, name: $0.name, buckets: $0.buckets, readOnly: $0.readOnly, created: $0.created) }
    }

    /// Deletes a key; returns false when there was none with that id.
    @discardableResult
    public func delete(accessKeyId: String) throws -> Bool {
        var found = false
        try update { keys in
            let before = keys.count
            keys.removeAll { $0.accessKeyId == accessKeyId }
            found = keys.count != before
        }
        return found
    }

    /// The key and its secret, for checking a signature.
    func lookup(_ accessKeyId: String) throws -> (S3AccessKey, String)? {
        guard let record = try load().first(where: { $0.accessKeyId == accessKeyId }) else { return nil }
        guard let data = Data(base64Encoded: record.sealedSecret) else { throw S3StoreError("the sealed secret of \(accessKeyId) is damaged") }
        let box = try AES.GCM.SealedBox(combined: data)
        let secret = try AES.GCM.open(box, using: try nodeKey(create: false), authenticating: Data(accessKeyId.utf8))
        return (record, String(decoding: secret, as: UTF8.self))
    }

    // MARK: files

    private func load() throws -> [S3AccessKey] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return [] }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let stamp = [Int(modified * 1_000_000_000), (attributes[.size] as? Int) ?? 0, (attributes[.systemFileNumber] as? Int) ?? 0]
        if let cached = cache.withLockedValue({ $0 }), cached.stamp == stamp { return cached.keys }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let keys = try Self.decoder.decode([S3AccessKey].self, from: data)
        cache.withLockedValue { $0 = (stamp, keys) }
        return keys
    }

    private func update(_ change: (inout [S3AccessKey]) throws -> Void) throws {
        let lock = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw S3StoreError("cannot open \(directory)/lock") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        var keys = try load()
        try change(&keys)
        let data = try Self.encoder.encode(keys)
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw S3StoreError("cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else { throw S3StoreError("cannot replace \(path)") }
    }

    private func nodeKey(create: Bool = true) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: keyPath), data.count == 32 { return SymmetricKey(data: data) }
        guard create else { throw S3StoreError("the node key \(keyPath) is missing: the stored credentials cannot be read") }
        var bytes = [UInt8](repeating: 0, count: 32)
        var g = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &g) }
        let fd = open(keyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            // Another process created it first.
            guard let data = FileManager.default.contents(atPath: keyPath), data.count == 32 else { throw S3StoreError("cannot create \(keyPath)") }
            return SymmetricKey(data: data)
        }
        defer { close(fd) }
        guard write(fd, bytes, 32) == 32, fsync(fd) == 0 else { throw S3StoreError("cannot write \(keyPath)") }
        return SymmetricKey(data: bytes)
    }

    static func randomHex(_ count: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return SigV4.hex((0..<count).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

/// A credentials file that cannot be read or written.
public struct S3StoreError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
