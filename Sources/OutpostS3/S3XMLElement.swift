/// A parsed XML element: enough of XML for the request bodies S3 takes (no DTDs, no
/// namespaces beyond ignoring prefixes and `xmlns`).
struct S3XMLElement: Sendable {
    let name: String
    var children: [S3XMLElement] = []
    var text = ""

    /// The first child named `name`.
    func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }
    /// Every child named `name`.
    func all(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

    /// Parses `bytes` into its root element; throws MalformedXML.
    static func parse(_ bytes: [UInt8]) throws -> S3XMLElement {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        }

        mutating func document() throws -> S3XMLElement {
            skipMisc()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw S3Error.malformedXML("no root element") }
            let root = try element()
            skipMisc()
            guard i == bytes.count else { throw S3Error.malformedXML("content after the root element") }
            return root
        }

        /// Skips whitespace, the XML declaration, processing instructions and comments.
        mutating func skipMisc() {
            while true {
                while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
                if starts("<?") {
                    guard let end = find("?>") else { i = bytes.count; return }
                    i = end + 2
                } else if starts("<!--") {
                    guard let end = find("-->") else { i = bytes.count; return }
                    i = end + 3
                } else {
                    return
                }
            }
        }

        func starts(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return bytes.count - i >= u.count && bytes[i..<(i + u.count)].elementsEqual(u)
        }

        func find(_ s: String) -> Int? {
            let u = Array(s.utf8)
            var j = i
            while j + u.count <= bytes.count {
                if bytes[j..<(j + u.count)].elementsEqual(u) { return j }
                j += 1
            }
            return nil
        }

        static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

        mutating func name() throws -> String {
            let start = i
            while i < bytes.count, !Self.isSpace(bytes[i]), bytes[i] != UInt8(ascii: ">"), bytes[i] != UInt8(ascii: "/"), bytes[i] != UInt8(ascii: "=") { i += 1 }
            guard i > start else { throw S3Error.malformedXML("an element without a name") }
            let full = String(decoding: bytes[start..<i], as: UTF8.self)
            // Namespace prefixes are dropped: S3 bodies use the default namespace.
            if let colon = full.lastIndex(of: ":") { return String(full[full.index(after: colon)...]) }
            return full
        }

        mutating func element() throws -> S3XMLElement {
            i += 1  // <
            var node = S3XMLElement(name: try name())
            // Attributes are read and ignored.
            while true {
                while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
                guard i < bytes.count else { throw S3Error.malformedXML("unterminated tag <\(node.name)>") }
                if bytes[i] == UInt8(ascii: "/") {
                    guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw S3Error.malformedXML("bad empty tag") }
                    i += 2
                    return node
                }
                if bytes[i] == UInt8(ascii: ">") {
                    i += 1
                    break
                }
                _ = try name()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw S3Error.malformedXML("attribute without a value") }
                i += 1
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { throw S3Error.malformedXML("unquoted attribute") }
                let quote = bytes[i]
                i += 1
                while i < bytes.count, bytes[i] != quote { i += 1 }
                guard i < bytes.count else { throw S3Error.malformedXML("unterminated attribute") }
                i += 1
            }
            var text: [UInt8] = []
            while true {
                guard i < bytes.count else { throw S3Error.malformedXML("unclosed element <\(node.name)>") }
                if starts("</") {
                    i += 2
                    let closing = try name()
                    while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
                    guard closing == node.name, i < bytes.count, bytes[i] == UInt8(ascii: ">") else {
                        throw S3Error.malformedXML("</\(closing)> does not close <\(node.name)>")
                    }
                    i += 1
                    node.text = try Self.decodeEntities(text)
                    return node
                }
                if starts("<!--") {
                    guard let end = find("-->") else { throw S3Error.malformedXML("unterminated comment") }
                    i = end + 3
                } else if starts("<![CDATA[") {
                    i += 9
                    guard let end = find("]]>") else { throw S3Error.malformedXML("unterminated CDATA") }
                    // CDATA is literal: escape it so the entity pass leaves it alone.
                    for c in bytes[i..<end] {
                        if c == UInt8(ascii: "&") { text += Array("&amp;".utf8) } else { text.append(c) }
                    }
                    i = end + 3
                } else if bytes[i] == UInt8(ascii: "<") {
                    node.children.append(try element())
                } else {
                    text.append(bytes[i])
                    i += 1
                }
            }
        }

        static func decodeEntities(_ raw: [UInt8]) throws -> String {
            guard raw.contains(UInt8(ascii: "&")) else {
                guard let s = String(validating: raw, as: UTF8.self) else { throw S3Error.malformedXML("text is not UTF-8") }
                return s
            }
            guard let s = String(validating: raw, as: UTF8.self) else { throw S3Error.malformedXML("text is not UTF-8") }
            var out = ""
            var rest = Substring(s)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { throw S3Error.malformedXML("unterminated entity") }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "amp": out += "&"
                case "lt": out += "<"
                case "gt": out += ">"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    var value: UInt32?
                    if entity.hasPrefix("#x") { value = UInt32(entity.dropFirst(2), radix: 16) } else if entity.hasPrefix("#") { value = UInt32(entity.dropFirst(), radix: 10) }
                    guard let v = value, let scalar = Unicode.Scalar(v) else { throw S3Error.malformedXML("unknown entity &\(entity);") }
                    out.unicodeScalars.append(scalar)
                }
                rest = rest[rest.index(after: semi)...]
            }
            out += rest
            return out
        }
    }
}
