// container-fixture: a tiny HTTP/1.1 service for the container tests and benchmarks (test
// infrastructure, not a product). Plain POSIX sockets and one thread per connection, no Foundation,
// so it starts in a few milliseconds. Listens on 127.0.0.1:$PORT.
//
//   GET /                       {"pid", "port", "bootNonce", "env", "cwd", "files"}
//   GET /ping                   "pong"
//   GET /sleep?ms=N             answers after N ms
//   GET /stream?chunks=N&intervalMs=M   N chunked lines, M ms apart
//   GET /crash?code=N           exits with status N at once
//   GET /alloc?mb=N             allocates and touches N MiB (kept until exit)
//   GET /connect?host=H&port=P  tries an outbound TCP connect: {"ok", "errno"}
//   GET /syscall?name=ptrace|mount   {"result", "errno"} (seccomp should give EPERM = 1)
//   GET /write?name=F           creates F in the cwd (or ?path=P: any path): {"written", "errno"}
//   GET /read?path=P            reads P: {"ok", "errno", "size", "text" (its first KiB)}
//   GET /list?path=P            lists directory P: {"ok", "errno", "entries"}
//   GET /whoami                 {"uid", "gid", "pid", "capEff", "capBnd", "capPrm", "capInh", "capAmb"} (/proc/self/status)
//   GET /kill?pid=N&sig=S       kill(N, S): {"result", "errno"}
//   GET /unshare                unshare(user, mount, pid, net) in a forked child: {"errno"} (0: it could)
//   GET /run?argv=A,B,…         runs A with arguments B…: {"status", "output"} (status -1: could not start);
//                               an empty word between commas is an empty argument; &inheritEnv=1 passes the
//                               fixture's own environment (e.g. HTTP_PROXY) instead of PATH alone
//   GET /fill?mb=N&name=F       appends N MiB to F in the cwd: {"written"}
//   POST /echo                  answers with the request body
//   GET /ws?closeAfter=N        WebSocket echo: "hello" first, then echoes; closes after N messages if asked
//   POST /early                 answers "early" at once and closes without reading the body
//   POST /drain                 full duplex: answers at once, streams "received <n>" per MiB read, then "total <n>"
//
// "pid" (in `GET /` and the "listening" banner) is the instance's pid on the host: inside its pid
// namespace the fixture is pid 2, so it derives it from its uid (1_000_000 + the launcher's pid, the
// sandbox's scheme); "nsPid" is its own getpid().
//
// FIXTURE_NO_LISTEN=1: never listens (port-timeout tests). FIXTURE_IGNORE_SIGTERM=1: ignores SIGTERM.
// FIXTURE_CONNECT_AT_START=1: connects to the egress proxy first thing ("connectAtStartErrno" in `GET /`).
// FIXTURE_EXTRA_PORTS=9090,…: also serves each declared port n on $PORT_<n>, after
// FIXTURE_EXTRA_PORT_DELAY_MS. `GET /` reports the local port the request came in on.
import CSeccomp
import Glibc

let bootNonce = String(UInt64.random(in: 1...UInt64.max), radix: 16)
// Allocations stay referenced until exit; guarded by leakLock (connection threads append).
nonisolated(unsafe) var leaked: [UnsafeMutableRawPointer] = []
nonisolated(unsafe) let leakLock: UnsafeMutablePointer<pthread_mutex_t> = {
    let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    pthread_mutex_init(m, nil)
    return m
}()

func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { return false }
        off += n
    }
    return true
}

func respond(_ fd: Int32, status: Int = 200, type: String = "application/json", _ body: String) -> Bool {
    let b = Array(body.utf8)
    let head = "HTTP/1.1 \(status) OK\r\nContent-Type: \(type)\r\nContent-Length: \(b.count)\r\n\r\n"
    return writeAll(fd, Array(head.utf8) + b)
}

func query(_ target: Substring) -> [String: String] {
    guard let q = target.firstIndex(of: "?") else { return [:] }
    var out: [String: String] = [:]
    for pair in target[target.index(after: q)...].split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1)
        out[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
    }
    return out
}

func environmentJSON() -> String {
    var pairs: [String] = []
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") {
            pairs.append("\(jsonString(String(s[..<eq]))):\(jsonString(String(s[s.index(after: eq)...])))")
        }
        p += 1
    }
    return "{" + pairs.sorted().joined(separator: ",") + "}"
}

/// The launcher's pid on the host (see the header), or our own pid when not running as an instance uid.
func instancePID() -> Int {
    let uid = Int(getuid())
    return uid >= 1_000_000 ? uid - 1_000_000 : Int(getpid())
}

/// Reads up to `limit` bytes of `path`: (ok, errno, size read, bytes).
func readPath(_ path: String, limit: Int = 1 << 20) -> (Bool, Int32, Int, [UInt8]) {
    let f = open(path, O_RDONLY | O_CLOEXEC)
    if f < 0 { return (false, errno, 0, []) }
    defer { close(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while out.count < limit {
        let n = read(f, &chunk, chunk.count)
        if n < 0 { return (false, errno, out.count, out) }
        if n == 0 { break }
        out += chunk[0..<n]
    }
    return (true, 0, out.count, out)
}

func listPath(_ path: String) -> (Bool, Int32, [String]) {
    guard let d = opendir(path) else { return (false, errno, []) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(d)
    return (true, 0, names.sorted())
}

func whoamiJSON() -> String {
    let status = String(decoding: readPath("/proc/self/status").3, as: UTF8.self)
    func field(_ name: String) -> String {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return String(line.dropFirst(name.count + 1).drop { $0 == "\t" || $0 == " " })
        }
        return ""
    }
    return "{\"uid\":\(getuid()),\"gid\":\(getgid()),\"euid\":\(geteuid()),\"pid\":\(getpid()),"
        + ["CapEff", "CapBnd", "CapPrm", "CapInh", "CapAmb", "NoNewPrivs", "Seccomp"].map {
            "\(jsonString(String($0.prefix(1).lowercased() + $0.dropFirst()))):\(jsonString(field($0)))"
        }.joined(separator: ",") + "}"
}

/// unshare(user, mount, pid, net) in a forked child (a threaded process cannot enter a user namespace): 0 or the errno.
func tryUnshare() -> Int32 {
    let child = fork()
    if child == 0 {
        let flags: Int32 = 0x1000_0000 | 0x0002_0000 | 0x2000_0000 | 0x4000_0000
        _exit(unshare(flags) == 0 ? 0 : outpost_errno())
    }
    if child < 0 { return errno }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xff
}

/// Runs argv (empty environment but PATH, or the fixture's own), capturing stdout and stderr: (exit status or -1, output).
func runProgram(_ argv: [String], inheritEnvironment: Bool = false) -> (Int32, String) {
    guard !argv.isEmpty else { return (-1, "no program") }
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return (-1, "pipe failed") }
    let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnv: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
    if inheritEnvironment {
        cEnv = [nil]
        var p = environ
        while let entry = p.pointee {
            cEnv.insert(strdup(entry), at: cEnv.count - 1)
            p += 1
        }
    }
    defer { for p in cArgs + cEnv { free(p) } }
    let child = fork()
    if child == 0 {
        dup2(fds[1], 1)
        dup2(fds[1], 2)
        close(fds[0])
        execve(cArgs[0]!, cArgs, cEnv)
        _exit(127)
    }
    close(fds[1])
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = read(fds[0], &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        if output.count < 8192 { output += chunk[0..<n] }
    }
    close(fds[0])
    if child < 0 { return (-1, "fork failed") }
    var status: Int32 = 0
    while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, String(decoding: output, as: UTF8.self))
}

func cwdAndFiles() -> (String, [String]) {
    var buf = [CChar](repeating: 0, count: 4096)
    let cwd = getcwd(&buf, buf.count).map { String(cString: $0) } ?? ""
    var files: [String] = []
    if let d = opendir(".") {
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { files.append(name) }
        }
        closedir(d)
    }
    return (cwd, files.sorted())
}

func tryConnect(host: String, port: UInt16) -> (Bool, Int32) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    inet_pton(AF_INET, host, &addr.sin_addr)
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return (rc == 0, rc == 0 ? 0 : errno)
}

struct RequestHead {
    let method: String
    let target: String
    let contentLength: Int
    let chunked: Bool
    /// Sec-WebSocket-Key of an upgrade request.
    var webSocketKey: String?
}

/// Reads more bytes from `fd` into `buffer`; false at EOF or on error.
func fill(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
    var chunk = [UInt8](repeating: 0, count: 65536)
    let n = recv(fd, &chunk, chunk.count, 0)
    if n <= 0 { return false }
    buffer += chunk[0..<n]
    return true
}

/// Reads one request head from `fd`, keeping the bytes after it in `buffer`.
func readHead(_ fd: Int32, _ buffer: inout [UInt8]) -> RequestHead? {
    var headEnd: Int?
    var scanned = 0
    while headEnd == nil {
        if buffer.count >= 4 {
            for i in max(0, scanned - 3)...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
                headEnd = i
                break
            }
            scanned = buffer.count
        }
        if headEnd == nil && !fill(fd, &buffer) { return nil }
    }
    let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
    buffer.removeFirst(headEnd! + 4)
    let lines = head.split(separator: "\r\n")
    let parts = lines.first?.split(separator: " ") ?? []
    guard parts.count >= 2 else { return nil }
    var contentLength = 0
    var chunked = false
    var key: String?
    var upgrade = false
    for line in lines.dropFirst() {
        let l = line.lowercased()
        if l.hasPrefix("content-length:") { contentLength = Int(l.dropFirst(15).trimmingPrefix(" ")) ?? 0 }
        if l.hasPrefix("transfer-encoding:") && l.contains("chunked") { chunked = true }
        if l.hasPrefix("upgrade:") && l.contains("websocket") { upgrade = true }
        if l.hasPrefix("sec-websocket-key:") { key = String(line.dropFirst(18).trimmingPrefix(" ")) }
    }
    return RequestHead(method: String(parts[0]), target: String(parts[1]), contentLength: contentLength, chunked: chunked,
                       webSocketKey: upgrade ? key : nil)
}

/// Reads the request body piece by piece as it arrives, handing each piece to `onBytes`.
func streamBody(_ fd: Int32, _ buffer: inout [UInt8], _ head: RequestHead, _ onBytes: (ArraySlice<UInt8>) -> Void) -> Bool {
    if head.chunked {
        while true {
            var lineEnd: Int? = nil
            while lineEnd == nil {
                if buffer.count >= 2 { for i in 0..<(buffer.count - 1) where buffer[i] == 13 && buffer[i + 1] == 10 { lineEnd = i; break } }
                if lineEnd == nil && !fill(fd, &buffer) { return false }
            }
            let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? "0"
            let size = Int(sizeText, radix: 16) ?? 0
            buffer.removeFirst(lineEnd! + 2)
            guard pass(fd, &buffer, size, onBytes) else { return false }
            while buffer.count < 2 { if !fill(fd, &buffer) { return false } }
            buffer.removeFirst(2)
            if size == 0 { return true }
        }
    }
    return pass(fd, &buffer, head.contentLength, onBytes)
}

/// Hands the next `count` body bytes to `onBytes` as they arrive.
func pass(_ fd: Int32, _ buffer: inout [UInt8], _ count: Int, _ onBytes: (ArraySlice<UInt8>) -> Void) -> Bool {
    var left = count
    while left > 0 {
        if buffer.isEmpty && !fill(fd, &buffer) { return false }
        let n = min(left, buffer.count)
        onBytes(buffer[0..<n])
        buffer.removeFirst(n)
        left -= n
    }
    return true
}

/// The local port of a connected socket.
func localPort(_ fd: Int32) -> Int {
    var addr = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func writeChunk(_ fd: Int32, _ text: String) -> Bool {
    writeAll(fd, Array((String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n").utf8))
}

/// SHA-1 of `bytes` (for the WebSocket handshake only).
func sha1(_ bytes: [UInt8]) -> [UInt8] {
    var h: [UInt32] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    var message = bytes + [0x80]
    while message.count % 64 != 56 { message.append(0) }
    let bits = UInt64(bytes.count) * 8
    for i in (0..<8).reversed() { message.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
    for block in stride(from: 0, to: message.count, by: 64) {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(message[block + i * 4 + $1]) }
        }
        for i in 16..<80 {
            let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
            w[i] = x << 1 | x >> 31
        }
        var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
        for i in 0..<80 {
            let (f, k): (UInt32, UInt32) = i < 20 ? ((b & c) | (~b & d), 0x5A827999)
                : i < 40 ? (b ^ c ^ d, 0x6ED9EBA1) : i < 60 ? ((b & c) | (b & d) | (c & d), 0x8F1BBCDC) : (b ^ c ^ d, 0xCA62C1D6)
            let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
            (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, t)
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
    }
    return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - UInt32($0) * 8)) } }
}

func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    for i in stride(from: 0, to: bytes.count, by: 3) {
        let n = (UInt32(bytes[i]) << 16) | (i + 1 < bytes.count ? UInt32(bytes[i + 1]) << 8 : 0) | (i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0)
        out.append(table[Int(n >> 18 & 63)])
        out.append(table[Int(n >> 12 & 63)])
        out.append(i + 1 < bytes.count ? table[Int(n >> 6 & 63)] : "=")
        out.append(i + 2 < bytes.count ? table[Int(n & 63)] : "=")
    }
    return out
}

/// One WebSocket frame from the server (unmasked).
func wsFrame(_ opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
    var frame: [UInt8] = [0x80 | opcode]
    if payload.count < 126 {
        frame.append(UInt8(payload.count))
    } else if payload.count < 65536 {
        frame += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
    } else {
        frame.append(127)
        for i in (0..<8).reversed() { frame.append(UInt8(truncatingIfNeeded: payload.count >> (i * 8))) }
    }
    return frame + payload
}

/// `GET /ws`: a WebSocket echo. Sends "hello" first, echoes text and binary frames, answers pings,
/// and answers a close with a close. `?closeAfter=N` closes (1000) after echoing N messages.
func webSocketEcho(_ fd: Int32, _ buffer: inout [UInt8], key: String, closeAfter: Int?) {
    let accept = base64(sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
    let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
    guard writeAll(fd, Array(head.utf8) + wsFrame(1, Array("hello".utf8))) else { return }
    var echoed = 0
    while true {
        while buffer.count < 2 { if !fill(fd, &buffer) { return } }
        let opcode = buffer[0] & 0x0f
        let masked = buffer[1] & 0x80 != 0
        var length = Int(buffer[1] & 0x7f)
        var offset = 2
        if length == 126 {
            while buffer.count < 4 { if !fill(fd, &buffer) { return } }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            while buffer.count < 10 { if !fill(fd, &buffer) { return } }
            length = (2..<10).reduce(0) { $0 << 8 | Int(buffer[$1]) }
            offset = 10
        }
        let maskLength = masked ? 4 : 0
        while buffer.count < offset + maskLength + length { if !fill(fd, &buffer) { return } }
        let mask = Array(buffer[offset..<(offset + maskLength)])
        var payload = Array(buffer[(offset + maskLength)..<(offset + maskLength + length)])
        if masked { for i in payload.indices { payload[i] ^= mask[i % 4] } }
        buffer.removeFirst(offset + maskLength + length)
        switch opcode {
        case 0x8:
            _ = writeAll(fd, wsFrame(0x8, Array(payload.prefix(2))))
            return
        case 0x9:
            guard writeAll(fd, wsFrame(0xA, payload)) else { return }
        case 0x1, 0x2:
            guard writeAll(fd, wsFrame(opcode, payload)) else { return }
            echoed += 1
            if let closeAfter, echoed >= closeAfter {
                _ = writeAll(fd, wsFrame(0x8, [0x03, 0xE8]))
                return
            }
        default:
            break
        }
    }
}

func handle(_ fd: Int32) {
    defer { close(fd) }
    var buffer: [UInt8] = []
    while let head = readHead(fd, &buffer) {
        let (method, target) = (head.method, head.target)
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let q = query(Substring(target))
        var ok = true
        if path == "/ws", let key = head.webSocketKey {
            webSocketEcho(fd, &buffer, key: key, closeAfter: q["closeAfter"].flatMap { Int($0) })
            return
        }
        if path == "/early" {
            // Answers at once and hangs up without reading the request body.
            _ = respond(fd, type: "text/plain", "early")
            return
        }
        if path == "/drain" {
            // Full duplex: the response head goes out at once, then a line per MiB received, then the total.
            // A fixed receive buffer (no autotuning up to tcp_rmem's max) keeps what sits in the kernel small.
            var rcvbuf: Int32 = 256 << 10
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, socklen_t(MemoryLayout<Int32>.size))
            ok = writeAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            var received = 0
            var reported = 0
            let done = streamBody(fd, &buffer, head) { bytes in
                received += bytes.count
                while ok && received >= reported + (1 << 20) {
                    reported += 1 << 20
                    ok = writeChunk(fd, "received \(reported)\n")
                }
            }
            if !done { return }
            if ok { ok = writeChunk(fd, "total \(received)\n") && writeAll(fd, Array("0\r\n\r\n".utf8)) }
            if !ok { return }
            continue
        }
        var body: [UInt8] = []
        guard streamBody(fd, &buffer, head, { body += $0 }) else { return }
        switch path {
        case "/":
            let (cwd, files) = cwdAndFiles()
            ok = respond(fd, "{\"pid\":\(instancePID()),\"nsPid\":\(getpid()),\"port\":\(localPort(fd)),\"bootNonce\":\(jsonString(bootNonce)),\"cwd\":\(jsonString(cwd)),\"files\":[\(files.map(jsonString).joined(separator: ","))],\"env\":\(environmentJSON()),\"connectAtStartErrno\":\(connectAtStartErrno.map { String($0) } ?? "null")}")
        case "/ping":
            ok = respond(fd, type: "text/plain", "pong")
        case "/sleep":
            usleep(UInt32(Int(q["ms"] ?? "0") ?? 0) * 1000)
            ok = respond(fd, type: "text/plain", "slept")
        case "/stream":
            let chunks = Int(q["chunks"] ?? "3") ?? 3
            let interval = UInt32(Int(q["intervalMs"] ?? "100") ?? 100)
            ok = writeAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            for i in 0..<chunks where ok {
                let line = "chunk \(i)\n"
                ok = writeAll(fd, Array((String(line.utf8.count, radix: 16) + "\r\n" + line + "\r\n").utf8))
                if i < chunks - 1 { usleep(interval * 1000) }
            }
            if ok { ok = writeAll(fd, Array("0\r\n\r\n".utf8)) }
        case "/crash":
            exit(Int32(q["code"] ?? "1") ?? 1)
        case "/alloc":
            let mb = Int(q["mb"] ?? "1") ?? 1
            for _ in 0..<mb {
                guard let p = malloc(1 << 20) else { ok = respond(fd, status: 507, "{\"allocated\":false}"); break }
                memset(p, 1, 1 << 20)
                pthread_mutex_lock(leakLock); leaked.append(p); pthread_mutex_unlock(leakLock)
            }
            if ok { ok = respond(fd, "{\"allocatedMb\":\(mb)}") }
        case "/connect":
            let (success, err) = tryConnect(host: q["host"] ?? "127.0.0.1", port: UInt16(q["port"] ?? "0") ?? 0)
            ok = respond(fd, "{\"ok\":\(success),\"errno\":\(err)}")
        case "/syscall":
            var rc: Int = -1
            switch q["name"] ?? "" {
            case "ptrace": rc = outpost_ptrace_attach(0x3fff_fff0)  // no such pid: ESRCH unless filtered
            case "mount": rc = Int(mount("none", "/nonexistent-outpost-target", "tmpfs", 0, nil))  // ENOENT unless filtered
            default: break
            }
            let err = rc == 0 ? 0 : errno
            ok = respond(fd, "{\"result\":\(rc),\"errno\":\(err)}")
        case "/fill":
            // Writes N MiB of real blocks to F in the cwd (disk-limit tests).
            let f = open(q["name"] ?? "fill", O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
            var written = 0
            if f >= 0 {
                let block = [UInt8](repeating: 7, count: 1 << 20)
                for _ in 0..<(Int(q["mb"] ?? "1") ?? 1) {
                    let n = block.withUnsafeBytes { write(f, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    written += n
                }
                fsync(f)
                close(f)
            }
            ok = respond(fd, "{\"written\":\(written)}")
        case "/write":
            let f = open(q["path"] ?? q["name"] ?? "marker", O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            let err = f < 0 ? errno : 0
            if f >= 0 { _ = write(f, bootNonce, bootNonce.utf8.count); close(f) }
            ok = respond(fd, "{\"written\":\(f >= 0),\"errno\":\(err)}")
        case "/read":
            let (success, err, size, bytes) = readPath(q["path"] ?? "")
            ok = respond(fd, "{\"ok\":\(success),\"errno\":\(err),\"size\":\(size),\"text\":\(jsonString(String(decoding: bytes.prefix(1024), as: UTF8.self)))}")
        case "/list":
            let (success, err, names) = listPath(q["path"] ?? ".")
            ok = respond(fd, "{\"ok\":\(success),\"errno\":\(err),\"entries\":[\(names.map(jsonString).joined(separator: ","))]}")
        case "/whoami":
            ok = respond(fd, whoamiJSON())
        case "/kill":
            let rc = kill(pid_t(q["pid"] ?? "") ?? 0, Int32(q["sig"] ?? "0") ?? 0)
            ok = respond(fd, "{\"result\":\(rc),\"errno\":\(rc == 0 ? 0 : errno)}")
        case "/unshare":
            ok = respond(fd, "{\"errno\":\(tryUnshare())}")
        case "/run":
            let argv = (q["argv"] ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let (status, output) = runProgram(argv == [""] ? [] : argv, inheritEnvironment: q["inheritEnv"] == "1")
            ok = respond(fd, "{\"status\":\(status),\"output\":\(jsonString(output))}")
        case "/echo":
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\nX-Method: \(method)\r\n\r\n"
            ok = writeAll(fd, Array(head.utf8) + body)
        default:
            ok = respond(fd, status: 404, type: "text/plain", "not found")
        }
        if !ok { return }
    }
}

final class Connection {
    let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
}

/// A connection thread's entry point (a plain function: a closure in top-level code would be main-actor isolated).
func connectionThread(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let c = Unmanaged<Connection>.fromOpaque(arg!).takeRetainedValue()
    handle(c.fd)
    return nil
}

if env("FIXTURE_IGNORE_SIGTERM") == "1" { signal(SIGTERM, SIG_IGN) }
/// FIXTURE_CONNECT_AT_START=1: the errno of a TCP connect to the egress proxy ($OUTPOST_EGRESS_PROXY)
/// made as the fixture's very first act, before it listens (0: connected); `GET /` reports it.
let connectAtStartErrno: Int32? = {
    guard env("FIXTURE_CONNECT_AT_START") == "1" else { return nil }
    guard let proxy = env("OUTPOST_EGRESS_PROXY"), let port = proxy.split(separator: ":").last.flatMap({ UInt16($0) }) else { return -1 }
    return tryConnect(host: "127.0.0.1", port: port).1
}()
if env("FIXTURE_NO_LISTEN") == "1" {
    while true { pause() }
}

/// Listens on 127.0.0.1:`port`, or exits.
func listenOn(_ port: UInt16) -> Int32 {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var one: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(listener, 512) == 0 else {
        perror("container-fixture: listen on 127.0.0.1:\(port)")
        exit(1)
    }
    let banner = "container-fixture \(instancePID()) listening on 127.0.0.1:\(port)\n"
    _ = write(1, banner, banner.utf8.count)
    return listener
}

/// Accepts connections forever, one thread each.
func acceptLoop(_ listener: Int32) -> Never {
    var one: Int32 = 1
    while true {
        let fd = accept(listener, nil, nil)
        if fd < 0 { continue }
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Connection(fd)).toOpaque()
        if pthread_create(&thread, nil, connectionThread, box) == 0 {
            pthread_detach(thread)
        } else {
            close(fd)
        }
    }
}

let extraPortDelay = UInt32(Int(env("FIXTURE_EXTRA_PORT_DELAY_MS") ?? "0") ?? 0) * 1000

/// An extra port's thread: waits FIXTURE_EXTRA_PORT_DELAY_MS, then listens on it; without a
/// delay the socket is already listening (arg is then the listener, negated, minus one).
func extraPortThread(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let value = Int(bitPattern: arg)
    if value < 0 { acceptLoop(Int32(-value - 1)) }
    usleep(extraPortDelay)
    acceptLoop(listenOn(UInt16(truncatingIfNeeded: value)))
}

// FIXTURE_EXTRA_PORTS=9090,9091: also serve each declared port n on $PORT_<n> (n when unset).
// Without a delay they listen before the default port does, so a client that saw the default
// port ready finds them ready too, however loaded the machine.
for declared in (env("FIXTURE_EXTRA_PORTS") ?? "").split(separator: ",") {
    guard let n = UInt16(declared) else { continue }
    let actual = UInt16(env("PORT_\(n)") ?? "") ?? n
    let arg = extraPortDelay == 0 ? -Int(listenOn(actual)) - 1 : Int(actual)
    var thread = pthread_t()
    if pthread_create(&thread, nil, extraPortThread, UnsafeMutableRawPointer(bitPattern: arg)) == 0 { pthread_detach(thread) }
}
acceptLoop(listenOn(UInt16(env("PORT") ?? "8080") ?? 8080))
