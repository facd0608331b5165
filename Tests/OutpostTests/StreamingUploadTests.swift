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

/// A blocking HTTP/1.1 client over a plain socket, for uploads too large to build in memory.
enum RawHTTP {
    static func upload(port: Int, path: String, length: Int, chunk: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerProcessError("socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw ServerProcessError("connect failed") }
        try sendAll(fd, Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n".utf8))
        let block = [UInt8](repeating: 0x61, count: chunk)
        var sent = 0
        while sent < length {
            let n = min(chunk, length - sent)
            try sendAll(fd, n == chunk ? block : Array(block.prefix(n)))
            sent += n
        }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer.prefix(n)
        }
        return String(decoding: response, as: UTF8.self)
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ServerProcessError("send failed") }
            offset += n
        }
    }
}
