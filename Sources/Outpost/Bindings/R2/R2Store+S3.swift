package import Foundation

/// What the S3 API reads from a bucket beyond the Workers binding: parts and uploads in
/// progress, and whether the bucket holds anything.
extension R2Store {
    /// A part of an upload in progress.
    package struct StoredPart: Sendable {
        package let partNumber: Int
        package let size: Int
        /// Hex MD5 of the part.
        package let etag: String
    }

    /// A multipart upload in progress.
    package struct PendingUpload: Sendable {
        package let key: String
        package let uploadID: String
        package let created: Date
    }

    /// Whether the bucket holds no object.
    package func holdsNoObjects() throws -> Bool {
        try database.read { db in try db.query("SELECT 1 FROM objects LIMIT 1").isEmpty }
    }

    /// The parts of an upload in progress, by part number, and when the upload began; nil for an
    /// unknown, completed or aborted upload.
    package func parts(uploadID: String, key: String) throws -> (created: Date, parts: [StoredPart])? {
        try database.read { db in
            guard let upload = try db.query("SELECT state, created FROM uploads WHERE upload_id = ? AND key = ?", [.text(uploadID), Self.keyValue(key)]).first,
                  upload[0].int64 == UploadState.inProgress.rawValue else { return nil }
            let rows = try db.query("SELECT part_number, size, etag FROM parts WHERE upload_id = ? ORDER BY part_number", [.text(uploadID)])
            let parts = rows.map { StoredPart(partNumber: $0[0].int ?? 0, size: $0[1].int ?? 0, etag: $0[2].string ?? "") }
            return (Date(timeIntervalSince1970: Double(upload[1].int64 ?? 0) / 1000), parts)
        }
    }

    /// Uploads in progress whose key starts with `prefix`, in key then start order.
    package func pendingUploads(prefix: String) throws -> [PendingUpload] {
        let prefixBytes = Array(prefix.utf8)
        return try database.read { db in
            try db.query("SELECT key, upload_id, created FROM uploads WHERE state = 0 AND key >= ? ORDER BY key, created", [.blob(prefixBytes)])
                .lazy.map { (key: $0[0].bytes ?? [], id: $0[1].string ?? "", created: $0[2].int64 ?? 0) }
                .prefix { $0.key.starts(with: prefixBytes) }
                .map { PendingUpload(key: String(decoding: $0.key, as: UTF8.self), uploadID: $0.id, created: Date(timeIntervalSince1970: Double($0.created) / 1000)) }
        }
    }
}
