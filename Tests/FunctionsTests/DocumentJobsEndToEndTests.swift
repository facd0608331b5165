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
            let job = try await p.finished("/api/containers/document-generation/generate-nda", [
                "disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Kestrel Ventures LLC", "effective_date": "14 March 2026",
            ])
            #expect(job["status"] == "succeeded", "\(job)")
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
            let job = try await p.finished("/api/document/generate-nda", [
                "disclosing_party": "Aurora Pictures Ltd", "receiving_party": "Kestrel Ventures LLC", "effective_date": "14 March 2026",
            ])
            try #require(job["status"] == "succeeded", "\(job)")
            let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let nda = p.t.directory + "/nda.pdf"
            try Data(try await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: nda))
            let key = try await p.upload(nda, contentType: "application/pdf")
            let marked = try await p.finished("/api/document/watermark", ["key": .string(key), "text": "DRAFT", "position": "top"])
            #expect(marked["status"] == "succeeded", "\(marked)")
            let markedURL = try #require(marked["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let output = p.t.directory + "/marked.pdf"
            try Data(try await p.t.dispatchFetch(markedURL, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: output))
            let text = try Self.pdftotext(output)
            #expect(text.contains("DRAFT") && text.contains("Kestrel Ventures LLC"))
            // A file that is not a PDF fails the job with the service's 422 reason.
            let junk = p.t.directory + "/junk.pdf"
            try Data("not a pdf at all".utf8).write(to: URL(fileURLWithPath: junk))
            let junkKey = try await p.upload(junk, contentType: "application/pdf")
            let failed = try await p.finished("/api/document/watermark", ["key": .string(junkKey), "text": "DRAFT"])
            #expect(failed["status"] == "failed", "\(failed)")
            #expect(failed["error"]?["code"] == "unreadable_input", "\(failed)")
            #expect(failed["attempts"] == 1)
        }
    }

    @Test("merge {keys}: three uploaded PDFs become one in the keys' order; a key that is not an upload is a 400 at submit and makes no job")
    func mergeUploadsByKey() async throws {
        try await Platform.with { p in
            // Three PDFs of distinct text and lengths, made by the platform and uploaded again as a client would.
            var keys: [String: String] = [:]
            var pages: [String: Int] = [:]
            for (name, paragraphs) in [("Alpha", 2), ("Bravo", 14), ("Charlie", 2)] {
                let synopsis = (1...paragraphs).map { "Part \($0). \(name) paragraph text that fills the page with justified prose." }.joined(separator: "\n\n")
                let job = try await p.finished("/api/document/generate-pdf", [
                    "template": "pitch-one-pager", "project_title": .string(name), "creator": "Sam Okafor", "logline": "A logline.",
                    "synopsis": .string(synopsis),
                ])
                try #require(job["status"] == "succeeded", "\(job)")
                let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
                let file = p.t.directory + "/\(name).pdf"
                try Data(try await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: file))
                pages[name] = try Self.pageCount(file)
                keys[name] = try await p.upload(file, contentType: "application/pdf")
            }
            let (alpha, bravo, charlie) = (try #require(keys["Alpha"]), try #require(keys["Bravo"]), try #require(keys["Charlie"]))
            #expect(pages["Bravo"]! > 1)

            // A key that is not an upload: 400 naming the parameter and the key, and no job.
            let (missing, error) = try await p.post("/api/document/merge", ["keys": [.string(alpha), "uploads/no-such-file.pdf", .string(bravo)]])
            #expect(missing == 400, "\(error)")
            let message = error["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("\"keys\"") && message.contains("uploads/no-such-file.pdf") && message.contains("POST /api/containers/uploads"), "\(message)")
            // Another caller's upload is not one of bob's.
            let (foreign, _) = try await p.post("/api/document/merge", ["keys": [.string(alpha), .string(bravo)]], as: Platform.bob)
            #expect(foreign == 400)
            let (_, listed) = try await p.get("/api/containers/jobs?type=document.merge", as: Platform.admin)
            #expect(listed["jobs"]?.arrayValue?.isEmpty == true, "\(listed)")

            // Charlie, Alpha, Bravo: the output has their pages in that order.
            let job = try await p.finished("/api/document/merge", ["keys": [.string(charlie), .string(alpha), .string(bravo)]])
            #expect(job["status"] == "succeeded", "\(job)")
            let url = try #require(job["outputs"]?.arrayValue?.first?["url"]?.stringValue)
            let merged = p.t.directory + "/merged.pdf"
            try Data(try await p.t.dispatchFetch(url, method: .get, headers: Platform.alice, body: .empty).body.bytes()).write(to: URL(fileURLWithPath: merged))
            let (a, b, c) = (pages["Alpha"]!, pages["Bravo"]!, pages["Charlie"]!)
            #expect(try Self.pageCount(merged) == a + b + c)
            func page(_ number: Int) throws -> String {
                try Self.pdftotext(merged, ["-f", String(number), "-l", String(number)]).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
            // Each source's first page where it belongs, and the whole text in the keys' order.
            #expect(try page(1).contains("Charlie paragraph") && !(try page(1).contains("Alpha")))
            #expect(try page(c + 1).contains("Alpha paragraph") && !(try page(c + 1).contains("Charlie")))
            #expect(try page(c + a + 1).contains("Bravo paragraph") && !(try page(c + a + 1).contains("Alpha")))
            let text = try Self.pdftotext(merged, []).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let order = ["Part 2. Charlie", "Part 2. Alpha", "Part 14. Bravo"].map { text.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil } && order[0]! < order[1]! && order[1]! < order[2]!, "\(text.prefix(400))")
        }
    }

    /// Pages of a PDF, as `pdfinfo` counts them.
    static func pageCount(_ pdf: String) throws -> Int {
        let info = try ChildProcess.output(of: "/usr/bin/pdfinfo", [pdf])
        let line = info.split(separator: "\n").first { $0.hasPrefix("Pages:") } ?? ""
        return Int(line.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }

    static func pdftotext(_ pdf: String, _ options: [String]) throws -> String {
        try ChildProcess.output(of: "/usr/bin/pdftotext", options + [pdf, "-"])
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
