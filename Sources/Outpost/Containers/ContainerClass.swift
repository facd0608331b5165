/// One `[[containers]]` class as the supervisor runs it: what to start and how many at most.
public struct ContainerClass: Sendable {
    public var name: String
    /// The resolved executable (see `ContainerImage.resolve`).
    public var executable: String
    /// Default arguments (the `entrypoint` tail).
    public var arguments: [String]
    public var instanceType: InstanceType
    public var maxInstances: Int
    /// Overrides the instance type's memory (tests).
    public var memoryLimitBytes: Int64?
    /// Overrides the instance type's disk size (tests).
    public var diskLimitBytes: Int64?
    /// What the instances may see or do beyond the sandbox's minimum.
    public var sandbox: ContainerSandbox

    public init(name: String, executable: String, arguments: [String] = [], instanceType: InstanceType = InstanceTypes.all[0],
                maxInstances: Int = 20, memoryLimitBytes: Int64? = nil, diskLimitBytes: Int64? = nil, sandbox: ContainerSandbox = ContainerSandbox()) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.instanceType = instanceType
        self.maxInstances = maxInstances
        self.memoryLimitBytes = memoryLimitBytes
        self.diskLimitBytes = diskLimitBytes
        self.sandbox = sandbox
    }

    /// Builds the class from wrangler's `[[containers]]`, resolving its image.
    /// - Parameters:
    ///   - productDirectory: where executable products live (default: beside the running binary).
    ///   - baseDirectory: what relative image paths are relative to (the config's directory).
    public init(config: ContainerConfig, productDirectory: String? = nil, baseDirectory: String? = nil) throws(ContainerError) {
        let executable = try ContainerImage.resolve(config.image, productDirectory: productDirectory, baseDirectory: baseDirectory)
        self.init(name: config.className, executable: executable,
                  instanceType: InstanceTypes.named(config.instanceType) ?? InstanceTypes.all[0], maxInstances: config.maxInstances,
                  sandbox: config.sandbox)
    }
}
