/// Builds the small XML documents S3 answers with.
struct S3XMLWriter {
    private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
    private var rootOpened = false

    mutating func open(_ name: String) {
        // S3 puts its namespace on every document root except `<Error>`, which clients match bare.
        if !rootOpened && name != "Error" {
            rootOpened = true
            text += "<\(name) xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        } else {
            rootOpened = true
            text += "<\(name)>"
        }
    }

    mutating func close(_ name: String) { text += "</\(name)>" }

    mutating func element(_ name: String, _ value: String) {
        open(name)
        text += Self.escape(value)
        close(name)
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
                // XML 1.0 cannot carry other C0 controls at all, even as references (use encoding-type=url for such keys).
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
