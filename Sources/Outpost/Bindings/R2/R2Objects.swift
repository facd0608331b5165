/// One page of `list`: objects, the prefixes grouped by the delimiter, and a cursor when truncated.
public struct R2Objects: Sendable, Encodable {
    public let objects: [R2Object]
    public let delimitedPrefixes: [String]
    public let truncated: Bool
    /// Pass to the next `list` to continue; set only when `truncated`.
    public let cursor: String?
}
