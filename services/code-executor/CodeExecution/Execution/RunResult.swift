public import OutpostJSON

/// What one `execute` answers: a completed run, whatever the program did. A limit that stopped
/// it is named in `limitExceeded`; a compile error is `compileError` with the compiler's messages.
public struct RunResult: Codable, Sendable {
    public var language: String
    /// The toolchain's version line (e.g. `Python 3.11.2`).
    public var version: String
    public var stdout: String
    public var stderr: String
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    /// Bytes the program wrote to each stream in all (kept: up to `outputCapBytes`).
    public var stdoutBytes: Int
    public var stderrBytes: Int
    public var outputCapBytes: Int
    /// The exit status, when the program exited; `signal` (e.g. `SIGKILL`) when a signal ended it.
    public var exitCode: Int?
    public var signal: String?
    public var timedOut: Bool
    public var oomKilled: Bool
    /// `timeout`, `memory` or `cpu` when a limit stopped the run.
    public var limitExceeded: String?
    public var compileError: Bool
    /// The compiler's messages, when `compileError`.
    public var compileOutput: String?
    /// Whether the compiled artifact came from this instance's cache.
    public var compileCached: Bool?
    public var compileMs: Double?
    public var wallMs: Double
    public var cpuMs: Double
    public var peakMemoryBytes: Int
    /// SQL only: each statement of `code` with its columns and rows.
    public var results: JSONValue?
    public var timeoutSeconds: Double
    public var memoryLimitBytes: Int
}

