import Crypto
import Foundation
import OutpostJSON

/// Checks an export ZIP before anything of it is imported: `manifest.json` is there and readable,
/// it lists exactly the ZIP's other files (none missing, none extra, none twice), every file is
/// stored (method 0) and its size, CRC-32 and SHA-256 match. Any disagreement is a rejection
/// (422); the answer otherwise says where each file's bytes sit in the ZIP, for the platform to
/// import them by range from the ZIP in R2. It reads the ZIP once, front to back, as the job's
/// streamed input (``ZipStreamReader``): nothing of it is kept in scratch, and in memory only the
/// digests, the manifest and `api-keys.json`.
struct ExportVerifier: Sendable {
    /// A verified file: its manifest entry and where its bytes start in the ZIP.
    struct File: Encodable, Sendable {
        let path: String
        let size: UInt64
        let sha256: String
        let offset: UInt64
        let contentType: String?
    }

    /// What a verified export holds.
    struct Verified: Encodable, Sendable {
        let verified: Bool
        let formatVersion: Int
        let sourceUserId: String
        let createdAt: String
        let files: [File]
        /// API keys' names: never restored (an export holds no secrets).
        let apiKeysNotRestored: [String]
    }

    /// The ZIP's bytes, front to back (the job's streamed input).
    let zip: @Sendable (Int) throws -> [UInt8]
    let formatVersion: Int

    /// An entry as it passed, with the SHA-256 of its bytes (and the bytes of the two small
    /// files read after: the manifest and `api-keys.json`).
    private struct Passed {
        let entry: ZipStreamReader.Entry
        let sha256: String
        let bytes: [UInt8]?
    }

    func run() throws -> Verified {
        // One pass over the ZIP: every entry hashed as it passes, then the central directory.
        let reader = ZipStreamReader(source: zip)
        var byPath: [String: Passed] = [:]
        while true {
            var digest = SHA256()
            var kept: [UInt8] = []
            var keeping: Bool?
            guard let entry = try reader.nextEntry({ block in
                digest.update(bufferPointer: block)
                if keeping == nil { keeping = [ExportManifest.path, "api-keys.json"].contains(reader.currentPath) }
                if keeping == true {
                    kept.append(contentsOf: block)
                    if kept.count > 64 << 20 { keeping = false; kept = [] }
                }
            }) else { break }
            let keep = keeping != false && (entry.path == ExportManifest.path || entry.path == "api-keys.json")
            let passed = Passed(entry: entry, sha256: digest.finalize().map { String(format: "%02x", $0) }.joined(), bytes: keep ? kept : nil)
            guard byPath.updateValue(passed, forKey: entry.path) == nil else {
                throw UserDataError.rejected("The ZIP holds \(entry.path) twice.", code: "manifest_mismatch")
            }
        }
        // The central directory (what zipfile and the platform's import go by) must say the same.
        let directory = try reader.centralDirectory()
        guard directory.count == byPath.count else {
            throw UserDataError.rejected("The ZIP's central directory lists \(directory.count) files; \(byPath.count) are in it.", code: "manifest_mismatch")
        }
        for listed in directory {
            guard let passed = byPath[listed.path], passed.entry.localOffset == listed.localOffset, passed.entry.method == listed.method else {
                throw UserDataError.rejected("The ZIP's central directory lists \(listed.path) where no such entry is.", code: "manifest_mismatch")
            }
            guard passed.entry.size == listed.size, listed.compressedSize == listed.size, passed.entry.crc == listed.crc else {
                throw UserDataError.rejected("The CRC-32 or size of \(listed.path) does not match the ZIP's.", code: "checksum_mismatch")
            }
        }
        guard let manifestEntry = byPath.removeValue(forKey: ExportManifest.path) else {
            throw UserDataError.rejected("The ZIP has no manifest.json.", code: "manifest_mismatch")
        }
        guard let manifestBytes = manifestEntry.bytes else { throw UserDataError.rejected("manifest.json is too large.", code: "manifest_mismatch") }
        guard let json = try? JSONValue.parse(manifestBytes), let manifest = ExportManifest(json: json) else {
            throw UserDataError.rejected("manifest.json is not an export manifest.", code: "manifest_mismatch")
        }
        guard manifest.formatVersion == formatVersion else {
            throw UserDataError.rejected("The export's formatVersion is \(manifest.formatVersion); this service reads \(formatVersion).", code: "manifest_mismatch")
        }
        let listed = Set(manifest.files.map(\.path))
        guard listed.count == manifest.files.count else { throw UserDataError.rejected("manifest.json lists a file twice.", code: "manifest_mismatch") }
        if let missing = listed.subtracting(byPath.keys).sorted().first {
            throw UserDataError.rejected("manifest.json lists \(missing), which is not in the ZIP.", code: "manifest_mismatch")
        }
        if let extra = Set(byPath.keys).subtracting(listed).sorted().first {
            throw UserDataError.rejected("The ZIP holds \(extra), which manifest.json does not list.", code: "manifest_mismatch")
        }
        var files: [File] = []
        var apiKeys: [String] = []
        for item in manifest.files {
            let passed = byPath[item.path]!
            guard passed.entry.size == item.size else {
                throw UserDataError.rejected("\(item.path) is \(passed.entry.size) bytes; manifest.json says \(item.size).", code: "checksum_mismatch")
            }
            guard passed.sha256 == item.sha256 else {
                throw UserDataError.rejected("The SHA-256 of \(item.path) is \(passed.sha256); manifest.json says \(item.sha256).", code: "checksum_mismatch")
            }
            if item.path == "api-keys.json", let bytes = passed.bytes, let keys = try? JSONValue.parse(bytes).arrayValue {
                apiKeys = keys.compactMap { $0["name"]?.stringValue }
            }
            files.append(File(path: item.path, size: item.size, sha256: passed.sha256, offset: passed.entry.dataOffset, contentType: item.contentType))
        }
        return Verified(verified: true, formatVersion: manifest.formatVersion, sourceUserId: manifest.userId, createdAt: manifest.createdAt,
                        files: files, apiKeysNotRestored: apiKeys)
    }
}
