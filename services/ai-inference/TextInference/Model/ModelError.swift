/// A model file that is missing or not what it should be; the message names the path.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    /// The file or directory at fault.
    public var path: String
    public var reason: String

    init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path) \(reason)" }
}
