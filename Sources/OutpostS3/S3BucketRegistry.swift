public import Outpost
public import Foundation
import NIOConcurrencyHelpers

/// The buckets under `<state>/r2/`: those the runtime opened for its bindings (shared, so the
/// S3 API and the Worker see one store) and any other directory there, opened on first use.
public final class S3BucketRegistry: Sendable {
    public let stateDirectory: String
    let clock: RuntimeClock
    /// Stores the runtime owns (it closes them).
    private let shared: [String: R2Store]
    /// Stores opened here.
    private let opened = NIOLockedValueBox<[String: R2Store]>([:])

    public init(stateDirectory: String, shared: [String: R2Store] = [:], clock: RuntimeClock = RuntimeClock()) {
        self.stateDirectory = stateDirectory
        self.shared = shared
        self.clock = clock
    }

    var root: String { stateDirectory + "/r2" }

    /// Bucket names and when each was created, by name.
    public func list() -> [(name: String, created: Date)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap { name in
            guard Self.isSafeName(name), FileManager.default.fileExists(atPath: root + "/" + name + "/metadata.sqlite") else { return nil }
            let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + name + "/metadata.sqlite")
            return (name, (attributes?[.creationDate] as? Date) ?? (attributes?[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0))
        }
    }

    public func exists(_ name: String) -> Bool {
        Self.isSafeName(name) && (shared[name] != nil || FileManager.default.fileExists(atPath: root + "/" + name + "/metadata.sqlite"))
    }

    /// The bucket's store, or nil when there is no such bucket.
    func store(_ name: String) throws -> R2Store? {
        if let s = shared[name] { return s }
        guard exists(name) else { return nil }
        return try open(name)
    }

    private func open(_ name: String) throws -> R2Store {
        try opened.withLockedValue { stores in
            if let s = stores[name] { return s }
            let s = try R2Store(stateDirectory: stateDirectory, bucketName: name, clock: clock)
            stores[name] = s
            return s
        }
    }

    /// Creates a bucket; false when it existed already.
    @discardableResult
    public func create(_ name: String) throws -> Bool {
        guard Self.isValidName(name) else { throw S3Error.invalidBucketName(name) }
        if exists(name) { return false }
        _ = try open(name)
        return true
    }

    /// Deletes an empty bucket; throws BucketNotEmpty or NoSuchBucket.
    public func delete(_ name: String) throws {
        guard let store = try store(name) else { throw S3Error.noSuchBucket(name) }
        guard try store.holdsNoObjects() else { throw S3Error.bucketNotEmpty(name) }
        guard shared[name] == nil else {
            throw S3Error("InvalidBucketState", 409, "The bucket \(name) is bound to the Worker in the configuration ([[r2_buckets]]); remove the binding first.")
        }
        opened.withLockedValue { stores in
            stores.removeValue(forKey: name)?.close()
        }
        try FileManager.default.removeItem(atPath: root + "/" + name)
    }

    /// Closes the stores opened here (not the runtime's).
    public func close() {
        opened.withLockedValue { stores in
            for s in stores.values { s.close() }
            stores.removeAll()
        }
    }

    /// Names a directory under `r2/` may have (as `R2Store` allows, so no name leaves it).
    static func isSafeName(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard (1...63).contains(u.count), u.first != UInt8(ascii: ".") else { return false }
        return u.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// R2's rules: 3–63 characters, lowercase letters, digits and hyphens, not starting or
    /// ending with a hyphen. (Buckets from wrangler.toml may be looser; those exist already.)
    static func isValidName(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard (3...63).contains(u.count), u.first != UInt8(ascii: "-"), u.last != UInt8(ascii: "-") else { return false }
        return u.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }
    }
}

extension S3Error {
    static func invalidBucketName(_ name: String) -> S3Error {
        S3Error("InvalidBucketName", 400, "The specified bucket name is not valid: 3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.", details: [("BucketName", name)])
    }
    static func bucketNotEmpty(_ name: String) -> S3Error {
        S3Error("BucketNotEmpty", 409, "The bucket you tried to delete is not empty.", details: [("BucketName", name)])
    }
}
