public import ServiceDescriptors

/// A service that exists only for `make bench` (suite `noop`): its one operation answers at once,
/// so a job through the platform measures the platform's own cost alone. Pitchey's registry and
/// the repository's wrangler.toml know nothing of it; `outpost-noop` adds its class, and the
/// bench writes the wrangler blocks (Benchmarks/noop_bench.py).
public enum NoopDescriptor {
    public static let service = ServiceDescriptor(
        image: "noop-service",
        containerClass: "Noop",
        binding: "NOOP",
        apiName: "noop",
        containerPath: "noop",
        instanceType: "standard-3",
        // As many jobs at once as the bench has clients, so the instance is never the limit.
        jobsPerInstance: 16,
        sleepAfterSeconds: 600,
        operations: [
            OperationDescriptor(
                name: "run",
                summary: "Does nothing and answers at once with its label.",
                input: .none,
                parameters: [ParameterSpec("label", .text(maxBytes: 64), summary: "Echoed back.")],
                timeoutSeconds: 30,
                outputs: [.json]
            ),
        ]
    )
}
