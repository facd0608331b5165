/// The uploads an `.objectKey`/`.objectKeys` parameter accepts: content types, each with the
/// largest object of that type. The platform checks an upload's stored content type and size
/// against it at submit, before a job exists (its HEAD of the object already has both): a type
/// not listed is a 415, an object over its type's size a 413, each naming the parameter and key.
public struct AcceptedObjects: Sendable {
    /// One accepted content type (compared without parameters such as `; charset=utf-8`, case-insensitively).
    public struct ContentType: Sendable {
        public var name: String
        public var maxBytes: Int

        public init(_ name: String, maxBytes: Int) {
            self.name = name
            self.maxBytes = maxBytes
        }
    }

    public var types: [ContentType]

    public init(_ types: [ContentType]) { self.types = types }

    /// Throws unless an object of `contentType` (as stored with the upload; nil when it has none)
    /// and `size` bytes is accepted for `parameter`.
    public func check(parameter: String, key: String, contentType: String?, size: Int) throws(ParameterError) {
        let given = Self.bare(contentType ?? "")
        guard let type = types.first(where: { Self.bare($0.name) == given }) else {
            throw ParameterError(name: parameter, message: "names \"\(key)\", an upload of type \(given.isEmpty ? "unknown" : given): it must be "
                                 + types.map(\.name).joined(separator: ", ") + " (upload it with that Content-Type)", status: 415)
        }
        guard size <= type.maxBytes else {
            throw ParameterError(name: parameter, message: "names \"\(key)\", \(size) bytes of \(type.name): at most \(type.maxBytes) bytes are accepted",
                                 status: 413)
        }
    }

    /// A content type without its parameters, lowercased.
    static func bare(_ contentType: String) -> String {
        let type = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(type.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()).lowercased()
    }
}
