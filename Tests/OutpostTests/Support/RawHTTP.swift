import Foundation

/// Blocking HTTP/1.1 over a plain socket, for requests a URL client cannot make: uploads too large
/// to build in memory, or uploads cut off half-way. Call it through `offPool`.
enum RawHTTP {
    /// A TCP connection to 127.0.0.1:`port`; the caller closes it.
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerProcessError("socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            close(fd)
            throw ServerProcessError("connect failed")
        }
        return fd
    }

    /// Sends every byte, or throws when the peer is gone.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ServerProcessError("send failed") }
            offset += n
        }
    }

    /// POSTs `length` bytes in `chunk`-sized pieces and returns the whole raw response.
    static func upload(port: Int, path: String, length: Int, chunk: Int) throws -> String {
        let fd = try connect(port: port)
        defer { close(fd) }
        try sendAll(fd, Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n".utf8))
        let block = [UInt8](repeating: 0x61, count: chunk)
        var sent = 0
        while sent < length {
            let n = min(chunk, length - sent)
            try sendAll(fd, n == chunk ? block : Array(block.prefix(n)))
            sent += n
        }
        return readToEnd(fd, after: [])
    }

    /// Sends `GET path` and reads until `marker` has arrived, so the response is open at the
    /// server (an event stream's first event); returns the socket and what was read. The caller
    /// reads on with `readToEnd` and closes the socket.
    static func open(port: Int, path: String, headers: [String: String], until marker: String) throws -> (fd: Int32, received: [UInt8]) {
        let fd = try connect(port: port)
        let head = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        do {
            try sendAll(fd, Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(head)\r\n".utf8))
            var received = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: received, as: UTF8.self).contains(marker) {
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { throw ServerProcessError("the connection ended before \(marker): \(String(decoding: received, as: UTF8.self))") }
                received += buffer.prefix(n)
            }
            return (fd, received)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads until the peer closes; `received` and the rest, as text.
    static func readToEnd(_ fd: Int32, after received: [UInt8]) -> String {
        var all = received
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            all += buffer.prefix(n)
        }
        return String(decoding: all, as: UTF8.self)
    }
}
