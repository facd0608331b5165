import DocumentProcessorDescriptor
import Foundation
import Outpost
import ServiceDescriptors

/// The templates admins uploaded for the document-processor, in the `TEMPLATES_KV` namespace:
/// `template:<name>` → `{"template": <the upload's body>, "uploadedBy", "uploadedAt"}`. Each is
/// checked again when read (``UploadedTemplate``), so a stored record is never trusted blindly.
struct DocumentTemplateStore: Sendable {
    /// The KV binding, as wrangler.toml names it.
    static let binding = "TEMPLATES_KV"
    static let prefix = "template:"

    /// One stored template and who uploaded it when.
    struct Entry: Sendable {
        var template: UploadedTemplate
        var uploadedBy: String
        /// ISO 8601.
        var uploadedAt: String
    }

    let kv: KVNamespace

    /// The store of `env`; a 503 when the deployment has no `TEMPLATES_KV` namespace.
    init(env: Env) throws {
        do { kv = try env.kv(Self.binding) } catch {
            throw HTTPFailure(503, code: "templates_unavailable", "Uploaded templates need the \(Self.binding) KV namespace in wrangler.toml.")
        }
    }

    func get(_ name: String) async throws -> Entry? {
        guard UploadedTemplate.isValidName(name), let record = try await kv.getJSON(Self.prefix + name) else { return nil }
        return try Self.entry(name: name, record: record)
    }

    func put(_ entry: Entry) async throws {
        let record: JSONValue = ["template": entry.template.body, "uploadedBy": .string(entry.uploadedBy), "uploadedAt": .string(entry.uploadedAt)]
        try await kv.put(Self.prefix + entry.template.declaration.name, json: record)
    }

    /// Whether there was one to delete.
    func delete(_ name: String) async throws -> Bool {
        guard try await get(name) != nil else { return false }
        try await kv.delete(Self.prefix + name)
        return true
    }

    /// Every stored template, by name.
    func all() async throws -> [Entry] {
        var entries: [Entry] = []
        var cursor: String?
        repeat {
            let page = try await kv.list(KVListOptions(prefix: Self.prefix, cursor: cursor))
            for key in page.keys {
                let name = String(key.name.dropFirst(Self.prefix.count))
                if let entry = try await get(name) { entries.append(entry) }
            }
            cursor = page.cursor
        } while cursor != nil
        return entries
    }

    static func entry(name: String, record: JSONValue) throws -> Entry {
        guard let body = record["template"] else {
            throw HTTPFailure(500, code: "template_corrupt", "The stored template \(name) has no body.")
        }
        do {
            return Entry(template: try UploadedTemplate(name: name, body: body),
                         uploadedBy: record["uploadedBy"]?.stringValue ?? "", uploadedAt: record["uploadedAt"]?.stringValue ?? "")
        } catch {
            throw HTTPFailure(500, code: "template_corrupt", "The stored template \(name) no longer checks: \(error.message)")
        }
    }
}
