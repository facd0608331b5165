import Foundation

/// Advice about a line of a program: a dangerous import or call. Findings never stop a run;
/// the sandbox is the boundary.
public struct PolicyFinding: Codable, Sendable, Equatable {
    public var line: Int
    public var rule: String
    public var severity: String
    public var message: String
    public var excerpt: String
}

/// The patterns each language is scanned for, line by line.
enum PolicyRules {
    struct Rule {
        var id: String
        var severity: String
        var pattern: String
        var message: String
    }

    static func rules(for language: Language) -> [Rule] {
        switch language {
        case .python:
            [Rule(id: "process-spawn", severity: "high", pattern: #"\b(import\s+subprocess|from\s+subprocess\s+import|subprocess\.|os\.(system|popen|exec\w*|spawn\w*|fork)\s*\(|pty\.spawn)"#, message: "starts processes"),
             Rule(id: "dynamic-code", severity: "high", pattern: #"(?<![\w.])(eval|exec|compile|__import__)\s*\("#, message: "runs code built at run time"),
             Rule(id: "raw-socket", severity: "medium", pattern: #"\b(import\s+socket|from\s+socket\s+import|socket\.socket\s*\()"#, message: "opens network sockets"),
             Rule(id: "native-code", severity: "medium", pattern: #"\b(import\s+ctypes|from\s+ctypes\s+import|cffi)"#, message: "calls native code"),
             Rule(id: "file-write-outside", severity: "medium", pattern: #"open\s*\(\s*['"]/(?!work)[^'"]*['"]\s*,\s*['"][wax+]"#, message: "writes a file outside the work directory")]
        case .javascript, .typescript:
            [Rule(id: "process-spawn", severity: "high", pattern: #"(child_process|Deno\.(run|Command)|\bspawn(Sync)?\s*\(|\bexecSync\s*\(|\bexecFile\s*\()"#, message: "starts processes"),
             Rule(id: "dynamic-code", severity: "high", pattern: #"(?<![\w.])(eval\s*\(|new\s+Function\s*\(|vm\.run\w*\s*\()"#, message: "runs code built at run time"),
             Rule(id: "raw-socket", severity: "medium", pattern: #"(require\s*\(\s*['"](node:)?(net|dgram|tls)['"]|from\s+['"](node:)?(net|dgram|tls)['"]|Deno\.(connect|listen))"#, message: "opens network sockets"),
             Rule(id: "file-write-outside", severity: "medium", pattern: #"(writeFile\w*|appendFile\w*|createWriteStream|Deno\.writeTextFile)\s*\(\s*['"`]/(?!work)"#, message: "writes a file outside the work directory")]
        case .go:
            [Rule(id: "process-spawn", severity: "high", pattern: #"("os/exec"|syscall\.(Exec|ForkExec)|exec\.Command)"#, message: "starts processes"),
             Rule(id: "raw-socket", severity: "medium", pattern: #"("net"|net\.(Dial|Listen)|syscall\.Socket)"#, message: "opens network sockets"),
             Rule(id: "unsafe", severity: "medium", pattern: #"("unsafe"|"syscall")"#, message: "bypasses Go's memory safety or calls the kernel directly"),
             Rule(id: "file-write-outside", severity: "medium", pattern: #"os\.(WriteFile|Create|OpenFile)\s*\(\s*"/(?!work)"#, message: "writes a file outside the work directory")]
        case .rust:
            [Rule(id: "process-spawn", severity: "high", pattern: #"(std::process::Command|Command::new)"#, message: "starts processes"),
             Rule(id: "raw-socket", severity: "medium", pattern: #"(std::net|TcpStream|UdpSocket|TcpListener)"#, message: "opens network sockets"),
             Rule(id: "unsafe", severity: "medium", pattern: #"\bunsafe\b"#, message: "bypasses Rust's memory safety"),
             Rule(id: "file-write-outside", severity: "medium", pattern: #"(File::create|fs::write)\s*\(\s*"/(?!work)"#, message: "writes a file outside the work directory")]
        case .sql:
            [Rule(id: "attach", severity: "medium", pattern: #"(?i)\battach\s+(database\s+)?'"#, message: "opens another database file"),
             Rule(id: "load-extension", severity: "high", pattern: #"(?i)load_extension\s*\("#, message: "loads native code"),
             Rule(id: "pragma", severity: "low", pattern: #"(?i)\bpragma\s+(writable_schema|trusted_schema)"#, message: "changes schema safety settings")]
        }
    }

    /// The findings of `code`, in line order.
    static func findings(_ code: String, language: Language) -> [PolicyFinding] {
        let compiled = rules(for: language).compactMap { rule in (try? NSRegularExpression(pattern: rule.pattern)).map { (rule, $0) } }
        var out: [PolicyFinding] = []
        for (index, line) in code.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = String(line)
            let range = NSRange(text.startIndex..., in: text)
            for (rule, regex) in compiled where regex.firstMatch(in: text, range: range) != nil {
                out.append(PolicyFinding(line: index + 1, rule: rule.id, severity: rule.severity, message: "Line \(index + 1) \(rule.message).",
                                         excerpt: String(text.trimmingCharacters(in: .whitespaces).prefix(200))))
            }
        }
        return out
    }
}
