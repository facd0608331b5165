/// How an instance's process ended.
public struct ContainerExit: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// It exited on its own (or crashed).
        case exited
        /// It was stopped on request (SIGTERM to its group) and went within the grace period.
        case stopped
        /// It ignored SIGTERM and was killed when the grace period ran out.
        case killedAfterGrace
        /// `destroy()`: SIGKILL at once.
        case destroyed
        /// The kernel killed it for going over its memory limit.
        case memoryLimit
        /// The supervisor killed it: its scratch directory grew past the instance type's disk size.
        case diskLimit
        /// The runtime shut down.
        case runtimeShutdown
        /// The launcher failed before the entrypoint ran.
        case startFailed(String)
    }

    /// The exit status, or 128 + n when signal n ended it (137 for SIGKILL).
    public let exitCode: Int32
    /// The signal that ended it, if any.
    public let signal: Int32?
    public let reason: Reason

    public init(exitCode: Int32, signal: Int32?, reason: Reason) {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
    }

    public var description: String {
        let how = signal.map { "signal \($0) (exit \(exitCode))" } ?? "exit \(exitCode)"
        switch reason {
        case .exited: return how
        case .stopped: return "\(how) after stop"
        case .killedAfterGrace: return "\(how): killed after the stop grace period"
        case .destroyed: return "\(how): destroyed"
        case .memoryLimit: return "\(how): killed for exceeding its memory limit"
        case .diskLimit: return "\(how): killed for exceeding its disk limit"
        case .runtimeShutdown: return "\(how): runtime shutdown"
        case .startFailed(let message): return "start failed: \(message)"
        }
    }
}
