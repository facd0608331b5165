import Foundation
import OutpostJSON

/// The receipt of an erasure (`delete-user-data`, GDPR Art. 17), read from the user listing the
/// orchestrator streams (`.userListing`: the user dataset's lines without the objects' bytes).
/// It says what the platform removes once the job's result is in (`UserErasure`): every upload
/// by key and size, every job output by name and size, the API keys by role and date, how many cached statuses, and
/// how many jobs become anonymous rows (counted, not listed: a list of their ids would lead
/// back from the rows to the user). The erasure job itself is left out: it is kept, as the proof.
struct ErasureReceipt {
    /// The listing's bytes, as ``UserDatasetReader`` takes them (the job's streamed input).
    let listing: @Sendable (Int) throws -> [UInt8]
    /// The erasure job's id.
    let jobId: String

    func run() throws -> JSONValue {
        let reader = UserDatasetReader(source: listing)
        guard let first = try reader.nextLine(), first["kind"]?.stringValue == "user", let userId = first["userId"]?.stringValue else {
            throw UserDataError.unreadable("The listing does not start with its user.")
        }
        var uploads: [JSONValue] = [], outputs: [JSONValue] = [], apiKeys: [JSONValue] = []
        var (jobs, statusEntries, bytes) = (0, 0, 0)
        var records: [String: Int] = [:]
        var ended = false
        while let line = try reader.nextLine() {
            switch line["kind"]?.stringValue {
            case "job":
                if line["job"]?["id"]?.stringValue != jobId { jobs += 1 }
            case "kv":
                if line["key"]?.stringValue != "job:" + jobId { statusEntries += 1 }
            case "record":
                // Counted by kind: a pitch's path holds its job's id.
                records[String(line["path"]?.stringValue?.split(separator: "/").first ?? "other"), default: 0] += 1
            case "apiKey":
                apiKeys.append(.object(["role": line["role"] ?? .null, "createdAt": line["createdAt"] ?? .null]))
            case "object":
                let size = line["size"]?.intValue ?? 0
                bytes += size
                let key = line["key"]?.stringValue ?? ""
                if line["job"]?.stringValue == nil {
                    uploads.append(.object(["key": .string(key), "size": .number(Double(size))]))
                } else {
                    // By name only: the key holds the job's id, which would tie the row to the user.
                    outputs.append(.object(["name": .string(String(key.split(separator: "/").last ?? "")), "size": .number(Double(size))]))
                }
            case "end":
                ended = true
            default:
                continue
            }
        }
        guard ended else { throw UserDataError.unreadable("The listing is truncated (no end line).") }
        return .object([
            "userId": .string(userId),
            "erasureJob": .string(jobId),
            "listedAt": first["generatedAt"] ?? .null,
            "removed": .object([
                "uploads": .array(uploads), "outputs": .array(outputs), "apiKeys": .array(apiKeys),
                "statusEntries": .number(Double(statusEntries)), "bytes": .number(Double(bytes)),
                "records": .object(records.mapValues { .number(Double($0)) }),
            ]),
            "anonymizedJobs": .number(Double(jobs)),
        ])
    }
}
