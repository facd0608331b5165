import DocumentProcessing
import DocumentProcessorDescriptor
import Foundation
import OutpostTesting
import ServiceKit
import ServiceTesting
import Testing

/// `extract-text` of a document whose text is over `maxInlineTextBytes`: the result is a summary
/// and the whole extraction (the usual result's JSON) is the output `extraction.json`, written page
/// by page — in the handler, as a plain HTTP answer's body (streamed from its file) and as a
/// pulled output of a progress stream, the way the platform takes it. Page texts are checked
/// against `pdftotext -raw`, lengths against the limit, the HTTP side with Foundation's URLSession.
@Suite("Long text extraction", .heavy)
struct LongTextExtractionTests {
    static let pageCount = 48

    /// A PDF of `pageCount` dense pages (130 lines of ~200 characters of 5 pt Helvetica each,
    /// ~1.2 MB of text in all), page N starting "Sheet N"; written by Python.
    static func densePDF(into directory: TemporaryDirectory) throws -> String {
        let output = directory.file("dense.pdf")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", DocumentTools.pdfWriter + """
            import random, sys
            rng = random.Random(7)
            words = 'treatment scene budget producer option rights territory schedule draft reel take casting'.split()
            count, pages = int(sys.argv[2]), []
            objects = [b'<< /Type /Catalog /Pages 2 0 R >>', None, b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
            for n in range(1, count + 1):
                lines = [b'Sheet %d' % n] + [' '.join(rng.choice(words) for _ in range(26)).encode() for _ in range(130)]
                content = b'BT /F1 5 Tf 20 820 Td 6 TL ' + b' '.join(b'(%s) Tj T*' % line for line in lines) + b' ET'
                objects.append(b'<< /Length %d >>\\nstream\\n' % len(content) + content + b'\\nendstream')
                objects.append(b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>' % (len(objects)))
                pages.append(len(objects))
            objects[1] = b'<< /Type /Pages /Kids [%s] /Count %d >>' % (b' '.join(b'%d 0 R' % p for p in pages), count)
            write_pdf(objects, sys.argv[1])
            """, output, String(pageCount)])
        return output
    }

    /// The whole extraction, as a shorter document's result is: every page in order with the text
    /// `pdftotext -raw` reads, `text` the pages joined by form feeds, the metadata with page sizes.
    static func expectWholeExtraction(_ json: Data, reference pdf: String) throws {
        let extraction = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(extraction["kind"] as? String == "pdf")
        let pages = try #require(extraction["pages"] as? [[String: Any]])
        try #require(pages.count == pageCount)
        let reference = try DocumentTools.pdftotext(pdf, extraArguments: ["-raw"]).split(separator: "\u{0C}").map { DocumentTools.normalized(String($0)) }
        for (index, page) in pages.enumerated() {
            let text = DocumentTools.normalized(page["text"] as? String ?? "")
            #expect(page["page"] as? Int == index + 1)
            #expect(text.hasPrefix("Sheet \(index + 1) "), "page \(index + 1)")
            #expect(text == reference[index], "page \(index + 1)")
        }
        let text = try #require(extraction["text"] as? String)
        #expect(text == pages.map { $0["text"] as? String ?? "" }.joined(separator: "\u{0C}"))
        #expect(text.utf8.count > DocumentProcessorDescriptor.maxInlineTextBytes)
        let metadata = try #require(extraction["metadata"] as? [String: Any])
        #expect(metadata["pages"] as? Int == pageCount)
        #expect((metadata["pageSizes"] as? [Any])?.count == pageCount)
    }

    /// The summary the result is instead: no text, its length, the output's name.
    static func expectSummary(_ result: [String: Any], textBytes: Int) {
        #expect(result["text"] == nil && result["pages"] == nil)
        #expect(result["textBytes"] as? Int == textBytes)
        #expect(result["textOutput"] as? String == "extraction")
        #expect((result["metadata"] as? [String: Any])?["pages"] as? Int == pageCount)
    }

    @Test func aLongTextIsTheOutputExtractionJSONAndTheResultASummary() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try Self.densePDF(into: directory)
        #expect(try DocumentTools.pdfinfo(pdf)["Pages"] == String(Self.pageCount))
        let file = try HandlerRun.file(try await HandlerRun.run("extract-text", ["method": "native"], inputPath: pdf))
        #expect(file.name == "extraction" && file.contentType == "application/json")
        guard case .file(let path, _) = file.content else { throw TestFailure("the extraction is not a file output") }
        defer { unlink(path) }
        let json = try Data(contentsOf: URL(fileURLWithPath: path))
        try Self.expectWholeExtraction(json, reference: pdf)
        let text = try #require((try JSONSerialization.jsonObject(with: json) as? [String: Any])?["text"] as? String)
        guard let metadata = file.metadata else { throw TestFailure("the extraction has no summary") }
        let summary = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(metadata)) as? [String: Any])
        Self.expectSummary(summary, textBytes: text.utf8.count)

        // With a format, the Markdown is an output beside it, and the result the same summary.
        let (files, formatted) = try HandlerRun.files(try await HandlerRun.run("extract-text", ["method": "native", "format": "markdown"], inputPath: pdf))
        #expect(files.map(\.name) == ["extraction", "document"])
        #expect(files.map(\.contentType) == ["application/json", "text/markdown"])
        for case .file(let path, _) in files.map(\.content) { unlink(path) }
        Self.expectSummary(formatted, textBytes: text.utf8.count)
    }

    @Test func overHTTPTheExtractionIsTheBodyOrAPulledOutput() async throws {
        let service = try await InProcessService.start()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try Self.densePDF(into: directory)
        let url = service.baseURL + "/jobs/extract-text?method=native"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
        // A plain answer: the extraction is the body (streamed from its file), the summary in X-Job-Result.
        let plain = try await ServiceHTTP.postRaw(url, bytes, headers: ["Content-Type": "application/pdf"])
        #expect(plain.status == 200)
        #expect(plain.header("Content-Type") == "application/json")
        try Self.expectWholeExtraction(plain.body, reference: pdf)
        let text = try #require(try plain.json()["text"] as? String)
        let jobResult = try #require(plain.header("X-Job-Result"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(jobResult.utf8)) as? [String: Any])
        Self.expectSummary(try #require(summary["result"] as? [String: Any]), textBytes: text.utf8.count)
        #expect(service.scratch.contents().isEmpty, "the output's file is gone once answered")

        // As the platform asks: a progress stream with pulled outputs; the result line is the summary.
        let stream = try await ServiceHTTP.postRaw(url, bytes, headers: ["Content-Type": "application/pdf", "Accept": "application/x-ndjson",
                                                                         "X-Output-Delivery": "pull"])
        #expect(stream.status == 200 && stream.body.count < 64 * 1024, "the stream carries no text")
        let lines = stream.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let result = try #require(lines.last { $0["type"] as? String == "result" }?["job"] as? [String: Any])
        Self.expectSummary(try #require(result["result"] as? [String: Any]), textBytes: text.utf8.count)
        let output = try #require((result["outputs"] as? [[String: Any]])?.first)
        #expect(output["name"] as? String == "extraction" && output["contentType"] as? String == "application/json")
        let pulled = try await ServiceHTTP.send("GET", service.baseURL + (try #require(output["pull"] as? String)))
        #expect(pulled.status == 200 && pulled.body == plain.body)
        await service.stop()
    }
}
