import CAVFormat

/// A failed FFmpeg call: which function, its (negative) return code, and FFmpeg's text for it.
public struct FFmpegError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The FFmpeg function that failed, e.g. `avformat_open_input`.
    public let function: String
    /// The AVERROR code it returned.
    public let code: Int32
    /// `av_strerror`'s description of the code.
    public let message: String

    /// Creates an error for `function` returning `code`.
    public init(_ function: String, code: Int32) {
        self.function = function
        self.code = code
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 {
            message = "unknown error \(code)"
        } else {
            message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    public var description: String { "\(function): \(message) (\(code))" }

    /// Whether the code means the data is not valid media.
    package var isInvalidData: Bool { code == outpost_averror_invaliddata() }
}
