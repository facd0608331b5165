/// Builds the small XML documents S3 answers with.
struct S3XMLWriter {
    private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
    private var rootOpened = false

    mutating func open(_ name: String) {
        if !rootOpened {
            rootOpened = true
            text += "<\(name) xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        } else {
            text += "<\(name)>"
        }
    }

    mutating func close(_ name: String) { text += "</\(name)>" }

    mutating func element(_ name: String, _ value: String) {
        text += "<\(name)>\(Self.escape(value))</\(name)>"
    }

    mutating func element(_ name: String, _ value: String?) {
        if let value { element(name, value) }
    }

    mutating func element(_ name: String, _ value: Int) { element(name, String(value)) }
    mutating func element(_ name: String, _ value: Bool) { element(name, value ? "true" : "false") }

    mutating func group(_ name: String, _ body: (inout S3XMLWriter) -> Void) {
        open(name)
        body(&self)
        close(name)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Characters XML 1.0 cannot carry literally are written as references.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                    out += "&#\(scalar.value);"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
