/// Why a backup command failed: a message for the operator, naming the file or directory at fault.
public struct BackupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}
