public import ServiceKit
import MediaTranscoderDescriptor

/// What `live-stream` makes: the ladder (``HLSRequest``), how long the ingest may stall, and how
/// long the job waits for a publisher. Read from a job's parameters, whose ranges the descriptor
/// has checked; absent ones take the descriptor's defaults (`mobile,low`, 2 s segments, 10 s
/// stall, 120 s wait).
public struct LiveRequest: Sendable, Equatable {
    /// Renditions, segment length and stream name.
    public var hls: HLSRequest
    /// Seconds without a byte (once a publisher has sent some) after which the stream ends as VOD.
    public var stallSeconds: Double
    /// Seconds the job waits for a publisher's first bytes before it fails.
    public var waitSeconds: Double

    /// Segments a live playlist lists (its sliding window).
    public static let window = 6

    /// Reads the parameters (400 on a bad one).
    public init(parameters: JobParameters) throws(ServiceError) {
        var values = parameters.values
        for spec in MediaTranscoderDescriptor.service.operation("live-stream")?.parameters ?? [] where values[spec.name] == nil || values[spec.name] == .null {
            values[spec.name] = spec.defaultValue
        }
        let live = JobParameters(values)
        hls = try HLSRequest(parameters: live)
        guard let stall = try live.double("stallSeconds"), let wait = try live.double("waitSeconds") else {
            throw .internalError("The live-stream descriptor declares no stallSeconds or waitSeconds default.")
        }
        stallSeconds = stall
        waitSeconds = wait
    }
}
