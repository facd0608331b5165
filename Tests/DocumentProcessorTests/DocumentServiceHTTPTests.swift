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
}
