import CodeExecutorDescriptor
import Foundation

/// A language a run may be written in, and how its toolchain is driven inside the sandbox.
public enum Language: String, CaseIterable, Sendable, Codable {
    case python, javascript, typescript, sql, go, rust

    /// The source file's name in the work directory.
    var sourceFile: String {
        switch self {
        case .python: "main.py"
        case .javascript: "main.js"
        case .typescript: "main.ts"
        case .sql: "main.sql"
        case .go: "main.go"
        case .rust: "main.rs"
        }
    }

    /// Whether the language is compiled before it runs (the artifact is cached by content hash).
    var isCompiled: Bool { self == .go || self == .rust }

    /// The executable the language needs on the host (and so inside the sandbox).
    var runtimeExecutable: String {
        switch self {
        case .python, .sql: "/usr/bin/python3"
        case .javascript: "/usr/bin/node"
        case .typescript: Language.denoExecutable ?? "/usr/bin/deno"
        case .go: "/usr/bin/go"
        case .rust: "/usr/bin/rustc"
        }
    }

    /// Deno comes from PyPI (the `deno` package), installed by `make deps` into /opt/deno.
    static let denoExecutable: String? = {
        let candidates = ["/opt/deno/bin/deno", "/usr/bin/deno", "/usr/local/bin/deno"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The command that compiles `sourceFile` in the work directory into `/out/main`.
    var compileCommand: [String] {
        switch self {
        case .go: ["/usr/bin/go", "build", "-trimpath", "-o", "/out/main", sourceFile]
        case .rust: ["/usr/bin/rustc", "--edition", "2021", "-C", "debuginfo=0", "-o", "/out/main", sourceFile]
        default: []
        }
    }

    /// Environment of the compiler (Go keeps its build cache in `/cache`, shared by this instance's compiles).
    var compileEnvironment: [String: String] {
        switch self {
        case .go: ["GOCACHE": "/cache", "GOPATH": "/work/.gopath", "CGO_ENABLED": "0", "GO111MODULE": "off", "GOFLAGS": "-buildvcs=false"]
        case .typescript: Language.denoEnvironment
        default: [:]
        }
    }

    /// Deno's cache in the run's work directory; no update checks, no colours.
    static let denoEnvironment = ["DENO_DIR": "/work/.deno", "DENO_NO_UPDATE_CHECK": "1", "NO_COLOR": "1"]

    /// Environment of the program itself.
    var runEnvironment: [String: String] { self == .typescript ? Language.denoEnvironment : [:] }

    /// The command that runs the program (`args` appended), in the work directory.
    func runCommand(memoryBytes: Int) -> [String] {
        switch self {
        case .python: ["/usr/bin/python3", "-B", "-s", sourceFile]
        case .javascript: ["/usr/bin/node", "--max-old-space-size=\(max(8, memoryBytes / 1_048_576 * 3 / 4))", sourceFile]
        // Deno's own permissions are a further layer inside the sandbox: the environment, and files under /work.
        case .typescript: [runtimeExecutable, "run", "--no-prompt", "--quiet", "--no-remote", "--allow-env", "--allow-read=/work", "--allow-write=/work", "--v8-flags=--max-old-space-size=\(max(8, memoryBytes / 1_048_576 * 3 / 4))", sourceFile]
        case .sql: ["/usr/bin/python3", "-B", "-s", "-c", SQLRunner.script]
        case .go, .rust: ["/app/main"]
        }
    }

    /// RLIMIT_AS of a run with this memory limit, or nil where the runtime reserves large address
    /// ranges up front (Go's page summaries, V8's code range): those rely on the memory watchdog.
    func addressSpace(memoryBytes: Int) -> Int? {
        switch self {
        case .python, .sql, .rust: memoryBytes + 256 * 1_048_576
        case .javascript, .typescript, .go: nil
        }
    }

    /// The command that prints the toolchain's version (run on the host, trusted).
    var versionCommand: [String] {
        switch self {
        case .python: ["/usr/bin/python3", "--version"]
        case .javascript: ["/usr/bin/node", "--version"]
        case .typescript: [runtimeExecutable, "--version"]
        case .sql: ["/usr/bin/python3", "-c", "import sqlite3; print('SQLite', sqlite3.sqlite_version)"]
        case .go: ["/usr/bin/go", "version"]
        case .rust: ["/usr/bin/rustc", "--version"]
        }
    }

    /// Whether the toolchain is installed here.
    var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: isCompiled ? compileCommand[0] : runtimeExecutable) }
}
