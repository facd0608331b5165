import Foundation

/// A byte range of an object: `{offset, length?}`, `{length}` or `{suffix}`, as in Workers.
public struct R2Range: Sendable, Hashable, Codable {
    public var offset: Int?
    public var length: Int?
    public var suffix: Int?

    public init(offset: Int? = nil, length: Int? = nil, suffix: Int? = nil) {
        self.offset = offset
        self.length = length
        self.suffix = suffix
    }

    /// From `offset` to the end, or `length` bytes from `offset`.
    public static func offset(_ offset: Int, length: Int? = nil) -> R2Range { R2Range(offset: offset, length: length) }
    /// The first `length` bytes.
    public static func length(_ length: Int) -> R2Range { R2Range(length: length) }
    /// The last `suffix` bytes.
    public static func suffix(_ suffix: Int) -> R2Range { R2Range(suffix: suffix) }

    /// The (start, length) this range selects in an object of `size` bytes, or 10039.
    func resolve(size: Int, operation: String) throws -> (start: Int, length: Int) {
        var offset = self.offset
        var length = self.length
        if let suffix {
            guard suffix > 0 else { throw R2Error.invalidRange(operation) }
            let n = min(suffix, size)
            offset = size - n
            length = n
        }
        let start = offset ?? 0
        let count = length ?? (size - start)
        guard start >= 0, start < size, count > 0 else { throw R2Error.invalidRange(operation) }
        return (start, min(count, size - start))
    }

    /// Parses a `Range: bytes=…` header. Returns nil for a header R2 ignores (malformed or
    /// several ranges: the whole object is returned); a single range past the end is 10039.
    static func parse(header: String, size: Int, operation: String) throws -> (start: Int, length: Int)? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = text.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let n = Int(last) else { return nil }
            return try R2Range(suffix: n).resolve(size: size, operation: operation)
        }
        guard let start = Int(first), start >= 0 else { return nil }
        guard start < size else { throw R2Error.invalidRange(operation) }
        if last.isEmpty { return (start, size - start) }
        guard let end = Int(last), end >= start else { return nil }
        return (start, min(end, size - 1) - start + 1)
    }
}
