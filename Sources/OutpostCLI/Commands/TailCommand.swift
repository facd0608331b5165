import ArgumentParser
import Foundation
import Outpost

/// `outpost tail`: follows the access log of a running `outpost dev` (one line per request), as
/// `wrangler tail` follows a deployed Worker. New requests only, unless `--from-start`.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow the requests of the runtime using the state directory, as they are answered."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case pretty, json }

    @OptionGroup var config: ConfigOptions
    @Option(help: "pretty (one readable line) or json (the log's own line).")
    var format: Format = .pretty
    @Option(help: "Only these statuses: ok (below 400), error (400 and up), a class such as 5xx, or a code such as 404.")
    var status: [String] = []
    @Option(help: "Only these methods (GET, POST, …).")
    var method: [String] = []
    @Option(help: "Only lines containing this text.")
    var search: String?
    @Flag(help: "Print the log from its start before following it.")
    var fromStart = false

    func run() async throws {
        let path = config.resolvedStateDirectory + "/" + AccessLog.fileName
        Console.error("Following \(path) (Ctrl-C to stop)")
        var follower = LineFollower(path: path, fromStart: fromStart)
        while !Task.isCancelled {
            let lines = follower.read()
            for line in lines where matches(line) { emit(line) }
            if lines.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
    }

    func matches(_ line: String) -> Bool {
        if let search, !line.contains(search) { return false }
        guard !status.isEmpty || !method.isEmpty else { return true }
        guard let entry = try? JSONValue.parse(line) else { return false }
        if !method.isEmpty, !method.contains(where: { $0.uppercased() == entry["method"]?.stringValue }) { return false }
        if !status.isEmpty, let code = entry["status"]?.intValue {
            return status.contains { filter in
                switch filter.lowercased() {
                case "ok": code < 400
                case "error": code >= 400
                case let f where f.count == 3 && f.hasSuffix("xx"): f.first.flatMap { $0.wholeNumberValue } == code / 100
                case let f: Int(f) == code
                }
            }
        }
        return true
    }

    func emit(_ line: String) {
        var text = line
        if format == .pretty, let e = try? JSONValue.parse(line) {
            let s = { (k: String) in e[k]?.stringValue ?? "" }
            let ms = e["durationMs"]?.doubleValue.map { String(format: "%.1f ms", $0) } ?? ""
            text = "\(s("time")) \(s("method")) \(s("path")) \(e["status"]?.intValue ?? 0) \(ms)"
            for key in ["route", "caller", "jobId", "requestId"] where !s(key).isEmpty { text += " \(key)=\(s(key))" }
        }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Reads the lines appended to a file since the last call, across the file's rotation (renamed
/// away and recreated) and before it exists.
struct LineFollower {
    let path: String
    private var handle: FileHandle?
    private var inode: UInt64 = 0
    private var pending = Data()
    private var startAtEnd: Bool

    init(path: String, fromStart: Bool) {
        self.path = path
        self.startAtEnd = !fromStart
    }

    mutating func read() -> [String] {
        var st = stat()
        let exists = stat(path, &st) == 0
        // A log that does not exist yet is followed from its first line.
        if handle == nil, !exists { startAtEnd = false }
        if handle == nil || (exists && UInt64(st.st_ino) != inode) {
            // (Re)open: first time, or the file was rotated. A rotated file's rest was read already.
            guard exists, let h = FileHandle(forReadingAtPath: path) else { return [] }
            if startAtEnd { _ = try? h.seekToEnd() }
            startAtEnd = false
            handle = h
            inode = UInt64(st.st_ino)
            pending = Data()
        }
        guard let chunk = try? handle?.readToEnd(), !chunk.isEmpty else { return [] }
        pending.append(chunk)
        guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let complete = pending[pending.startIndex...lastNewline]
        pending = Data(pending[pending.index(after: lastNewline)...])
        return complete.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }
}
