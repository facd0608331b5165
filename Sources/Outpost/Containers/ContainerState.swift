/// A container instance's lifecycle as a plain value: no I/O, only transitions.
///
/// stopped → starting → running → healthy → stopping → stopped / stopped_with_code(exitCode).
/// `running` means a process exists; `healthy` means its port answered. Every event either moves
/// the machine and names the action the owner must take, or is refused with `ContainerStateError`.
public struct ContainerState: Sendable, Hashable {
    public enum Phase: Sendable, Hashable {
        case stopped
        case starting
        case running
        case healthy
        case stopping
        case stoppedWithCode(Int32)
    }

    public enum Event: Sendable, Hashable {
        /// A request or `start()` wants the instance up.
        case start
        /// The launcher exec'd the entrypoint.
        case spawned
        /// The launcher failed before the entrypoint ran.
        case startFailed
        /// The port answered.
        case ready
        /// `stop()` or sleepAfter expiry.
        case stop
        /// The process is gone, with its exit code (128 + n for signal n).
        case exited(Int32)
    }

    /// What the owner must do after a transition.
    public enum Action: Sendable, Hashable {
        case none
        case spawn
        case probePorts
        case signalTerminate
        case cancelStart
        case reportExit(Int32)
        case reportStartFailure
    }

    public private(set) var phase: Phase

    public init(phase: Phase = .stopped) { self.phase = phase }

    /// The name `getState()` reports: running | healthy | stopping | stopped | stopped_with_code.
    public var status: String {
        switch phase {
        case .stopped: "stopped"
        case .starting, .running: "running"
        case .healthy: "healthy"
        case .stopping: "stopping"
        case .stoppedWithCode: "stopped_with_code"
        }
    }

    /// The exit code after a non-zero exit.
    public var exitCode: Int32? {
        if case .stoppedWithCode(let code) = phase { return code }
        return nil
    }

    /// True while a process exists or is being made.
    public var isActive: Bool {
        switch phase {
        case .starting, .running, .healthy, .stopping: true
        case .stopped, .stoppedWithCode: false
        }
    }

    /// Applies `event`, returning the action to take, or throws when it makes no sense in this phase.
    @discardableResult
    public mutating func apply(_ event: Event) throws(ContainerStateError) -> Action {
        switch (phase, event) {
        case (.stopped, .start), (.stoppedWithCode, .start):
            phase = .starting
            return .spawn
        case (.starting, .start), (.running, .start), (.healthy, .start):
            return .none
        case (.starting, .spawned):
            phase = .running
            return .probePorts
        case (.starting, .startFailed):
            phase = .stopped
            return .reportStartFailure
        case (.running, .ready):
            phase = .healthy
            return .none
        case (.healthy, .ready):
            return .none
        case (.starting, .stop):
            phase = .stopping
            return .cancelStart
        case (.running, .stop), (.healthy, .stop):
            phase = .stopping
            return .signalTerminate
        case (.stopping, .stop), (.stopped, .stop), (.stoppedWithCode, .stop):
            return .none
        case (.starting, .exited(let code)), (.running, .exited(let code)), (.healthy, .exited(let code)), (.stopping, .exited(let code)):
            phase = code == 0 ? .stopped : .stoppedWithCode(code)
            return .reportExit(code)
        default:
            throw ContainerStateError(phase: phase, event: event)
        }
    }
}

/// An event that makes no sense in the current phase (a bug in the caller, never user input).
public struct ContainerStateError: CodedError, Hashable {
    public let phase: ContainerState.Phase
    public let event: ContainerState.Event
    public var code: String { "invalid_transition" }
    public var message: String { "event \(event) is not valid in phase \(phase)" }
    public var description: String { "container state: \(message)" }
}
