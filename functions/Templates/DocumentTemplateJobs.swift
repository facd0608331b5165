import DocumentProcessorDescriptor
import Durable
import Outpost
import ServiceDescriptors

/// `generate-pdf` jobs at submit: the template is a shipped one or one an admin uploaded (else a
/// 400 listing them all), and the job's fields are checked against its declaration (a 400 naming
/// the field) before anything is stored. For an uploaded template the job carries the template
/// itself: its fields move into `data`, its title becomes the PDF's unless the job names one, and
/// the platform adds `templateSource` and `templateFields`, which callers may not send.
enum DocumentTemplateJobs {
    static let service = DocumentProcessorDescriptor.service
    /// `document.generate-pdf`.
    static let generatePDF = service.apiName + ".generate-pdf"
    /// Parameters only the platform sets.
    static let platformParameters = ["templateSource", "templateFields"]

    /// The job request `job` (`{"type", "params", …}`, as `POST /api/containers/jobs` takes it),
    /// ready for `JobSubmission`: unchanged unless it is a `generate-pdf` job.
    static func resolve(_ job: JSONValue, ctx: APIContext) async throws -> JSONValue {
        guard case .object(var body) = job, body["type"]?.stringValue == generatePDF,
              ctx.services.service(apiName: service.apiName) != nil,
              case .object(var params)? = body["params"] else { return job }
        for name in platformParameters where params[name] != nil {
            throw JobInputError("Parameter \"\(name)\" is set by the platform from an uploaded template; callers may not send it.", code: "invalid_parameter")
        }
        guard let name = params["template"]?.stringValue else { return job }
        if let shipped = DocumentTemplates.named(name) {
            try check(params, against: shipped)
            return job
        }
        let store = try? DocumentTemplateStore(env: ctx.env)
        guard let entry = try await store?.get(name) else {
            let uploaded = try await store?.all().map(\.template.declaration.name) ?? []
            throw JobInputError("Parameter \"template\" names no template: \"\(name)\". Templates: \((DocumentTemplates.all.map(\.name) + uploaded).joined(separator: ", ")).",
                                code: "invalid_parameter")
        }
        let template = entry.template
        try check(params, against: template.declaration)
        // Its fields go in `data` (they need not be generate-pdf's parameters), parameters winning.
        var data: [String: JSONValue] = [:]
        if let text = params["data"]?.stringValue, case .object(let object)? = try? JSONValue.parse(text) { data = object }
        for (field, value) in params where !DocumentTemplateDeclaration.documentParameters.contains(field) {
            data[field] = value
            params[field] = nil
        }
        params["data"] = .string(JSONValue.object(data).serialized())
        if params["title"] == nil || params["title"] == .null { params["title"] = .string(template.declaration.title) }
        params["templateSource"] = .string(template.source)
        params["templateFields"] = .string(template.fieldsJSON.serialized())
        body["params"] = .object(params)
        return .object(body)
    }

    static func check(_ params: [String: JSONValue], against declaration: DocumentTemplateDeclaration) throws(JobInputError) {
        do { _ = try declaration.checkedFields(in: params) } catch {
            throw JobInputError(error.description, code: error.status == 413 ? "input_too_large" : "invalid_parameter", status: error.status)
        }
    }
}
