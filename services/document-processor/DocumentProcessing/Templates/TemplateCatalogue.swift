import DocumentProcessorDescriptor
import ServiceKit

/// `GET /templates` (`GET /api/document/templates`): every shipped template and its fields.
struct TemplateCatalogue: Encodable, Sendable {
    struct Template: Encodable, Sendable {
        var name: String
        var title: String
        var summary: String
        var fields: [Field]
    }

    struct Field: Encodable, Sendable {
        var name: String
        /// `text`, `number`, `integer`, `choice`, `choices`, `boolean` or `json`.
        var type: String
        var required: Bool
        var `default`: JSONValue?
        /// What it accepts, as the 400 messages say it.
        var rule: String
        var choices: [String]?
        var minimum: Double?
        var maximum: Double?
        var maxBytes: Int?
        var summary: String
    }

    var templates: [Template]

    static let current = TemplateCatalogue(templates: DocumentTemplates.all.map { declaration in
        Template(name: declaration.name, title: declaration.title, summary: declaration.summary, fields: declaration.fields.map(field))
    })

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
