import OutpostTesting
import DocumentProcessing
import DocumentProcessorDescriptor
import Foundation
import ServiceKit
import Testing

/// `generate-pdf` and `generate-nda`, checked with poppler-utils (`pdftotext`, `pdfinfo`).
@Suite("Document generation")
struct GeneratePDFTests {
    static let ndaFields: [String: JSONValue] = [
        "disclosing_party": "Aurora Pictures Ltd",
        "receiving_party": "Kestrel Ventures LLC",
        "effective_date": "14 March 2026",
        "jurisdiction": "England and Wales",
        "term": "three (3) years",
        "project_title": "The Salt Road",
    ]

    /// The NDA's clause headings, in order, as the agreement must show them.
    static let ndaClauses = ["Purpose", "Confidential Information", "Obligations of the Receiving Party", "Exclusions", "Term",
                             "Return of Materials", "No Licence", "Remedies", "Governing Law", "Entire Agreement"]

    @Test func generatedNDANamesBothPartiesTheDateAndEveryClause() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try HandlerRun.file(try await HandlerRun.run("generate-nda", Self.ndaFields))
        #expect(file.contentType == "application/pdf")
        let pdf = try directory.write("nda.pdf", file.bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        for expected in ["Aurora Pictures Ltd", "Kestrel Ventures LLC", "14 March 2026", "England and Wales", "three (3) years", "The Salt Road"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // Every clause heading, numbered 1… in order.
        var cursor = text.startIndex
        for (index, heading) in Self.ndaClauses.enumerated() {
            let numbered = "\(index + 1). \(heading)"
            let found = text.range(of: numbered, range: cursor..<text.endIndex)
            #expect(found != nil, "clause \"\(numbered)\" missing or out of order")
            if let found { cursor = found.upperBound }
        }
        // Signature blocks for both parties, and page numbers on every page.
        #expect(text.contains("DISCLOSING PARTY") && text.contains("RECEIVING PARTY"))
        #expect(text.contains("Name: Aurora Pictures Ltd") && text.contains("Name: Kestrel Ventures LLC"))
        let info = try DocumentTools.pdfinfo(pdf)
        let pages = try #require(Int(info["Pages"] ?? ""))
        #expect(pages >= 1)
        for page in 1...pages { #expect(text.contains("Page \(page) of \(pages)")) }
        #expect(info["Title"] == "Non-Disclosure Agreement")
        #expect(info["Author"] == "Pitchey")
        #expect(info["Page size"]?.hasPrefix("595.276 x 841.89") == true, "A4: \(info["Page size"] ?? "")")
        // CreationDate is set and is this year.
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect(info["CreationDate"]?.contains(String(year)) == true, "CreationDate: \(info["CreationDate"] ?? "none")")
    }

    @Test func titleAndAuthorParametersBecomeThePDFMetadata() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var fields = Self.ndaFields
        fields["title"] = "NDA — The Salt Road"
        fields["author"] = "Pitchey Legal"
        let pdf = try directory.write("nda.pdf", try HandlerRun.file(try await HandlerRun.run("generate-nda", fields)).bytes)
        let info = try DocumentTools.pdfinfo(pdf)
        #expect(info["Title"] == "NDA — The Salt Road")
        #expect(info["Author"] == "Pitchey Legal")
    }

    @Test(arguments: [
        ("nda", ["disclosing_party": "Alpha Films", "receiving_party": "Beta Capital", "effective_date": "2026-01-02"], ["Alpha Films", "Beta Capital", "2026-01-02"]),
        ("mutual-nda", ["party_a": "Alpha Films", "party_b": "Gamma Studios", "effective_date": "2026-02-03"], ["Alpha Films", "Gamma Studios", "Mutual Obligations"]),
        ("investment-term-sheet", ["company": "Alpha Films", "investor": "Beta Capital", "project_title": "Night Ferry", "investment_amount": 1250000,
                                   "equity_percent": 12.5, "effective_date": "2026-03-04", "currency": "EUR"], ["1,250,000 EUR", "12.50 %", "Night Ferry"]),
        ("talent-agreement", ["producer": "Alpha Films", "talent": "Dana Reyes", "project_title": "Night Ferry", "role": "Lead Actor",
                              "fee": 85000, "start_date": "2026-05-01", "credit": "Dana Reyes as Mara"], ["Dana Reyes", "Lead Actor", "85,000 USD", "Dana Reyes as Mara"]),
        ("pitch-one-pager", ["project_title": "Night Ferry", "creator": "Sam Okafor", "logline": "A ferry pilot smuggles letters across a closed border.",
                             "budget": 2000000, "genre": "Drama"], ["Night Ferry", "Sam Okafor", "A ferry pilot smuggles letters", "2,000,000 USD", "Drama"]),
    ] as [(String, [String: JSONValue], [String])])
    func everyTemplateRendersItsFields(template: String, fields: [String: JSONValue], expected: [String]) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var parameters = fields
        parameters["template"] = .string(template)
        let pdf = try directory.write("\(template).pdf", try HandlerRun.file(try await HandlerRun.run("generate-pdf", parameters)).bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        for value in expected { #expect(text.contains(value), "\(template): missing \(value) in \(text.prefix(400))") }
        #expect(try DocumentTools.pdfinfo(pdf)["Title"] == DocumentTemplates.named(template)?.title)
    }

    @Test func fieldsMayArriveAsADataObject() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = #"{"party_a": "Orbit & Co", "party_b": "Lumen <Media>", "effective_date": "1 June 2026"}"#
        let pdf = try directory.write("m.pdf", try HandlerRun.file(try await HandlerRun.run("generate-pdf", ["template": "mutual-nda", "data": .string(data)])).bytes)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        // Markup characters in the data are text, not markup.
        #expect(text.contains("Orbit & Co") && text.contains("Lumen <Media>") && text.contains("1 June 2026"))
    }

    @Test func longTextBreaksAcrossNumberedPages() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let paragraph = "The ferry left at dawn, and the letters in the pilot's coat grew heavier with every mile of grey water between the two shores."
        let synopsis = (1...40).map { "Paragraph \($0). " + paragraph }.joined(separator: "\n\n")
        let pdf = try directory.write("long.pdf", try HandlerRun.file(try await HandlerRun.run("generate-pdf", [
            "template": "pitch-one-pager", "project_title": "Night Ferry", "creator": "Sam Okafor", "logline": "A pilot smuggles letters.",
            "synopsis": .string(synopsis),
        ])).bytes)
        let pages = try #require(Int(try DocumentTools.pdfinfo(pdf)["Pages"] ?? ""))
        #expect(pages >= 3)
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        for index in 1...40 { #expect(text.contains("Paragraph \(index). The ferry left at dawn")) }
        for page in 1...pages { #expect(text.contains("Page \(page) of \(pages)")) }
        // Each page's text is on that page: the last paragraph is on the last page.
        let lastPage = try DocumentTools.pdftotext(pdf, extraArguments: ["-f", String(pages), "-l", String(pages)])
        #expect(DocumentTools.normalized(lastPage).contains("Paragraph 40."))
    }

    @Test func missingRequiredFieldIsA400NamingIt() async throws {
        // generate-nda declares the nda fields: the descriptor itself refuses (as the platform does at submit).
        let spec = try #require(DocumentProcessorDescriptor.service.operation("generate-nda"))
        #expect(throws: ParameterError.self) { try spec.validate(["disclosing_party": "A", "effective_date": "2026-01-01"]) }
        do {
            try spec.validate(["disclosing_party": "A", "effective_date": "2026-01-01"])
        } catch {
            #expect(error.name == "receiving_party")
        }
        // generate-pdf: the template's required fields are checked by the handler before the job runs.
        let error = await HandlerRun.error("generate-pdf", ["template": "talent-agreement", "producer": "P", "talent": "T", "project_title": "X",
                                                            "fee": 10, "start_date": "2026-01-01"])
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("role") == true, "\(error?.message ?? "")")
        // A value outside the field's rule.
        let bad = await HandlerRun.error("generate-pdf", ["template": "investment-term-sheet", "data": #"{"company":"C","investor":"I","project_title":"P","investment_amount":-5,"equity_percent":10,"effective_date":"d"}"#])
        #expect(bad?.statusCode == 400 && bad?.message.contains("investment_amount") == true, "\(bad?.message ?? "")")
        // A field the template does not have.
        let unknown = await HandlerRun.error("generate-pdf", ["template": "mutual-nda", "party_a": "A", "party_b": "B", "effective_date": "d", "logline": "x"])
        #expect(unknown?.statusCode == 400 && unknown?.message.contains("logline") == true)
    }

    @Test func unknownTemplateIsA400ListingTheTemplates() async throws {
        // The descriptor takes any name (uploaded templates are names too); the platform checks it
        // at submit (DocumentJobsEndToEndTests), and the service before the job runs.
        let error = await HandlerRun.error("generate-pdf", ["template": "lease"])
        #expect(error?.statusCode == 400)
        for template in ["nda", "mutual-nda", "investment-term-sheet", "talent-agreement", "pitch-one-pager"] {
            #expect(error?.message.contains(template) == true, "\(error?.message ?? "")")
        }
        let badData = await HandlerRun.error("generate-pdf", ["template": "nda", "data": "[1,2]"])
        #expect(badData?.statusCode == 400 && badData?.message.contains("data") == true)
    }
}
