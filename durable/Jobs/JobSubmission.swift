public import Outpost
import Foundation
import ServiceDescriptors

/// A checked request for a new job: what the API hands the orchestrator.
///
/// Checking happens here, before anything is stored, so a bad request is a 400 and changes nothing.
public struct JobSubmission: Sendable, Equatable {
    public var type: JobType
    public var inputKey: String?
    public var params: [String: JSONValue]
    public var priority: JobPriority
    public var webhookURL: String?
    /// Seconds to wait before the job may start.
    public var delaySeconds: Double

    public init(type: JobType, inputKey: String?, params: [String: JSONValue] = [:], priority: JobPriority = .normal,
                webhookURL: String? = nil, delaySeconds: Double = 0) throws(JobInputError) {
        self.type = type
        self.inputKey = inputKey
        self.params = params
        self.priority = priority
        self.webhookURL = webhookURL
        self.delaySeconds = delaySeconds
        try validate()
    }

    /// Reads the body of `POST /api/containers/jobs`:
    /// `{"type", "input": {"key"}, "params", "priority", "webhookUrl", "delaySeconds"}`.
    public init(json: JSONValue, services: ServiceRegistry) throws(JobInputError) {
        guard case .object(let body) = json else { throw JobInputError("The job request must be a JSON object.") }
        let known: Set<String> = ["type", "input", "params", "priority", "webhookUrl", "delaySeconds"]
        if let unknown = body.keys.sorted().first(where: { !known.contains($0) }) {
            throw JobInputError("Unknown field \"\(unknown)\" in the job request. Fields: \(known.sorted().joined(separator: ", ")).")
        }
        guard let typeName = body["type"]?.stringValue else { throw JobInputError("The job request needs \"type\" (a string), e.g. \"video.analyze\".") }
        let type = try services.jobType(named: typeName)
        var key: String?
        switch body["input"] {
        case nil, .null?: key = nil
        case .object(let input)?:
            guard let k = input["key"]?.stringValue else { throw JobInputError("\"input\" needs \"key\": the R2 key of an upload.") }
            key = k
        default: throw JobInputError("\"input\" must be an object: {\"key\": \"…\"}.")
        }
        var params: [String: JSONValue] = [:]
        switch body["params"] {
        case nil, .null?: break
        case .object(let p)?: params = p
        default: throw JobInputError("\"params\" must be an object.")
        }
        var priority = JobPriority.normal
        if let p = body["priority"], p != .null {
            guard let name = p.stringValue, let parsed = JobPriority(rawValue: name) else {
                throw JobInputError("\"priority\" must be \"high\", \"normal\" or \"low\".")
            }
            priority = parsed
        }
        var webhook: String?
        if let w = body["webhookUrl"], w != .null {
            guard let url = w.stringValue else { throw JobInputError("\"webhookUrl\" must be a string.") }
            webhook = url
        }
        var delay = 0.0
        if let d = body["delaySeconds"], d != .null {
            guard let seconds = d.doubleValue else { throw JobInputError("\"delaySeconds\" must be a number.") }
            delay = seconds
        }
        // An operation without an input file that declares a `key` parameter (ai-inference's
        // `analyze {key}`, an uploaded text) takes an input key — what the operation routes make
        // of a JSON body's `key` — as that parameter.
        if let given = key, type.operation.input != .media, params["key"] == nil,
           type.operation.parameters.contains(where: { $0.name == "key" }) {
            params["key"] = .string(given)
            key = nil
        }
        try self.init(type: type, inputKey: key, params: params, priority: priority, webhookURL: webhook, delaySeconds: delay)
    }

    private func validate() throws(JobInputError) {
        if type.operation.input == .media {
            guard let key = inputKey, !key.isEmpty else {
                throw JobInputError("A \(type.name) job needs an input: \"input\": {\"key\": \"<R2 key from POST /api/containers/uploads>\"}.", code: "missing_input")
            }
            guard key.utf8.count <= 1024 else { throw JobInputError("The input key is longer than 1024 bytes.") }
        } else if inputKey != nil {
            throw JobInputError("A \(type.name) job takes no input file: send its parameters only.", code: "unexpected_input")
        }
        if let webhookURL {
            guard let url = URL(string: webhookURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw JobInputError("\"webhookUrl\" must be an absolute http or https URL, got \"\(webhookURL)\".")
            }
        }
        guard delaySeconds >= 0, delaySeconds <= 86_400 else { throw JobInputError("\"delaySeconds\" must be between 0 and 86400.") }
        for (name, value) in params {
            switch value {
            case .string, .number, .bool: break
            case _ where type.operation.parameters.first(where: { $0.name == name })?.acceptsStructuredJSON == true: break
            case .array where type.operation.parameters.first(where: { $0.name == name })?.namesObjects == true: break
            default: throw JobInputError("Parameter \"\(name)\" must be a string, number or boolean.", code: "invalid_parameter")
            }
        }
        do {
            try type.operation.validate(params)
        } catch {
            throw JobInputError(error.description, code: error.status == 413 ? "input_too_large" : "invalid_parameter", status: error.status)
        }
    }
}
