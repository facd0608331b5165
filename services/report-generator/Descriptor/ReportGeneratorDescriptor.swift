public import ServiceDescriptors

/// The `report-generator` service, as the platform and the service both know it: analytics over
/// the platform's own job rows, costs and scaling decisions for a period (its input is a
/// `.platformDataset`, streamed by the orchestrator), as PDF, CSV, JSON or HTML.
public enum ReportGeneratorDescriptor {
    /// What a report covers.
    public static let reports = ["platform", "jobs", "costs", "user-activity"]
    /// How its breakdown table groups jobs.
    public static let groupings = ["day", "week", "type", "user"]
    /// The output formats.
    public static let formats = ["pdf", "csv", "json", "html"]

    /// Each format's output content type.
    public static let outputTypes: [String: OutputType] = [
        "pdf": OutputType("application/pdf", fileExtension: ".pdf"),
        "csv": OutputType("text/csv", fileExtension: ".csv"),
        "json": .json,
        "html": OutputType("text/html", fileExtension: ".html"),
    ]

    public static let service = ServiceDescriptor(
        image: "report-generator",
        containerClass: "ReportGenerator",
        binding: "REPORT_GENERATOR",
        apiName: "reports",
        containerPath: "report-generation",
        instanceType: "standard-1",
        jobsPerInstance: 2,
        maxAttempts: 2,
        operations: [
            OperationDescriptor(
                name: "generate-analytics",
                summary: "Analytics for a period from the platform's job rows and cost table: jobs per day by status, success rate, p50/p95 durations per type, queue waits, cost per container class and per user, top users, instance-hours and scaling events, as PDF (tables and charts), CSV (RFC 4180), JSON or HTML (inline SVG charts). The figures are also the job's result.",
                input: .platformDataset,
                parameters: [
                    ParameterSpec("report", .choice(reports), default: "platform",
                                  summary: "What the report covers: platform (everything), jobs, costs or user-activity."),
                    ParameterSpec("from", .text(maxBytes: 40), summary: "Start of the period, inclusive: an ISO-8601 date (start of day, UTC) or date-time. Default: the first job."),
                    ParameterSpec("to", .text(maxBytes: 40), summary: "End of the period, exclusive: an ISO-8601 date (its whole day is included) or date-time. Default: now."),
                    ParameterSpec("groupBy", .choice(groupings), default: "day", summary: "How the breakdown table groups jobs: day, week (Monday-based), type or user."),
                    ParameterSpec("format", .choice(formats), default: "json", summary: "The output file: pdf, csv, json or html."),
                ],
                rules: [.period()],
                timeoutSeconds: 600,
                outputs: formats.compactMap { outputTypes[$0] }
            ),
        ]
    )
}
