public import OutpostJSON

/// One parameter of an operation and its rule. Values arrive as JSON, or as text from form fields
/// and query strings, so numbers and booleans are accepted in either form.
public struct ParameterSpec: Sendable {
    public var name: String
    public var kind: Kind
    public var required: Bool
    /// The value the service uses when the parameter is absent (documentation and the API contract).
    public var defaultValue: JSONValue?
    public var summary: String
    /// The HTTP status when a `.text` or `.json` value is over its size: 400, or 413 for a payload
    /// (e.g. source code) whose size is the caller's problem rather than a wrong value.
    public var oversizeStatus: Int
    /// `.text` only: whitespace-only text is refused (a 400 "must not be empty").
    public var nonEmpty: Bool = false
    /// `.json` only: when the value is an array, how many items it may hold (a 400 otherwise).
    public var itemCount: ClosedRange<Int>?
    /// `.objectKey`/`.objectKeys` only: the uploads' accepted content types and sizes, checked
    /// by the platform at submit (nil: any upload).
    public var accepts: AcceptedObjects?

    public enum Kind: Sendable {
        /// A finite number in the range.
        case number(ClosedRange<Double>)
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// One of these strings (compared case-insensitively).
        case choice([String])
        /// One or more of these strings (case-insensitive), as a JSON array or comma-separated text.
        case choices([String])
        /// Any text up to this many bytes.
        case text(maxBytes: Int)
        case boolean
        /// Any JSON value (object, array, text, number…) whose serialized form is at most this many bytes.
        case json(maxBytes: Int)
        /// The key of one object in the platform's media bucket (an upload): a string of 1 to
        /// ``ParameterSpec/maxObjectKeyBytes`` bytes. The platform checks at submit that it exists
        /// and sends the object to the service as a part of a multipart job request (an attachment).
        case objectKey
        /// Keys of objects in the platform's media bucket, as a JSON list (or comma-separated
        /// text, or the text of a JSON list), their count in the range; each goes to the service
        /// as one attachment, in list order.
        case objectKeys(ClosedRange<Int>)
    }

    /// Longest object key, in bytes (R2's own limit).
    public static let maxObjectKeyBytes = 1024

    public init(_ name: String, _ kind: Kind, required: Bool = false, default defaultValue: JSONValue? = nil, summary: String,
                oversizeStatus: Int = 400) {
        self.oversizeStatus = oversizeStatus
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.summary = summary
    }

    /// This spec with whitespace-only text refused (`.text`).
    public func requiringText() -> ParameterSpec {
        var copy = self
        copy.nonEmpty = true
        return copy
    }

    /// This spec with arrays limited to `count` items (`.json`).
    public func holding(_ count: ClosedRange<Int>) -> ParameterSpec {
        var copy = self
        copy.itemCount = count
        return copy
    }

    /// This spec accepting only these uploads (`.objectKey`, `.objectKeys`).
    public func accepting(_ objects: AcceptedObjects) -> ParameterSpec {
        var copy = self
        copy.accepts = objects
        return copy
    }

    /// What the parameter accepts, as the error messages say it.
    public var rule: String {
        switch kind {
        case .number(let range): "a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
        case .integer(let range): "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .choice(let values): "one of " + values.joined(separator: ", ")
        case .choices(let values): "one or more of " + values.joined(separator: ", ") + " (a list or comma-separated)"
        case .text(let max): "text of at most \(max) bytes"
        case .boolean: "true or false"
        case .json(let max): "JSON of at most \(max) bytes"
        case .objectKey: "the key of an upload (1 to \(Self.maxObjectKeyBytes) bytes)"
        case .objectKeys(let count): "a list of \(count.lowerBound) to \(count.upperBound) keys of uploads (each 1 to \(Self.maxObjectKeyBytes) bytes)"
        }
    }

    /// Whether the parameter names objects of the media bucket (`.objectKey`, `.objectKeys`),
    /// which travel to the service as attachments.
    public var namesObjects: Bool {
        switch kind {
        case .objectKey, .objectKeys: true
        default: false
        }
    }

    /// The object keys `value` names, in order, when this is an `.objectKey` or `.objectKeys`
    /// parameter and the value has the right shape; nil otherwise.
    public func objectKeys(in value: JSONValue) -> [String]? {
        switch kind {
        case .objectKey: value.stringValue.map { [$0] }
        case .objectKeys: Self.keyList(value)
        default: nil
        }
    }

    /// Whether the parameter takes any JSON value (objects and arrays included), not only scalars.
    public var acceptsStructuredJSON: Bool { if case .json = kind { true } else { false } }

    /// Throws unless `value` satisfies the rule.
    public func check(_ value: JSONValue) throws(ParameterError) {
        switch kind {
        case .text(let max) where (value.stringValue?.utf8.count ?? 0) > max,
             .json(let max) where value.serialized().utf8.count > max:
            throw ParameterError(name: name, message: "is over its limit: it must be \(rule)", status: oversizeStatus)
        default: break
        }
        if nonEmpty, case .text = kind, let text = value.stringValue, text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            throw ParameterError(name: name, message: "must not be empty: it must be \(rule)")
        }
        if let itemCount, case .json = kind, let items = value.arrayValue, !itemCount.contains(items.count) {
            throw ParameterError(name: name, message: "must hold \(itemCount.lowerBound) to \(itemCount.upperBound) items, got \(items.count)")
        }
        let ok: Bool = switch kind {
        case .number(let range): Self.number(value).map { $0.isFinite && range.contains($0) } ?? false
        case .integer(let range): Self.number(value).map { $0 == $0.rounded() && $0 >= Double(range.lowerBound) && $0 <= Double(range.upperBound) } ?? false
        case .choice(let values): value.stringValue.map { text in values.contains { $0.equalsIgnoringCase(text) } } ?? false
        case .choices(let values): Self.list(value).map { !$0.isEmpty && $0.allSatisfy { text in values.contains { $0.equalsIgnoringCase(text) } } } ?? false
        case .text(let max): value.stringValue.map { $0.utf8.count <= max } ?? false
        case .boolean: Self.boolean(value) != nil
        case .json: true
        case .objectKey: value.stringValue.map(Self.isObjectKey) ?? false
        case .objectKeys(let count):
            try Self.checkKeys(value, count: count, name: name)
        }
        if !ok { throw ParameterError(name: name, message: "must be \(rule), got \(value.display)") }
    }

    /// A number given as a JSON number or as text.
    public static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let n): n
        case .string(let s): Double(s.trimmingSpaces)
        default: nil
        }
    }

    /// A list given as a JSON array of strings or as comma-separated text (items trimmed, empty ones dropped).
    public static func list(_ value: JSONValue) -> [String]? {
        switch value {
        case .string(let s): s.split(separator: ",").map { String(String($0).trimmingSpaces) }.filter { !$0.isEmpty }
        case .array(let items):
            items.allSatisfy({ $0.stringValue != nil }) ? items.compactMap(\.stringValue).map { String($0.trimmingSpaces) } : nil
        default: nil
        }
    }

    /// A list of object keys: a JSON array of strings, the text of one (`["a","b"]`, as a query
    /// string carries it), or comma-separated text. Keys are kept exactly (no trimming: a key may
    /// hold spaces) except around commas of comma-separated text.
    public static func keyList(_ value: JSONValue) -> [String]? {
        switch value {
        case .array(let items): return items.allSatisfy({ $0.stringValue != nil }) ? items.compactMap(\.stringValue) : nil
        case .string(let s):
            if s.first == "[", let parsed = try? JSONValue.parse(Array(s.utf8)), case .array = parsed { return keyList(parsed) }
            return list(value)
        default: return nil
        }
    }

    private static func isObjectKey(_ key: String) -> Bool { !key.isEmpty && key.utf8.count <= maxObjectKeyBytes }

    private static func checkKeys(_ value: JSONValue, count: ClosedRange<Int>, name: String) throws(ParameterError) -> Bool {
        guard let keys = keyList(value) else { return false }
        guard count.contains(keys.count) else {
            throw ParameterError(name: name, message: "must hold \(count.lowerBound) to \(count.upperBound) keys, got \(keys.count)")
        }
        if let bad = keys.firstIndex(where: { !isObjectKey($0) }) {
            throw ParameterError(name: name, message: "has a key (number \(bad + 1)) that is empty or longer than \(maxObjectKeyBytes) bytes")
        }
        return true
    }

    /// A boolean given as JSON or as text (`true`/`false`/`1`/`0`).
    public static func boolean(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let b): b
        case .string(let s): ["true": true, "1": true, "false": false, "0": false][s.lowercased()]
        default: nil
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension String {
    fileprivate func equalsIgnoringCase(_ other: String) -> Bool { lowercased() == other.lowercased() }

    fileprivate var trimmingSpaces: Substring {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return self[start...end]
    }
}

/// A parameter that breaks its rule: its name, and what it accepts.
public struct ParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var message: String
    /// 400, or 413 for a value over its size when its spec says so (`oversizeStatus`).
    public var status: Int

    public init(name: String, message: String, status: Int = 400) {
        self.name = name
        self.message = message
        self.status = status
    }

    /// `Parameter "width" must be a whole number from 0 to 8192, got 1.5.`
    public var description: String { "Parameter \"\(name)\" \(message)." }
}
