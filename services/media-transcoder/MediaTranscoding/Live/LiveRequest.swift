public import ServiceKit

/// What `live-stream` makes: the ladder (``HLSRequest``, with live defaults: `mobile,low` and
/// 2 s segments), how long the ingest may stall, and how long the job waits for a publisher.
public struct LiveRequest: Sendable, Equatable {
    /// Renditions, segment length and stream name.
    public var hls: HLSRequest
    /// Seconds without a byte (once a publisher has sent some) after which the stream ends as VOD.
    public var stallSeconds: Double
    /// Seconds the job waits for a publisher's first bytes before it fails.
    public var waitSeconds: Double

    /// Live's defaults (the descriptor declares the same).
    public static let defaultQualities = "mobile,low"
    public static let defaultSegmentSeconds = 2.0
    public static let defaultStallSeconds = 10.0
    public static let defaultWaitSeconds = 120.0
    /// Segments a live playlist lists (its sliding window).
    public static let window = 6

    /// Reads the parameters (400 on a bad one).
    public init(parameters: JobParameters) throws(ServiceError) {
        var values = parameters.values
        if values["qualities"] == nil || values["qualities"] == .null { values["qualities"] = .string(Self.defaultQualities) }
        if values["segmentSeconds"] == nil || values["segmentSeconds"] == .null { values["segmentSeconds"] = .number(Self.defaultSegmentSeconds) }
        let live = JobParameters(values)
        hls = try HLSRequest(parameters: live)
        guard hls.segmentSeconds <= 10 else { throw .invalidParameter("segmentSeconds", "must be a number from 1 to 10 for a live stream, got \(hls.segmentSeconds).") }
        stallSeconds = try live.double("stallSeconds") ?? Self.defaultStallSeconds
        guard stallSeconds.isFinite, (1...300).contains(stallSeconds) else { throw .invalidParameter("stallSeconds", "must be a number from 1 to 300.") }
        waitSeconds = try live.double("waitSeconds") ?? Self.defaultWaitSeconds
        guard waitSeconds.isFinite, (1...3600).contains(waitSeconds) else { throw .invalidParameter("waitSeconds", "must be a number from 1 to 3600.") }
    }
}
