public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on the host's 127.0.0.1 (a free port), standing in for a site a container
/// reaches through the runtime's egress proxy (a boundary we do not own). Each request is answered with a body naming the request line
/// and its Host header, then the connection is closed; `requests` lists every request line it saw.
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
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines.first ?? ""
        let host = lines.first { $0.lowercased().hasPrefix("host:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) } ?? ""
        lock.withLock { seen.append(requestLine) }
        let body = "upstream saw \(requestLine) for \(host)\n"
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
