/// One page of `list`: objects, the prefixes grouped by the delimiter, and a cursor when truncated.
public struct R2Objects: Sendable, Encodable {
    /// Objects in key byte order; metadata only as `include` asked.
    public let objects: [R2Object]
    /// With a delimiter: each distinct key prefix up to and including the delimiter.
    public let delimitedPrefixes: [String]
    /// Whether more entries follow this page.
    public let truncated: Bool
    /// Pass to the next `list` to continue; set only when `truncated`.
    public let cursor: String?
}
