public import Outpost
import Foundation

/// A pitch in the ``PitchIndex``: the `analyze` job that read it, its owner, when, its title (the
/// first line, at most 120 characters) and its unit embedding.
public struct StoredPitch: Sendable, Equatable {
    public var jobId: String
    public var owner: String
    public var createdAt: Int64
    public var title: String
    public var vector: [Float]

    public init(jobId: String, owner: String, createdAt: Int64, title: String, vector: [Float]) {
        self.jobId = jobId
        self.owner = owner
        self.createdAt = createdAt
        self.title = title
        self.vector = vector
    }

    /// The title a pitch text gets: its first non-empty line, cut to 120 characters.
    public static func title(of text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 120 ? String(trimmed.prefix(119)) + "…" : trimmed
    }

    /// The vector as stored: little-endian `Float32`s.
    static func blob(_ vector: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for x in vector { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    static func vector(_ blob: [UInt8]) -> [Float] {
        var out = [Float](repeating: 0, count: blob.count / 4)
        for i in out.indices {
            let b = UInt32(blob[4 * i]) | UInt32(blob[4 * i + 1]) << 8 | UInt32(blob[4 * i + 2]) << 16 | UInt32(blob[4 * i + 3]) << 24
            out[i] = Float(bitPattern: b)
        }
        return out
    }
}

/// One answer of ``PitchIndex/nearest(to:owner:limit:excluding:)``.
public struct PitchMatch: Sendable, Equatable {
    public var jobId: String
    public var owner: String
    public var title: String
    public var createdAt: Int64
    /// The cosine similarity to the query (both unit vectors).
    public var score: Double

    /// `{"jobId","title","score","createdAt"}`, plus `owner` when `withOwner` (for admins).
    public func json(withOwner: Bool) -> JSONValue {
        var o: [String: JSONValue] = ["jobId": .string(jobId), "title": .string(title), "score": .number(score),
                                      "createdAt": .string(UTCTime(milliseconds: createdAt).isoString)]
        if withOwner { o["owner"] = .string(owner) }
        return .object(o)
    }
}
