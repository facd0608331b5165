public import Foundation
import COutpostSys
import NIOConcurrencyHelpers

/// A child process started with `posix_spawn`, shaped like the parts of Foundation's `Process`
/// that tests use.
///
/// Foundation's `Process.run()` on Linux with Swift 6.3.1 intermittently crashes the calling
/// process (an over-read of `dirent.d_name` while closing inherited descriptors,
/// swift-corelibs-foundation #5472). Test suites that spawn many children hit it, so they use this.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: configuration is set before `run()`; the exit status is guarded by `state`.
    public var executableURL: URL?
    public var arguments: [String] = []
    /// When set, the child starts in this directory (through `/bin/sh -c 'cd … && exec …'`).
    public var currentDirectoryURL: URL?
    /// When nil, the child inherits this process's environment.
    public var environment: [String: String]?
    /// A `Pipe` or `FileHandle` for the child's stdout / stderr; nil inherits ours.
    public var standardOutput: Any?
    public var standardError: Any?
    /// A `Pipe` or `FileHandle` for the child's stdin; nil inherits ours.
    public var standardInput: Any?
    /// Called once, on a background thread, when the child has exited.
    public var terminationHandler: (@Sendable (ChildProcess) -> Void)?

    private let state = NIOLockedValueBox<(pid: pid_t, status: Int32?)>((0, nil))
    private let exited = DispatchSemaphore(value: 0)

    public init() {}

    public var processIdentifier: Int32 { state.withLockedValue { $0.pid } }
    public var isRunning: Bool { state.withLockedValue { $0.pid != 0 && $0.status == nil } }

    /// The exit code, or 128 + signal number when a signal ended the child.
    public var terminationStatus: Int32 { state.withLockedValue { $0.status ?? -1 } }

    public func run() throws {
        guard let executableURL else { throw ChildProcessError("no executableURL") }
        var argv = [executableURL.path] + arguments
        var path = executableURL.path
        if let dir = currentDirectoryURL?.path {
            argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir, executableURL.path] + arguments
            path = "/bin/sh"
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [FileHandle] = []
        if let pipe = standardInput as? Pipe {
            posix_spawn_file_actions_adddup2(&actions, pipe.fileHandleForReading.fileDescriptor, 0)
            parentEnds.append(pipe.fileHandleForReading)
        } else if let handle = standardInput as? FileHandle {
            posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, 0)
        }
        for (target, fd) in [(standardOutput, Int32(1)), (standardError, Int32(2))] {
            if let pipe = target as? Pipe {
                posix_spawn_file_actions_adddup2(&actions, pipe.fileHandleForWriting.fileDescriptor, fd)
                parentEnds.append(pipe.fileHandleForWriting)
            } else if let handle = target as? FileHandle {
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, fd)
            }
        }
        // Close every other descriptor in the child (Foundation's Pipe() ends are not
        // close-on-exec), or one child would hold another's pipe open and its reader never sees EOF.
        outpost_spawn_closefrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let rc = withCStrings(argv) { cargv in
            withCStrings(env) { cenv in
                posix_spawn(&pid, path, &actions, &attributes, cargv, cenv)
            }
        }
        guard rc == 0 else { throw ChildProcessError("posix_spawn \(path) failed: \(String(cString: strerror(rc)))") }
        // The parent keeps no child-side end, so readers see EOF when the child exits.
        for end in parentEnds { try? end.close() }
        state.withLockedValue { $0 = (pid, nil) }
        let handler = terminationHandler
        let thread = Thread { [state, exited, pid] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            state.withLockedValue { $0.status = code }
            exited.signal()
            handler?(self)
        }
        thread.start()
    }

    /// Blocks until the child exits.
    public func waitUntilExit() {
        guard processIdentifier != 0 else { return }
        exited.wait()
        exited.signal()
    }

    /// Sends `signal` to the child if it is still running.
    public func signal(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Runs `executable` with `arguments` to its end and returns its stdout (stderr is dropped);
    /// throws when it exits non-zero. For the command-line tools tests check outputs with.
    public static func output(of executable: String, _ arguments: [String]) throws -> String {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ChildProcessError("\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
