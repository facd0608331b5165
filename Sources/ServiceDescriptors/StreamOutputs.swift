public import OutpostJSON

/// An operation whose outputs together form one stream a player opens (an HLS ladder, a DASH
/// manifest and its segments, a live stream): the platform stores them under `streams/<id>/` in
/// the MEDIA bucket instead of `outputs/<job id>/`, and plays them at `GET /streams/<id>/<file>`.
///
/// The stream's id is the value of `nameParameter` when the job sets it, the job id otherwise. A
/// name is unique among the platform's live and stored streams: a second job naming a stream
/// that is queued, running or stored is refused at submit (409), so no one overwrites another's.
public struct StreamOutputs: Sendable, Equatable {
    /// The parameter that names the stream (`stream_name`); nil: always the job id.
    public var nameParameter: String?
    /// The file a player opens first (`master.m3u8`, `manifest.mpd`).
    public var entryFile: String

    public init(nameParameter: String? = nil, entryFile: String) {
        self.nameParameter = nameParameter
        self.entryFile = entryFile
    }

    /// The longest stream name.
    public static let maxNameBytes = 128

    /// The stream id of a job with `params`: its name when set, else `jobId`.
    public func id(jobId: String, params: [String: JSONValue]) -> String {
        nameParameter.flatMap { params[$0]?.stringValue } ?? jobId
    }

    /// Whether `name` may name a stream (it is one path segment of its R2 keys and URLs):
    /// 1–128 ASCII letters, digits, `-` and `_`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameBytes
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }
}
