public import ServiceDescriptors

/// A service that exists only for tests: it proves that a service is one declaration. Its
/// descriptor, its executable and its wrangler blocks live in the test tree; `functions/` and
/// `durable/` know nothing of it.
public enum ServiceFixtureDescriptor {
    public static let service = ServiceDescriptor(
        image: "service-fixture",
        containerClass: "ServiceFixture",
        binding: "SERVICE_FIXTURE",
        apiName: "fixture",
        containerPath: "fixture-service",
        instanceType: "lite",
        jobsPerInstance: 2,
        sleepAfterSeconds: 60,
        operations: [
            OperationDescriptor(
                name: "checksum",
                summary: "The input's size and a byte sum, and the parameters it was given.",
                parameters: [
                    ParameterSpec("label", .text(maxBytes: 64), summary: "Echoed back."),
                    ParameterSpec("repeat", .integer(1...5), default: 1, summary: "How many progress steps to report."),
                ],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "note",
                summary: "A text file made from parameters alone (no input).",
                input: .none,
                parameters: [
                    ParameterSpec("text", .text(maxBytes: 1024), required: true, summary: "The file's text."),
                    ParameterSpec("shout", .boolean, default: false, summary: "Upper-case it."),
                ],
                timeoutSeconds: 120,
                outputs: [OutputType("text/plain", fileExtension: ".txt")]
            ),
            OperationDescriptor(
                name: "hold",
                summary: "Reports stage \"holding\", then holds the job until `POST /release?label=` (or a cancel).",
                input: .none,
                parameters: [ParameterSpec("label", .text(maxBytes: 64), required: true, summary: "What /release names.")],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "inspect",
                summary: "What the service sees of its host: its uid, and whether each of `paths` can be read or listed.",
                input: .none,
                parameters: [ParameterSpec("paths", .text(maxBytes: 4096), required: true, summary: "Comma-separated paths to try.")],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
            OperationDescriptor(
                name: "compare",
                summary: "Size and byte sum of the input and of each attachment (`other`, then `more` in order).",
                parameters: [
                    ParameterSpec("other", .objectKey, required: true, summary: "One more upload."),
                    ParameterSpec("more", .objectKeys(1...3), summary: "Up to three more uploads, in order."),
                ],
                timeoutSeconds: 120,
                outputs: [.json]
            ),
        ],
        catalogues: [Catalogue(name: "colours", summary: "A fixed list, to show catalogues pass through.")],
        aliases: [RouteAlias("/api/fixture-alias/sum", .operation("checksum"))]
    )
}
