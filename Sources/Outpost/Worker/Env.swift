/// The environment of a Worker: vars, secrets and bindings by name, as `env` in Workers.
public struct Env: Sendable {
    /// `[vars]`, then `.dev.vars` secrets, then `--var` overrides; non-string vars as JSON text.
    public let vars: [String: String]
    let bindings: [String: any Sendable]
    /// The runtime's metrics (an Outpost addition): record the app's own beside the runtime's.
    public let metrics: Metrics

    public init(vars: [String: String], bindings: [String: any Sendable], metrics: Metrics = Metrics()) {
        self.vars = vars
        self.bindings = bindings
        self.metrics = metrics
        self.bindingNames = bindings.keys.sorted()
    }

    /// A var or secret by name.
    public subscript(name: String) -> String? { vars[name] }

    /// The binding `name` as a `T`, or a `BindingError` naming what is bound instead.
    public func binding<T>(_ name: String, as type: T.Type, kind: String) throws -> T {
        guard let value = bindings[name] else {
            throw BindingError(message: "No \(kind) is bound as \(name). Add it to wrangler.toml.")
        }
        guard let typed = value as? T else {
            throw BindingError(message: "\(name) is bound, but not as a \(kind).")
        }
        return typed
    }

    /// The names of every binding, sorted.
    public let bindingNames: [String]
}

/// Asking for a binding that is not configured.
public struct BindingError: CodedError {
    public let message: String
    public var code: String { "binding_error" }
}
