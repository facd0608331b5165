/// One `allowedHosts` / `deniedHosts` entry: a host name or IP literal where `*` matches any run of
/// characters, dots included (Cloudflare's "simple glob"): `*.example.com` matches `api.example.com`
/// and `a.b.example.com` but not `example.com`; `*` matches every host. Case-insensitive; a trailing
/// dot and IPv6 brackets are ignored on both sides.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    private let parts: [Substring]

    public init(_ text: String) {
        self.text = text
        parts = Self.normalized(text).split(separator: "*", omittingEmptySubsequences: false)
    }

    public var description: String { text }

    /// True when `host` matches the whole pattern.
    public func matches(_ host: String) -> Bool {
        let host = Self.normalized(host)
        guard parts.count > 1 else { return host == parts.first.map(String.init) ?? "" }
        var rest = Substring(host)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        let last = parts[parts.count - 1]
        // The middle pieces in order, each at its first occurrence (leftmost match suffices for `*` globs).
        for piece in parts.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = rest.firstRange(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }

    static func normalized(_ host: String) -> String {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h.count > 1, h.hasSuffix(".") { h.removeLast() }
        return h
    }
}
