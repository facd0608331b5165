import Foundation
import Outpost
import OutpostTesting
import Testing

@Suite("Streaming uploads")
struct StreamingUploadTests {
    @Test("a 1 GiB upload streams through the HTTP front to the Worker without being held in memory")
    func oneGigabyte() async throws {
        let dir = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name = \"stream\"\n".write(toFile: dir + "/wrangler.toml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(directory: dir)
        defer { server.kill(signal: SIGKILL) }
        try await server.waitUntilReady()

        let total = 1 << 30
        let port = server.port
        let response = try await offPool {
            try RawHTTP.upload(port: port, path: "/count", length: total, chunk: 1 << 20)
        }
        #expect(response.hasPrefix("HTTP/1.1 200"))
        #expect(response.hasSuffix("\r\n\r\n\(total)"))
        let peakMB = ProcessStatus.peakRSSMegabytes(pid: server.process.processIdentifier)
        #expect(peakMB < 200, "server peak RSS \(peakMB) MB while streaming 1 GiB")
    }
}

/// Reads /proc/<pid>/status.
enum ProcessStatus {
    static func peakRSSMegabytes(pid: Int32) -> Double {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "") ?? .infinity
        return kb / 1024
    }
}
