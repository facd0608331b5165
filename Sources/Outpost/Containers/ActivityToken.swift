import NIOConcurrencyHelpers

/// Holds one unit of in-flight activity; released exactly once — explicitly, or when dropped.
///
/// A proxied response body carries its token: finishing the stream, failing it, or the client
/// going away (the body is deallocated unread) all release it, so the in-flight count cannot leak.
public final class ActivityToken: Sendable {
    private let onRelease: NIOLockedValueBox<(@Sendable () -> Void)?>

    public init(onRelease: @escaping @Sendable () -> Void) {
        self.onRelease = NIOLockedValueBox(onRelease)
    }

    /// A token that does nothing when released.
    public static var none: ActivityToken { ActivityToken {} }

    public var isReleased: Bool { onRelease.withLockedValue { $0 == nil } }

    /// Releases the activity; later calls do nothing.
    public func release() {
        let action = onRelease.withLockedValue { value in
            defer { value = nil }
            return value
        }
        action?()
    }

    deinit { release() }
}
