public import Foundation

/// `manifest.json` at the root of a backup: what it holds and the point in time it shows.
///
/// Every file in the backup except the manifest itself is listed with its size and SHA-256;
/// `databases` names the SQLite files among them (checked with `PRAGMA integrity_check`).
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let currentFormatVersion = 1

    /// One file of the backup, relative to its root.
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var size: Int64
        public var sha256: String
        public init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    public var formatVersion: Int
    /// The backup's name (its directory's name).
    public var id: String
    /// When the command started.
    public var createdAt: Date
    /// Every write acknowledged before this instant is in the backup (the snapshots of every
    /// database were pinned after it).
    public var pointInTime: Date
    /// No write acknowledged after this instant is in the backup (every snapshot was pinned before it).
    public var windowEnd: Date
    /// The state directory it was taken from.
    public var source: String
    /// How R2 blobs were stored: `hardlink` (same filesystem as the state) or `copy`.
    public var blobs: String
    public var files: [File]
    public var databases: [String]
}

extension BackupManifest {
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(BackupClock.iso8601(date))
        }
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = BackupClock.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
            }
            return date
        }
        return d
    }

    /// Reads the manifest of the backup at `directory`.
    public static func read(backup directory: String) throws -> BackupManifest {
        let path = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BackupError("\(path): missing; \(directory) is not a complete backup")
        }
        do {
            return try decoder.decode(BackupManifest.self, from: data)
        } catch {
            throw BackupError("\(path): not a readable manifest (\(error))")
        }
    }
}

/// Times as the manifest writes them: ISO 8601 UTC with milliseconds.
enum BackupClock {
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func parse(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    /// A sortable backup name: `20261207T013512.123Z-1a2b3c`.
    static func backupID(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        func pad(_ v: Int?, _ n: Int) -> String { String(format: "%0\(n)d", v ?? 0) }
        let ms = (c.nanosecond ?? 0) / 1_000_000
        let suffix = String(format: "%06x", UInt32.random(in: 0...0xFFFFFF))
        return "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))T\(pad(c.hour, 2))\(pad(c.minute, 2))\(pad(c.second, 2)).\(pad(ms, 3))Z-\(suffix)"
    }
}
