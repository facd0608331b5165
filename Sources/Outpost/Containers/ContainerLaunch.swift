/// Everything needed to start one instance through `outpost-sandbox`.
public struct ContainerLaunch: Sendable {
    public var className: String
    public var instanceID: String
    /// The resolved executable (see `ContainerImage.resolve`).
    public var executable: String
    /// Arguments after the executable (the `entrypoint` tail).
    public var arguments: [String]
    /// The whole environment of the process: Cloudflare variables, `PORT` and `envVars`.
    public var environment: [String: String]
    /// The port the process listens on (127.0.0.1).
    public var port: Int
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

    public init(className: String, instanceID: String, executable: String, arguments: [String] = [],
                environment: [String: String] = [:], port: Int, instanceType: InstanceType = InstanceTypes.all[0],
                memoryLimitBytes: Int64? = nil, enableInternet: Bool = true, stateDirectory: String,
                launcherPath: String? = nil, processTimeout: Duration = .seconds(8)) {
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
    }

    /// The Cloudflare variables every instance gets, plus `PORT` and the container's `envVars`.
    public static func environment(applicationID: String, durableObjectID: String, port: Int, envVars: [String: String] = [:],
                                   location: String = "local", region: String = "local", country: String = "XX") -> [String: String] {
        var env = envVars
        env["CLOUDFLARE_APPLICATION_ID"] = applicationID
        env["CLOUDFLARE_COUNTRY_A2"] = country
        env["CLOUDFLARE_LOCATION"] = location
        env["CLOUDFLARE_REGION"] = region
        env["CLOUDFLARE_DURABLE_OBJECT_ID"] = durableObjectID
        env["PORT"] = String(port)
        return env
    }

    var memoryBytes: Int64 { memoryLimitBytes ?? instanceType.memoryBytes }

    /// The launcher's argv (after the launcher path).
    func launcherArguments(scratch: String, cgroup: ContainerCgroup?, statusFD: Int32) -> [String] {
        var args = ["--status-fd", String(statusFD), "--dir", scratch]
        for (k, v) in environment.sorted(by: { $0.key < $1.key }) { args += ["--env", "\(k)=\(v)"] }
        for file in cgroup?.procsFiles ?? [] { args += ["--cgroup-procs", file] }
        // Each file the instance writes is bounded by its disk; the scratch dir is a plain directory
        // on the state disk (see Containers.md for why not a tmpfs).
        args += ["--rlimit", "fsize=\(instanceType.diskBytes)", "--rlimit", "nofile=65536", "--rlimit", "core=0"]
        if cgroup == nil {
            // Without a memory cgroup, bound the data segment (heap + anonymous maps) instead.
            args += ["--rlimit", "data=\(memoryBytes)"]
        }
        if !enableInternet { args.append("--no-network") }
        return args + ["--", executable] + arguments
    }
}
