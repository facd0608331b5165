/// A failure of text generation: an HTTP status for the caller, a stable code, a message a user
/// can act on, and, when a provider answered, that provider's own status.
///
/// It has the fields of ServiceKit's `ServiceError` (status, code, message, cause), so the service
/// maps one onto the other field by field. Bad requests are 400 (413 for input over the limit);
/// no configured provider is a 400 naming the variables to set; a provider's refusal carries the
/// provider's status (401, 429, 5xx…) and message.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status the job fails with.
    public var statusCode: Int
    /// A stable, machine-readable code such as `invalid_parameter` or `provider_error`.
    public var code: String
    /// What went wrong and what to do about it.
    public var message: String
    /// The provider that failed, when the failure came from one.
    public var provider: ProviderKind?
    /// The status the provider answered with, when it answered.
    public var providerStatus: Int?
    /// Whether another attempt may succeed (429, 5xx, an unreachable provider).
    public var isRetryable: Bool
    /// Seconds the provider asked to wait before retrying (`Retry-After`), if it said.
    public var retryAfterSeconds: Double?
    /// The error that caused this one, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error; `isRetryable` defaults to false.
    public init(statusCode: Int, code: String, message: String, provider: ProviderKind? = nil, providerStatus: Int? = nil,
                isRetryable: Bool = false, retryAfterSeconds: Double? = nil, cause: (any Error & Sendable)? = nil) {
        self.statusCode = statusCode
        self.code = code
        self.message = message
        self.provider = provider
        self.providerStatus = providerStatus
        self.isRetryable = isRetryable
        self.retryAfterSeconds = retryAfterSeconds
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code) (\(statusCode)): \(message) (cause: \(cause))" }
        return "\(code) (\(statusCode)): \(message)"
    }

    /// 400 for one named parameter.
    static func invalidParameter(_ name: String, _ message: String) -> ProviderError {
        .init(statusCode: 400, code: "invalid_parameter", message: "\(name): \(message)")
    }

    /// 400: generation needs a provider that the environment does not configure.
    static func notConfigured(_ message: String) -> ProviderError {
        .init(statusCode: 400, code: "provider_not_configured", message: message)
    }

    /// The provider answered with an error status: the job fails with that status and message.
    static func answered(_ provider: ProviderKind, status: Int, message: String, retryAfter: Double?) -> ProviderError {
        .init(statusCode: status, code: "provider_error", message: "\(provider.displayName) answered HTTP \(status): \(message)",
              provider: provider, providerStatus: status, isRetryable: status == 429 || (500...599).contains(status),
              retryAfterSeconds: retryAfter)
    }

    /// 502: the provider could not be reached, or its stream broke or made no sense.
    static func unreachable(_ provider: ProviderKind, _ message: String, retryable: Bool, cause: (any Error & Sendable)? = nil) -> ProviderError {
        .init(statusCode: 502, code: "provider_unreachable", message: "\(provider.displayName): \(message)", provider: provider,
              isRetryable: retryable, cause: cause)
    }

    /// 504: the provider did not answer, or went quiet mid-stream, for longer than the timeout.
    static func timedOut(_ provider: ProviderKind, _ message: String) -> ProviderError {
        .init(statusCode: 504, code: "provider_timeout", message: "\(provider.displayName): \(message)", provider: provider)
    }
}
