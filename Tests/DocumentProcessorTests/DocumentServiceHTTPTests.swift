import ServiceTesting
import Foundation
import OutpostTesting
import Testing

/// The document-processor over its HTTP contract (in-process on a free port): the templates
/// catalogue, a generated NDA as the response body, extraction of a raw upload, and 4xx errors.
@Suite("Document service over HTTP")
struct DocumentServiceHTTPTests {
    @Test func templatesCatalogueListsEveryTemplateAndItsFields() async throws {
        let service = try await InProcessService.start()
        let reply = try await ServiceHTTP.send("GET", service.baseURL + "/templates")
        #expect(reply.status == 200)
        let templates = try #require(try reply.json()["templates"] as? [[String: Any]])
        #expect(templates.compactMap { $0["name"] as? String } == ["nda", "mutual-nda", "investment-term-sheet", "talent-agreement", "pitch-one-pager"])
        let nda = try #require(templates.first)
        let fields = try #require(nda["fields"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: fields.compactMap { field in (field["name"] as? String).map { ($0, field) } })
        #expect(byName["disclosing_party"]?["required"] as? Bool == true)
        #expect(byName["disclosing_party"]?["type"] as? String == "text")
        #expect(byName["term"]?["required"] as? Bool == false)
        #expect(byName["term"]?["default"] as? String == "two (2) years")
        let sheet = try #require(templates.first { $0["name"] as? String == "investment-term-sheet" })
        let amount = (sheet["fields"] as? [[String: Any]])?.first { $0["name"] as? String == "investment_amount" }
        #expect(amount?["type"] as? String == "number")
        await service.stop()
    }

    @Test func generateNDAAnswersWithThePDF() async throws {
        let service = try await InProcessService.start()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let reply = try await ServiceHTTP.postJSON(service.baseURL + "/jobs/generate-nda", [
            "id": "nda-1", "params": ["disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Kestrel Ventures LLC", "effective_date": "14 March 2026"],
        ])
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        #expect(reply.header("Content-Type") == "application/pdf")
        let pdf = try directory.write("nda.pdf", [UInt8](reply.body))
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(text.contains("Aurora Pictures Ltd") && text.contains("Kestrel Ventures LLC") && text.contains("14 March 2026"))
        await service.stop()
    }

    @Test func badRequestsAre4xxAndTheServiceKeepsServing() async throws {
        let service = try await InProcessService.start()
        let missing = try await ServiceHTTP.postJSON(service.baseURL + "/jobs/generate-nda", ["params": ["disclosing_party": "A", "effective_date": "d"]])
        #expect(missing.status == 400 && missing.text.contains("receiving_party"))
        let unknown = try await ServiceHTTP.postJSON(service.baseURL + "/jobs/generate-pdf", ["params": ["template": "lease"]])
        #expect(unknown.status == 400 && unknown.text.contains("pitch-one-pager"))
        let notADocument = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-text", Data([0, 1, 2, 3, 0xFE, 0xFF] + Array(repeating: 0, count: 100)))
        #expect(notADocument.status == 422, "\(notADocument.text)")
        let text = try await ServiceHTTP.postRaw(service.baseURL + "/jobs/extract-text", Data("Plain words.".utf8))
        #expect(text.status == 200)
        #expect((try text.json()["result"] as? [String: Any])?["text"] as? String == "Plain words.")
        await service.stop()
    }

    /// `curl -F` (an independent multipart encoder) posting to `POST /jobs/merge`: each file is a
    /// part named `keys`. Returns the status and the path of the answer's body.
    static func curlMerge(_ service: InProcessService, query: String = "", parts: [(file: String, name: String)],
                          into directory: TemporaryDirectory) throws -> (status: Int, body: String) {
        let body = directory.file("answer-\(UUID().uuidString.prefix(6))")
        var arguments = ["-sS", "-o", body, "-w", "%{http_code}"]
        for part in parts { arguments += ["-F", "keys=@\(part.file);filename=\(part.name);type=application/pdf"] }
        let status = try DocumentTools.run("/usr/bin/curl", arguments + [service.baseURL + "/jobs/merge" + query])
        return (Int(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, body)
    }

    @Test func mergeTakesThePDFsAsMultipartPartsInTheirOrder() async throws {
        let service = try await InProcessService.start()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let alpha = try await PageOperationTests.document(directory, name: "Alpha", paragraphs: 2)
        let bravo = try await PageOperationTests.document(directory, name: "Bravo", paragraphs: 12)
        let charlie = try await PageOperationTests.document(directory, name: "Charlie", paragraphs: 2)
        let counts = try [alpha, bravo, charlie].map(PageOperationTests.pageCount)
        // A direct caller may leave `keys` out: the parts' file names stand for the keys. Order C, A, B.
        let (status, answer) = try Self.curlMerge(service, parts: [(charlie, "charlie.pdf"), (alpha, "alpha.pdf"), (bravo, "bravo.pdf")],
                                                  into: directory)
        #expect(status == 200, "\(String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: answer))) ?? Data(), as: UTF8.self).prefix(300))")
        #expect(try DocumentTools.pdfinfo(answer)["Pages"] == String(counts.reduce(0, +)))
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(answer))
        let c = try #require(text.range(of: "Charlie paragraph"))
        let a = try #require(text.range(of: "Alpha paragraph"))
        let b = try #require(text.range(of: "Bravo paragraph"))
        #expect(c.lowerBound < a.lowerBound && a.lowerBound < b.lowerBound)
        // The first page of the output is Charlie's first page, the page after Charlie's last is Alpha's.
        let first = DocumentTools.normalized(try DocumentTools.pdftotext(answer, extraArguments: ["-f", "1", "-l", "1"]))
        let afterCharlie = DocumentTools.normalized(try DocumentTools.pdftotext(answer, extraArguments: ["-f", String(counts[2] + 1), "-l", String(counts[2] + 1)]))
        #expect(first.contains("Charlie") && !first.contains("Alpha"))
        #expect(afterCharlie.contains("Alpha") && !afterCharlie.contains("Charlie"))

        // `keys` in the query string must match the parts one for one.
        let keys = "?keys=" + (#"["uploads/a.pdf","uploads/b.pdf","uploads/c.pdf"]"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let short = try Self.curlMerge(service, query: keys, parts: [(alpha, "a.pdf"), (bravo, "b.pdf")], into: directory)
        let shortText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: short.body)), as: UTF8.self)
        #expect(short.status == 400 && shortText.contains("missing_attachment") && shortText.contains("keys"), "\(shortText)")
        // One part is too few; a file that is not a PDF is a 422 naming its key.
        let one = try Self.curlMerge(service, parts: [(alpha, "a.pdf")], into: directory)
        let oneText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: one.body)), as: UTF8.self)
        #expect(one.status == 400 && oneText.contains("2 to 50"), "\(oneText)")
        let notes = try directory.write("notes.txt", Array("not a pdf".utf8))
        let mixed = try Self.curlMerge(service, query: keys, parts: [(alpha, "a.pdf"), (notes, "b.pdf"), (bravo, "c.pdf")], into: directory)
        let mixedText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: mixed.body)), as: UTF8.self)
        #expect(mixed.status == 422 && mixedText.contains("uploads/b.pdf"), "\(mixedText)")
        // Every part's scratch file is gone once its job has ended (the outbox is the only thing left).
        let left = try FileManager.default.contentsOfDirectory(atPath: service.scratch.path).filter { $0 != "outbox" }
        #expect(left.isEmpty, "\(left)")
        await service.stop()
    }
}
