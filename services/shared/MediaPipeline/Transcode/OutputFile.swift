/// A file an operation wrote into its scratch directory, to be returned as one job output.
public struct OutputFile: Sendable, Equatable {
    /// The output's name without extension (the platform adds the one its content type declares).
    public var name: String
    /// Its media type.
    public var contentType: String
    /// Where it was written.
    public var path: String

    /// Creates a file record.
    public init(name: String, contentType: String, path: String) {
        self.name = name
        self.contentType = contentType
        self.path = path
    }
}
