package import ServiceKit

/// Why a media operation failed: a stable code, a message a user can act on, and the FFmpeg
/// failure behind it when there is one.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; each maps to one HTTP status in the service.
    public enum Code: String, Sendable {
        /// A parameter is out of range or malformed (400).
        case invalidParameter = "invalid_parameter"
        /// The input is not media FFmpeg can read: corrupt, truncated, or another kind of file (422).
        case unreadableInput = "unreadable_input"
        /// The input has no video stream (422).
        case noVideoStream = "no_video_stream"
        /// The input has no audio stream, and the operation needs one (422).
        case noAudioStream = "no_audio_stream"
        /// The video codec has no decoder here (422).
        case unsupportedCodec = "unsupported_codec"
        /// No frame could be decoded at the requested time (422).
        case decodeFailed = "decode_failed"
        /// Scaling or encoding the image failed (500).
        case encodeFailed = "encode_failed"
        /// An allocation or other internal step failed (500).
        case internalError = "internal"
        /// The client went away and the work was stopped (499).
        case cancelled = "cancelled"
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, for the caller.
    public let message: String
    /// The FFmpeg call that failed, if any.
    public let cause: FFmpegError?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: FFmpegError? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code.rawValue): \(message) [\(cause)]" }
        return "\(code.rawValue): \(message)"
    }

    /// The HTTP status the service answers with.
    public var httpStatus: Int {
        switch code {
        case .invalidParameter: 400
        case .unreadableInput, .noVideoStream, .noAudioStream, .unsupportedCodec, .decodeFailed: 422
        case .encodeFailed, .internalError: 500
        case .cancelled: 499
        }
    }

    package static func outOfMemory(_ what: String) -> MediaError {
        MediaError(.internalError, "Out of memory allocating \(what).")
    }
}

extension MediaError {
    /// The service's error for this failure, with its HTTP status and code.
    package var serviceError: ServiceError {
        ServiceError(statusCode: httpStatus, code: code.rawValue, message: message, cause: self)
    }
}
