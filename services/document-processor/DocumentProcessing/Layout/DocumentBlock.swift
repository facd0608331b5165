/// One block of a document as the layout places it. Inline text is pango markup (`<b>`, `<i>`,
/// entities already escaped).
enum DocumentBlock: Equatable, Sendable {
    /// The document's title, centered.
    case title(String)
    /// A centered line under the title.
    case subtitle(String)
    /// A section heading (unnumbered).
    case heading(String)
    /// A numbered clause heading; numbers count from 1 through the document.
    case clause(number: Int, heading: String)
    /// A justified paragraph.
    case paragraph(String)
    /// A bulleted list item.
    case bullet(String)
    /// A numbered list item, with its number as written.
    case numbered(String, String)
    /// Starts a new page.
    case pageBreak
    /// Signature blocks, two to a row, kept together on one page.
    case signatures([Signatory])
    /// One row of a table, drawn as a simple grid of equal columns.
    case tableRow([String])
    /// An image on its own, centred; shrunk to fit the page's text width and height.
    case image(DocumentImage)

    /// The block's text without markup (tags dropped, entities decoded).
    var plainText: String {
        let markup: String = switch self {
        case .title(let text), .subtitle(let text), .heading(let text), .paragraph(let text): text
        case .clause(let number, let heading): "\(number). " + heading
        case .bullet(let text): "• " + text
        case .numbered(let number, let text): number + ". " + text
        case .pageBreak, .image: ""
        case .signatures(let signatories): signatories.map { $0.role + ": " + $0.name }.joined(separator: "\n")
        case .tableRow(let cells): cells.joined(separator: " | ")
        }
        var out = ""
        var inTag = false
        for character in markup {
            if character == "<" { inTag = true } else if character == ">" && inTag { inTag = false } else if !inTag { out.append(character) }
        }
        return HTMLText.decodeEntities(out)
    }
}

/// Who signs: their role ("Disclosing Party") and name.
struct Signatory: Equatable, Sendable {
    var role: String
    var name: String
}
