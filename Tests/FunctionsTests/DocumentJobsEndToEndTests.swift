import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// The whole path with the real `document-processor` container: route → job → orchestrator →
/// sandboxed container → the PDF in R2, read back with `pdftotext`.
@Suite("Document jobs end to end", .serialized, .heavy)
struct DocumentJobsEndToEndTests {
    @Test("generate-nda at /api/containers/document-generation makes a PDF naming both parties and the date")
    func generateNDA() async throws {
        try await Platform.with { p in
            let (status, job) = try await p.post("/api/containers/document-generation/generate-nda?wait=60", [
                "disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Kestrel Ventures LLC", "effective_date": "14 March 2026",
            ])
            #expect(status == 200, "\(job)")
            #expect(job["status"] == "succeeded")
            #expect(job["type"] == "document.generate-nda")
            let output = try #require(job["outputs"]?.arrayValue?.first)
            #expect(output["contentType"] == "application/pdf")
            let url = try #require(output["url"]?.stringValue)
            let response = await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty)
            #expect(response.status == .ok)
            let pdf = p.t.directory + "/nda.pdf"
            try Data(try await response.body.bytes()).write(to: URL(fileURLWithPath: pdf))
            let text = try Self.pdftotext(pdf).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            #expect(text.contains("Aurora Pictures Ltd") && text.contains("Kestrel Ventures LLC") && text.contains("14 March 2026"))
        }
    }

    @Test("a missing party or an unknown template is a 400 at submit; the templates catalogue lists the fields")
    func badRequestsAndCatalogue() async throws {
        try await Platform.with { p in
            let (missing, body) = try await p.post("/api/document/generate-nda", ["disclosing_party": "A", "effective_date": "d"])
            #expect(missing == 400)
            #expect(body.serialized().contains("receiving_party"), "\(body)")
            let (unknown, unknownBody) = try await p.post("/api/document/generate-pdf", ["template": "lease"])
            #expect(unknown == 400)
            #expect(unknownBody.serialized().contains("pitch-one-pager"), "\(unknownBody)")
            let (status, catalogue) = try await p.get("/api/document/templates")
            #expect(status == 200, "\(catalogue)")
            let names = catalogue["templates"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["nda", "mutual-nda", "investment-term-sheet", "talent-agreement", "pitch-one-pager"])
        }
    }

    @Test("an uploaded PDF is watermarked through /api/document/watermark; the mark and the text are both in pdftotext's reading")
    func watermarkAnUpload() async throws {
        try await Platform.with { p in
            let (made, job) = try await p.post("/api/document/generate-nda?wait=60", [
                "disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Kestrel Ventures LLC", "effective_date": "14 March 2026",
            ])
            try #require(made == 200 && job["status"] == "succeeded", "\(job)")
            let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let nda = p.t.directory + "/nda.pdf"
            try Data(try await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: nda))
            let key = try await p.upload(nda, contentType: "application/pdf")
            let (status, marked) = try await p.post("/api/document/watermark?wait=60", ["key": .string(key), "text": "DRAFT", "position": "top"])
            #expect(status == 200, "\(marked)")
            #expect(marked["status"] == "succeeded")
            let markedURL = try #require(marked["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let output = p.t.directory + "/marked.pdf"
            try Data(try await p.t.dispatchFetch(markedURL, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: output))
            let text = try Self.pdftotext(output)
            #expect(text.contains("DRAFT") && text.contains("Kestrel Ventures LLC"))
            // A file that is not a PDF fails the job with the service's 422 reason.
            let junk = p.t.directory + "/junk.pdf"
            try Data("not a pdf at all".utf8).write(to: URL(fileURLWithPath: junk))
            let junkKey = try await p.upload(junk, contentType: "application/pdf")
            let (_, failed) = try await p.post("/api/document/watermark?wait=60", ["key": .string(junkKey), "text": "DRAFT"])
            #expect(failed["status"] == "failed", "\(failed)")
            #expect(failed["error"]?["code"] == "unreadable_input", "\(failed)")
            #expect(failed["attempts"] == 1)
        }
    }

    static func pdftotext(_ pdf: String) throws -> String {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
        process.arguments = [pdf, "-"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
