public import ServiceKit

/// What `hls-transcode` makes: which renditions, how long the segments are, the stream's name.
/// Read from a job's parameters, whose choices and ranges the descriptor has already checked.
public struct HLSRequest: Sendable, Equatable {
    /// The renditions asked for, smallest first (before leaving out those above the source).
    public var renditions: [Rendition]
    /// Segment (and GOP) length in seconds.
    public var segmentSeconds: Double
    /// The stream's name; nil: the job id names it.
    public var streamName: String?

    /// The default segment length.
    public static let defaultSegmentSeconds = 6.0

    /// Reads `qualities`, `segmentSeconds` and `stream_name` (400 on a bad one).
    public init(parameters: JobParameters) throws(ServiceError) {
        var chosen: [Rendition] = Rendition.ladder
        if let value = parameters.values["qualities"], value != .null {
            guard let names = ParameterSpec.list(value), !names.isEmpty else {
                throw .invalidParameter("qualities", "must list qualities from \(Rendition.ladder.map(\.quality).joined(separator: ", ")).")
            }
            var picked: [Rendition] = []
            for name in names {
                guard let rendition = Rendition.named(name) else {
                    throw .invalidParameter("qualities", "has unknown quality \"\(name)\"; the ladder is \(Rendition.ladder.map(\.quality).joined(separator: ", ")).")
                }
                if !picked.contains(rendition) { picked.append(rendition) }
            }
            chosen = Rendition.ladder.filter { picked.contains($0) }
        }
        renditions = chosen
        segmentSeconds = try parameters.double("segmentSeconds") ?? Self.defaultSegmentSeconds
        guard segmentSeconds.isFinite, (1...30).contains(segmentSeconds) else {
            throw .invalidParameter("segmentSeconds", "must be a number from 1 to 30, got \(segmentSeconds).")
        }
        if let name = try parameters.string("stream_name") {
            guard !name.isEmpty, name.utf8.count <= 128, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw .invalidParameter("stream_name", "must be 1–128 letters, digits, - or _, got \"\(name)\".")
            }
            streamName = name
        }
    }

    /// The renditions made for a `width`×`height` source: those that fit it, or, when none does,
    /// the smallest asked for at the source's own size (never enlarged).
    public func plan(width: Int, height: Int) -> [Rendition] {
        let fitting = renditions.filter { $0.fits(width: width, height: height) }
        if !fitting.isEmpty { return fitting }
        return renditions.first.map { [$0] } ?? []
    }
}
