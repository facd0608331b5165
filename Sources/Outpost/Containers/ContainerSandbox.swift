/// What a container class may see or do beyond the sandbox's minimum (Outpost's `sandbox` extension
/// key on `[[containers]]`; see Containers.md).
public struct ContainerSandbox: Sendable, Hashable {
    /// Host paths (files or directories) the instance also sees, read-only, at the same path.
    public var readOnlyPaths: [String]
    /// The instance may build its own stricter sandboxes: create user, mount, pid and net namespaces
    /// and mount inside them (bubblewrap, or `outpost-sandbox` itself). Off by default.
    public var nested: Bool

    public init(readOnlyPaths: [String] = [], nested: Bool = false) {
        self.readOnlyPaths = readOnlyPaths
        self.nested = nested
    }

    /// The launcher's flags for this sandbox.
    var launcherArguments: [String] {
        readOnlyPaths.flatMap { ["--ro-bind", $0] } + (nested ? ["--nested"] : [])
    }
}
