public import ServiceDescriptors

/// `GET /api/document/templates`: every template and its fields — the shipped ones (also the
/// service's own `GET /templates`), then those admins uploaded.
public struct TemplateCatalogue: Encodable, Sendable {
    public struct Template: Encodable, Sendable {
        public var name: String
        public var title: String
        public var summary: String
        public var fields: [Field]
        /// Set for uploaded templates: who uploaded it and when (ISO 8601).
        public var uploadedBy: String?
        public var uploadedAt: String?
    }

    public struct Field: Encodable, Sendable {
        public var name: String
        /// `text`, `number`, `integer`, `choice`, `choices`, `boolean`, `json` (shipped), or `date` (uploaded).
        public var type: String
        public var required: Bool
        public var `default`: JSONValue?
        /// What it accepts, as the 400 messages say it.
        public var rule: String
        public var choices: [String]?
        public var minimum: Double?
        public var maximum: Double?
        public var maxBytes: Int?
        public var summary: String
    }

    public var templates: [Template]

    /// The shipped templates.
    public static let current = TemplateCatalogue(templates: DocumentTemplates.all.map(template))

    /// The shipped templates followed by `uploaded`, each with who uploaded it and when.
    public static func with(uploaded: [(template: UploadedTemplate, by: String, at: String)]) -> TemplateCatalogue {
        var catalogue = current
        for entry in uploaded {
            var listed = template(entry.template.declaration)
            for index in listed.fields.indices where entry.template.fieldTypes[listed.fields[index].name] == "date" {
                listed.fields[index].type = "date"
            }
            listed.uploadedBy = entry.by
            listed.uploadedAt = entry.at
            catalogue.templates.append(listed)
        }
        return catalogue
    }

    static func template(_ declaration: DocumentTemplateDeclaration) -> Template {
        Template(name: declaration.name, title: declaration.title, summary: declaration.summary, fields: declaration.fields.map(field))
    }

    static func field(_ spec: ParameterSpec) -> Field {
        var field = Field(name: spec.name, type: "text", required: spec.required, default: spec.defaultValue, rule: spec.rule, summary: spec.summary)
        switch spec.kind {
        case .text(let max): field.maxBytes = max
        case .number(let range): field.type = "number"; field.minimum = range.lowerBound; field.maximum = range.upperBound
        case .integer(let range): field.type = "integer"; field.minimum = Double(range.lowerBound); field.maximum = Double(range.upperBound)
        case .choice(let values): field.type = "choice"; field.choices = values
        case .boolean: field.type = "boolean"
        case .choices(let values): field.type = "choices"; field.choices = values
        case .json(let max): field.type = "json"; field.maxBytes = max
        case .objectKey: field.type = "objectKey"
        case .objectKeys: field.type = "objectKeys"
        }
        return field
    }
}
