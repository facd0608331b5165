import Mustache

/// Checks a template's Mustache text before it is stored or rendered: it parses with
/// swift-mustache (the same library and options the service renders with), and it uses only what
/// the renderer gives uploaded templates — variables (`{{name}}`, `{{{name}}}`, `{{&name}}`),
/// sections and inverted sections of declared fields (`{{.}}` inside them), and comments. Partials,
/// inheritance, delimiter changes, pragmas and transforms are refused: a template is text, never code.
public enum TemplateSourceCheck {
    /// Largest template source, in bytes (more is a 413).
    public static let maxBytes = 65_536

    /// Throws unless `source` parses and every tag names a field in `declared`.
    public static func check(_ source: String, declared: Set<String>) throws(TemplateUploadError) {
        guard source.utf8.count <= maxBytes else {
            throw TemplateUploadError(status: 413, code: "template_too_large",
                                      "The template's source is \(source.utf8.count) bytes; at most \(maxBytes) are accepted.")
        }
        do {
            _ = try MustacheTemplate(string: source)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber, column = error.context.columnNumber
            throw TemplateUploadError(code: "template_syntax_error",
                                      "Mustache syntax error at line \(line), column \(column): \(describe(error.error)) (the line reads \"\(error.context.line)\").",
                                      line: line, column: column)
        } catch {
            throw TemplateUploadError(code: "template_syntax_error", "Mustache syntax error: \(error).")
        }
        var depth = 0
        for tag in tags(in: source) {
            let (line, column) = position(of: tag.offset, in: source)
            func refuse(_ what: String) -> TemplateUploadError {
                TemplateUploadError(code: "template_unsupported", "Line \(line), column \(column): \(what).", line: line, column: column)
            }
            switch tag.sigil {
            case "!": continue
            case ">", "<", "$": throw refuse("partials and blocks ({{\(tag.sigil.map(String.init) ?? "") …}}) are not allowed: a template is text and uses only its own fields")
            case "=": throw refuse("changing delimiters ({{= … =}}) is not supported")
            case "%": throw refuse("pragmas ({{% … }}) are not supported")
            default: break
            }
            if tag.sigil == "#" || tag.sigil == "^" { depth += 1 } else if tag.sigil == "/" { depth -= 1 }
            if tag.name == "." {
                // The implicit iterator is a field's value inside its section; outside one it would be the whole context.
                guard depth > 0 || tag.sigil != nil else { throw refuse("{{.}} is only allowed inside a section") }
                continue
            }
            guard tag.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw refuse("\"\(tag.name)\" is not a field name (transforms and dotted names are not supported)")
            }
            guard declared.contains(tag.name) else {
                throw TemplateUploadError(code: "undeclared_field",
                                          "Line \(line), column \(column): \"\(tag.name)\" is used but not declared in fields (declared: \(declared.sorted().joined(separator: ", "))).",
                                          line: line, column: column)
            }
        }
    }

    /// One `{{…}}` tag: its sigil (`#`, `^`, `/`, `&`, `{`, `!`, `>`… or none), the trimmed name,
    /// and the offset of its `{{` in characters.
    struct Tag {
        var sigil: Character?
        var name: String
        var offset: Int
    }

    /// The tags of a source that has parsed (so every tag is closed; delimiters are the default
    /// ones until a `{{=` tag, which ``check(_:declared:)`` refuses).
    static func tags(in source: String) -> [Tag] {
        let characters = Array(source)
        var tags: [Tag] = []
        var index = 0
        while index + 1 < characters.count {
            guard characters[index] == "{", characters[index + 1] == "{" else { index += 1; continue }
            let start = index
            var body = index + 2
            var closing: [Character] = ["}", "}"]
            var sigil: Character?
            if body < characters.count, "#^/&{!><$=%".contains(characters[body]) {
                sigil = characters[body]
                if sigil == "{" { closing = ["}", "}", "}"] }
                body += 1
            }
            var end = body
            while end + closing.count <= characters.count, Array(characters[end..<end + closing.count]) != closing { end += 1 }
            let name = String(characters[body..<min(end, characters.count)]).trimmingWhitespace
            tags.append(Tag(sigil: sigil, name: name, offset: start))
            if sigil == "=" { break }
            index = end + closing.count
        }
        return tags
    }

    /// The 1-based line and column of the character at `offset`.
    static func position(of offset: Int, in source: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for character in source.prefix(offset) {
            if character.isNewline { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: "a section is closed with a name that does not match the one it opened with"
        case .unfinishedName?: "a tag is not finished (a missing }} or a bad name)"
        case .expectedSectionEnd?: "a section is opened but never closed"
        case .invalidSetDelimiter?: "a bad delimiter tag"
        default: "\(error)"
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(self[start...end])
    }
}
