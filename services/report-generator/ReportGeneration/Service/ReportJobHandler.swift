public import ServiceKit
import Foundation
import OutpostJSON
import ReportGeneratorDescriptor

/// The report-generator's operation for ``ContainerService``: `generate-analytics` reads the
/// platform dataset the orchestrator streamed as the job's input (spooled to a scratch file by
/// ServiceKit, read here line by line), computes the figures and renders them in the asked format.
/// The figures are the job's result whatever the format; the file is its one output, `report`.
public struct ReportJobHandler: JobHandler {
    public init() {}

    public var descriptor: ServiceDescriptor? { ReportGeneratorDescriptor.service }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        let request = try ReportRequest(job.parameters)
        guard let path = job.inputPath else { throw ServiceError.badRequest("generate-analytics needs the platform dataset as its input.", code: "missing_input") }
        context.progress(0, stage: "reading the dataset")
        let figures = try await context.runBlocking { () throws(ServiceError) -> ReportFigures in
            do {
                var accumulator = ReportAccumulator(request: request)
                try DatasetLines(path: path).forEach { try accumulator.add($0) }
                return try accumulator.finish()
            } catch let error as DatasetError {
                throw .unprocessable(error.description, code: "unreadable_input")
            } catch {
                throw .unprocessable("The dataset could not be read: \(error)", code: "unreadable_input")
            }
        }
        context.progress(0.6, stage: "rendering \(request.format)")
        let type = ReportGeneratorDescriptor.outputTypes[request.format] ?? .json
        let bytes: [UInt8] = try await context.runBlocking { () throws(ServiceError) -> [UInt8] in
            switch request.format {
            case "csv": return Array(ReportCSV.render(figures).utf8)
            case "html": return Array(ReportHTML.render(figures).utf8)
            case "pdf":
                do { return try ReportPDF.render(figures, directory: NSTemporaryDirectory()) } catch {
                    throw .internalError("The PDF could not be drawn: \(error)")
                }
            default: return Array(figures.json.serialized().utf8)
            }
        }
        let result = figures.json
        return .files([JobOutputFile(name: "report", contentType: type.contentType, bytes: bytes)], metadata: result)
    }
}
