public import Foundation

/// Runs blocking work (pipe reads, `waitpid`, blocking sockets) on a thread of its own and awaits it.
///
/// Swift's cooperative pool has one thread per core; blocking it for seconds on a 2-core machine
/// stalls every other test. Tests call this instead of blocking in an async context.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

extension ChildProcess {
    /// Waits for the child to exit without blocking the cooperative pool; returns its status.
    public func exitStatus() async -> Int32 {
        (try? await offPool { [self] in
            self.waitUntilExit()
            return self.terminationStatus
        }) ?? -1
    }

    /// Runs a program to completion off the cooperative pool, feeding `stdin` and collecting both outputs.
    public static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil
    ) async throws -> (status: Int32, stdout: Data, stderr: Data) {
        try await offPool {
            let p = ChildProcess()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
            p.environment = environment
            let out = Pipe(), err = Pipe(), input = Pipe()
            p.standardOutput = out
            p.standardError = err
            p.standardInput = input
            try p.run()
            let writer = Thread {
                if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
                try? input.fileHandleForWriting.close()
            }
            writer.start()
            // Drain stderr on its own thread so neither pipe can fill up and block the child.
            let errBox = DataBox()
            let errReader = Thread { errBox.set(err.fileHandleForReading.readDataToEndOfFile()) }
            errReader.start()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, stdout, errBox.wait())
        }
    }
}

/// Hands one Data value between threads.
/// @unchecked: `data` is written once before `ready` is signalled and read after waiting on it.
final class DataBox: @unchecked Sendable {
    private var data = Data()
    private let ready = DispatchSemaphore(value: 0)
    func set(_ d: Data) { data = d; ready.signal() }
    func wait() -> Data { ready.wait(); return data }
}
