import Foundation

/// Reads the small markup templates render to into ``DocumentBlock``s:
///
/// - `# Title`, `> subtitle`, `## Heading`, `### Clause heading` (numbered 1, 2, … in order);
/// - paragraphs: consecutive lines, ended by a blank line; `- ` or `* ` starts a bullet;
/// - `\pagebreak` on its own line;
/// - `::: signatures`, then one `Role | Name` line per signatory, then `:::`;
/// - inline `**bold**` and `*italic*`.
///
/// Template output is already entity-escaped (Mustache escapes `&`, `<`, `>`, quotes), so its text
/// goes to pango as markup; plain text (`escaped: false`) is escaped first.
enum DocumentMarkup {
    static func blocks(from text: String, escaped: Bool) -> [DocumentBlock] {
        var blocks: [DocumentBlock] = []
        var paragraph: [String] = []
        var bullet: String?
        var clauseNumber = 0
        var signatories: [Signatory]?

        func inline(_ raw: String) -> String { emphasis(escaped ? raw : escape(raw)) }
        func flush() {
            if let item = bullet { blocks.append(.bullet(inline(item))); bullet = nil }
            if !paragraph.isEmpty { blocks.append(.paragraph(inline(paragraph.joined(separator: " ")))); paragraph = [] }
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingSpaces
            if var signing = signatories {
                if line == ":::" {
                    blocks.append(.signatures(signing))
                    signatories = nil
                } else if !line.isEmpty {
                    let parts = line.split(separator: "|", maxSplits: 1).map { String($0.trimmingSpaces) }
                    signing.append(Signatory(role: inline(parts[0]), name: inline(parts.count > 1 ? parts[1] : "")))
                    signatories = signing
                }
                continue
            }
            if line.isEmpty { flush(); continue }
            if line == "::: signatures" { flush(); signatories = []; continue }
            if line == "\\pagebreak" { flush(); blocks.append(.pageBreak); continue }
            if line.hasPrefix("### ") {
                flush(); clauseNumber += 1
                blocks.append(.clause(number: clauseNumber, heading: inline(String(line.dropFirst(4)))))
            } else if line.hasPrefix("## ") {
                flush(); blocks.append(.heading(inline(String(line.dropFirst(3)))))
            } else if line.hasPrefix("# ") {
                flush(); blocks.append(.title(inline(String(line.dropFirst(2)))))
            } else if line.hasPrefix("> ") {
                flush(); blocks.append(.subtitle(inline(String(line.dropFirst(2)))))
            } else if line.hasPrefix("- ") || line.hasPrefix("* ") {
                flush(); bullet = String(line.dropFirst(2))
            } else if let item = bullet {
                bullet = item + " " + line
            } else {
                paragraph.append(String(line))
            }
        }
        flush()
        if let signing = signatories, !signing.isEmpty { blocks.append(.signatures(signing)) }
        return blocks
    }

    /// Escapes text for pango markup.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `**bold**` → `<b>bold</b>`, `*italic*` → `<i>italic</i>`; unpaired markers stay as they are.
    static func emphasis(_ text: String) -> String {
        var result = replacePairs(in: text, marker: "**", open: "<b>", close: "</b>")
        result = replacePairs(in: result, marker: "*", open: "<i>", close: "</i>")
        return result
    }

    private static func replacePairs(in text: String, marker: String, open: String, close: String) -> String {
        let pieces = text.components(separatedBy: marker)
        guard pieces.count >= 3 else { return text }
        var out = pieces[0]
        var index = 1
        while index < pieces.count {
            if index + 1 < pieces.count, !pieces[index].isEmpty {
                out += open + pieces[index] + close + pieces[index + 1]
                index += 2
            } else {
                out += marker + pieces[index]
                index += 1
            }
        }
        return out
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        guard let start = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = lastIndex(where: { !$0.isWhitespace })!
        return self[start...end]
    }
}
