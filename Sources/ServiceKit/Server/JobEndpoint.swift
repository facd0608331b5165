import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// `POST /jobs` and `POST /jobs/{operation}`: validates a job, spools its input to a scratch
/// file (or, for an operation whose input is declared streamed, hands the body to the job as a
/// ``JobInput`` while it arrives), runs it through the handler and delivers the result (see
/// README.md for the contract).
struct JobEndpoint<Handler: JobHandler>: Sendable {
    let handler: Handler
    let configuration: ServiceConfiguration
    let stats: ServiceStats
    let pool: NIOThreadPool
    let logger: Logger
    let outbox: JobOutbox

    /// Query parameters of a raw post that are not job parameters.
    private static var reservedQueryKeys: Set<String> { ["id", "output_url", "progress"] }

    func handle(_ request: Request, context: ServiceRequestContext, pathOperation: String?) async throws -> Response {
        var request = request
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let query = request.uri.queryParameters
        var jobRequest: JobRequest
        var isRaw = false
        // A multipart body's files, deleted here on every early exit; once the plan holds them,
        // the job deletes them when it ends.
        var upload: MultipartUpload?
        var handedOver = false
        defer { if !handedOver { upload?.remove() } }
        if contentType.hasPrefix("application/json") {
            let body = try await request.collectBody(upTo: 1 << 20)
            jobRequest = try JobRequest.decode(Data(body.readableBytesView))
            if let pathOperation {
                if let named = jobRequest.operation, named != pathOperation {
                    throw ServiceError.badRequest("The path names operation \"\(pathOperation)\" but the body names \"\(named)\".", code: "operation_mismatch")
                }
                jobRequest.operation = pathOperation
            }
        } else {
            guard let pathOperation else {
                throw ServiceError.badRequest(
                    "POST /jobs takes a JSON job request (Content-Type: application/json). To post the input bytes raw, use POST /jobs/{operation}?param=value.",
                    code: "unsupported_media_type"
                )
            }
            var params: [String: JSONValue] = [:]
            for (key, value) in query where !Self.reservedQueryKeys.contains(String(key)) {
                params[String(key)] = .string(String(value))
            }
            jobRequest = JobRequest(
                id: query["id"].map(String.init), operation: pathOperation, params: params,
                output: query["output_url"].map { .init(url: String($0)) }
            )
            isRaw = true
            if let boundary = MultipartReader.boundary(contentType: request.headers[.contentType] ?? "") {
                // Every part goes to its own scratch file as it arrives; then the parameters are checked.
                let name = request.headers[.jobId] ?? jobRequest.id ?? "upload"
                let received = try await MultipartUpload.receive(request.body, boundary: boundary, directory: configuration.scratchDirectory,
                                                                 prefix: "job-\(name.prefix(24))", maxBytes: configuration.maxInputBytes)
                upload = received
                jobRequest.params = Self.namingParts(received, params: params, of: handler.descriptor?.operation(pathOperation))
            }
        }

        let jobId = request.headers[.jobId] ?? jobRequest.id ?? UUID().uuidString.lowercased()
        guard let operation = jobRequest.operation, !operation.isEmpty else {
            throw ServiceError.badRequest("The job request has no \"operation\". Supported: \(handler.operations.joined(separator: ", ")).", code: "missing_operation")
        }
        guard handler.operations.contains(operation) else {
            throw ServiceError.badRequest("Unknown operation \"\(operation)\". Supported: \(handler.operations.joined(separator: ", ")).", code: "unknown_operation")
        }
        let parameters = JobParameters(jobRequest.params ?? [:])
        // The same rules the platform checked at submit time, from the shared descriptor.
        if let declared = handler.descriptor?.operation(operation) {
            do { try declared.validate(parameters.values) } catch {
                throw ServiceError(statusCode: error.status, code: error.status == 413 ? "input_too_large" : "invalid_parameter", message: error.description)
            }
        }
        try handler.validate(operation: operation, parameters: parameters)
        if let declared = handler.descriptor?.operation(operation) {
            try Self.checkAttachments(upload, parameters: parameters, of: declared)
        }
        let outputURL = try jobRequest.output.map { try HTTPTransfer.url($0.url, field: "output.url") }
        let needsInput = handler.needsInput(operation)

        // A raw body is spooled before the response starts; a URL input is fetched as part of the job.
        var spooled: ScratchFile?
        var inputURL: URL?
        var streamedBody: RequestBody?
        if let upload {
            if needsInput, upload.input == nil {
                throw ServiceError.badRequest("Operation \"\(operation)\" needs an input: a multipart part named \"input\" (or \"file\").", code: "missing_input")
            }
            if !needsInput, upload.input != nil {
                throw ServiceError.badRequest("Operation \"\(operation)\" takes no input file: send no part named \"input\" or \"file\".", code: "unexpected_input")
            }
            if let input = upload.input, input.size == 0 {
                throw ServiceError.badRequest("The input part is empty.", code: "missing_input")
            }
            spooled = upload.input
        } else if needsInput {
            if isRaw, handler.descriptor?.operation(operation)?.streamsInput == true {
                // Handed to the job as it arrives (JobInput), never spooled.
                streamedBody = request.body
            } else if isRaw {
                spooled = try await spool(request.body, jobId: jobId)
            } else {
                guard let input = jobRequest.input else {
                    throw ServiceError.badRequest("Operation \"\(operation)\" needs an input: give \"input\": {\"url\": …} or post the bytes raw to POST /jobs/\(operation).", code: "missing_input")
                }
                inputURL = try HTTPTransfer.url(input.url, field: "input.url")
            }
        }

        let pullOutputs = request.headers[.outputDelivery]?.lowercased() == "pull"
        let plan = Plan(id: jobId, operation: operation, parameters: parameters, inputURL: inputURL, spooled: spooled, streamedBody: streamedBody,
                        attachments: upload?.attachments.map(\.file) ?? [], attachmentPaths: upload?.attachmentPaths ?? [:],
                        outputURL: outputURL, pullOutputs: pullOutputs)
        handedOver = true
        let accept = request.headers[.accept]?.lowercased() ?? ""
        if accept.contains("application/x-ndjson") || query["progress"] == "ndjson" {
            return streamed(plan)
        }
        switch await execute(plan, onProgress: { _ in }) {
        case .success(.json(let response)):
            return JSONResponse.make(status: 200, value: response, headers: [.jobId: jobId])
        case .success(.bytes(let file, let response)):
            var headers: HTTPFields = [.contentType: file.contentType, .jobId: jobId]
            if let metadata = try? JSONResponse.encode(response) {
                headers[.jobResult] = String(decoding: metadata, as: UTF8.self)
            }
            return Response(status: .ok, headers: headers, body: try Self.body(of: file) { outbox.remove(jobId: jobId) })
        case .failure(let error):
            return JSONResponse.make(status: error.statusCode, value: error.jsonBody, headers: [.jobId: jobId])
        }
    }

    /// A validated job, ready to run.
    private struct Plan: Sendable {
        var id: String
        var operation: String
        var parameters: JobParameters
        var inputURL: URL?
        var spooled: ScratchFile?
        /// The request body, for an operation that takes its input as a stream (``JobInput``).
        var streamedBody: RequestBody?
        /// The other files of a multipart request, deleted when the job ends.
        var attachments: [ScratchFile] = []
        /// Their paths by part name, as ``Job/attachments``.
        var attachmentPaths: [String: [String]] = [:]
        var outputURL: URL?
        /// The runtime pulls the outputs from the outbox (`X-Output-Delivery: pull`).
        var pullOutputs = false
    }

    /// How a finished job goes back: JSON, or the bytes of a binary output with JSON metadata.
    private enum Delivery: Sendable {
        case json(JobResponse)
        case bytes(JobOutputFile, JobResponse)
    }

    /// Fetches the input, runs the job, stores outputs; every error becomes a ``ServiceError``
    /// and the scratch file is removed on every path.
    private func execute(_ plan: Plan, inlineBinary: Bool = false, cancellation: JobCancellation = JobCancellation(),
                         outputStream: JobOutputStream? = nil,
                         onProgress: @escaping @Sendable (JobProgress) -> Void) async -> Result<Delivery, ServiceError> {
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(plan.id)"
        jobLogger[metadataKey: "operation"] = "\(plan.operation)"
        let started = ContinuousClock.now
        stats.begin(id: plan.id, operation: plan.operation)
        // The scratch directory is measured as the job starts (its input spooled), every 100 ms
        // while jobs run, at its progress reports and before its outputs go.
        stats.scratch?.jobStarted()
        defer { stats.scratch?.jobEnded() }
        var scratch = plan.spooled
        defer {
            scratch?.remove()
            for file in plan.attachments { file.remove() }
        }
        let report: @Sendable (JobProgress) -> Void = { [stats] progress in
            stats.progress(id: plan.id, progress)
            stats.scratch?.measure(atMostEvery: .milliseconds(20))
            onProgress(progress)
        }
        let outcome: Result<Delivery, ServiceError>
        // A streamed input is fed from the request body while the job reads it.
        let input = plan.streamedBody.map { _ in JobInput(cancellation: cancellation) }
        async let fed: Void = { if let input, let body = plan.streamedBody { await input.feed(body) } }()
        do {
            if let url = plan.inputURL {
                report(JobProgress(progress: 0, stage: "fetching"))
                scratch = try await HTTPTransfer.download(url, into: configuration.scratchDirectory, prefix: "job-\(plan.id.prefix(24))", maxBytes: configuration.maxInputBytes)
            }
            let job = Job(id: plan.id, operation: plan.operation, parameters: plan.parameters, inputPath: scratch?.path, inputSize: scratch?.size ?? 0,
                          attachments: plan.attachmentPaths, input: input)
            var context = JobContext(jobId: plan.id, logger: jobLogger, pool: pool, cancellation: cancellation, onProgress: report)
            context.outbox = outbox
            context.outputStream = outputStream
            let result = try await handler.run(job, context: context)
            stats.scratch?.measure()
            outcome = .success(try await deliver(result, plan: plan, inlineBinary: inlineBinary, outputStream: outputStream))
        } catch let error as ServiceError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(.internalError("The job failed unexpectedly: \(error)", cause: error))
        }
        input?.stopReading()
        await fed
        // Pulled outputs wait in the outbox for the runtime; every other way they went out already.
        if case .failure = outcome { outbox.remove(jobId: plan.id) }
        if case .success(.json) = outcome, !plan.pullOutputs { outbox.remove(jobId: plan.id) }
        let milliseconds = (ContinuousClock.now - started) / .milliseconds(1)
        switch outcome {
        case .success:
            stats.end(id: plan.id, succeeded: true)
            jobLogger.info("job succeeded", metadata: ["ms": "\(Int(milliseconds))", "inputBytes": "\(scratch?.size ?? input?.bytesReceived ?? 0)"])
        case .failure(let error):
            stats.end(id: plan.id, succeeded: false)
            let level: Logger.Level = error.statusCode >= 500 ? .error : .notice
            jobLogger.log(level: level, "job failed", metadata: ["ms": "\(Int(milliseconds))", "status": "\(error.statusCode)", "code": "\(error.code)", "error": "\(error)"])
        }
        return outcome
    }

    private func deliver(_ result: JobResult, plan: Plan, inlineBinary: Bool, outputStream: JobOutputStream?) async throws -> Delivery {
        let (files, metadata): ([JobOutputFile], (any Encodable & Sendable)?)
        switch result {
        case .json(let value):
            return .json(JobResponse(jobId: plan.id, operation: plan.operation, result: value))
        case .file(let file):
            (files, metadata) = ([file], file.metadata)
        case .files(let several, let summary):
            (files, metadata) = (several, summary)
        }
        if plan.pullOutputs {
            return .json(JobResponse(jobId: plan.id, operation: plan.operation, result: metadata, outputs: try outbox.publish(files, jobId: plan.id, stream: outputStream)))
        }
        if case .file(let file) = result, plan.outputURL == nil, !inlineBinary {
            // One output, asked for plainly: its bytes are the response body.
            // A file output is streamed from its file (see ``body(of:done:)``), so a
            // large one is never held in memory; bytes go as they are.
            let output = JobResponse.Output(name: file.name, contentType: file.contentType, size: file.size)
            return .bytes(file, JobResponse(jobId: plan.id, operation: plan.operation, result: metadata, outputs: [output]))
        }
        var outputs: [JobResponse.Output] = []
        for file in files {
            var output = JobResponse.Output(name: file.name, contentType: file.contentType, size: file.size)
            let bytes = try file.readBytes()
            if let url = plan.outputURL {
                // One output goes to `output.url` itself; several each go beside it as `<name><extension>`.
                var target = url
                if files.count > 1 || { if case .files = result { true } else { false } }() {
                    let fileExtension = handler.descriptor?.operation(plan.operation)?.outputs
                        .first { $0.contentType.lowercased() == file.contentType.lowercased() }?.fileExtension ?? ""
                    target = url.deletingLastPathComponent().appendingPathComponent(file.name + fileExtension)
                }
                output.etag = try await HTTPTransfer.put(bytes, contentType: file.contentType, to: target)
                output.url = target.absoluteString
            } else {
                // Several files cannot be one response body, nor one in a progress stream: they come inline.
                output.base64 = Data(bytes).base64EncodedString()
            }
            outputs.append(output)
        }
        return .json(JobResponse(jobId: plan.id, operation: plan.operation, result: metadata, outputs: outputs))
    }

    /// Runs the job while streaming NDJSON: `accepted`, `progress`… (and with pulled outputs,
    /// `output` for each one the job publishes early), then `result` or `error`.
    private func streamed(_ plan: Plan) -> Response {
        let body = ResponseBody { writer in
            let (lines, continuation) = AsyncStream<ProgressLine>.makeStream()
            let throttle = NIOLockedValueBox(JobProgress(progress: -1, stage: ""))
            let cancellation = JobCancellation()
            continuation.yield(ProgressLine(type: "accepted", jobId: plan.id))
            let outputStream = plan.pullOutputs
                ? JobOutputStream(outbox: outbox, jobId: plan.id) { output in continuation.yield(.output(plan.id, output)) }
                : nil
            async let finished: Void = {
                let outcome = await execute(plan, inlineBinary: true, cancellation: cancellation, outputStream: outputStream) { report in
                    // At most one line per percent of progress (or per 64 characters of streamed
                    // text), plus every change of stage.
                    let emit = throttle.withLockedValue { last in
                        let moreText = (report.text?.utf8.count ?? 0) - (last.text?.utf8.count ?? 0) >= 64
                        guard report.stage != last.stage || report.progress - last.progress >= 0.01 || report.progress >= 1 || moreText else { return false }
                        last = report
                        return true
                    }
                    if emit { continuation.yield(.progress(plan.id, report)) }
                }
                switch outcome {
                case .success(.json(let response)), .success(.bytes(_, let response)):
                    continuation.yield(.result(plan.id, response))
                case .failure(let error):
                    continuation.yield(.failure(plan.id, error))
                }
                continuation.finish()
            }()
            // After a write fails (client gone) the job is told to stop; keep draining so it
            // still ends and cleans up.
            var connected = true
            for await line in lines where connected {
                guard var data = try? JSONResponse.encode(line) else { continue }
                data.append(UInt8(ascii: "\n"))
                do {
                    try await writer.write(ByteBuffer(bytes: data))
                } catch {
                    connected = false
                    cancellation.cancel()
                }
            }
            await finished
            if connected { try await writer.finish(nil) }
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .jobId: plan.id, .cacheControl: "no-cache"], body: body)
    }

    /// The response body of a job's one output: its bytes, or its file read in chunks as the
    /// client takes them, so a large one is never held in memory. The file is opened and
    /// deleted at once (the body reads the open file), and `done` runs before the answer goes,
    /// so nothing is left in the scratch whether or not the client reads it all.
    private static func body(of file: JobOutputFile, done: () -> Void) throws(ServiceError) -> ResponseBody {
        defer { done() }
        switch file.content {
        case .bytes(let bytes):
            return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        case .file(let path, let size):
            let handle = FileHandle(forReadingAtPath: path)
            unlink(path)
            guard let handle else { throw .internalError("The output \(file.name) is gone from \(path).") }
            return ResponseBody(contentLength: size) { writer in
                defer { try? handle.close() }
                while true {
                    let chunk = try await NIOThreadPool.singleton.runIfActive { try handle.read(upToCount: 256 * 1024) ?? Data() }
                    if chunk.isEmpty { break }
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            }
        }
    }

    /// `params` with each object-key parameter the caller left out named by its parts' file
    /// names (a direct caller may post the files alone; the platform always names the keys).
    private static func namingParts(_ upload: MultipartUpload, params: [String: JSONValue], of declared: OperationDescriptor?) -> [String: JSONValue] {
        var params = params
        for spec in declared?.parameters ?? [] where spec.namesObjects && params[spec.name] == nil {
            let names = upload.attachments.filter { $0.name == spec.name }.map { $0.filename ?? $0.name }
            guard let first = names.first else { continue }
            if case .objectKey = spec.kind { params[spec.name] = .string(first) } else { params[spec.name] = .array(names.map(JSONValue.string)) }
        }
        return params
    }

    /// Every object an object-key parameter names came as one part named after the parameter,
    /// and no other part came.
    private static func checkAttachments(_ upload: MultipartUpload?, parameters: JobParameters, of declared: OperationDescriptor) throws(ServiceError) {
        let named = declared.objectKeys(in: parameters.values)
        let parts = upload?.attachmentPaths ?? [:]
        for (name, keys) in named where parts[name]?.count != keys.count {
            throw ServiceError.badRequest(
                "Parameter \"\(name)\" names \(keys.count) object(s) but the request carries \(parts[name]?.count ?? 0) part(s) named \"\(name)\": "
                    + "post the job as multipart/form-data with one part named \"\(name)\" per key, in order.", code: "missing_attachment")
        }
        if let extra = parts.keys.sorted().first(where: { part in !named.contains { $0.parameter == part } }) {
            let accepted = declared.parameters.filter(\.namesObjects).map(\.name)
            throw ServiceError.badRequest(
                "The multipart part \"\(extra)\" is neither the input (\"input\" or \"file\") nor an object parameter of \(declared.name)"
                    + (accepted.isEmpty ? "." : " (\(accepted.joined(separator: ", "))).") , code: "unexpected_part")
        }
    }

    /// Streams a raw request body into a scratch file, enforcing the size limit.
    private func spool(_ body: RequestBody, jobId: String) async throws -> ScratchFile {
        let file = try ScratchFile(directory: configuration.scratchDirectory, prefix: "job-\(jobId.prefix(24))")
        do {
            for try await chunk in body {
                if file.size + Int64(chunk.readableBytes) > configuration.maxInputBytes {
                    throw ServiceError.inputTooLarge(limit: configuration.maxInputBytes)
                }
                try chunk.withUnsafeReadableBytes { try file.write($0) }
            }
            file.finishWriting()
        } catch {
            file.remove()
            throw error
        }
        guard file.size > 0 else {
            file.remove()
            throw ServiceError.badRequest("The request body is empty: post the input bytes, or send a JSON job request with \"input\": {\"url\": …}.", code: "missing_input")
        }
        return file
    }
}

extension HTTPField.Name {
    /// The job's id, echoed on every job response.
    static var jobId: Self { .init("X-Job-Id")! }
    /// For binary results: the job's JSON metadata (`{"jobId", "operation", "result", "outputs"}`).
    static var jobResult: Self { .init("X-Job-Result")! }
    /// `pull`: keep file outputs in the outbox for the runtime to `GET` (see ``JobOutbox``).
    static var outputDelivery: Self { .init("X-Output-Delivery")! }
}
