public import ServiceDescriptors

/// The `code-executor` service, as the platform and the service both know it: untrusted
/// snippets, each run in its own bubblewrap sandbox inside the instance's sandbox.
public enum CodeExecutorDescriptor {
    /// The languages a run may be written in.
    public static let languages = ["python", "javascript", "typescript", "sql", "go", "rust"]

    /// The largest source accepted (bytes); beyond it a 413.
    public static let maxCodeBytes = 64 * 1024
    /// The largest `stdin`, `files` and `inputs` (bytes, serialized); beyond it a 413.
    public static let maxPayloadBytes = 256 * 1024
    /// Wall-clock limit of a run, seconds (compilation has its own, `compileTimeoutSeconds`).
    public static let timeoutRange: ClosedRange<Double> = 0.1...60
    public static let defaultTimeout: Double = 10
    /// Memory limit of a run, MB.
    public static let memoryRange: ClosedRange<Int> = 16...512
    public static let defaultMemoryMB = 256

    static let runParameters: [ParameterSpec] = [
        ParameterSpec("language", .choice(languages), required: true, summary: "The language of code: " + languages.joined(separator: ", ") + "."),
        ParameterSpec("code", .text(maxBytes: maxCodeBytes), required: true, summary: "The program's source (SQL: the statements whose rows are answered).",
                      oversizeStatus: 413),
        ParameterSpec("stdin", .text(maxBytes: maxPayloadBytes), summary: "Text on the program's standard input.", oversizeStatus: 413),
        ParameterSpec("args", .json(maxBytes: 16 * 1024), summary: "Command-line arguments: an array of strings (at most 64)."),
        ParameterSpec("files", .json(maxBytes: maxPayloadBytes), summary: "Extra files in the work directory: an object of file name → text content (at most 32 files, plain names).",
                      oversizeStatus: 413),
        ParameterSpec("inputs", .json(maxBytes: maxPayloadBytes), summary: "Any JSON handed to the program as the file inputs.json in its work directory and as the INPUTS environment variable (up to 64 KiB; larger inputs only as the file).",
                      oversizeStatus: 413),
        ParameterSpec("schema", .text(maxBytes: maxCodeBytes), summary: "SQL only: statements run first (CREATE TABLE …).", oversizeStatus: 413),
        ParameterSpec("seed", .text(maxBytes: maxPayloadBytes), summary: "SQL only: statements run after schema (INSERT …).", oversizeStatus: 413),
        ParameterSpec("timeout", .number(timeoutRange), default: .number(defaultTimeout), summary: "Wall-clock seconds the run may take; then its whole process tree is killed."),
        ParameterSpec("memoryLimit", .integer(memoryRange), default: .number(Double(defaultMemoryMB)), summary: "MB of memory the run's processes may hold together."),
        ParameterSpec("allowNetworking", .boolean, default: false, summary: "Egress only through the runtime's egress proxy, to the hosts CODE_EXECUTOR_ALLOWED_HOSTS allows (others get HTTP 520). A 400 when the instance has no proxy."),
        ParameterSpec("deployment", .text(maxBytes: 64), summary: "Set by POST /api/code/deployments/{name}/invoke: the deployment this run is of (recorded in the job, not used by the run)."),
        ParameterSpec("version", .integer(1...1_000_000_000), summary: "Set by invoke: the deployment's version this run is of (recorded in the job, not used by the run)."),
    ]

    /// The `execute` parameters a deployment stores with its code (`deploy`); `invoke` adds
    /// `inputs`, `deployment` and `version`.
    public static let deploymentSettings = ["language", "code", "stdin", "args", "files", "schema", "seed", "timeout", "memoryLimit", "allowNetworking"]

    public static let service = ServiceDescriptor(
        image: "code-executor",
        containerClass: "CodeExecutor",
        binding: "CODE_EXECUTOR",
        apiName: "code",
        containerPath: "code-execution",
        instanceType: "standard-2",
        jobsPerInstance: 10,
        maxAttempts: 1,
        operations: [
            OperationDescriptor(
                name: "execute",
                summary: "Runs untrusted code in its own sandbox (bubblewrap namespaces, seccomp, rlimits, memory watchdog, wall-clock timeout) and answers stdout, stderr, exit status, limits hit, time and memory.",
                input: .none,
                parameters: runParameters,
                timeoutSeconds: 180,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "validate",
                summary: "A syntax check by the language's own parser or compiler front end, plus advisory policy findings (dangerous imports and calls) with line numbers.",
                input: .none,
                parameters: [
                    ParameterSpec("language", .choice(languages), required: true, summary: "The language of code."),
                    ParameterSpec("code", .text(maxBytes: maxCodeBytes), required: true, summary: "The source to check.", oversizeStatus: 413),
                ],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
        ],
        catalogues: [
            Catalogue(name: "languages", summary: "Each language with its runtime version and defaults."),
            Catalogue(name: "security-policies", summary: "The limits and isolation every run gets, from the values the sandbox uses."),
        ]
    )
}
