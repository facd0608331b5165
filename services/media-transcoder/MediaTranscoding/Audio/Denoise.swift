import Foundation

/// `denoise`: broadband noise reduced with libavfilter's `afftdn` (FFT denoiser): `reduction` dB
/// off what sits near `noiseFloor` dBFS, the rest (speech, music) kept. The floor should be near
/// the recording's noise level (the quietest passages' RMS).
public struct Denoise: Sendable {
    /// The output's name (R2 keys add the format's extension).
    public static let outputName = "audio"

    /// Noise reduction in dB (afftdn `nr`, 0.01–97).
    public var reduction: Double
    /// The noise floor in dBFS (afftdn `nf`, −80 to −20).
    public var noiseFloor: Double
    public var encode: AudioEncodeRequest

    public init(reduction: Double = 12, noiseFloor: Double = -50, encode: AudioEncodeRequest) {
        self.reduction = reduction
        self.noiseFloor = noiseFloor
        self.encode = encode
    }

    /// The filter it runs.
    var filter: String { String(format: "afftdn=nr=%.2f:nf=%.2f", reduction, noiseFloor) }

    /// Denoises `inputPath` into `directory`.
    public func run(inputPath: String, directory: String, progress: (Double, String) -> Void = { _, _ in },
                    isCancelled: () -> Bool = { false }) throws(MediaError) -> (summary: EncodeSummary, files: [OutputFile]) {
        let path = directory + "/" + Self.outputName + encode.format.fileExtension
        let summary = try Transcoder.run(inputPath: inputPath, settings: encode.settings(path: path, filters: [filter]), progress: progress, isCancelled: isCancelled)
        return (summary, [OutputFile(name: Self.outputName, contentType: encode.format.contentType, path: path)])
    }
}
