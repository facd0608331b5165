import Crypto
import Foundation
import OutpostJSON

/// Builds one user's export ZIP from the user dataset, in one pass, from stream to stream (nothing
/// of either is kept in scratch or held whole): each job record, KV entry and
/// object becomes an entry as it is read (the bytes go from the dataset into the ZIP a block at a
/// time, through SHA-256 and CRC-32), then `api-keys.json`, then `manifest.json` listing them all.
///
/// Paths in the ZIP: `jobs/<id>.json`, `kv/<namespace>/<key>`, `api-keys.json`, each record at its
/// path (`deployments/<name>.json`, `pitches/<job>.json`), and each object
/// at its key (`uploads/<user>/…`, `outputs/<job>/…`).
struct UserExport: Sendable {
    /// What an export held.
    struct Summary: Encodable, Sendable {
        let userId: String
        let files: Int
        let jobs: Int
        let objects: Int
        let kvEntries: Int
        let apiKeys: Int
        let objectBytes: UInt64
        let zipBytes: UInt64
    }

    /// The dataset's bytes, as ``UserDatasetReader`` takes them (the job's streamed input).
    let dataset: @Sendable (Int) throws -> [UInt8]
    /// Where the ZIP's bytes go, in order (the job's live output).
    let sink: @Sendable (UnsafeRawBufferPointer) throws -> Void
    let expectedUser: String?
    let formatVersion: Int
    var isCancelled: @Sendable () -> Bool = { false }

    func run() throws -> Summary {
        let reader = UserDatasetReader(source: dataset)
        let zip = ZipStreamWriter(sink: sink)
        var files: [ExportManifest.File] = []
        var apiKeys: [JSONValue] = []
        var (jobs, objects, kvEntries) = (0, 0, 0)
        var objectBytes: UInt64 = 0

        func add(_ path: String, _ bytes: [UInt8]) throws {
            try zip.begin(path, expectedSize: UInt64(bytes.count))
            try zip.write(bytes)
            try zip.end()
            files.append(.init(path: path, size: UInt64(bytes.count), sha256: Self.hex(SHA256.hash(data: bytes))))
        }

        guard let first = try reader.nextLine(), first["kind"] == "user", let userId = first["userId"]?.stringValue else {
            throw UserDataError.unreadable("The dataset does not start with its user line.")
        }
        if let expectedUser, expectedUser != userId {
            throw UserDataError.unreadable("The dataset is of \"\(userId)\", not of \"\(expectedUser)\".")
        }
        var ended = false
        while !ended, let line = try reader.nextLine() {
            if isCancelled() { throw CancellationError() }
            switch line["kind"]?.stringValue {
            case "job":
                guard let job = line["job"], let id = job["id"]?.stringValue else { throw UserDataError.unreadable("A job line has no job.") }
                jobs += 1
                try add("jobs/\(Self.segment(id)).json", Array(job.serialized().utf8))
            case "kv":
                guard let namespace = line["namespace"]?.stringValue, let key = line["key"]?.stringValue, let value = line["value"]?.stringValue else {
                    throw UserDataError.unreadable("A kv line needs namespace, key and value.")
                }
                kvEntries += 1
                try add("kv/\(Self.segment(namespace))/\(Self.segment(key))", Array(value.utf8))
            case "record":
                guard let path = line["path"]?.stringValue, let value = line["value"] else { throw UserDataError.unreadable("A record line needs path and value.") }
                try add(Self.path(path), Array(value.serialized().utf8))
            case "apiKey":
                apiKeys.append(.object(["name": line["name"] ?? .null, "role": line["role"] ?? .null, "createdAt": line["createdAt"] ?? .null]))
            case "object":
                guard let key = line["key"]?.stringValue, let size = line["size"]?.doubleValue, size >= 0 else {
                    throw UserDataError.unreadable("An object line needs key and size.")
                }
                let count = UInt64(size)
                let path = Self.path(key)
                var digest = SHA256()
                try zip.begin(path, expectedSize: count)
                try reader.bytes(count) { block in
                    digest.update(bufferPointer: block)
                    try zip.write(block)
                }
                try zip.end()
                files.append(.init(path: path, size: count, sha256: Self.hex(digest.finalize()), contentType: line["contentType"]?.stringValue))
                objects += 1
                objectBytes += count
            case "end":
                ended = true
            default:
                continue
            }
        }
        guard ended else { throw UserDataError.unreadable("The dataset is truncated: it has no end line.") }
        let keys = JSONValue.array(apiKeys)
        try add("api-keys.json", Array(keys.serialized().utf8))
        let manifest = ExportManifest(formatVersion: formatVersion, userId: userId, createdAt: Self.now(), files: files)
        let manifestBytes = Array(manifest.json.serialized().utf8)
        try zip.begin(ExportManifest.path, expectedSize: UInt64(manifestBytes.count))
        try zip.write(manifestBytes)
        try zip.end()
        try zip.finish()
        return Summary(userId: userId, files: files.count, jobs: jobs, objects: objects, kvEntries: kvEntries, apiKeys: apiKeys.count,
                       objectBytes: objectBytes, zipBytes: zip.offset)
    }

    /// An object key as a ZIP path: relative, with no empty, `.` or `..` component.
    static func path(_ key: String) -> String {
        key.split(separator: "/", omittingEmptySubsequences: true).map { segment(String($0)) }.joined(separator: "/")
    }

    /// One path component: `/` and NUL replaced, and never `.` or `..`.
    static func segment(_ text: String) -> String {
        let cleaned = text.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "\0", with: "_")
        return cleaned == "." || cleaned == ".." || cleaned.isEmpty ? "_" + cleaned : cleaned
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
