public import Outpost

/// One version of a code deployment in ``CodeDeployments``: who owns it, its name and version,
/// and the `execute` parameters it runs with (`language`, `code` and the limits given at deploy).
public struct CodeDeployment: Sendable, Equatable {
    public var owner: String
    public var name: String
    public var version: Int
    /// The `execute` parameters stored at deploy (``CodeExecutorDescriptor/deploymentSettings``).
    public var settings: [String: JSONValue]
    /// Milliseconds since 1970.
    public var createdAt: Int64

    public init(owner: String, name: String, version: Int, settings: [String: JSONValue], createdAt: Int64) {
        self.owner = owner
        self.name = name
        self.version = version
        self.settings = settings
        self.createdAt = createdAt
    }

    public var language: String { settings["language"]?.stringValue ?? "" }

    /// A deployment's name: 1 to 64 of `a-z`, `0-9` and `-`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }
}

/// A deployment as listed: its latest version and how many versions it keeps.
public struct CodeDeploymentSummary: Sendable, Equatable {
    public var latest: CodeDeployment
    public var versionCount: Int
    /// When its oldest kept version was stored (milliseconds since 1970).
    public var firstCreatedAt: Int64
}
