import NIOConcurrencyHelpers

/// The context of one event: work that may outlive the response goes to `waitUntil`.
public struct ExecutionContext: Sendable {
    let background: BackgroundWork
    private let annotations = NIOLockedValueBox<[String: String]>([:])

    init(background: BackgroundWork) {
        self.background = background
    }

    /// Adds `key: value` to this request's line in the access log (an Outpost addition, for what
    /// only the Worker knows: the route pattern, the caller, the job).
    public func annotate(_ key: String, _ value: String) {
        annotations.withLockedValue { $0[key] = value }
    }

    var annotated: [String: String] { annotations.withLockedValue { $0 } }

    /// Keeps `work` running after the response is sent. The runtime waits for it on shutdown.
    public func waitUntil(_ work: @escaping @Sendable () async -> Void) {
        background.submit(work)
    }

    /// Accepted for compatibility; an exception still produces a 500 here (there is no origin to fall back to).
    public func passThroughOnException() {}
}
