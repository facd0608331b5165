import Outpost
import Foundation
import ServiceDescriptors

/// The body of a job request whose operation has object-key parameters that are set: a
/// `multipart/form-data` body (RFC 7578) streamed from R2, never held in memory.
///
/// First the job's main input as the part `input` (operations whose input is `.media`), then for
/// each object-key parameter in the descriptor's order one part per key, in list order, named after
/// the parameter, with the key's last path component as the file name and the object's content type.
struct AttachmentsBody: Sendable {
    /// One object to send.
    struct Part: Sendable, Equatable {
        var name: String
        var key: String
        var contentType: String
    }

    let parts: [Part]
    let boundary = "outpost-" + UUID().uuidString.lowercased()

    /// The request's Content-Type.
    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The parts of `job`, or nil when it sends no attachments (its request is unchanged). Every
    /// object must still be in `media` (it was at submit): a missing one is a failure not worth
    /// another attempt.
    static func parts(of job: JobRecord, operation: OperationDescriptor, media: R2Bucket) async throws -> AttachmentsBody? {
        let attachments = operation.objectKeys(in: job.params)
        guard !attachments.isEmpty else { return nil }
        var parts: [Part] = []
        if operation.input == .media, let key = job.inputKey { parts.append(try await part("input", key, media: media)) }
        for (parameter, keys) in attachments {
            for key in keys { parts.append(try await part(parameter, key, media: media)) }
        }
        return AttachmentsBody(parts: parts)
    }

    private static func part(_ name: String, _ key: String, media: R2Bucket) async throws -> Part {
        guard let object = try await media.head(key) else {
            let what = name == "input" ? "The input" : "The object \"\(key)\" of parameter \"\(name)\""
            throw JobRunner.Outcome.FailureBox(
                JobFailure(code: "input_not_found", message: "\(what) (\(key)) is not in the \(PlatformBindings.media) bucket (upload it with POST /api/containers/uploads)."),
                retryable: false)
        }
        return Part(name: name, key: key, contentType: object.httpMetadata.contentType ?? "application/octet-stream")
    }

    /// The body: each object is read from R2 only when the service has taken what came before.
    func body(media: R2Bucket) -> Body {
        let (parts, boundary) = (parts, boundary)
        return Body { writer in
            for part in parts {
                guard let object = try await media.get(part.key) else {
                    throw JobRunner.Outcome.FailureBox(JobFailure(code: "input_not_found", message: "The object \"\(part.key)\" left the \(PlatformBindings.media) bucket while the job was being sent."),
                                                       retryable: false)
                }
                await writer.write("--\(boundary)\r\n" + Self.header(part))
                for try await chunk in object.body { await writer.write(chunk) }
                await writer.write("\r\n")
            }
            await writer.write("--\(boundary)--\r\n")
        }
    }

    /// A part's header block, through its empty line.
    static func header(_ part: Part) -> String {
        "Content-Disposition: form-data; name=\"\(quoted(part.name))\"; filename=\"\(quoted(fileName(part.key)))\"\r\n"
            + "Content-Type: \(part.contentType)\r\n\r\n"
    }

    /// A key's last path component (the key itself when it has no `/`, or ends in one).
    static func fileName(_ key: String) -> String {
        let last = key.split(separator: "/").last.map(String.init) ?? key
        return last.isEmpty ? key : last
    }

    /// Text for a quoted header parameter: `"`, CR and LF percent-encoded as RFC 7578 §4.2 suggests.
    private static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }
}
