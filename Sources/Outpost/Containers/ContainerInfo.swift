/// One row of `outpost containers list`.
public struct ContainerInfo: Sendable, Hashable, Codable {
    public var className: String
    public var instanceID: String
    /// running | healthy | stopping | stopped | stopped_with_code
    public var state: String
    public var exitCode: Int32?
    public var pid: Int32?
    public var port: Int?
    public var uptimeSeconds: Double?
    /// Seconds since the last request or message.
    public var idleSeconds: Double?
    public var inFlight: Int
    public var memoryBytes: Int64?
}
