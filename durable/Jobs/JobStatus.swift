import Outpost
/// Where a job is in its life. `queued` and `running` are the only non-terminal states; each job
/// ends in exactly one of the other four.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled
    case deadLettered = "dead_lettered"

    public var isTerminal: Bool { self != .queued && self != .running }
}

/// The order queued work is taken in: priority first, then age.
public enum JobPriority: String, Sendable, Codable, CaseIterable {
    case high, normal, low

    /// The sort key stored with the job (smaller runs first).
    var rank: Int {
        switch self {
        case .high: 0
        case .normal: 1
        case .low: 2
        }
    }

    init?(rank: Int) {
        guard let p = Self.allCases.first(where: { $0.rank == rank }) else { return nil }
        self = p
    }
}

/// Why a job failed: a stable code and a message for the caller.
public struct JobFailure: Sendable, Codable, Equatable, Error, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// One stored output of a job (in the MEDIA bucket).
public struct JobOutput: Sendable, Codable, Equatable {
    public var name: String
    public var key: String
    public var contentType: String
    public var size: Int

    /// As stored in the jobs table.
    var stored: JSONValue {
        ["name": .string(name), "key": .string(key), "contentType": .string(contentType), "size": .number(Double(size))]
    }

    init(name: String, key: String, contentType: String, size: Int) {
        self.name = name
        self.key = key
        self.contentType = contentType
        self.size = size
    }

    init?(stored: JSONValue) {
        guard let name = stored["name"]?.stringValue, let key = stored["key"]?.stringValue else { return nil }
        self.init(name: name, key: key, contentType: stored["contentType"]?.stringValue ?? "application/octet-stream", size: stored["size"]?.intValue ?? 0)
    }
}
