public import DocumentProcessorDescriptor
import Foundation
import Mustache
public import ServiceKit

/// A template with its fields checked and filled: what `generate-pdf` lays out.
///
/// The fields come from the job's parameters and from `data` (a JSON object as text);
/// parameters win. Each is checked against the template's declaration: unknown fields, a missing
/// required one or a value outside its rule is a 400 naming the field.
public struct TemplateFilling: Sendable {
    public let declaration: DocumentTemplateDeclaration
    /// The checked fields with defaults applied, as the template renders them.
    public let fields: [String: JSONValue]

    /// The job parameters that are not template fields.
    static let documentParameters: Set<String> = ["template", "data", "title", "author"]

    /// Checks the fields of `templateName` in `parameters`.
    public init(templateName: String, parameters: JobParameters) throws(ServiceError) {
        guard let declaration = DocumentTemplates.named(templateName) else {
            throw .invalidParameter("template", "unknown template \"\(templateName)\"; templates: \(DocumentTemplates.all.map(\.name).joined(separator: ", ")).")
        }
        var given: [String: JSONValue] = [:]
        if let dataText = try parameters.string("data") {
            guard let parsed = try? JSONValue.parse(dataText), case .object(let object) = parsed else {
                throw .invalidParameter("data", "must be a JSON object of the template's fields, e.g. {\"disclosing_party\": \"…\"}.")
            }
            given = object
        }
        for (name, value) in parameters.values where !Self.documentParameters.contains(name) && value != .null {
            given[name] = value
        }
        let known = declaration.fields.map(\.name)
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParameter(unknown, "is not a field of template \(declaration.name) (fields: \(known.joined(separator: ", "))).")
        }
        var fields: [String: JSONValue] = [:]
        for spec in declaration.fields {
            switch given[spec.name] {
            case nil, .null?:
                if spec.required {
                    throw .invalidParameter(spec.name, "is required by template \(declaration.name): \(spec.rule) (\(spec.summary))")
                }
                if let value = spec.defaultValue { fields[spec.name] = value }
            case let value?:
                do { try spec.check(value) } catch {
                    throw .invalidParameter(spec.name, "\(error.message) (a field of template \(declaration.name)).")
                }
                if case .text = spec.kind, value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true {
                    if spec.required { throw .invalidParameter(spec.name, "is required by template \(declaration.name) and must not be empty.") }
                    continue
                }
                fields[spec.name] = value
            }
        }
        self.declaration = declaration
        self.fields = fields
    }

    /// The template's text with the fields filled in (HTML-escaped by Mustache, which the layout's
    /// markup reads as entities).
    public func render() throws(ServiceError) -> String {
        guard let source = TemplateSources.byName[declaration.name] else {
            throw .internalError("Template \(declaration.name) is declared but has no text.")
        }
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
