import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// `analyze {key}` of an uploaded PDF through the platform with the repository's wrangler.toml:
/// the PDFs are made by Ghostscript (`gs`, a tool we did not write) from PostScript, and the text
/// the service analyzed is checked against `pdftotext`'s text of the same file (Poppler's own
/// command-line tool): the report of the PDF by key equals the report of pdftotext's text posted
/// inline. A PDF whose text is over the 100 000-byte limit fails with 413; one without a text
/// layer with 422.
@Suite("AI analyze a PDF by key", .serialized, .heavy)
struct AIAnalyzePDFTests {
    /// The pitch's lines, one per PostScript line (page breaks where an entry is nil).
    static let lines: [String?] = [
        "Tidewater",
        "Logline: A retired lighthouse keeper must return a grieving sea creature's lost child before the winter tides.",
        "Part folk tale, part family adventure, it blends hand-drawn animation with live action.",
        "The budget is four million dollars and the runtime is ninety minutes.",
        nil,
        "It is Moana meets The Secret of Kells, for families with children aged eight to twelve.",
        "The keeper's daughter narrates; her fear of the sea becomes the film's quiet heart.",
    ]

    /// A PDF made by Ghostscript from a PostScript program showing `lines` in Helvetica, one a
    /// line, a new page at each nil (and every 60 lines).
    static func pdf(_ lines: [String?], in directory: String, name: String) throws -> String {
        var program = "/Helvetica findfont 10 scalefont setfont\n"
        var y = 780
        for line in lines {
            if line == nil || y < 60 {
                program += "showpage\n/Helvetica findfont 10 scalefont setfont\n"
                y = 780
            }
            guard let line else { continue }
            program += "72 \(y) moveto (\(escaped(line))) show\n"
            y -= 12
        }
        program += "showpage\n"
        let source = directory + "/\(name).ps", output = directory + "/\(name).pdf"
        try program.write(toFile: source, atomically: true, encoding: .utf8)
        _ = try ChildProcess.output(of: "/usr/bin/gs", ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-sOutputFile=" + output, source])
        return output
    }

    /// `text` as a PostScript string's contents.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
    }

    func upload(_ p: Platform, file: String) async throws -> String {
        var headers = Platform.alice
        headers[.contentType] = "application/pdf"
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let response = await p.t.dispatchFetch("/api/containers/uploads", method: .post, headers: headers, body: Body(bytes: bytes))
        try #require(response.status == .created, "upload answered \(response.status)")
        return try #require(try await response.json()["key"]?.stringValue)
    }

    @Test("a Ghostscript PDF analyzed by key gives the report of pdftotext's text of it posted inline")
    func pdfByKeyEqualsPdftotext() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = try Self.pdf(Self.lines, in: directory, name: "pitch")
        let reference = try ChildProcess.output(of: "/usr/bin/pdftotext", [file, "-"])
        // The PDF holds the pitch as text (a sanity check of the fixture itself).
        #expect(reference.contains("Logline: A retired lighthouse keeper") && reference.contains("\u{0C}It is Moana meets"), "\(reference)")
        try await Platform.with { p in
            let key = try await upload(p, file: file)
            let byKey = try await p.finished("/api/ai/analyze", ["key": .string(key)])
            #expect(byKey["status"] == "succeeded", "\(byKey)")
            let inline = try await p.finished("/api/ai/analyze", ["text": .string(reference)])
            #expect(inline["status"] == "succeeded", "\(inline)")
            let report = try #require(byKey["result"])
            #expect(report["logline"]?["source"] == "labelled", "\(report)")
            #expect(report["logline"]?["text"]?.stringValue?.contains("lighthouse keeper") == true, "\(report)")
            // Words, sentences and everything read from them are pdftotext's (whitespace aside:
            // pdftotext ends each page with blank lines, so only `characters` may differ).
            #expect(Self.withoutWhitespaceCounts(report) == Self.withoutWhitespaceCounts(inline["result"]),
                    "by key: \(report)\npdftotext inline: \(inline["result"] ?? .null)")
            let words = reference.split(whereSeparator: \.isWhitespace).count
            #expect(report["counts"]?["words"]?.intValue == words, "\(report["counts"] ?? .null) vs \(words) words from pdftotext")
        }
    }

    /// `report` without `similar` (the platform's) and `counts.characters` (whitespace included).
    static func withoutWhitespaceCounts(_ report: JSONValue?) -> JSONValue? {
        guard case .object(var o)? = AIAnalyzeByKeyTests.withoutSimilar(report) else { return report }
        if case .object(var counts)? = o["counts"] {
            counts["characters"] = nil
            o["counts"] = .object(counts)
        }
        return .object(o)
    }

    @Test("a PDF whose text is over the limit fails with 413, one with no text layer with 422")
    func pdfLimits() async throws {
        let directory = TestRuntime.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 1 400 lines of 80 characters: about 113 000 bytes of text on 24 pages (the PDF itself is far smaller).
        let long = (0..<1400).map { String(format: "Line %04d of a pitch that goes on and on about the sea and the lighthouse keeper.", $0) as String? }
        let big = try Self.pdf(long, in: directory, name: "long")
        let bigText = try ChildProcess.output(of: "/usr/bin/pdftotext", [big, "-"])
        try #require(bigText.utf8.count > 100_000, "pdftotext reads \(bigText.utf8.count) bytes")
        let blank = try Self.pdf([nil], in: directory, name: "blank")
        try await Platform.with { p in
            let bigKey = try await upload(p, file: big)
            let bigJob = try await p.finished("/api/ai/analyze", ["key": .string(bigKey)])
            #expect(bigJob["status"] == "failed" && bigJob["error"]?["code"] == "input_too_large", "\(bigJob)")
            let bigMessage = bigJob["error"]?["message"]?.stringValue ?? ""
            #expect(bigMessage.contains("The text of the PDF") && bigMessage.contains("100000 bytes") && bigMessage.contains(bigKey), "\(bigJob)")
            #expect(bigJob["attempts"]?.intValue == 1, "\(bigJob)")

            let blankKey = try await upload(p, file: blank)
            let blankJob = try await p.finished("/api/ai/analyze", ["key": .string(blankKey)])
            #expect(blankJob["status"] == "failed" && blankJob["error"]?["code"] == "unreadable_input", "\(blankJob)")
            #expect(blankJob["error"]?["message"]?.stringValue?.contains("no text layer") == true, "\(blankJob)")
        }
    }
}
