/// The head of one request a container sends its egress proxy: either `CONNECT host:port` (a
/// tunnel, for HTTPS) or a plain HTTP request in absolute form (`GET http://host:port/path`).
/// No I/O: parsed from the bytes up to the blank line.
struct EgressRequest: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case connect
        /// Forwarded as `upstreamHead` (origin-form target, proxy headers dropped, `Connection: close`).
        case forward(upstreamHead: [UInt8])
    }

    var kind: Kind
    var host: String
    var port: Int

    /// Heads longer than this are refused (400).
    static let maxHeadBytes = 32 * 1024

    /// Why a head cannot be proxied: the 400's message.
    struct Malformed: Error, Equatable { let message: String }

    /// Parses `head` (the request line and headers, without the final blank line).
    static func parse(_ head: [UInt8]) throws(Malformed) -> EgressRequest {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first.map { $0.split(separator: " ", omittingEmptySubsequences: true) } ?? []
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            throw Malformed(message: "not an HTTP/1.x request line")
        }
        let method = String(requestLine[0]), target = String(requestLine[1]), version = requestLine[2]
        if method == "CONNECT" {
            guard let (host, port) = splitAuthority(Substring(target)), let port else {
                throw Malformed(message: "CONNECT needs host:port, got \"\(target)\"")
            }
            return EgressRequest(kind: .connect, host: host, port: port)
        }
        guard target.lowercased().hasPrefix("http://") else {
            if target.lowercased().hasPrefix("https://") {
                throw Malformed(message: "https:// URLs go through CONNECT (set HTTPS_PROXY), not as a plain proxy request")
            }
            throw Malformed(message: "this is the egress proxy: send absolute-form requests (http://host/path) or CONNECT")
        }
        let rest = target.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard let (host, port) = splitAuthority(authority) else { throw Malformed(message: "no host in \"\(target)\"") }
        var path = String(rest[authorityEnd...].prefix { $0 != "#" })
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }

        var out = "\(method) \(path) \(version)\r\n"
        for line in lines.dropFirst() where !line.isEmpty {
            let name = line.prefix { $0 != ":" }.lowercased()
            if name.hasPrefix("proxy-") || name == "connection" || name == "keep-alive" { continue }
            out += line + "\r\n"
        }
        out += "Connection: close\r\n\r\n"
        return EgressRequest(kind: .forward(upstreamHead: Array(out.utf8)), host: host, port: port ?? 80)
    }

    /// `host[:port]` or `[v6][:port]`; nil without a host or with a bad port.
    static func splitAuthority(_ authority: Substring) -> (String, Int?)? {
        var host = authority, port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        guard let port else { return (String(host), nil) }
        guard let number = Int(port), (1...65535).contains(number) else { return nil }
        return (String(host), number)
    }
}
