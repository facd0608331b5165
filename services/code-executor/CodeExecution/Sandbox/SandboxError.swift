/// A failure of the sandbox itself (not of the program it runs): a fault of the instance, a 500.
public enum SandboxError: Error, Sendable, CustomStringConvertible {
    case setup(String)

    public var description: String {
        switch self {
        case .setup(let message): "sandbox set-up failed: \(message)"
        }
    }
}
