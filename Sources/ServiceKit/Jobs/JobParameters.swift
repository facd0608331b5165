/// A job's `params`, read as typed values; a wrong type is a 400 naming the parameter.
///
/// Parameters come from the JSON `params` object, or from the query string when the input is
/// posted raw, so numbers may arrive as strings: both are accepted.
public struct JobParameters: Sendable, Equatable {
    /// The raw values by name.
    public var values: [String: JSONValue]

    /// Creates parameters from raw values.
    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    /// The parameter as a number, or nil when absent.
    public func double(_ name: String) throws(ServiceError) -> Double? {
        switch values[name] {
        case nil, .null: return nil
        case .number(let value): return value
        case .string(let text):
            if let value = Double(text.trimmingWhitespace), value.isFinite { return value }
            throw .invalidParameter(name, "must be a number, got \"\(text)\".")
        case let other?: throw .invalidParameter(name, "must be a number, got \(other.display).")
        }
    }

    /// The parameter as a whole number, or nil when absent.
    public func int(_ name: String) throws(ServiceError) -> Int? {
        guard let value = try double(name) else { return nil }
        guard value == value.rounded(), abs(value) < 1e15 else {
            throw .invalidParameter(name, "must be a whole number, got \(value).")
        }
        return Int(value)
    }

    /// The parameter as a string, or nil when absent.
    public func string(_ name: String) throws(ServiceError) -> String? {
        switch values[name] {
        case nil, .null: return nil
        case .string(let text): return text
        case let other?: throw .invalidParameter(name, "must be a string, got \(other.display).")
        }
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return self[start...end]
    }
}
