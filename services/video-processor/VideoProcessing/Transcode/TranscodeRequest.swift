public import ServiceKit

/// What `process` makes: container and codecs, quality, size, rate. Parsed from a job's
/// parameters, whose ranges the descriptor has already checked.
public struct TranscodeRequest: Sendable, Equatable {
    /// The output container and its codecs.
    public enum OutputFormat: String, Sendable, CaseIterable {
        /// MP4: H.264 (libx264) + AAC, `+faststart`.
        case mp4
        /// WebM: VP9 (libvpx-vp9) + Opus.
        case webm
        /// HLS: a VOD media playlist and MPEG-TS segments of H.264 + AAC.
        case hls
    }

    /// Quality presets: a constant-quality (CRF) setting, an encoder speed and a maximum height.
    ///
    /// | quality | H.264 CRF / preset | VP9 CRF / cpu-used | max height | audio |
    /// |---|---|---|---|---|
    /// | low | 28 / veryfast | 40 / 5 | 480 | 96 kbit/s |
    /// | medium | 23 / fast | 34 / 4 | 720 | 128 kbit/s |
    /// | high | 20 / medium | 30 / 3 | 1080 | 160 kbit/s |
    /// | ultra | 17 / slow | 24 / 2 | 2160 | 192 kbit/s |
    ///
    /// The maximum height applies to the shorter side, so portrait video keeps its width-equivalent.
    public enum Quality: String, Sendable, CaseIterable {
        case low, medium, high, ultra

        var x264CRF: Int { switch self { case .low: 28; case .medium: 23; case .high: 20; case .ultra: 17 } }
        var x264Preset: String { switch self { case .low: "veryfast"; case .medium: "fast"; case .high: "medium"; case .ultra: "slow" } }
        var vp9CRF: Int { switch self { case .low: 40; case .medium: 34; case .high: 30; case .ultra: 24 } }
        var vp9CPUUsed: Int { switch self { case .low: 5; case .medium: 4; case .high: 3; case .ultra: 2 } }
        /// The largest output height (shorter side).
        public var maxHeight: Int { switch self { case .low: 480; case .medium: 720; case .high: 1080; case .ultra: 2160 } }
        var audioBitRate: Int64 { switch self { case .low: 96_000; case .medium: 128_000; case .high: 160_000; case .ultra: 192_000 } }
    }

    /// A requested size: a box to fit in, or a height.
    public enum Resolution: Sendable, Equatable {
        case box(width: Int, height: Int)
        case height(Int)

        /// Parses `1280x720` or `720` (or `720p`).
        public init?(_ text: String) {
            let lower = text.lowercased().trimmingCharacters(in: " ")
            let parts = lower.split(separator: "x")
            if parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...8192).contains(w), (16...8192).contains(h) {
                self = .box(width: w, height: h)
            } else if parts.count == 1, let h = Int(lower.hasSuffix("p") ? String(lower.dropLast()) : lower), (16...8192).contains(h) {
                self = .height(h)
            } else {
                return nil
            }
        }
    }

    public var format: OutputFormat
    public var quality: Quality
    /// Nil: the quality's maximum height caps the source size.
    public var resolution: Resolution?
    /// Whether `resolution` may enlarge the picture.
    public var upscale: Bool
    /// Video bit rate in bits per second (average bit rate instead of the quality's CRF).
    public var videoBitRate: Int64?
    /// Output frame rate; nil keeps the source's.
    public var frameRate: Double?
    /// HLS segment length in seconds.
    public var segmentSeconds: Double
    /// Whether a display-matrix rotation (phone videos) is applied to the pixels, as the `ffmpeg`
    /// CLI does: the output is upright, with no rotation of its own.
    public var autorotate: Bool

    /// Reads the `process` parameters (400 on a malformed `resolution`).
    public init(parameters: JobParameters) throws(ServiceError) {
        let formatName = try parameters.string("outputFormat")?.lowercased() ?? "mp4"
        guard let format = OutputFormat(rawValue: formatName) else {
            throw .invalidParameter("outputFormat", "must be one of mp4, webm, hls, got \"\(formatName)\".")
        }
        let qualityName = try parameters.string("quality")?.lowercased() ?? "medium"
        guard let quality = Quality(rawValue: qualityName) else {
            throw .invalidParameter("quality", "must be one of low, medium, high, ultra, got \"\(qualityName)\".")
        }
        self.format = format
        self.quality = quality
        if let text = try parameters.string("resolution") {
            guard let resolution = Resolution(text) else {
                throw .invalidParameter("resolution", "must be WIDTHxHEIGHT (e.g. 1280x720) or a height (e.g. 720), each 16…8192, got \"\(text)\".")
            }
            self.resolution = resolution
        } else if let height = try parameters.int("resolution") {
            guard let resolution = Resolution(String(height)) else {
                throw .invalidParameter("resolution", "must be WIDTHxHEIGHT (e.g. 1280x720) or a height (e.g. 720), each 16…8192, got \(height).")
            }
            self.resolution = resolution
        }
        upscale = parameters.values["upscale"].flatMap(ParameterSpec.boolean) ?? false
        videoBitRate = try parameters.int("bitrate").map { Int64($0) * 1000 }
        frameRate = try parameters.double("framerate")
        segmentSeconds = try parameters.double("segmentSeconds") ?? 4
        autorotate = parameters.values["autorotate"].flatMap(ParameterSpec.boolean) ?? true
    }

    /// The output size for an upright `width`×`height` source: even numbers, aspect ratio kept, never
    /// larger than the source unless `upscale`.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        Self.fit(width: width, height: height, resolution: resolution, maxShortSide: quality.maxHeight, upscale: upscale)
    }

    static func fit(width: Int, height: Int, resolution: Resolution?, maxShortSide: Int?, upscale: Bool) -> (width: Int, height: Int) {
        var scale: Double
        switch resolution {
        case .box(let w, let h)?: scale = min(Double(w) / Double(width), Double(h) / Double(height))
        case .height(let h)?: scale = Double(h) / Double(height)
        case nil: scale = maxShortSide.map { Double($0) / Double(min(width, height)) } ?? 1
        }
        if !upscale || resolution == nil { scale = min(scale, 1) }
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        return (even(Double(width) * scale), even(Double(height) * scale))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
