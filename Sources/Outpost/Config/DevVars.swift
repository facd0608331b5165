import Foundation

/// Secrets from a `.dev.vars` file (dotenv syntax) beside the configuration.
public enum DevVars {
    /// Parses `NAME=value` lines; `#` comments, blank lines, `export ` prefixes and quotes are handled.
    public static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
                if f == "\"" { value = value.replacingOccurrences(of: "\\n", with: "\n") }
            }
            out[name] = value
        }
        return out
    }

    /// Reads `.dev.vars` beside `configPath` (or `.dev.vars.<env>` when that exists).
    public static func load(besides configPath: String, environment: String?) -> [String: String] {
        let dir = (configPath as NSString).deletingLastPathComponent
        let base = (dir.isEmpty ? "." : dir) + "/.dev.vars"
        if let environment, let text = try? String(contentsOfFile: base + "." + environment, encoding: .utf8) {
            return parse(text)
        }
        guard let text = try? String(contentsOfFile: base, encoding: .utf8) else { return [:] }
        return parse(text)
    }

    /// Parses one `--var NAME:VALUE` argument.
    public static func parseOverride(_ argument: String) -> (String, String)? {
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        let name = String(argument[..<colon])
        guard !name.isEmpty else { return nil }
        return (name, String(argument[argument.index(after: colon)...]))
    }
}
