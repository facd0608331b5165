public import Outpost
public import ServiceDescriptors
import AIInferenceDescriptor
import AIProviders

/// The `ai-inference` service's container class. Its operations are in its descriptor; the model
/// files it reads are mapped read-only by wrangler.toml's `read_only_paths` (`/opt/ai-models`).
///
/// Generation: the provider variables (`OPENAI_*`, `ANTHROPIC_*`, `AI_COMPAT_*`,
/// `AI_DEFAULT_PROVIDER`) are passed on from the Worker's vars and secrets, and the instance may
/// reach only the configured providers' hosts, through the runtime's egress proxy (anything else
/// gets 520).
public actor AIInference: ServiceContainer {
    public static var descriptor: ServiceDescriptor { AIInferenceDescriptor.service }
    public let state: DurableObjectState
    public let env: Env
    public let sleepAfter: SleepAfter
    public let envVars: [String: String]
    public let allowedHosts: [String]

    public init(state: DurableObjectState, env: Env) async throws {
        self.state = state
        self.env = env
        sleepAfter = try Self.sleepAfter(env: env)
        var providers: [String: String] = [:]
        for name in ProviderConfiguration.variableNames { providers[name] = env[name] }
        envVars = Self.descriptor.environment.merging(providers) { _, passed in passed }
        // A configuration the service will refuse (a bad base URL) reaches nothing.
        allowedHosts = (try? ProviderConfiguration.fromEnvironment(providers))?.hosts ?? []
    }
}

extension AIInference {
    /// The operations whose successful jobs go to the ``PitchIndex`` (their result carries the
    /// text's `embedding`).
    static let indexedOperations: Set<String> = ["analyze", "analyze-pitch"]
    /// How many earlier pitches an `analyze` report lists under `similar`.
    static let similarInReport = 5

    /// An analyzed pitch is stored in the ``PitchIndex`` with its owner, for `similar`, and its
    /// report gets `similar`: the earlier pitches nearest to it (itself left out), best first —
    /// the owner's own, or, when an admin submitted the job (``JobRecord/ownerIsAdmin``), the
    /// whole platform's, each with its `owner`. Titles come from the text's first line, or the key
    /// of the uploaded text.
    public static func jobSucceeded(_ job: JobRecord, operation: OperationDescriptor, result: JSONValue?, env: Env) async -> JSONValue? {
        guard indexedOperations.contains(operation.name), case .object(var report)? = result,
              let numbers = report["embedding"]?.arrayValue, !numbers.isEmpty else { return result }
        let vector = numbers.map { Float($0.doubleValue ?? 0) }
        let source = job.params["text"]?.stringValue ?? job.params[AIInferenceDescriptor.keyParameter]?.stringValue ?? ""
        let pitch = StoredPitch(jobId: job.id, owner: job.owner, createdAt: job.createdAt, title: StoredPitch.title(of: source), vector: vector)
        let platformWide = job.ownerIsAdmin
        let (scope, limit) = (platformWide ? nil : job.owner, similarInReport)
        let similar = try? await PitchIndex.stub(env).call(PitchIndex.self) { index in
            let earlier = try await index.nearest(to: vector, owner: scope, limit: limit, excluding: pitch.jobId)
            try await index.record([pitch])
            return earlier
        }
        guard let similar else { return result }
        report["similar"] = .array(similar.map { $0.json(withOwner: platformWide) })
        return .object(report)
    }
}
