public import ServiceDescriptors

/// A document template's declaration: its name, what it makes, and the fields its data takes
/// (each a ``ParameterSpec``: type, range, required or default). `GET /api/document/templates`
/// lists these, and `generate-pdf` checks a job's data against them.
public struct DocumentTemplateDeclaration: Sendable {
    /// The template's name, the value of `generate-pdf`'s `template` parameter.
    public var name: String
    /// The document's title (also the PDF's Title unless the job names one).
    public var title: String
    public var summary: String
    /// The fields of its data.
    public var fields: [ParameterSpec]

    public init(name: String, title: String, summary: String, fields: [ParameterSpec]) {
        self.name = name
        self.title = title
        self.summary = summary
        self.fields = fields
    }

    /// The field named `name`, if the template has it.
    public func field(_ name: String) -> ParameterSpec? { fields.first { $0.name == name } }

    /// `generate-pdf`'s parameters that are not template fields.
    public static let documentParameters: Set<String> = ["template", "data", "title", "author", "templateSource", "templateFields"]

    /// The template's fields in a job's parameters: from `data` (a JSON object as text) and from
    /// the other parameters (which win), each checked against its declaration, with defaults
    /// applied. An unknown field, a missing required one or a value outside its rule throws,
    /// naming the field.
    public func checkedFields(in parameters: [String: JSONValue]) throws(ParameterError) -> [String: JSONValue] {
        var given: [String: JSONValue] = [:]
        if let data = parameters["data"], data != .null {
            guard let text = data.stringValue, let parsed = try? JSONValue.parse(text), case .object(let object) = parsed else {
                throw ParameterError(name: "data", message: "must be a JSON object of the template's fields, e.g. {\"disclosing_party\": \"…\"}")
            }
            given = object
        }
        for (name, value) in parameters where !Self.documentParameters.contains(name) && value != .null {
            given[name] = value
        }
        let known = fields.map(\.name)
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw ParameterError(name: unknown, message: "is not a field of template \(name) (fields: \(known.joined(separator: ", ")))")
        }
        var checked: [String: JSONValue] = [:]
        for spec in fields {
            switch given[spec.name] {
            case nil, .null?:
                if spec.required {
                    throw ParameterError(name: spec.name, message: "is required by template \(name): \(spec.rule) (\(spec.summary))")
                }
                if let value = spec.defaultValue { checked[spec.name] = value }
            case let value?:
                do { try spec.check(value) } catch {
                    throw ParameterError(name: spec.name, message: "\(error.message) (a field of template \(name))", status: error.status)
                }
                if case .text = spec.kind, value.stringValue?.allSatisfy(\.isWhitespace) == true {
                    if spec.required { throw ParameterError(name: spec.name, message: "is required by template \(name) and must not be empty") }
                    continue
                }
                checked[spec.name] = value
            }
        }
        return checked
    }
}
