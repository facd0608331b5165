/// Why an uploaded template (or the template a job carries) was refused: an HTTP status, a code,
/// a message a person can act on, and for Mustache syntax errors where in the source it is.
public struct TemplateUploadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    /// 1-based line and column in the template's source, when the problem is at one place.
    public var line: Int?
    public var column: Int?

    public init(status: Int = 400, code: String, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { message }
}
