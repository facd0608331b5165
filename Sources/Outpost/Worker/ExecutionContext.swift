/// The context of one event: work that may outlive the response goes to `waitUntil`.
public struct ExecutionContext: Sendable {
    let background: BackgroundWork

    init(background: BackgroundWork) {
        self.background = background
    }

    /// Keeps `work` running after the response is sent. The runtime waits for it on shutdown.
    public func waitUntil(_ work: @escaping @Sendable () async -> Void) {
        background.submit(work)
    }

    /// Accepted for compatibility; an exception still produces a 500 here (there is no origin to fall back to).
    public func passThroughOnException() {}
}
