import DocumentProcessing
import Foundation
import ServiceKit
import OutpostTesting
import Testing

/// `convert` (and DOCX through `extract-text`): headings keep their text and order in the PDF,
/// as `pdftotext` reads it. DOCX inputs are written by Python's zipfile from Office Open XML.
@Suite("Conversion", .heavy)
struct ConvertTests {
    static let headings = ["Night Ferry", "Logline", "Characters", "Mara Quint", "Episode Plan", "Budget"]

    /// A minimal DOCX: Title, Heading1/Heading2 paragraphs, a bold run, a list paragraph and a table.
    static func docx(_ directory: TemporaryDirectory) throws -> String {
        func paragraph(_ text: String, style: String? = nil, list: Bool = false, bold: Bool = false) -> String {
            var properties = style.map { "<w:pStyle w:val=\"\($0)\"/>" } ?? ""
            if list { properties += "<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr>" }
            let run = bold ? "<w:r><w:rPr><w:b/></w:rPr><w:t>\(text)</w:t></w:r>" : "<w:r><w:t xml:space=\"preserve\">\(text)</w:t></w:r>"
            return "<w:p><w:pPr>\(properties)</w:pPr>\(run)</w:p>"
        }
        let body = [
            paragraph(headings[0], style: "Title"),
            paragraph(headings[1], style: "Heading1"),
            paragraph("A ferry pilot smuggles letters across a closed border.", bold: true),
            paragraph(headings[2], style: "Heading1"),
            paragraph(headings[3], style: "Heading2"),
            paragraph("The pilot, tired and exact.", list: true),
            paragraph(headings[4], style: "Heading1"),
            "<w:tbl><w:tr><w:tc>\(paragraph("Episode"))</w:tc><w:tc>\(paragraph("Crossing"))</w:tc></w:tr><w:tr><w:tc>\(paragraph("One"))</w:tc><w:tc>\(paragraph("Winter fog"))</w:tc></w:tr></w:tbl>",
            paragraph(headings[5], style: "Heading1"),
            paragraph("About two million dollars."),
        ].joined()
        let document = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)</w:body></w:document>
        """
        let types = """
        <?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """
        let folder = directory.file("docx")
        try FileManager.default.createDirectory(atPath: folder + "/word", withIntermediateDirectories: true)
        try types.write(toFile: folder + "/[Content_Types].xml", atomically: true, encoding: .utf8)
        try document.write(toFile: folder + "/word/document.xml", atomically: true, encoding: .utf8)
        let output = directory.file("treatment.docx")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", """
            import zipfile, sys
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                z.write(sys.argv[2] + '/[Content_Types].xml', '[Content_Types].xml')
                z.write(sys.argv[2] + '/word/document.xml', 'word/document.xml')
            """, output, folder])
        return output
    }

    /// Whether `items` occur in `text` in this order.
    static func inOrder(_ items: [String], in text: String) -> Bool {
        var cursor = text.startIndex
        for item in items {
            guard let found = text.range(of: item, range: cursor..<text.endIndex) else { return false }
            cursor = found.upperBound
        }
        return true
    }

    @Test func markdownHeadingsKeepTheirTextAndOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let markdown = """
        # Night Ferry

        ## Logline
        A ferry pilot **smuggles** letters across a *closed* border. See [the deck](https://pitchey.example/deck).

        ## Characters
        ### Mara Quint
        - The pilot, tired and exact.
        1. First crossing

        ## Episode Plan
        | Episode | Crossing |
        |---|---|
        | One | Winter fog |

        ## Budget
        About two million dollars.
        """
        let input = try directory.write("pitch.md", Array(markdown.utf8))
        let pdf = try directory.write("pitch.pdf", try HandlerRun.file(try await HandlerRun.run("convert", [:], inputPath: input)).bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(Self.inOrder(Self.headings, in: text), "\(text)")
        #expect(text.contains("smuggles letters across a closed border"))
        #expect(text.contains("the deck (https://pitchey.example/deck)"))
        #expect(text.contains("Episode Crossing") && text.contains("One Winter fog"))
        #expect(!text.contains("##") && !text.contains("**"))
        #expect(try DocumentTools.pdfinfo(pdf)["Title"] == "Night Ferry")
    }

    @Test func docxHeadingsKeepTheirTextAndOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try Self.docx(directory)
        let pdf = try directory.write("treatment.pdf", try HandlerRun.file(try await HandlerRun.run("convert", ["title": "Treatment"], inputPath: input)).bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(Self.inOrder(Self.headings, in: text), "\(text)")
        #expect(text.contains("A ferry pilot smuggles letters") && text.contains("Winter fog"))
        #expect(try DocumentTools.pdfinfo(pdf)["Title"] == "Treatment")
        // extract-text reads the DOCX too.
        let extracted = try HandlerRun.json(try await HandlerRun.run("extract-text", [:], inputPath: input))
        #expect(extracted["kind"] as? String == "docx")
        #expect(Self.inOrder(Self.headings, in: extracted["text"] as? String ?? ""))
    }

    @Test func htmlConvertsWithHeadingsListsAndTables() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let html = "<html><head><title>x</title></head><body><h1>Night Ferry</h1><h2>Logline</h2><p>A pilot &amp; her <b>letters</b>.</p><ul><li>Fog</li></ul><table><tr><td>One</td><td>Winter</td></tr></table></body></html>"
        let input = try directory.write("page.html", Array(html.utf8))
        let pdf = try directory.write("page.pdf", try HandlerRun.file(try await HandlerRun.run("convert", [:], inputPath: input)).bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(Self.inOrder(["Night Ferry", "Logline", "A pilot & her letters.", "Fog", "One Winter"], in: text), "\(text)")
    }

    @Test func aZipThatIsNotADocxOrAnImageIsA422() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let note = try directory.write("note.txt", Array("hello".utf8))
        let zip = directory.file("plain.zip")
        _ = try DocumentTools.run("/usr/bin/python3", ["-m", "zipfile", "-c", zip, note])
        let notDocx = await HandlerRun.error("convert", [:], inputPath: zip)
        #expect(notDocx?.statusCode == 422 && notDocx?.message.contains("word/document.xml") == true)
        let brokenZip = try directory.write("broken.docx", [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0x41, count: 200))
        #expect(await HandlerRun.error("convert", [:], inputPath: brokenZip)?.statusCode == 422)
        let png = try directory.write("x.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 50))
        #expect(await HandlerRun.error("convert", [:], inputPath: png)?.statusCode == 422)
    }
}
