public import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// One JSON line per request in `<state>/logs/requests.ndjson`, which `outpost tail` follows
/// (as `wrangler tail` follows a deployed Worker).
///
/// The runtime writes the line once the Worker has answered (its head: a stream may go on), with
/// the request id it also puts in the response's `X-Request-Id`. The Worker adds what only it
/// knows (route pattern, caller, job) with `context.annotate`. Lines are appended with one
/// `write` each and never fsynced: a log, not a record. Past 64 MiB the file moves to `.1`.
public final class AccessLog: Sendable {
    public static let fileName = "logs/requests.ndjson"
    static let rotateBytes: Int64 = 64 << 20

    private let path: String
    private let file = NIOLockedValueBox<(fd: Int32, size: Int64)>((-1, 0))

    public init(stateDirectory: String) {
        path = stateDirectory + "/" + Self.fileName
    }

    deinit {
        let fd = file.withLockedValue { $0.fd }
        if fd >= 0 { close(fd) }
    }

    /// Appends one entry.
    public func record(_ entry: Entry) {
        var line = Array(entry.json.serialized().utf8)
        line.append(UInt8(ascii: "\n"))
        file.withLockedValue { f in
            if f.fd < 0 || f.size >= Self.rotateBytes { reopen(&f, rotate: f.fd >= 0) }
            guard f.fd >= 0 else { return }
            let written = line.withUnsafeBytes { Glibc.write(f.fd, $0.baseAddress, $0.count) }
            if written > 0 { f.size += Int64(written) }
        }
    }

    private func reopen(_ f: inout (fd: Int32, size: Int64), rotate: Bool) {
        if f.fd >= 0 { close(f.fd) }
        if rotate { _ = rename(path, path + ".1") }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        f.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        f.size = f.fd >= 0 ? Int64(lseek(f.fd, 0, SEEK_END)) : 0
    }

    /// One request.
    public struct Entry: Sendable {
        public var time: Date
        public var requestId: String
        public var method: String
        /// The path, without the query (which may carry tokens).
        public var path: String
        public var status: Int
        public var duration: Duration
        /// What the Worker added: `route`, `caller`, `jobId`…
        public var annotations: [String: String]

        var json: JSONValue {
            var object: [String: JSONValue] = [
                "time": .string(UTCTime(milliseconds: Int64(time.timeIntervalSince1970 * 1000)).isoString), "requestId": .string(requestId), "method": .string(method),
                "path": .string(path), "status": .number(Double(status)),
                "durationMs": .number(((Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15) * 1000).rounded() / 1000),
            ]
            for (key, value) in annotations where object[key] == nil { object[key] = .string(value) }
            return .object(object)
        }
    }

    /// The request's id: the caller's `X-Request-Id` when it is a sane token, else a new one.
    public static func requestId(_ request: Request) -> String {
        if let given = request.headers[HTTPField.Name("X-Request-Id")!], (1...128).contains(given.utf8.count),
           given.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }) {
            return given
        }
        return String(UInt64.random(in: .min ... .max), radix: 16).leftPadded(to: 16)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
