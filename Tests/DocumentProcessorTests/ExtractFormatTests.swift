import DocumentProcessing
import Foundation
import OutpostTesting
import ServiceKit
import ServiceTesting
import Testing

/// Minimal escaping for building test HTML inputs.
enum HTMLEntities {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// `extract-text` with `format=markdown` or `html`: headings and paragraphs of Markdown and of
/// PDFs (checked against `pdftotext`), the HTML read back by Python's `html.parser`.
@Suite("Text extraction formats", .heavy)
struct ExtractFormatTests {
    static let markdown = """
    # Night Ferry

    Mara Quint pilots the last ferry between two harbour towns that have not spoken in eleven years.

    ## The Crossings

    Each crossing she carries letters hidden in the lining of her coat, for families "the border" divided & scattered.

    ## The Choice

    When a customs officer finds one letter addressed to her own mother, Mara must decide whether the crossings are worth the price.
    """

    static let paragraphs = [
        "Mara Quint pilots the last ferry between two harbour towns that have not spoken in eleven years.",
        "Each crossing she carries letters hidden in the lining of her coat, for families \"the border\" divided & scattered.",
        "When a customs officer finds one letter addressed to her own mother, Mara must decide whether the crossings are worth the price.",
    ]

    /// The `h1`…`h6`, `p` and `li` elements of an HTML page as (tag, text) pairs, by Python's
    /// `html.parser` (which decodes entities), plus whether it began with a doctype.
    static func elements(_ html: String, in directory: TemporaryDirectory) throws -> (doctype: Bool, elements: [(String, String)]) {
        let path = try directory.write("page.html", Array(html.utf8))
        let output = try DocumentTools.run("/usr/bin/python3", ["-c", """
        import json, sys
        from html.parser import HTMLParser
        class P(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True); self.doctype = False; self.out = []; self.tag = None; self.text = ""
            def handle_decl(self, decl): self.doctype = self.doctype or decl.lower() == "doctype html"
            def handle_starttag(self, tag, attrs):
                if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li"): self.tag = tag; self.text = ""
            def handle_endtag(self, tag):
                if tag == self.tag: self.out.append([tag, " ".join(self.text.split())]); self.tag = None
            def handle_data(self, data):
                if self.tag: self.text += data
        p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
        print(json.dumps({"doctype": p.doctype, "elements": p.out}))
        """, path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let elements = (object["elements"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
        return (object["doctype"] as? Bool == true, elements)
    }

    @Test func markdownInputGivesMarkdownHeadingsAndParagraphsInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("pitch.md", Array(Self.markdown.utf8))
        let (files, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "markdown"], inputPath: input))
        let markdown = try #require(result["markdown"] as? String)
        #expect(result["html"] == nil)
        #expect(result["text"] as? String == Self.markdown)
        let file = try #require(files.first)
        #expect(files.count == 1 && file.name == "document" && file.contentType == "text/markdown")
        #expect(file.bytes == Array(markdown.utf8))
        let lines = markdown.split(separator: "\n").map(String.init)
        #expect(lines == ["# Night Ferry", Self.paragraphs[0], "## The Crossings", Self.paragraphs[1], "## The Choice", Self.paragraphs[2]], "\(markdown)")
    }

    @Test func htmlIsAStandalonePageWithHeadingsAndEscapedParagraphs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("pitch.md", Array(Self.markdown.utf8))
        let (files, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "html"], inputPath: input))
        let html = try #require(result["html"] as? String)
        #expect(result["markdown"] == nil)
        #expect(files.first?.contentType == "text/html" && files.first?.bytes == Array(html.utf8))
        #expect(html.contains("&amp; scattered") && html.contains("&quot;the border&quot;"))
        let page = try Self.elements(html, in: directory)
        #expect(page.doctype)
        let expected = [("h1", "Night Ferry"), ("p", Self.paragraphs[0]), ("h2", "The Crossings"), ("p", Self.paragraphs[1]),
                        ("h2", "The Choice"), ("p", Self.paragraphs[2])]
        #expect(page.elements.map(\.0) == expected.map(\.0), "\(html)")
        #expect(page.elements.map(\.1) == expected.map(\.1), "\(html)")
    }

    @Test func aDocxGivesItsTitleHeadingsListItemAndParagraphsAsHTML() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try ConvertTests.docx(directory)
        let (files, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "html"], inputPath: input))
        #expect(result["kind"] as? String == "docx")
        let html = try #require(result["html"] as? String)
        #expect(files.first?.bytes == Array(html.utf8))
        let elements = try Self.elements(html, in: directory).elements
        // Title → h1; Heading1 and Heading2 → h2 (the block model has one heading level below the title).
        #expect(elements.filter { $0.0.hasPrefix("h") }.map(\.0) == ["h1", "h2", "h2", "h2", "h2", "h2"], "\(html)")
        #expect(elements.filter { $0.0.hasPrefix("h") }.map(\.1) == ConvertTests.headings, "\(html)")
        #expect(elements.contains { $0 == ("li", "The pilot, tired and exact.") }, "\(html)")
        #expect(html.contains("<ul>\n<li>The pilot, tired and exact.</li>\n</ul>"))
        for paragraph in ["A ferry pilot smuggles letters across a closed border.", "About two million dollars."] {
            #expect(elements.contains { $0 == ("p", paragraph) }, "\(paragraph)\n\(html)")
        }
    }

    @Test func aConvertedPDFKeepsItsHeadingsFromFontSizesAndItsParagraphs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("pitch.md", Array(Self.markdown.utf8))
        let pdf = try directory.write("pitch.pdf", try HandlerRun.file(try await HandlerRun.run("convert", [:], inputPath: input)).bytes)
        let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw"]))
        let (_, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "html", "method": "native"], inputPath: pdf))
        let html = try #require(result["html"] as? String)
        let elements = try Self.elements(html, in: directory).elements
        let headings = elements.filter { $0.0.hasPrefix("h") }
        #expect(headings.map(\.0) == ["h1", "h2", "h2"], "\(html)")
        #expect(headings.map { DocumentTools.normalized($0.1) } == ["Night Ferry", "The Crossings", "The Choice"])
        // Each paragraph whole, as pdftotext reads the PDF (its lines joined into one paragraph).
        for paragraph in Self.paragraphs {
            #expect(reference.contains(DocumentTools.normalized(paragraph)))
            #expect(elements.contains { $0.0 == "p" && DocumentTools.normalized($0.1) == DocumentTools.normalized(paragraph) }, "\(paragraph)\n\(html)")
        }
    }

    @Test func aGeneratedNDAsMarkdownHasItsTitleAndEveryWordPdftotextReads() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try directory.write("nda.pdf", try HandlerRun.file(try await HandlerRun.run("generate-nda", GeneratePDFTests.ndaFields)).bytes)
        let (_, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "markdown"], inputPath: pdf))
        let markdown = try #require(result["markdown"] as? String)
        let lines = markdown.split(separator: "\n").map(String.init)
        #expect(lines.first == "# Non-Disclosure Agreement", "\(markdown)")
        // Paragraphs, not lines: several blocks longer than a line of the page.
        #expect(lines.filter { $0.count > 200 }.count >= 5, "\(markdown)")
        let unescaped = markdown.replacingOccurrences(of: "\\", with: "")
            .split(separator: "\n").map { $0.drop { $0 == "#" } }.joined(separator: " ")
        let words = DocumentTools.normalized(unescaped).split(separator: " ").sorted()
        let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw"])).split(separator: " ").sorted()
        #expect(words == reference)
    }

    @Test func aScannedPageReadByOCRGivesParagraphsOfItsText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try await ExtractTextTests.knownPDF(directory)
        let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw", "-f", "1", "-l", "1"]))
        let scan = try DocumentTools.scannedPDF(from: pdf, page: 1, dpi: 300, into: directory)
        let (_, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "markdown"], inputPath: scan))
        #expect((result["pages"] as? [[String: Any]])?.first?["method"] as? String == "ocr")
        let markdown = try #require(result["markdown"] as? String)
        // The synopsis's three paragraphs (ExtractTextTests.knownPDF), each a paragraph of its own.
        let synopsis = [
            "Mara Quint pilots the last ferry between two harbour towns that have not spoken in eleven years. Each crossing she carries letters hidden in the lining of her coat, written by families the border divided.",
            "When a customs officer finds one letter addressed to her own mother, Mara must decide whether the crossings are worth the price of being seen.",
            "The series follows six crossings over one winter, each told from the point of view of a different passenger.",
        ]
        let paragraphs = markdown.components(separatedBy: "\n\n").map { DocumentTools.folded(DocumentTools.normalized($0)) }
        for expected in synopsis {
            #expect(paragraphs.contains { DocumentTools.characterErrorRate(reference: expected, recognized: $0) <= 0.02 }, "\(expected)\n\(markdown)")
        }
        let recognized = DocumentTools.normalized(markdown.replacingOccurrences(of: "\\", with: ""))
        let cer = DocumentTools.characterErrorRate(reference: DocumentTools.folded(reference), recognized: DocumentTools.folded(recognized))
        #expect(cer <= 0.02, "CER \(cer)\n\(markdown)")
    }

    @Test func markdownEscapesWhatWouldChangeMeaningAsPythonMarkdownReadsIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let texts = ["# not a heading", "5. not a list", "- not an item", "> not a quote", "not *emphasis* nor snake_case_words nor [a link](x)"]
        let page = "<html><body><h1>Escapes</h1>" + texts.map { "<p>" + HTMLEntities.escape($0) + "</p>" }.joined() + "</body></html>"
        let input = try directory.write("escapes.html", Array(page.utf8))
        let (_, result) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["format": "markdown"], inputPath: input))
        let markdown = try #require(result["markdown"] as? String)
        let markdownPath = try directory.write("escapes.md", Array(markdown.utf8))
        // Python-Markdown (python3-markdown), an independent reader, renders it back to HTML.
        let rendered = try DocumentTools.run("/usr/bin/python3", ["-c", "import markdown, sys; print(markdown.markdown(open(sys.argv[1], encoding='utf-8').read()))", markdownPath])
        let elements = try Self.elements(rendered, in: directory).elements
        #expect(elements.map(\.0) == ["h1"] + texts.map { _ in "p" }, "\(markdown)\n\(rendered)")
        #expect(elements.map(\.1) == ["Escapes"] + texts, "\(markdown)\n\(rendered)")
        #expect(!rendered.contains("<em>") && !rendered.contains("<a "))
    }

    @Test func overHTTPTheResultCarriesTheHTMLAndTheOutputIsTheSamePage() async throws {
        let service = try await InProcessService.start()
        let body = Data(Self.markdown.utf8)
        let reply = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-text?format=html", body)
        let bogus = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-text?format=bogus", body)
        await service.stop()
        #expect(bogus.status == 400 && bogus.text.contains("markdown"), "\(bogus.text)")
        #expect(reply.status == 200, "\(reply.text)")
        let answer = try reply.json()
        let html = try #require((answer["result"] as? [String: Any])?["html"] as? String)
        let output = try #require((answer["outputs"] as? [[String: Any]])?.first)
        #expect(output["name"] as? String == "document" && output["contentType"] as? String == "text/html")
        #expect((output["base64"] as? String).flatMap { Data(base64Encoded: $0) } == Data(html.utf8))
        #expect(html.hasPrefix("<!doctype html>") && html.contains("<h2>The Choice</h2>"))
    }

    @Test func anUnknownFormatIsA400NamingTheChoices() async throws {
        let error = await HandlerRun.error("extract-text", ["format": "bogus"])
        #expect(error?.statusCode == 400)
        for choice in ["text", "markdown", "html"] { #expect(error?.message.contains(choice) == true, "\(error?.message ?? "")") }
    }
}
