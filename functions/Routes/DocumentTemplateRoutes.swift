import DocumentProcessorDescriptor
import Durable
import Foundation
import Outpost
import ServiceDescriptors

/// The document-processor's templates: `GET /api/document/templates` lists the shipped ones and
/// those admins uploaded; admins `PUT` and `DELETE /api/document/templates/{name}`.
///
/// An upload is checked before it is stored (``UploadedTemplate``): a Mustache syntax error is a
/// 400 with its `line` and `column`, a field used but not declared a 400 naming it, a source over
/// 64 KiB a 413, a shipped template's name a 409.
enum DocumentTemplateRoutes {
    static let service = DocumentProcessorDescriptor.service
    static let path = "/api/\(service.apiName)/templates"
    /// Largest upload body, in bytes.
    static let maxBodyBytes = 512 * 1024

    static func add(to r: inout WorkerRouter<APIContext>) {
        r.on(.get, path) { _, _, ctx in try await list(ctx: ctx) }
        r.on(.put, path + "/:name") { request, params, ctx in try await upload(params["name"] ?? "", request, ctx: ctx) }
        r.on(.delete, path + "/:name") { _, params, ctx in try await delete(params["name"] ?? "", ctx: ctx) }
    }

    static func list(ctx: APIContext) async throws -> Response {
        let uploaded = try await (try? DocumentTemplateStore(env: ctx.env))?.all() ?? []
        return .json(TemplateCatalogue.with(uploaded: uploaded.map { ($0.template, $0.uploadedBy, $0.uploadedAt) }))
    }

    static func upload(_ name: String, _ request: Request, ctx: APIContext) async throws -> Response {
        try ctx.requireAdmin()
        if DocumentTemplates.named(name) != nil {
            throw HTTPFailure(409, code: "template_exists", "\"\(name)\" is a shipped template; an uploaded template needs another name.")
        }
        // A 413 past this; the source's own limit (64 KiB of text, checked after JSON unescaping) is
        // the template's, and this leaves room for escapes and the fields.
        let bytes = try await request.body.bytes(upTo: maxBodyBytes)
        guard let body = try? JSONValue.parse(bytes) else {
            throw HTTPFailure.badRequest("The body must be JSON: {\"source\": \"<Mustache text>\", \"fields\": {…}, \"title\"?}.", code: "invalid_template")
        }
        let template: UploadedTemplate
        do { template = try UploadedTemplate(name: name, body: body) } catch {
            var detail: [String: JSONValue] = ["code": .string(error.code), "message": .string(error.message)]
            if let line = error.line, let column = error.column {
                detail["line"] = .number(Double(line))
                detail["column"] = .number(Double(column))
            }
            return .json(["error": .object(detail)], status: .init(code: error.status))
        }
        let store = try DocumentTemplateStore(env: ctx.env)
        let replaced = try await store.get(name) != nil
        let entry = DocumentTemplateStore.Entry(template: template, uploadedBy: ctx.caller.id, uploadedAt: ISO8601DateFormatter().string(from: Date()))
        try await store.put(entry)
        let listed = TemplateCatalogue.with(uploaded: [(template, entry.uploadedBy, entry.uploadedAt)]).templates.last
        return .json(listed, status: replaced ? .ok : .created)
    }

    static func delete(_ name: String, ctx: APIContext) async throws -> Response {
        try ctx.requireAdmin()
        if DocumentTemplates.named(name) != nil {
            throw HTTPFailure(409, code: "template_shipped", "\"\(name)\" is a shipped template and cannot be deleted.")
        }
        guard try await DocumentTemplateStore(env: ctx.env).delete(name) else {
            throw HTTPFailure.notFound("No uploaded template \"\(name)\".", code: "template_not_found")
        }
        return .json(["deleted": .string(name)])
    }
}
