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
    /// Starts a new page.
    case pageBreak
    /// Signature blocks, two to a row, kept together on one page.
    case signatures([Signatory])
}

/// Who signs: their role ("Disclosing Party") and name.
struct Signatory: Equatable, Sendable {
    var role: String
    var name: String
}
