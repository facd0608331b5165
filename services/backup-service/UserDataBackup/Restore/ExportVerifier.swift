import Crypto
import Foundation
import OutpostJSON

/// Checks an export ZIP before anything of it is imported: `manifest.json` is there and readable,
/// it lists exactly the ZIP's other files (none missing, none extra, none twice), every file is
/// stored (method 0) and its size, CRC-32 and SHA-256 match. Any disagreement is a rejection
/// (422); the answer otherwise says where each file's bytes sit in the ZIP, for the platform to
/// import them by range from the ZIP in R2.
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

    let zipPath: String
    let formatVersion: Int

    func run() throws -> Verified {
        let zip = try ZipDirectory(path: zipPath)
        var byPath: [String: ZipDirectory.Entry] = [:]
        for entry in zip.entries {
            guard byPath.updateValue(entry, forKey: entry.path) == nil else {
                throw UserDataError.rejected("The ZIP holds \(entry.path) twice.", code: "manifest_mismatch")
            }
        }
        guard let manifestEntry = byPath.removeValue(forKey: ExportManifest.path) else {
            throw UserDataError.rejected("The ZIP has no manifest.json.", code: "manifest_mismatch")
        }
        guard manifestEntry.size < 256 << 20 else { throw UserDataError.rejected("manifest.json is too large.", code: "manifest_mismatch") }
        let manifestBytes = try bytes(of: manifestEntry, in: zip)
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
            let entry = byPath[item.path]!
            guard entry.method == 0, entry.compressedSize == entry.size else {
                throw UserDataError.rejected("\(item.path) is compressed (method \(entry.method)); exports store their files.", code: "manifest_mismatch")
            }
            guard entry.size == item.size else {
                throw UserDataError.rejected("\(item.path) is \(entry.size) bytes; manifest.json says \(item.size).", code: "checksum_mismatch")
            }
            let offset = try zip.dataOffset(of: entry)
            var digest = SHA256()
            var crc = CRC32()
            try zip.read(at: offset, count: entry.size) { chunk in
                digest.update(data: chunk)
                chunk.withUnsafeBytes { crc.update($0) }
            }
            let sha = digest.finalize().map { String(format: "%02x", $0) }.joined()
            guard sha == item.sha256 else {
                throw UserDataError.rejected("The SHA-256 of \(item.path) is \(sha); manifest.json says \(item.sha256).", code: "checksum_mismatch")
            }
            guard crc.value == entry.crc else { throw UserDataError.rejected("The CRC-32 of \(item.path) does not match the ZIP's.", code: "checksum_mismatch") }
            if item.path == "api-keys.json", item.size < 16 << 20,
               let keys = try? JSONValue.parse(try bytes(of: entry, in: zip)).arrayValue {
                apiKeys = keys.compactMap { $0["name"]?.stringValue }
            }
            files.append(File(path: item.path, size: item.size, sha256: sha, offset: offset, contentType: item.contentType))
        }
        return Verified(verified: true, formatVersion: manifest.formatVersion, sourceUserId: manifest.userId, createdAt: manifest.createdAt,
                        files: files, apiKeysNotRestored: apiKeys)
    }

    private func bytes(of entry: ZipDirectory.Entry, in zip: ZipDirectory) throws -> [UInt8] {
        var out: [UInt8] = []
        try zip.read(at: try zip.dataOffset(of: entry), count: entry.size) { out.append(contentsOf: $0) }
        return out
    }
}
