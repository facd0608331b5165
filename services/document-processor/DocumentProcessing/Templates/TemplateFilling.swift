public import DocumentProcessorDescriptor
import Foundation
import Mustache
public import ServiceKit

/// A template with its fields checked and filled: what `generate-pdf` lays out.
///
/// The template is a shipped one, or an uploaded one whose text and field declarations the
/// platform put in the job (`templateSource`, `templateFields`; checked again here like an
/// upload). The fields come from the job's parameters and from `data` (a JSON object as text);
/// parameters win. Each is checked against the template's declaration: unknown fields, a missing
/// required one or a value outside its rule is a 400 naming the field.
public struct TemplateFilling: Sendable {
    public let declaration: DocumentTemplateDeclaration
    /// The template's Mustache text.
    public let source: String
    /// The checked fields with defaults applied, as the template renders them.
    public let fields: [String: JSONValue]

    /// Checks the fields of `templateName` in `parameters`.
    public init(templateName: String, parameters: JobParameters) throws(ServiceError) {
        if let uploadedSource = try parameters.string("templateSource") {
            let fieldsJSON = try parameters.string("templateFields") ?? "{}"
            let uploaded: UploadedTemplate
            do throws(TemplateUploadError) {
                uploaded = try UploadedTemplate(name: templateName, source: uploadedSource, fieldsJSON: fieldsJSON)
            } catch {
                throw ServiceError(statusCode: error.status, code: error.code, message: "Template \(templateName): \(error.message)")
            }
            declaration = uploaded.declaration
            source = uploaded.source
        } else if let shipped = DocumentTemplates.named(templateName), let text = TemplateSources.byName[shipped.name] {
            declaration = shipped
            source = text
        } else {
            throw .invalidParameter("template", "unknown template \"\(templateName)\"; templates: \(DocumentTemplates.all.map(\.name).joined(separator: ", ")) (and any uploaded ones, see GET /api/document/templates).")
        }
        do throws(ParameterError) {
            fields = try declaration.checkedFields(in: parameters.values)
        } catch {
            throw ServiceError(statusCode: error.status, code: "invalid_parameter", message: "\(error.name): \(error.message).")
        }
    }

    /// The template's text with the fields filled in (HTML-escaped by Mustache, which the layout's
    /// markup reads as entities).
    public func render() throws(ServiceError) -> String {
        let template: MustacheTemplate
        do { template = try MustacheTemplate(string: source) } catch {
            throw .internalError("Template \(declaration.name) does not parse: \(error)")
        }
        var context: [String: Any] = [:]
        for (name, value) in fields {
            guard let spec = declaration.field(name) else { continue }
            context[name] = Self.display(value, kind: spec.kind)
        }
        return template.render(context)
    }

    /// How a field's value reads in a document: numbers with thousands separators.
    static func display(_ value: JSONValue, kind: ParameterSpec.Kind) -> Any {
        switch kind {
        case .number, .integer:
            guard let number = ParameterSpec.number(value) else { return value.display }
            return Self.formatNumber(number)
        case .boolean:
            return ParameterSpec.boolean(value) ?? false
        default:
            return value.stringValue ?? value.display
        }
    }

    /// `1250000` → `1,250,000`; `12.5` → `12.50`.
    static func formatNumber(_ number: Double) -> String {
        let whole = number.rounded(.towardZero)
        let fraction = abs(number - whole)
        var digits = String(Int64(abs(whole)))
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = (number < 0 ? "-" : "") + digits + grouped
        if fraction < 0.005 { return grouped }
        let cents = Int((fraction * 100).rounded())
        return grouped + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
