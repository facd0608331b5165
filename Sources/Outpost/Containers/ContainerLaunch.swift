/// Everything needed to start one instance through `outpost-sandbox`.
public struct ContainerLaunch: Sendable {
    public var className: String
    public var instanceID: String
    /// The resolved executable (see `ContainerImage.resolve`).
    public var executable: String
    /// Arguments after the executable (the `entrypoint` tail).
    public var arguments: [String]
    /// The whole environment of the process: Cloudflare variables, `PORT`, `PORT_<n>` and `envVars`.
    public var environment: [String: String]
    /// The port the process listens on for `defaultPort` (127.0.0.1).
    public var port: Int
    /// Every declared port → the port the process listens on for it (equal inside a network namespace).
    public var ports: [Int: Int]
    public var instanceType: InstanceType
    /// Overrides the instance type's memory (tests use a small one).
    public var memoryLimitBytes: Int64?
    /// false: the process gets its own network namespace with only loopback.
    public var enableInternet: Bool
    /// Holds `containers/scratch` and `containers/logs`.
    public var stateDirectory: String
    /// The launcher; nil means `outpost-sandbox` beside the running binary.
    public var launcherPath: String?
    /// How long the launcher may take to exec the entrypoint (Cloudflare: 8 s).
    public var processTimeout: Duration
    /// Overrides the instance type's disk size (bounds each file and the scratch directory).
    public var diskLimitBytes: Int64?
    /// Extra read-only paths and nested sandboxes for this class.
    public var sandbox: ContainerSandbox
    /// With `enableInternet` false: a namespace the runtime made (with its egress proxy already
    /// listening in it) for the instance to join; nil lets the launcher make its own.
    var networkNamespace: NetworkNamespace?

    /// The descriptor number the launcher finds `networkNamespace` at.
    static let networkNamespaceDescriptor: Int32 = 5
    /// The descriptor number the service inherits the readiness pipe at (`--ready-fd`; see `ReadinessProbe`).
    static let readyDescriptor: Int32 = 6

    public init(className: String, instanceID: String, executable: String, arguments: [String] = [],
                environment: [String: String] = [:], port: Int, instanceType: InstanceType = InstanceTypes.all[0],
                memoryLimitBytes: Int64? = nil, enableInternet: Bool = true, stateDirectory: String,
                launcherPath: String? = nil, processTimeout: Duration = .seconds(8), ports: [Int: Int] = [:],
                diskLimitBytes: Int64? = nil, sandbox: ContainerSandbox = ContainerSandbox()) {
        self.className = className
        self.instanceID = instanceID
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.port = port
        self.instanceType = instanceType
        self.memoryLimitBytes = memoryLimitBytes
        self.enableInternet = enableInternet
        self.stateDirectory = stateDirectory
        self.launcherPath = launcherPath
        self.processTimeout = processTimeout
        self.ports = ports
        self.diskLimitBytes = diskLimitBytes
        self.sandbox = sandbox
    }

    /// The Cloudflare variables every instance gets, plus `PORT` and the container's `envVars`.
    /// - Parameter ports: declared port → the port to listen on; each becomes `PORT_<declared>`.
    public static func environment(applicationID: String, durableObjectID: String, port: Int, envVars: [String: String] = [:],
                                   location: String = "local", region: String = "local", country: String = "XX",
                                   ports: [Int: Int] = [:]) -> [String: String] {
        var env = envVars
        for (declared, actual) in ports { env["PORT_\(declared)"] = String(actual) }
        env["CLOUDFLARE_APPLICATION_ID"] = applicationID
        env["CLOUDFLARE_COUNTRY_A2"] = country
        env["CLOUDFLARE_LOCATION"] = location
        env["CLOUDFLARE_REGION"] = region
        env["CLOUDFLARE_DURABLE_OBJECT_ID"] = durableObjectID
        env["PORT"] = String(port)
        return env
    }

    var memoryBytes: Int64 { memoryLimitBytes ?? instanceType.memoryBytes }
    var diskBytes: Int64 { diskLimitBytes ?? instanceType.diskBytes }

    /// The launcher's argv (after the launcher path). The launcher always isolates the instance
    /// (own uid, filesystem view and pid namespace: see Containers.md); nothing here can turn that off.
    func launcherArguments(scratch: String, cgroup: ContainerCgroup?, statusFD: Int32) -> [String] {
        var args = ["--status-fd", String(statusFD), "--dir", scratch, "--ready-fd", String(Self.readyDescriptor)]
        if RuntimeLifeline.readEnd >= 0 { args += ["--lifeline-fd", String(RuntimeLifeline.launcherDescriptor)] }
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) { args += ["--env", "\(k)=\(v)"] }
        for file in cgroup?.procsFiles ?? [] { args += ["--cgroup-procs", file] }
        // Each file the instance writes is bounded by its disk; the scratch dir is a plain directory
        // on the state disk (see Containers.md for why not a tmpfs), its total measured by the supervisor.
        args += ["--rlimit", "fsize=\(diskBytes)", "--rlimit", "nofile=65536", "--rlimit", "core=0"]
        if cgroup == nil {
            // Without a memory cgroup, bound the data segment (heap + anonymous maps) instead.
            args += ["--rlimit", "data=\(memoryBytes)"]
        }
        if !enableInternet {
            args.append("--no-network")
            if networkNamespace != nil { args += ["--netns-fd", String(Self.networkNamespaceDescriptor)] }
        }
        args += sandbox.launcherArguments
        return args + ["--", executable] + arguments
    }
}
