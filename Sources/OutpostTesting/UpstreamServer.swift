public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on the host's 127.0.0.1 (a free port), standing in for a site a container
/// reaches through the runtime's egress proxy (a boundary we do not own). Each request is answered
/// with a body naming the request line, its Host header and how many body bytes it read
/// (`Content-Length`), then the connection is closed; `GET /bytes/N` answers N bytes of "x"
/// instead. `requests` lists every request line it saw.
/// @unchecked Sendable: `seen` is only touched under `lock`; `fd` is set once in init.
public final class UpstreamServer: @unchecked Sendable {
    public let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var seen: [String] = []

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FreePortError(message: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard listening else {
            Glibc.close(fd)
            throw FreePortError(message: "cannot listen on 127.0.0.1: errno \(errno)")
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        // The thread keeps the server alive until its listener is closed.
        Thread { [self] in acceptLoop() }.start()
    }

    /// The request lines seen so far, in order.
    public var requests: [String] { lock.withLock { seen } }

    /// Stops accepting (the accept loop ends when the listener is shut down).
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    private func acceptLoop() {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            answer(client)
        }
    }

    private func answer(_ client: Int32) {
        defer { Glibc.close(client) }
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while head.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            let n = read(client, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            head += chunk[0..<n]
        }
        let end = head.firstRange(of: Array("\r\n\r\n".utf8))!
        let text = String(decoding: head[..<end.lowerBound], as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.first ?? ""
        func header(_ name: String) -> String? {
            lines.first { $0.lowercased().hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        lock.withLock { seen.append(requestLine) }
        var bodyBytes = head.count - end.upperBound
        let expected = header("content-length").flatMap { Int($0) } ?? 0
        while bodyBytes < expected {
            let n = read(client, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bodyBytes += n
        }
        let target = requestLine.split(separator: " ").dropFirst().first ?? ""
        if target.hasPrefix("/bytes/"), let count = Int(target.dropFirst("/bytes/".count)) {
            guard send(client, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(count)\r\nConnection: close\r\n\r\n") else { return }
            let block = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
            var sent = 0
            while sent < count {
                let n = min(block.count, count - sent)
                guard send(client, block[..<n]) else { return }
                sent += n
            }
            return
        }
        let body = "upstream saw \(requestLine) for \(header("host") ?? "") with \(bodyBytes) body bytes\n"
        _ = send(client, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }

    private func send(_ client: Int32, _ text: String) -> Bool { send(client, Array(text.utf8)[...]) }

    /// Sends every byte; false when the peer is gone.
    private func send(_ client: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
