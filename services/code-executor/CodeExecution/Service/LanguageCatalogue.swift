import CodeExecutorDescriptor

/// `GET /languages`: each language with its runtime, version and defaults.
struct LanguageCatalogue: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var name: String
        var available: Bool
        var version: String
        var runtime: String
        var compiled: Bool
        var sourceFile: String
        var defaultTimeoutSeconds: Double
        var defaultMemoryLimitMB: Int
        var notes: String
    }
    var languages: [Entry]

    static func current() -> LanguageCatalogue {
        LanguageCatalogue(languages: Language.allCases.map { language in
            Entry(name: language.rawValue, available: language.isAvailable, version: RuntimeVersions.version(of: language),
                  runtime: language.isCompiled ? language.compileCommand[0] : language.runtimeExecutable,
                  compiled: language.isCompiled, sourceFile: language.sourceFile,
                  defaultTimeoutSeconds: CodeExecutorDescriptor.defaultTimeout, defaultMemoryLimitMB: CodeExecutorDescriptor.defaultMemoryMB,
                  notes: notes(language))
        })
    }

    static func notes(_ language: Language) -> String {
        switch language {
        case .python: "CPython from Debian; the standard library only."
        case .javascript: "Node.js; CommonJS main.js; the heap is capped at 3/4 of memoryLimit."
        case .typescript: "Deno (from PyPI), no remote imports."
        case .sql: "SQLite in memory via Python's sqlite3 module: schema, then seed, then code; each statement's rows are answered in results."
        case .go: "go build of main.go (no modules, CGO off); artifacts cached by content hash."
        case .rust: "rustc, edition 2021, no Cargo crates; artifacts cached by content hash."
        }
    }
}
