public import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    /// - Parameter prefix: names the directory (`<prefix>-1a2b3c4d`), so a leftover says whose it is.
    public init(prefix: String = "outpost-tests") throws {
        path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` inside the directory; returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The names of what the directory holds now.
    public func contents() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
