public import Hummingbird
public import ServiceKit
import CodeExecutorDescriptor
import Foundation

/// The code-executor's operations for ``ContainerService`` (see the descriptor for their
/// parameters), plus `GET /languages` and `GET /security-policies`.
public struct CodeJobHandler: JobHandler {
    let runner: CodeRunner

    /// Creates the handler; runs stage their files and cache compiled programs under `scratchDirectory`
    /// (by default `$TMPDIR/code-executor`, the instance's scratch space).
    public init(scratchDirectory: String? = nil) {
        runner = CodeRunner(scratchDirectory: scratchDirectory ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("code-executor"))
    }

    public var descriptor: ServiceDescriptor? { CodeExecutorDescriptor.service }

    public func validate(operation: String, parameters: JobParameters) throws(ServiceError) {
        if operation == "execute" { _ = try RunRequest(parameters: parameters) }
    }

    public func run(_ job: Job, context: JobContext) async throws -> JobResult {
        switch job.operation {
        case "execute":
            let request = try RunRequest(parameters: job.parameters)
            context.progress(0, stage: request.language.isCompiled ? "compiling" : "running")
            let runner = runner
            let result = try await context.runBlocking { () throws(ServiceError) -> RunResult in
                do throws(SandboxError) { return try runner.run(request) } catch { throw .internalError(error.description, cause: error) }
            }
            return .json(result)
        case "validate":
            let name = try job.parameters.string("language") ?? ""
            guard let language = Language(rawValue: name.lowercased()) else { throw ServiceError.invalidParameter("language", "is not a language.") }
            let code = try job.parameters.string("code") ?? ""
            let runner = runner
            let report = try await context.runBlocking { () throws(ServiceError) -> ValidationReport in
                do throws(SandboxError) { return try runner.validate(language: language, code: code) } catch { throw .internalError(error.description, cause: error) }
            }
            return .json(report)
        default:
            throw ServiceError.badRequest("Unknown operation \"\(job.operation)\".", code: "unknown_operation")
        }
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("/languages") { _, _ in try ServiceJSON.response(LanguageCatalogue.current()) }
        router.get("/security-policies") { _, _ in try ServiceJSON.response(SecurityPolicies.current()) }
    }
}
