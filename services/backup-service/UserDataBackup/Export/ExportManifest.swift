import Foundation
import OutpostJSON

/// `manifest.json` of an export: `{"formatVersion", "userId", "createdAt", "files": [{"path",
/// "size", "sha256"}]}`, listing every other file of the ZIP. It is the ZIP's last entry, written
/// once every file's digest is known; a restore checks the ZIP against it before importing.
struct ExportManifest: Equatable {
    struct File: Equatable {
        var path: String
        var size: UInt64
        var sha256: String
        /// An object's content type (uploads and outputs), so a restore stores it as it was.
        var contentType: String? = nil
    }

    static let path = "manifest.json"

    var formatVersion: Int
    var userId: String
    var createdAt: String
    var files: [File]

    var json: JSONValue {
        .object([
            "formatVersion": .number(Double(formatVersion)), "userId": .string(userId), "createdAt": .string(createdAt),
            "files": .array(files.map { file in
                var o: [String: JSONValue] = ["path": .string(file.path), "size": .number(Double(file.size)), "sha256": .string(file.sha256)]
                if let type = file.contentType { o["contentType"] = .string(type) }
                return .object(o)
            }),
        ])
    }

    /// Reads a manifest; nil when it is not one.
    init?(json: JSONValue) {
        guard let version = json["formatVersion"]?.intValue, let userId = json["userId"]?.stringValue,
              let createdAt = json["createdAt"]?.stringValue, let list = json["files"]?.arrayValue else { return nil }
        var files: [File] = []
        for item in list {
            guard let path = item["path"]?.stringValue, let size = item["size"]?.doubleValue, size >= 0, size == size.rounded(),
                  let sha = item["sha256"]?.stringValue else { return nil }
            files.append(File(path: path, size: UInt64(size), sha256: sha.lowercased(), contentType: item["contentType"]?.stringValue))
        }
        self.init(formatVersion: version, userId: userId, createdAt: createdAt, files: files)
    }

    init(formatVersion: Int, userId: String, createdAt: String, files: [File]) {
        self.formatVersion = formatVersion
        self.userId = userId
        self.createdAt = createdAt
        self.files = files
    }
}
