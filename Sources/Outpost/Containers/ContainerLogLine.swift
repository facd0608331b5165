/// One line an instance wrote to stdout or stderr.
public struct ContainerLogLine: Sendable {
    public enum Stream: String, Sendable { case stdout, stderr }
    public let className: String
    public let instanceID: String
    public let stream: Stream
    public let text: String

    /// "[Class/id] text", the form the runtime log uses.
    public var prefixed: String { "[\(className)/\(instanceID)] \(text)" }
}

/// Where instance output goes besides its log file.
public typealias ContainerLogSink = @Sendable (ContainerLogLine) -> Void
