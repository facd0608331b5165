import Foundation

/// `normalize`: loudness to a target, as a two-pass EBU R128 normalization. Pass 1 measures the
/// input with `ebur128` (integrated loudness, true peak, range); pass 2 runs `loudnorm` with
/// those measurements in linear mode (one gain for the whole file) — loudnorm itself falls back
/// to its dynamic mode when that gain would push the true peak over the limit.
public struct Normalize: Sendable {
    /// The output's name (R2 keys add the format's extension).
    public static let outputName = "audio"

    /// Integrated loudness to reach, LUFS.
    public var targetLUFS: Double
    /// The true-peak ceiling, dBTP.
    public var truePeak: Double
    public var encode: AudioEncodeRequest

    public init(targetLUFS: Double = -16, truePeak: Double = -1.5, encode: AudioEncodeRequest) {
        self.targetLUFS = targetLUFS
        self.truePeak = truePeak
        self.encode = encode
    }

    /// What the job reports: the measurements and what was asked.
    public struct Summary: Sendable, Codable, Equatable {
        public var targetLUFS: Double
        public var truePeakLimit: Double
        /// Pass 1: the input's integrated loudness (LUFS), true peak (dBTP) and range (LU).
        public var inputIntegrated: Double
        public var inputTruePeak: Double
        public var inputRange: Double
        public var encode: EncodeSummary
    }

    /// Normalizes `inputPath` into `directory`.
    public func run(inputPath: String, directory: String, progress: (Double, String) -> Void = { _, _ in },
                    isCancelled: () -> Bool = { false }) throws(MediaError) -> (summary: Summary, files: [OutputFile]) {
        progress(0, "measuring")
        let measured = try LoudnessMeter.measure(path: inputPath, progress: { progress(0.45 * $0, "measuring") }, isCancelled: isCancelled)
        let filter = String(
            format: "loudnorm=I=%.2f:TP=%.2f:LRA=%.2f:measured_I=%.2f:measured_TP=%.2f:measured_LRA=%.2f:measured_thresh=%.2f:offset=0:linear=true",
            targetLUFS, truePeak, max(1, min(20, max(measured.range, 7))), measured.integrated, min(99, measured.truePeak), min(99, max(0, measured.range)),
            measured.threshold
        )
        let path = directory + "/" + Self.outputName + encode.format.fileExtension
        let summary = try Transcoder.run(inputPath: inputPath, settings: encode.settings(path: path, filters: [filter]),
                                         progress: { fraction, _ in progress(0.45 + 0.55 * fraction, "normalizing") }, isCancelled: isCancelled)
        return (Summary(targetLUFS: targetLUFS, truePeakLimit: truePeak, inputIntegrated: measured.integrated, inputTruePeak: measured.truePeak,
                        inputRange: measured.range, encode: summary),
                [OutputFile(name: Self.outputName, contentType: encode.format.contentType, path: path)])
    }
}
