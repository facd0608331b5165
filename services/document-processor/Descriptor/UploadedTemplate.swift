public import ServiceDescriptors

/// A template an admin uploaded (`PUT /api/document/templates/{name}`): Mustache text and the
/// fields it declares, checked when it arrives (``TemplateSourceCheck``).
///
/// The upload's body, which is also how the platform hands the template to the service in a job
/// (`templateSource`, and `templateFields` as JSON text):
/// `{"source": "…", "title"?, "summary"?, "fields": {"party": {"type": "text", "required": true, "default"?, "summary"?, "maxBytes"?, "minimum"?, "maximum"?, "choices"?}}}`,
/// where `type` is one of ``fieldTypes``.
public struct UploadedTemplate: Sendable {
    public var declaration: DocumentTemplateDeclaration
    public var source: String
    /// Each field's declared type as the upload said it (`date` reads as text of at most 100 bytes).
    public var fieldTypes: [String: String]

    /// The field types an upload may declare.
    public static let fieldTypes = ["text", "number", "integer", "boolean", "date", "choice"]
    /// Most fields one template declares.
    public static let maxFields = 100
    /// Longest text field an upload may declare (`maxBytes`), and the default when it declares none.
    public static let maxTextBytes = 65_536
    public static let defaultTextBytes = 2000
    static let dateBytes = 100

    /// Whether `name` may name an uploaded template: `[a-z0-9-]{1,64}`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// Reads and checks an upload's body for the template `name`.
    public init(name: String, body: JSONValue) throws(TemplateUploadError) {
        guard Self.isValidName(name) else {
            throw TemplateUploadError(code: "invalid_template_name", "A template's name is 1 to 64 characters of a-z, 0-9 and -, got \"\(name)\".")
        }
        guard case .object(let object) = body else {
            throw TemplateUploadError(code: "invalid_template", "The body must be a JSON object: {\"source\": \"<Mustache text>\", \"fields\": {…}, \"title\"?}.")
        }
        let known: Set<String> = ["source", "fields", "title", "summary"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw TemplateUploadError(code: "invalid_template", "Unknown field \"\(unknown)\" in the template; fields: \(known.sorted().joined(separator: ", ")).")
        }
        guard let source = object["source"]?.stringValue else {
            throw TemplateUploadError(code: "invalid_template", "\"source\" (the template's Mustache text) is required.")
        }
        let title = try Self.text(object["title"], "title", maxBytes: 300) ?? name
        let summary = try Self.text(object["summary"], "summary", maxBytes: 2000) ?? "An uploaded template."
        let (fields, types) = try Self.fields(object["fields"] ?? .object([:]))
        try TemplateSourceCheck.check(source, declared: Set(fields.map(\.name)))
        self.declaration = DocumentTemplateDeclaration(name: name, title: title, summary: summary, fields: fields)
        self.source = source
        self.fieldTypes = types
        let size = fieldsJSON.serialized().utf8.count
        guard size <= DocumentProcessorDescriptor.maxDataBytes else {
            throw TemplateUploadError(status: 413, code: "template_too_large",
                                      "The fields' declarations are \(size) bytes of JSON; at most \(DocumentProcessorDescriptor.maxDataBytes) are accepted.")
        }
    }

    /// The template a `generate-pdf` job carries (`templateSource`, `templateFields`), as the
    /// platform put it there from the stored upload; checked again like an upload.
    public init(name: String, source: String, fieldsJSON text: String) throws(TemplateUploadError) {
        guard let fields = try? JSONValue.parse(text) else {
            throw TemplateUploadError(code: "invalid_template", "templateFields must be the template's field declarations as JSON text.")
        }
        try self.init(name: name, body: ["source": .string(source), "fields": fields])
    }

    /// The upload's body again (what the platform stores and passes to the service).
    public var body: JSONValue {
        ["source": .string(source), "title": .string(declaration.title), "summary": .string(declaration.summary), "fields": fieldsJSON]
    }

    /// The `fields` object of ``body``.
    public var fieldsJSON: JSONValue {
        var out: [String: JSONValue] = [:]
        for spec in declaration.fields {
            var field: [String: JSONValue] = ["type": .string(fieldTypes[spec.name] ?? "text"), "required": .bool(spec.required), "summary": .string(spec.summary)]
            if let value = spec.defaultValue { field["default"] = value }
            switch spec.kind {
            case .text(let max) where fieldTypes[spec.name] != "date": field["maxBytes"] = .number(Double(max))
            case .number(let range): field["minimum"] = .number(range.lowerBound); field["maximum"] = .number(range.upperBound)
            case .integer(let range): field["minimum"] = .number(Double(range.lowerBound)); field["maximum"] = .number(Double(range.upperBound))
            case .choice(let values): field["choices"] = .array(values.map(JSONValue.string))
            default: break
            }
            out[spec.name] = .object(field)
        }
        return .object(out)
    }

    /// The declared fields, in name order, as parameter specs.
    static func fields(_ value: JSONValue) throws(TemplateUploadError) -> ([ParameterSpec], [String: String]) {
        guard case .object(let object) = value else {
            throw TemplateUploadError(code: "invalid_template", "\"fields\" must be an object: {\"name\": {\"type\": \"text\", \"required\": true}, …}.")
        }
        guard object.count <= maxFields else {
            throw TemplateUploadError(code: "invalid_template", "A template declares at most \(maxFields) fields, got \(object.count).")
        }
        var specs: [ParameterSpec] = []
        var types: [String: String] = [:]
        for name in object.keys.sorted() {
            func refuse(_ message: String) -> TemplateUploadError {
                TemplateUploadError(code: "invalid_template", "Field \"\(name)\" \(message).")
            }
            guard (1...64).contains(name.utf8.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
                  !DocumentTemplateDeclaration.documentParameters.contains(name) else {
                throw refuse("is not a usable name (1 to 64 of a-z, A-Z, 0-9, _ and -; not \(DocumentTemplateDeclaration.documentParameters.sorted().joined(separator: ", ")))")
            }
            guard case .object(let field) = object[name]! else { throw refuse("must be an object: {\"type\": \"text\", \"required\": true}") }
            let known: Set<String> = ["type", "required", "default", "summary", "maxBytes", "minimum", "maximum", "choices"]
            if let unknown = field.keys.sorted().first(where: { !known.contains($0) }) {
                throw refuse("has an unknown key \"\(unknown)\" (keys: \(known.sorted().joined(separator: ", ")))")
            }
            let type = field["type"]?.stringValue ?? "text"
            let minimum = field["minimum"]?.doubleValue, maximum = field["maximum"]?.doubleValue
            if let low = minimum, let high = maximum, low > high { throw refuse("has a minimum above its maximum") }
            let kind: ParameterSpec.Kind
            switch type {
            case "text":
                let max = field["maxBytes"]?.intValue ?? defaultTextBytes
                guard (1...maxTextBytes).contains(max) else { throw refuse("maxBytes must be a whole number from 1 to \(maxTextBytes)") }
                kind = .text(maxBytes: max)
            case "date": kind = .text(maxBytes: dateBytes)
            case "number": kind = .number((minimum ?? -1e15)...(maximum ?? 1e15))
            case "integer":
                let low = minimum ?? -1e15, high = maximum ?? 1e15
                guard low == low.rounded(), high == high.rounded(), abs(low) <= 1e15, abs(high) <= 1e15 else {
                    throw refuse("minimum and maximum must be whole numbers within ±1e15")
                }
                kind = .integer(Int(low)...Int(high))
            case "boolean": kind = .boolean
            case "choice":
                guard let choices = field["choices"]?.arrayValue?.compactMap(\.stringValue), !choices.isEmpty, choices.count <= 100 else {
                    throw refuse("of type choice needs \"choices\": 1 to 100 strings")
                }
                kind = .choice(choices)
            default:
                throw refuse("has type \"\(type)\"; types: \(fieldTypes.joined(separator: ", "))")
            }
            var required = false
            if let flag = field["required"], flag != .null {
                guard let value = flag.boolValue else { throw refuse("\"required\" must be true or false") }
                required = value
            }
            let summary = try text(field["summary"], "fields.\(name).summary", maxBytes: 2000) ?? ""
            var spec = ParameterSpec(name, kind, required: required, summary: summary)
            if let value = field["default"], value != .null {
                do { try spec.check(value) } catch { throw refuse("has a default that \(error.message)") }
                spec.defaultValue = value
            }
            specs.append(spec)
            types[name] = type
        }
        return (specs, types)
    }

    static func text(_ value: JSONValue?, _ name: String, maxBytes: Int) throws(TemplateUploadError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)? where text.utf8.count <= maxBytes: return text
        default: throw TemplateUploadError(code: "invalid_template", "\"\(name)\" must be text of at most \(maxBytes) bytes.")
        }
    }
}
