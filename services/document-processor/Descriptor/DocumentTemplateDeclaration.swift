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
}
