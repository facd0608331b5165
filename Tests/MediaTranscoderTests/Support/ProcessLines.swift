import Foundation
import OutpostTesting

/// A child process (curl streaming NDJSON, for one) whose stdout is read line by line as it
/// comes: `lines` yields each, ending when the process closes its stdout.
final class ProcessLines: Sendable {
    let process: ChildProcess
    let lines: AsyncStream<String>

    /// Starts `executable` with `arguments`.
    init(_ executable: String, _ arguments: [String]) throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let (lines, continuation) = AsyncStream<String>.makeStream()
        try process.run()
        self.process = process
        self.lines = lines
        let reading = output.fileHandleForReading
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    continuation.yield(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
            continuation.finish()
        }
    }

    /// Stops the process if it still runs and waits for it.
    func stop() {
        if process.isRunning { process.signal(SIGTERM) }
        process.waitUntilExit()
    }
}
