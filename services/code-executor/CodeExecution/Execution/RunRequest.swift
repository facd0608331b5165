public import CodeExecutorDescriptor
import Foundation
public import ServiceKit

/// One `execute` request, read and checked from the job's parameters (ranges and sizes were
/// already checked against the descriptor; this checks shapes: args, files, networking).
public struct RunRequest: Sendable {
    public var language: Language
    public var code: String
    public var stdin: String
    public var args: [String]
    public var files: [String: String]
    /// The `inputs` JSON, serialized, or nil.
    public var inputs: String?
    public var schema: String
    public var seed: String
    public var timeoutSeconds: Double
    public var memoryBytes: Int
    /// The run shares the instance's network namespace, where the only way out is the runtime's egress proxy.
    public var allowNetworking: Bool

    public static let maxFiles = 32
    public static let maxArgs = 64
    /// `inputs` up to this size also go in the INPUTS environment variable.
    public static let maxInputsEnvironmentBytes = 64 * 1024

    public init(language: Language, code: String, stdin: String = "", args: [String] = [], files: [String: String] = [:],
                inputs: String? = nil, schema: String = "", seed: String = "",
                timeoutSeconds: Double = CodeExecutorDescriptor.defaultTimeout,
                memoryBytes: Int = CodeExecutorDescriptor.defaultMemoryMB * 1_048_576, allowNetworking: Bool = false) {
        self.language = language
        self.code = code
        self.stdin = stdin
        self.args = args
        self.files = files
        self.inputs = inputs
        self.schema = schema
        self.seed = seed
        self.timeoutSeconds = timeoutSeconds
        self.memoryBytes = memoryBytes
        self.allowNetworking = allowNetworking
    }

    /// - Parameter egress: the instance's egress proxy (`allowNetworking` is refused without one).
    public init(parameters: JobParameters, egress: EgressAccess? = EgressAccess.current) throws(ServiceError) {
        let name = try parameters.string("language") ?? ""
        guard let language = Language(rawValue: name.lowercased()) else {
            throw .invalidParameter("language", "must be one of \(CodeExecutorDescriptor.languages.joined(separator: ", ")), got \"\(name)\".")
        }
        guard let code = try parameters.string("code") else { throw .invalidParameter("code", "is required: the program's source.") }
        let allowNetworking = parameters.values["allowNetworking"].flatMap(ParameterSpec.boolean) ?? false
        if allowNetworking, egress == nil {
            throw .invalidParameter("allowNetworking", "needs the runtime's egress proxy, and this instance has none (\(EgressAccess.variable) is not set): run the CodeExecutor class with egress rules, e.g. CODE_EXECUTOR_ALLOWED_HOSTS. Runs have no network.")
        }
        var args: [String] = []
        if let value = parameters.values["args"], value != .null {
            guard let array = value.arrayValue, array.count <= Self.maxArgs else {
                throw .invalidParameter("args", "must be an array of at most \(Self.maxArgs) strings.")
            }
            for item in array {
                switch item {
                case .string(let s): args.append(s)
                case .number, .bool: args.append(item.serialized())
                default: throw .invalidParameter("args", "must hold strings (or numbers), got \(item.display).")
                }
            }
        }
        var files: [String: String] = [:]
        if let value = parameters.values["files"], value != .null {
            guard let object = value.objectValue, object.count <= Self.maxFiles else {
                throw .invalidParameter("files", "must be an object of at most \(Self.maxFiles) file names → text contents.")
            }
            for (fileName, content) in object {
                guard Self.isPlainFileName(fileName) else {
                    throw .invalidParameter("files", "names must be plain file names (letters, digits, . _ -; no slashes, not starting with a dot), got \"\(fileName)\".")
                }
                guard fileName != language.sourceFile, fileName != "inputs.json" else {
                    throw .invalidParameter("files", "\"\(fileName)\" is reserved (the program's source or its inputs).")
                }
                guard let text = content.stringValue else { throw .invalidParameter("files", "\"\(fileName)\" must be text.") }
                files[fileName] = text
            }
        }
        let inputs = parameters.values["inputs"].flatMap { $0 == .null ? nil : $0.serialized() }
        let schema = try parameters.string("schema") ?? ""
        let seed = try parameters.string("seed") ?? ""
        if language != .sql, !schema.isEmpty || !seed.isEmpty {
            throw .invalidParameter(schema.isEmpty ? "seed" : "schema", "applies to sql only.")
        }
        self.init(language: language, code: code, stdin: try parameters.string("stdin") ?? "", args: args, files: files, inputs: inputs,
                  schema: schema, seed: seed,
                  timeoutSeconds: try parameters.double("timeout") ?? CodeExecutorDescriptor.defaultTimeout,
                  memoryBytes: (try parameters.int("memoryLimit") ?? CodeExecutorDescriptor.defaultMemoryMB) * 1_048_576,
                  allowNetworking: allowNetworking)
    }

    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
    }
}
