import Outpost
import Foundation
import ServiceDescriptors
import NIOCore

/// Runs one attempt of one job on one container instance, outside the orchestrator's actor:
/// streams the input from R2 to the service (`POST /jobs/{operation}`, NDJSON progress), stores
/// the outputs in R2, and reports progress and the outcome back as orchestrator events.
///
/// Cancelling the task closes the connection, which stops the service's work on the job. A
/// cancelled runner reports nothing: a cancel or timeout was already recorded by the
/// orchestrator, and at shutdown the job stays `running` so the next start re-dispatches it.
struct JobRunner: Sendable {
    let job: JobRecord
    let type: JobType
    let attempt: Int
    let instanceName: String
    let env: Env

    /// How an attempt ended.
    enum Outcome: Sendable, Equatable {
        case succeeded(result: JSONValue?, outputs: [JobOutput])
        /// `retryable`: a fault of the moment (crash, lost connection, 5xx), worth another attempt.
        case failed(JobFailure, retryable: Bool)
    }

    func run() async {
        let progress = ProgressReports(jobId: job.id, attempt: attempt, env: env)
        var rest: Body.Iterator?
        var outcome = await withTaskGroup(of: Void.self) { group in
            // Progress goes to the orchestrator beside the stream, never holding it up.
            group.addTask { await progress.deliver() }
            defer { progress.finish() }
            return await execute(rest: &rest, progress: progress)
        }
        guard !Task.isCancelled else { return }
        if case .succeeded(let result, let outputs) = outcome {
            do {
                outcome = .succeeded(result: try await type.container.jobSucceeded(job, operation: type.operation, result: result, env: env), outputs: outputs)
            } catch {
                outcome = .failed(JobFailure(code: "internal", message: "The job's last step failed: \(error)"), retryable: true)
            }
        }
        let (id, attempt, finished) = (job.id, self.attempt, outcome)
        await report { o in try await o.attemptFinished(id: id, attempt: attempt, outcome: finished) }
        // Then read the stream to its end (the service ends it right after its last line), so the
        // connection goes back to the instance's pool instead of being closed.
        var extra = 0
        while extra < 64 << 10, let more = try? await rest?.next() { extra += more.readableBytes }
    }

    /// Runs the attempt; `rest` is what is left of the service's stream after its last line.
    private func execute(rest: inout Body.Iterator?, progress: ProgressReports) async -> Outcome {
        do {
            let response = try await send()
            guard response.status.code == 200 else { return try await Self.failure(from: response) }
            var chunks = response.body.makeAsyncIterator()
            let outcome = try await readStream(&chunks, progress: progress)
            rest = chunks
            return outcome
        } catch let failure as Outcome.FailureBox {
            return .failed(failure.failure, retryable: failure.retryable)
        } catch let error as ContainerError {
            // Start failures, crashes and lost connections are worth another attempt.
            return .failed(JobFailure(code: "container_" + error.errorCode.rawValue, message: error.message), retryable: true)
        } catch {
            return .failed(JobFailure(code: "internal", message: "The attempt failed: \(error)"), retryable: true)
        }
    }

    /// Sends the job with its input as the body (with its attachments, a multipart body: see
    /// ``AttachmentsBody``); returns once the response head is in.
    private func send() async throws -> Response {
        let media = try env.r2(PlatformBindings.media)
        var body = Body.empty
        var contentType = "application/octet-stream"
        let attachments = try await AttachmentsBody.parts(of: job, operation: type.operation, media: media)
        if let attachments {
            body = attachments.body(media: media)
            contentType = attachments.contentType
        } else if type.operation.input == .media {
            guard let key = job.inputKey else { throw Outcome.FailureBox(JobFailure(code: "missing_input", message: "The job has no input key."), retryable: false) }
            guard let input = try await media.get(key) else {
                throw Outcome.FailureBox(JobFailure(code: "input_not_found", message: "The input \"\(key)\" is not in the \(PlatformBindings.media) bucket (upload it with POST /api/containers/uploads)."), retryable: false)
            }
            body = input.body
            contentType = input.object.httpMetadata.contentType ?? "application/octet-stream"
        }
        if type.operation.input == .platformDataset {
            body = datasetBody()
            contentType = "application/x-ndjson"
        }
        if type.operation.input.isUserData {
            let user = type.operation.userParameter.flatMap { job.params[$0]?.stringValue } ?? job.owner
            body = UserDatasetStream.body(userId: user, objectBytes: type.operation.input == .userDataset, env: env)
            contentType = "application/x-ndjson"
        }
        var query: [String] = []
        if type.operation.input == .none, attachments == nil {
            // No input file: the parameters go as a JSON job request, keeping their JSON types
            // (objects and arrays too) and out of the URL (source code can be 64 KiB).
            body = Body(JSONValue.object(["id": .string(job.id), "operation": .string(type.operation.name), "params": .object(job.params)]).serialized())
            contentType = "application/json"
        }
        for (name, value) in job.params.sorted(by: { $0.key < $1.key }) where type.operation.input != .none || attachments != nil {
            let text: String
            switch value {
            case .array where type.operation.parameters.contains(where: { $0.name == name && $0.namesObjects }):
                // A list of keys goes as the text of its JSON array (keys may hold commas).
                text = value.serialized()
            case .string(let s): text = s
            case .bool(let b): text = b ? "true" : "false"
            case .number(let n): text = n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            default: continue
            }
            query.append(Self.encode(name) + "=" + Self.encode(text))
        }
        var headers = HTTPFields()
        // The service reads a JSON body as a job request and a multipart one as parts, so an input
        // that is itself JSON or multipart goes as bytes.
        let readAsRequest = ["application/json", "multipart/form-data"].contains { contentType.lowercased().hasPrefix($0) }
        headers[.contentType] = attachments == nil && type.operation.input == .media && readAsRequest ? "application/octet-stream" : contentType
        headers[.accept] = "application/x-ndjson"
        // File outputs wait at the service until read below, streamed into R2 (never base64'd in the stream).
        headers[HTTPField.Name("X-Output-Delivery")!] = "pull"
        headers[HTTPField.Name("X-Job-Id")!] = job.id
        let url = "http://\(instanceName)/jobs/\(type.operation.name)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let request = Request(method: .post, url: url, headers: headers, body: body)
        return try await instance().fetch(request)
    }

    /// The container instance the attempt runs on.
    private func instance() throws -> DurableObjectStub {
        try env.durableObject(type.binding).getByName(instanceName)
    }

    /// The `PlatformDataset` of the job's period, streamed: each page of jobs is read from the
    /// orchestrator only when the service has taken the one before.
    private func datasetBody() -> Body {
        let period = (try? DatasetPeriod(job.params)) ?? DatasetPeriod(from: nil, to: nil)
        let env = self.env
        return Body { writer in
            let orchestrator = try PlatformBindings.orchestrator(env)
            await writer.write(PlatformDataset.periodLine(period, generatedAt: PlatformTime.now()))
            var after: Int64? = 0
            var count = 0
            while let cursor = after {
                let page = try await orchestrator.call(ContainerOrchestrator.self) { o in
                    try await o.datasetJobs(period, after: cursor, limit: PlatformDataset.pageSize)
                }
                if !page.lines.isEmpty { await writer.write(page.lines) }
                count += page.count
                after = page.last
            }
            let figures = try await orchestrator.call(ContainerOrchestrator.self) { o in try await o.datasetFigures(period) }
            await writer.write(figures + PlatformDataset.endLine(jobs: count))
        }
    }

    /// Reads the service's NDJSON lines until `result` or `error`. Outputs the service publishes
    /// while it runs (`output` lines) are stored at once and reported to the orchestrator, so
    /// they can be read before the job ends. A live output (announced as the job starts writing
    /// it, e.g. an export ZIP) is pulled while it is written: its `GET` follows the job's writes,
    /// and R2 stores it under its key only once the body ended whole.
    private func readStream(_ chunks: inout Body.Iterator, progress: ProgressReports) async throws -> Outcome {
        var pending: [UInt8] = []
        var early = StoredOutputs()
        // A live output whose pull failed (the service gave it up mid-way): the job's own
        // `error` line, which follows, says why; a `result` after it cannot stand.
        var lostOutput: (any Error)?
        while let chunk = try await chunks.next() {
            pending.append(contentsOf: chunk.readableBytesView)
            var latest: ProgressReports.Report?
            var outcome: Outcome?
            while outcome == nil, let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                guard !line.isEmpty, let message = try? JSONValue.parse(line) else { continue }
                switch message["type"]?.stringValue {
                case "progress":
                    latest = ProgressReports.Report(progress: message["progress"]?.doubleValue ?? 0, stage: message["stage"]?.stringValue ?? "",
                                                    text: message["text"]?.stringValue)
                case "output":
                    guard let output = message["output"] else { continue }
                    let pulled: JobOutput?
                    do {
                        pulled = try await store(output, into: &early)
                    } catch {
                        lostOutput = lostOutput ?? error
                        continue
                    }
                    guard let stored = pulled else { continue }
                    let (id, attempt) = (job.id, self.attempt)
                    await report { o in try await o.attemptOutputStored(id: id, attempt: attempt, output: stored) }
                case "result" where lostOutput != nil:
                    await letGo(early)
                    outcome = .failed(JobFailure(code: "output_lost", message: "An output could not be stored: \(lostOutput!)"), retryable: true)
                case "result":
                    for output in message["job"]?["outputs"]?.arrayValue ?? [] { _ = try await store(output, into: &early) }
                    await letGo(early)
                    outcome = .succeeded(result: message["job"]?["result"], outputs: early.outputs)
                case "error":
                    await letGo(early)
                    let status = message["status"]?.intValue ?? 500
                    let failure = JobFailure(code: message["error"]?["code"]?.stringValue ?? "service_error",
                                             message: message["error"]?["message"]?.stringValue ?? "The service reported an error (HTTP \(status)).")
                    outcome = .failed(failure, retryable: status >= 500)
                default:
                    continue
                }
            }
            if let outcome { return outcome }
            // Only the newest report of a chunk matters, and only one is sent at a time.
            if let latest { progress.report(latest) }
        }
        return .failed(JobFailure(code: "container_connection_lost", message: "The container closed the job's stream before a result."), retryable: true)
    }

    /// The outputs an attempt has stored so far, by name (a later one of the same name replaced
    /// the earlier), and where at the service they were pulled from.
    struct StoredOutputs {
        var outputs: [JobOutput] = []
        var pulled: Set<String> = []
        var pulledFrom: Set<String> = []

        mutating func add(_ output: JobOutput) {
            if let index = outputs.firstIndex(where: { $0.name == output.name }) { outputs[index] = output } else { outputs.append(output) }
        }
    }

    /// Stores one output at `outputs/<job id>/<name>.<ext>` in the MEDIA bucket (a stream's at
    /// `streams/<stream id>/<name>.<ext>`, see `StreamOutputs`): read from the
    /// service (`pull`, streamed from its file into R2) or decoded from the stream (`base64`).
    /// One already pulled (published early, named again in the result) is not stored twice.
    private func store(_ output: JSONValue, into stored: inout StoredOutputs) async throws -> JobOutput? {
        guard let name = output["name"]?.stringValue else { return nil }
        let pull = output["pull"]?.stringValue
        if let pull, stored.pulled.contains(pull) { return nil }
        let media = try env.r2(PlatformBindings.media)
        let contentType = output["contentType"]?.stringValue ?? "application/octet-stream"
        let key = Self.key(of: job, name: name) + type.fileExtension(contentType)
        let options = R2PutOptions(httpMetadata: R2HTTPMetadata(contentType: contentType), customMetadata: ["owner": job.owner, "job": job.id])
        let object: R2Object?
        if let pull, pull.hasPrefix("/outputs/") {
            stored.pulled.insert(pull)
            stored.pulledFrom.insert(String(pull[..<(pull.lastIndex(of: "/") ?? pull.endIndex)]))
            let response = try await instance().fetch(Request(method: .get, url: "http://\(instanceName)\(pull)"))
            guard response.status.code == 200 else {
                throw Outcome.FailureBox(JobFailure(code: "output_lost", message: "The service no longer has the output \(name) (HTTP \(response.status.code))."), retryable: true)
            }
            object = try await media.put(key, body: response.body, options: options)
        } else if let encoded = output["base64"]?.stringValue, let bytes = Data(base64Encoded: encoded) {
            object = try await media.put(key, bytes: Array(bytes), options: options)
        } else {
            return nil
        }
        let result = JobOutput(name: name, key: key, contentType: contentType, size: object?.size ?? 0)
        stored.add(result)
        return result
    }

    /// Where `job`'s output `name` is stored, without its extension.
    static func key(of job: JobRecord, name: String) -> String {
        if let stream = job.stream { return "streams/\(stream)/\(name)" }
        return "outputs/\(job.id)/\(name)"
    }

    /// Lets the service drop the outputs pulled from it. Best effort: what a failed attempt
    /// leaves, or a lost DELETE, the service sweeps later.
    private func letGo(_ stored: StoredOutputs) async {
        for path in stored.pulledFrom { _ = try? await instance().fetch(Request(method: .delete, url: "http://\(instanceName)\(path)")) }
    }

    /// Between tries of a report: 0.1 s, 0.5 s, 2 s.
    static let reportBackoff = Backoff(base: 0.1, cap: 2, factor: 5)

    /// Reports to the orchestrator; retried a few times, since a lost report leaves the job running until the next restart.
    private func report(_ body: @escaping @Sendable (ContainerOrchestrator) async throws -> Void) async {
        for attempt in 0...3 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(Self.reportBackoff.milliseconds(afterAttempt: attempt))) }
            if Task.isCancelled { return }
            do {
                try await PlatformBindings.orchestrator(env).call(ContainerOrchestrator.self) { o in try await body(o) }
                return
            } catch {
                continue
            }
        }
    }

    /// A non-200 answer before the stream started (bad parameters, no instance available, …).
    private static func failure(from response: Response) async throws -> Outcome {
        let status = response.status.code
        let body = (try? await response.body.bytes(upTo: 64 << 10)) ?? []
        let parsed = try? JSONValue.parse(body)
        let failure = JobFailure(code: parsed?["error"]?["code"]?.stringValue ?? "service_http_\(status)",
                                 message: parsed?["error"]?["message"]?.stringValue ?? "The service answered HTTP \(status).")
        return .failed(failure, retryable: status >= 500 || status == 429 || status == 408)
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension JobRunner.Outcome {
    /// Carries a known failure out of a throwing step.
    struct FailureBox: Error {
        let failure: JobFailure
        let retryable: Bool
        init(_ failure: JobFailure, retryable: Bool) {
            self.failure = failure
            self.retryable = retryable
        }
    }
}
