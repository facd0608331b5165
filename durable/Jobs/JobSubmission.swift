public import Outpost
import Foundation

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
    public init(json: JSONValue) throws(JobInputError) {
        guard case .object(let body) = json else { throw JobInputError("The job request must be a JSON object.") }
        let known: Set<String> = ["type", "input", "params", "priority", "webhookUrl", "delaySeconds"]
        if let unknown = body.keys.sorted().first(where: { !known.contains($0) }) {
            throw JobInputError("Unknown field \"\(unknown)\" in the job request. Fields: \(known.sorted().joined(separator: ", ")).")
        }
        guard let typeName = body["type"]?.stringValue else { throw JobInputError("The job request needs \"type\" (a string), e.g. \"video.analyze\".") }
        let type = try JobType.named(typeName)
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
        try self.init(type: type, inputKey: key, params: params, priority: priority, webhookURL: webhook, delaySeconds: delay)
    }

    private func validate() throws(JobInputError) {
        guard let key = inputKey, !key.isEmpty else {
            throw JobInputError("A \(type.name) job needs an input: \"input\": {\"key\": \"<R2 key from POST /api/containers/uploads>\"}.", code: "missing_input")
        }
        guard key.utf8.count <= 1024 else { throw JobInputError("The input key is longer than 1024 bytes.") }
        if let webhookURL {
            guard let url = URL(string: webhookURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw JobInputError("\"webhookUrl\" must be an absolute http or https URL, got \"\(webhookURL)\".")
            }
        }
        guard delaySeconds >= 0, delaySeconds <= 86_400 else { throw JobInputError("\"delaySeconds\" must be between 0 and 86400.") }
        for (name, value) in params {
            switch value {
            case .string, .number, .bool: break
            default: throw JobInputError("Parameter \"\(name)\" must be a string, number or boolean.", code: "invalid_parameter")
            }
        }
        try JobParameterRules.check(type: type, params: params)
    }
}

/// Per-operation parameter checks, mirroring what the service accepts, so errors come back at
/// submit time rather than as a failed job.
enum JobParameterRules {
    static func check(type: JobType, params: [String: JSONValue]) throws(JobInputError) {
        switch type.name {
        case "video.analyze":
            if let name = params.keys.sorted().first { throw invalid(name, "is not a parameter of video.analyze (it takes none)") }
        case "video.thumbnail":
            let known: Set<String> = ["timestamp", "width", "height", "format", "quality"]
            if let name = params.keys.sorted().first(where: { !known.contains($0) }) {
                throw invalid(name, "is not a parameter of video.thumbnail (timestamp, width, height, format, quality)")
            }
            if let t = params["timestamp"] {
                guard let seconds = number(t), seconds.isFinite, seconds >= 0 else { throw invalid("timestamp", "must be a number of seconds ≥ 0") }
            }
            for name in ["width", "height"] {
                if let v = params[name] {
                    guard let n = number(v), n == n.rounded(), n >= 0, n <= 8192 else { throw invalid(name, "must be a whole number from 0 to 8192 (0 keeps the source size or aspect)") }
                }
            }
            if let q = params["quality"] {
                guard let n = number(q), n == n.rounded(), n >= 1, n <= 100 else { throw invalid("quality", "must be a whole number from 1 to 100") }
            }
            if let f = params["format"] {
                guard let name = f.stringValue?.lowercased(), name == "png" || name == "jpeg" || name == "jpg" else {
                    throw invalid("format", "must be png or jpeg")
                }
            }
        default:
            break
        }
    }

    /// A number given as a JSON number or as text (form fields and query strings are text).
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let n): n
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    private static func invalid(_ name: String, _ rule: String) -> JobInputError {
        JobInputError("Parameter \"\(name)\" \(rule).", code: "invalid_parameter")
    }
}
