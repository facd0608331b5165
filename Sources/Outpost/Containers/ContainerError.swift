/// A container failure with a code, a message a user can act on, and the cause.
///
/// Errors that reach HTTP map to Cloudflare's statuses: no instance → 503, start failure and
/// connection lost → 500, blocked egress → 520.
public typealias ContainerError = CodedHTTPError<ContainerErrorCode>

/// The codes of `ContainerError`, each with its HTTP status.
public enum ContainerErrorCode: String, HTTPErrorCode {
    case invalidSleepAfter = "invalid_sleep_after"
    case imageNotSupported = "image_not_supported"
    case imageNotFound = "image_not_found"
    case launcherNotFound = "launcher_not_found"
    case spawnFailed = "spawn_failed"
    case startFailed = "start_failed"
    case processTimeout = "process_timeout"
    case portTimeout = "port_timeout"
    case exitedDuringStart = "exited_during_start"
    case noInstanceAvailable = "no_instance_available"
    case connectionLost = "connection_lost"
    case egressBlocked = "egress_blocked"
    case notRunning = "not_running"
    case unknownClass = "unknown_class"
    case shuttingDown = "shutting_down"
    case undeclaredPort = "undeclared_port"

    public var status: Int {
        switch self {
        case .noInstanceAvailable, .shuttingDown: 503
        case .egressBlocked: 520
        case .invalidSleepAfter, .undeclaredPort: 400
        default: 500
        }
    }
}

extension ContainerError {
    /// The code as a case (the same as `kind`).
    public var errorCode: Code { kind }

    /// Cloudflare's 503 text.
    public static var noInstance: ContainerError { ContainerError(.noInstanceAvailable, "There is no Container instance available at this time") }

    /// Wraps a failure to start as Cloudflare's "Failed to start container: …" (500).
    public static func startFailure(_ underlying: ContainerError) -> ContainerError {
        if underlying.errorCode == .noInstanceAvailable || underlying.errorCode == .shuttingDown
            || underlying.message.hasPrefix("Failed to start container") { return underlying }
        return ContainerError(.startFailed, "Failed to start container: \(underlying.message)", cause: underlying.cause)
    }
}
