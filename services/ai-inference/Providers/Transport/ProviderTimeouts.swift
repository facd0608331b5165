/// How long a provider may keep us waiting.
public struct ProviderTimeouts: Sendable, Equatable {
    /// Seconds from sending the request to the response's head (connecting, TLS, the provider's queue).
    public var response: Double
    /// Seconds the stream may stay silent between two chunks once it has started.
    public var idle: Double
    /// Seconds one attempt may take in all, however steadily it streams.
    public var total: Double

    public init(response: Double = 30, idle: Double = 60, total: Double = 600) {
        self.response = response
        self.idle = idle
        self.total = total
    }
}
