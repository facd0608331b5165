import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An R2 bucket (`env.r2("NAME")`), with Workers' `head`, `get`, `put`, `delete`, `list` and
/// multipart uploads.
///
/// Bodies stream to and from files; metadata lives in SQLite. Every write is durable before it
/// returns, and reads, lists and deletes are strongly consistent, across processes too.
public struct R2Bucket: Sendable {
    let store: R2Store

    public init(store: R2Store) {
        self.store = store
    }

    /// `[[r2_buckets]] bucket_name`.
    public var bucketName: String { store.bucketName }

    // MARK: head / get

    /// The object's metadata, or nil when the key is missing.
    public func head(_ key: String) async throws -> R2Object? {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.r2Operations, RuntimeMetricFamilies.r2Duration, "head", since: start) }
        try Self.validate(key: key, "head")
        return try store.head(key)
    }

    /// The object with its body (optionally a `range` of it), or nil when the key is missing.
    public func get(_ key: String, range: R2Range? = nil) async throws -> R2ObjectBody? {
        try await get(key, options: R2GetOptions(range: range))?.objectBody
    }

    /// The object with its body; with `onlyIf` failing, its metadata only; nil when the key is missing.
    public func get(_ key: String, options: R2GetOptions) async throws -> R2GetResult? {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.r2Operations, RuntimeMetricFamilies.r2Duration, "get", since: start) }
        let op = "get"
        try Self.validate(key: key, op)
        var attempt = 0
        while true {
            attempt += 1
            guard let (object, segments, ids) = try store.openForRead(key) else { return nil }
            if let onlyIf = options.onlyIf, !onlyIf.holds(for: (object.etag, R2Conditional.milliseconds(object.uploaded))) {
                store.release(ids)
                return .preconditionFailed(object)
            }
            let selected: (start: Int, length: Int)
            do {
                if let range = options.range {
                    selected = try range.resolve(size: object.size, operation: op)
                } else if let header = options.rangeHeader, let r = try R2Range.parse(header: header, size: object.size, operation: op) {
                    selected = r
                } else {
                    selected = (0, object.size)
                }
            } catch {
                store.release(ids)
                throw error
            }
            var result = object
            result.range = R2Range(offset: selected.start, length: selected.length)
            guard selected.length > 0 else {
                store.release(ids)
                return .body(R2ObjectBody(object: result, body: .empty))
            }
            let reader = R2BlobReader(segments: segments, start: selected.start, length: selected.length) { [store] in
                store.release(ids)
            }
            do {
                try await reader.openFirst()
            } catch let error as R2FileError where error.errnoValue == ENOENT && attempt < 5 {
                // Another process replaced the object between our read of its row and the open.
                continue
            }
            return .body(R2ObjectBody(object: result, body: Body(stream: reader.sequence, length: selected.length)))
        }
    }

    // MARK: put

    /// Stores `value` as UTF-8. Returns nil, writing nothing, when `onlyIf` fails.
    @discardableResult
    public func put(_ key: String, _ value: String, options: R2PutOptions = .init()) async throws -> R2Object? {
        try await put(key, body: Body(value), options: options)
    }

    /// Stores `bytes`.
    @discardableResult
    public func put(_ key: String, bytes: [UInt8], options: R2PutOptions = .init()) async throws -> R2Object? {
        try await put(key, body: Body(bytes: bytes), options: options)
    }

    /// Streams `body` to disk (never holding it in memory) and commits it under `key`.
    /// Returns nil, writing nothing, when `onlyIf` fails.
    @discardableResult
    public func put(_ key: String, body: Body, options: R2PutOptions = .init()) async throws -> R2Object? {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.r2Operations, RuntimeMetricFamilies.r2Duration, "put", since: start) }
        let op = "put"
        try Self.validate(key: key, op)
        try Self.validate(customMetadata: options.customMetadata, op)
        let expected = try Self.expectedDigests(options, op)
        if let onlyIf = options.onlyIf {
            let current = try store.head(key)
            guard onlyIf.holds(for: current.map { ($0.etag, R2Conditional.milliseconds($0.uploaded)) }) else { return nil }
        }
        let writer = store.makeWriter(operation: op, extraDigests: Set(expected.map(\.algorithm)).subtracting([.md5]))
        let committed: (R2Object, [String])?
        do {
            try await writer.consume(body)
            let digests = try await writer.finish(directoryFD: store.directoryFD)
            var checksums = R2Checksums(md5: R2IDs.hex(digests.md5))
            for e in expected {
                let actual: [UInt8]? = switch e.algorithm {
                case .md5: digests.md5
                case .sha1: digests.sha1
                case .sha256: digests.sha256
                case .sha384: digests.sha384
                case .sha512: digests.sha512
                }
                let actualHex = actual.map(R2IDs.hex) ?? ""
                guard actual == e.bytes else {
                    throw R2Error.badDigest(op, algorithm: e.algorithm.rawValue, provided: R2IDs.hex(e.bytes), actual: actualHex)
                }
                switch e.algorithm {
                case .md5: break
                case .sha1: checksums.sha1 = actualHex
                case .sha256: checksums.sha256 = actualHex
                case .sha384: checksums.sha384 = actualHex
                case .sha512: checksums.sha512 = actualHex
                }
            }
            let object = R2Object(
                key: key, version: R2IDs.random(bytes: 16), size: Int(digests.size), etag: R2IDs.hex(digests.md5),
                uploaded: Date(timeIntervalSince1970: Double(store.clock.nowMilliseconds()) / 1000),
                httpMetadata: options.httpMetadata ?? R2HTTPMetadata(), customMetadata: options.customMetadata ?? [:],
                range: nil, checksums: checksums
            )
            let segments = digests.blobID.map { [(id: $0, size: Int(digests.size))] } ?? []
            committed = try await store.commitPut(object, segments: segments, onlyIf: options.onlyIf)
        } catch {
            await writer.discard()
            throw error
        }
        guard let (object, replaced) = committed else {
            await writer.discard()
            return nil
        }
        await store.removeBlobs(replaced)
        return object
    }

    // MARK: delete / list

    /// Deletes `key`; a missing key is not an error.
    public func delete(_ key: String) async throws {
        try await delete([key])
    }

    /// Deletes every key in `keys` in one transaction.
    public func delete(_ keys: [String]) async throws {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.r2Operations, RuntimeMetricFamilies.r2Duration, "delete", since: start) }
        for key in keys { try Self.validate(key: key, "delete") }
        guard !keys.isEmpty else { return }
        let blobs = try await store.delete(keys)
        await store.removeBlobs(blobs)
    }

    /// One page of objects in key byte order.
    public func list(_ options: R2ListOptions = .init()) async throws -> R2Objects {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.r2Operations, RuntimeMetricFamilies.r2Duration, "list", since: start) }
        let op = "list"
        let limit = options.limit ?? R2Limits.maxListLimit
        guard (1...R2Limits.maxListLimit).contains(limit) else { throw R2Error.invalidMaxKeys(op) }
        let prefix = Array((options.prefix ?? "").utf8)
        var lower = prefix
        if let startAfter = options.startAfter {
            lower = Self.max(lower, Array(startAfter.utf8) + [0])
        }
        if let cursor = options.cursor, !cursor.isEmpty {
            guard let bytes = Data(base64Encoded: cursor) else {
                throw R2Error.invalidArgument(op, "The cursor is not valid: pass the cursor of the previous page unchanged.")
            }
            lower = Self.max(lower, Array(bytes))
        }
        let delimiter = options.delimiter.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        return try store.list(prefix: prefix, delimiter: delimiter, lowerBound: lower, limit: limit, include: Set(options.include))
    }

    private static func max(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        a.lexicographicallyPrecedes(b) ? b : a
    }

    // MARK: multipart

    /// Starts a multipart upload of `key`; the options become the completed object's metadata.
    public func createMultipartUpload(_ key: String, options: R2MultipartOptions = .init()) async throws -> R2MultipartUpload {
        let start = ContinuousClock.now
        defer { store.metrics.count(RuntimeMetricFamilies.r2Operations, RuntimeMetricFamilies.r2Duration, "create_multipart_upload", since: start) }
        let op = "createMultipartUpload"
        try Self.validate(key: key, op)
        try Self.validate(customMetadata: options.customMetadata, op)
        let id = try await store.createUpload(key: key, httpMetadata: options.httpMetadata, customMetadata: options.customMetadata)
        return R2MultipartUpload(key: key, uploadId: id, bucket: self)
    }

    /// An upload started earlier (by this or another process). Nothing is checked until it is used.
    public func resumeMultipartUpload(_ key: String, uploadId: String) -> R2MultipartUpload {
        R2MultipartUpload(key: key, uploadId: uploadId, bucket: self)
    }

    func uploadPart(key: String, uploadID: String, partNumber: Int, body: Body) async throws -> R2UploadedPart {
        let op = "uploadPart"
        guard R2Limits.partNumbers.contains(partNumber) else {
            throw R2Error.invalidArgument(op, "Part number must be between 1 and 10000 (inclusive).")
        }
        guard try store.uploadState(uploadID: uploadID, key: key) == .inProgress else { throw R2Error.noSuchUpload(op) }
        let writer = store.makeWriter(operation: op)
        let etag: String
        let replaced: String?
        do {
            try await writer.consume(body)
            let digests = try await writer.finish(directoryFD: store.directoryFD)
            etag = R2IDs.hex(digests.md5)
            replaced = try await store.commitPart(uploadID: uploadID, key: key, partNumber: partNumber, blobID: digests.blobID ?? "", size: digests.size, etag: etag)
        } catch {
            await writer.discard()
            throw error
        }
        if let replaced { await store.removeBlobs([replaced]) }
        return R2UploadedPart(partNumber: partNumber, etag: etag)
    }

    func completeUpload(key: String, uploadID: String, parts: [R2UploadedPart]) async throws -> R2Object {
        let (object, unlink) = try await store.completeUpload(uploadID: uploadID, key: key, parts: parts, version: R2IDs.random(bytes: 16))
        await store.removeBlobs(unlink)
        return object
    }

    func abortUpload(key: String, uploadID: String) async throws {
        let blobs = try await store.abortUpload(uploadID: uploadID, key: key)
        await store.removeBlobs(blobs)
    }

    // MARK: validation

    static func validate(key: String, _ op: String) throws {
        let n = key.utf8.count
        guard n > 0, n <= R2Limits.maxKeyBytes else { throw R2Error.invalidObjectName(op) }
    }

    static func validate(customMetadata: [String: String]?, _ op: String) throws {
        guard let customMetadata else { return }
        let size = customMetadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard size <= R2Limits.maxCustomMetadataBytes else { throw R2Error.metadataTooLarge(op) }
    }

    static func expectedDigests(_ o: R2PutOptions, _ op: String) throws -> [(algorithm: R2DigestAlgorithm, bytes: [UInt8])] {
        let given: [(R2DigestAlgorithm, String?)] = [(.md5, o.md5), (.sha1, o.sha1), (.sha256, o.sha256), (.sha384, o.sha384), (.sha512, o.sha512)]
        let present = given.compactMap { alg, hex in hex.map { (alg, $0) } }
        guard present.count <= 1 else { throw R2Error.invalidArgument(op, "You cannot specify multiple hashing algorithms.") }
        return try present.map { alg, hex in
            guard let bytes = R2IDs.unhex(hex), bytes.count == alg.byteCount else { throw R2Error.invalidDigest(op, alg.rawValue) }
            return (alg, bytes)
        }
    }
}
