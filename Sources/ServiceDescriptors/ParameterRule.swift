public import OutpostJSON

/// A rule across an operation's parameters, checked (at submit, and again by the service) after
/// each parameter passed its own `ParameterSpec`.
public struct ParameterRule: Sendable {
    /// What the rule demands, for documentation.
    public var summary: String
    private let body: @Sendable ([String: JSONValue]) throws(ParameterError) -> Void

    public init(summary: String, check: @escaping @Sendable ([String: JSONValue]) throws(ParameterError) -> Void) {
        self.summary = summary
        self.body = check
    }

    public func check(_ params: [String: JSONValue]) throws(ParameterError) { try body(params) }

    /// `from` and `to` are ISO-8601 dates or date-times (`DatasetPeriod`), and `from` is not after `to`.
    public static func period(from: String = "from", to: String = "to") -> ParameterRule {
        ParameterRule(summary: "\"\(from)\" and \"\(to)\" are ISO-8601 dates or date-times, \"\(from)\" not after \"\(to)\".") { params throws(ParameterError) in
            _ = try DatasetPeriod(params, from: from, to: to)
        }
    }

    /// `name` is `true`: a caller's explicit yes to something that cannot be undone (an erasure).
    public static func confirmed(_ name: String = "confirm", what: String) -> ParameterRule {
        ParameterRule(summary: "\"\(name)\" is true.") { params throws(ParameterError) in
            guard let value = params[name], ParameterSpec.boolean(value) == true else {
                throw ParameterError(name: name, message: "must be true: \(what) cannot be undone, so the request must say \"\(name)\": true")
            }
        }
    }
}
