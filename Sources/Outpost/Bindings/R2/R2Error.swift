/// An R2 operation refused, with Cloudflare's numeric code, HTTP status and message.
///
/// `message` reads as in Workers: `"<operation>: <text> (<code>)"`, for example
/// `"get: The requested range is not satisfiable (10039)"`.
public struct R2Error: HTTPError {
    /// Cloudflare's numeric R2 error code (10039, 10022, …).
    public let errorCode: Int
    /// The HTTP status Cloudflare answers with (400, 404, 412, 416, 500).
    public let status: Int
    /// The S3 name of the error (`InvalidRange`, `NoSuchUpload`, …).
    public let s3Code: String
    /// The operation that failed (`get`, `put`, `completeMultipartUpload`, …).
    public let operation: String
    /// The text without the operation and code.
    public let detail: String

    public var code: String { s3Code }
    public var message: String { "\(operation): \(detail) (\(errorCode))" }

    init(_ operation: String, _ errorCode: Int, status: Int, s3Code: String, _ detail: String) {
        self.operation = operation
        self.errorCode = errorCode
        self.status = status
        self.s3Code = s3Code
        self.detail = detail
    }

    static func invalidObjectName(_ op: String, _ why: String = "The specified object name is not valid.") -> R2Error {
        R2Error(op, 10020, status: 400, s3Code: "InvalidObjectName", why)
    }
    static func invalidBucketName(_ name: String) -> R2Error {
        R2Error("open", 10005, status: 400, s3Code: "InvalidBucketName",
                "The specified bucket name \"\(name)\" is not valid: use letters, digits, '-', '_' and '.', not starting with '.'.")
    }
    static func metadataTooLarge(_ op: String) -> R2Error {
        R2Error(op, 10012, status: 400, s3Code: "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
    }
    static func entityTooLarge(_ op: String) -> R2Error {
        R2Error(op, 100100, status: 400, s3Code: "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
    }
    static func entityTooSmall(_ op: String) -> R2Error {
        R2Error(op, 10011, status: 400, s3Code: "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
    }
    static func invalidMaxKeys(_ op: String) -> R2Error {
        R2Error(op, 10022, status: 400, s3Code: "InvalidMaxKeys", "MaxKeys params must be positive integer <= 1000.")
    }
    static func noSuchUpload(_ op: String) -> R2Error {
        R2Error(op, 10024, status: 404, s3Code: "NoSuchUpload", "The specified multipart upload does not exist.")
    }
    static func invalidPart(_ op: String) -> R2Error {
        R2Error(op, 10025, status: 400, s3Code: "InvalidPart", "One or more of the specified parts could not be found.")
    }
    static func unevenParts(_ op: String) -> R2Error {
        R2Error(op, 10048, status: 400, s3Code: "InvalidPart", "All non-trailing parts must have the same size.")
    }
    static func invalidArgument(_ op: String, _ why: String) -> R2Error {
        R2Error(op, 10029, status: 400, s3Code: "InvalidArgument", why)
    }
    static func preconditionFailed(_ op: String) -> R2Error {
        R2Error(op, 10031, status: 412, s3Code: "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.")
    }
    static func invalidDigest(_ op: String, _ algorithm: String) -> R2Error {
        R2Error(op, 10014, status: 400, s3Code: "InvalidDigest", "The \(algorithm) checksum you specified is not valid hex of the right length.")
    }
    static func badDigest(_ op: String, algorithm: String, provided: String, actual: String) -> R2Error {
        R2Error(op, 10037, status: 400, s3Code: "BadDigest", """
            The \(algorithm) checksum you specified did not match what we received.
            You provided a \(algorithm) checksum with value: \(provided)
            Actual \(algorithm) was: \(actual)
            """)
    }
    static func invalidRange(_ op: String) -> R2Error {
        R2Error(op, 10039, status: 416, s3Code: "InvalidRange", "The requested range is not satisfiable")
    }
    static func internalError(_ op: String, _ why: String) -> R2Error {
        R2Error(op, 10001, status: 500, s3Code: "InternalError", "We encountered an internal error. Please try again. (\(why))")
    }
}

/// R2 limits, as Cloudflare documents them.
public enum R2Limits {
    /// Object keys: at most 1024 UTF-8 bytes.
    public static let maxKeyBytes = 1024
    /// Custom metadata: keys plus values, at most 8192 bytes.
    public static let maxCustomMetadataBytes = 8192
    /// `list` returns at most this many entries per page (and this many by default).
    public static let maxListLimit = 1000
    /// A single `put` or part: 5 GiB less 5 MiB.
    public static let maxUploadBytes: Int64 = 5_368_709_120 - 5_242_880
    /// Every multipart part but the last is at least this big.
    public static let minPartBytes = 5 * 1024 * 1024
    public static let partNumbers = 1...10_000
}
