/// ``TextBlock``s as a standalone HTML page: `<h1>`…`<h6>`, `<p>`, and list items in `<ul>` (or
/// `<ol>` when numbered), all text escaped.
enum HTMLWriter {
    static func html(_ blocks: [TextBlock], title: String?) -> String {
        let pageTitle = title ?? blocks.lazy.compactMap { block -> String? in
            if case .heading(_, let text) = block { text } else { nil }
        }.first ?? "Document"
        var out = "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>\(escaped(pageTitle))</title>\n</head>\n<body>\n"
        var openList: String?
        func closeList() {
            if let list = openList { out += "</\(list)>\n" }
            openList = nil
        }
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                closeList()
                let tag = "h\(min(max(level, 1), 6))"
                out += "<\(tag)>\(escaped(text))</\(tag)>\n"
            case .paragraph(let text):
                closeList()
                out += "<p>\(escaped(text))</p>\n"
            case .listItem(let text, let number):
                let list = number == nil ? "ul" : "ol"
                if openList != list {
                    closeList()
                    out += "<\(list)>\n"
                    openList = list
                }
                out += "<li>\(escaped(text))</li>\n"
            }
        }
        closeList()
        return out + "</body>\n</html>\n"
    }

    /// `text` with `&`, `<`, `>` and both quotes as entities.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
