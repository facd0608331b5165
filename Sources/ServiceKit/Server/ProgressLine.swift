/// One line of an NDJSON progress stream.
struct ProgressLine: Encodable, Sendable {
    var type: String
    var jobId: String
    var progress: Double?
    var stage: String?
    var text: String?
    var status: Int?
    var job: JobResponse?
    var output: JobResponse.Output?
    var error: [String: String]?

    static func progress(_ jobId: String, _ report: JobProgress) -> ProgressLine {
        .init(type: "progress", jobId: jobId, progress: report.progress, stage: report.stage, text: report.text)
    }

    static func output(_ jobId: String, _ output: JobResponse.Output) -> ProgressLine {
        .init(type: "output", jobId: jobId, output: output)
    }

    static func failure(_ jobId: String, _ error: ServiceError) -> ProgressLine {
        .init(type: "error", jobId: jobId, status: error.statusCode, error: ["code": error.code, "message": error.message])
    }

    static func result(_ jobId: String, _ response: JobResponse) -> ProgressLine {
        .init(type: "result", jobId: jobId, status: 200, job: response)
    }
}
