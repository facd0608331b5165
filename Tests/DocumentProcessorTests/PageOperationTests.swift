import DocumentProcessing
import Foundation
import ServiceKit
import OutpostTesting
import Testing

/// `watermark` and `merge`, checked with `pdftotext` and `pdfinfo`; letter-size inputs are made
/// by `pdftocairo`.
@Suite("Watermark and merge", .heavy)
struct PageOperationTests {
    /// A generated PDF of at least `minimumPages` pages.
    static func document(_ directory: TemporaryDirectory, name: String, paragraphs: Int) async throws -> String {
        let paragraph = "\(name) paragraph text that fills the page so that the document runs to several pages of justified prose."
        let file = try HandlerRun.file(try await HandlerRun.run("generate-pdf", [
            "template": "pitch-one-pager", "project_title": .string(name), "creator": "Sam Okafor", "logline": "A logline.",
            "synopsis": .string((1...paragraphs).map { "Part \($0). " + paragraph }.joined(separator: "\n\n")),
        ]))
        return try directory.write(name + ".pdf", file.bytes)
    }

    static func pageCount(_ pdf: String) throws -> Int {
        guard let count = Int(try DocumentTools.pdfinfo(pdf)["Pages"] ?? "") else { throw TestFailure("no page count for \(pdf)") }
        return count
    }

    @Test(arguments: ["diagonal", "bottom-right"])
    func watermarkTextIsOnEveryPageAndTheOriginalTextStays(position: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try await Self.document(directory, name: "Harbour", paragraphs: 30)
        let pages = try Self.pageCount(source)
        #expect(pages >= 2)
        let result = try await HandlerRun.run("watermark", ["text": "CONFIDENTIAL PREVIEW", "position": .string(position), "opacity": 0.25, "fontSize": 40],
                                              inputPath: source)
        let output = try directory.write("marked.pdf", try HandlerRun.file(result).bytes)
        #expect(try Self.pageCount(output) == pages)
        for page in 1...pages {
            let original = DocumentTools.normalized(try DocumentTools.pdftotext(source, extraArguments: ["-f", "\(page)", "-l", "\(page)"]))
            let marked = DocumentTools.normalized(try DocumentTools.pdftotext(output, extraArguments: ["-f", "\(page)", "-l", "\(page)"]))
            let raw = DocumentTools.withoutSpaces(try DocumentTools.pdftotext(output, extraArguments: ["-raw", "-f", "\(page)", "-l", "\(page)"]))
            #expect(raw.contains("CONFIDENTIALPREVIEW"), "page \(page) has no mark")
            #expect(marked.contains("Page \(page) of \(pages)"))
            // The page's own words are all still there.
            let words = Set(original.split(separator: " ").map(String.init))
            let markedWords = Set(marked.split(separator: " ").map(String.init))
            #expect(words.subtracting(markedWords).isEmpty, "page \(page) lost \(words.subtracting(markedWords).prefix(5))")
        }
        #expect(try DocumentTools.pdfinfo(output)["Page size"] == DocumentTools.pdfinfo(source)["Page size"])
    }

    @Test func watermarkOnlyTheChosenPages() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try await Self.document(directory, name: "Harbour", paragraphs: 30)
        let output = try directory.write("marked.pdf", try HandlerRun.file(try await HandlerRun.run("watermark", ["text": "DRAFT", "pages": "2"], inputPath: source)).bytes)
        #expect(try !DocumentTools.withoutSpaces(DocumentTools.pdftotext(output, extraArguments: ["-raw", "-f", "1", "-l", "1"])).contains("DRAFT"))
        #expect(try DocumentTools.withoutSpaces(DocumentTools.pdftotext(output, extraArguments: ["-raw", "-f", "2", "-l", "2"])).contains("DRAFT"))
        let beyond = await HandlerRun.error("watermark", ["text": "DRAFT", "pages": "1,40"], inputPath: source)
        #expect(beyond?.statusCode == 400 && beyond?.message.contains("40") == true)
        let syntax = await HandlerRun.error("watermark", ["text": "DRAFT", "pages": "two"])
        #expect(syntax?.statusCode == 400)
    }

    @Test func mergeKeepsEveryPageItsSizeAndItsText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try await Self.document(directory, name: "Alpha", paragraphs: 30)
        let second = try await Self.document(directory, name: "Bravo", paragraphs: 4)
        let a4Third = try await Self.document(directory, name: "Charlie", paragraphs: 12)
        // A US-letter PDF, made by pdftocairo from an A4 one.
        let third = directory.file("Charlie-letter")
        _ = try DocumentTools.run("/usr/bin/pdftocairo", ["-pdf", "-paperw", "612", "-paperh", "792", a4Third, third + ".pdf"])
        let counts = try [first, second, third + ".pdf"].map(Self.pageCount)
        // The PDFs arrive as the attachments of `keys`, in the keys' order.
        let result = try await HandlerRun.run("merge", ["keys": ["uploads/alpha.pdf", "uploads/bravo.pdf", "uploads/charlie.pdf"]],
                                              attachments: ["keys": [first, second, third + ".pdf"]])
        let merged = try directory.write("merged.pdf", try HandlerRun.file(result).bytes)
        #expect(try Self.pageCount(merged) == counts.reduce(0, +))
        let sizes = try DocumentTools.run("/usr/bin/pdfinfo", ["-f", "1", "-l", "999", merged])
            .split(separator: "\n").filter { $0.hasPrefix("Page ") && $0.contains(" size:") }.map { String($0) }
        #expect(sizes.count == counts.reduce(0, +))
        #expect(sizes.first?.contains("595.276 x 841.89") == true)
        #expect(sizes.last?.contains("612 x 792") == true, "\(sizes.last ?? "")")
        // Every source's text, in order.
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(merged))
        let alpha = try #require(text.range(of: "Alpha paragraph"))
        let bravo = try #require(text.range(of: "Bravo paragraph"))
        let charlie = try #require(text.range(of: "Charlie paragraph"))
        #expect(alpha.lowerBound < bravo.lowerBound && bravo.lowerBound < charlie.lowerBound)
        #expect(text.contains("Part 30. Alpha paragraph"))
    }

    @Test func mergeRefusesTooFewKeysAndNamesTheKeyThatIsNotAPDF() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let one = try await Self.document(directory, name: "Alpha", paragraphs: 2)
        let tooFew = await HandlerRun.error("merge", ["keys": ["uploads/alpha.pdf"]], attachments: ["keys": [one]])
        #expect(tooFew?.statusCode == 400 && tooFew?.message.contains("keys") == true && tooFew?.message.contains("2 to 50") == true,
                "\(String(describing: tooFew))")
        let none = await HandlerRun.error("merge", [:])
        #expect(none?.statusCode == 400 && none?.message.contains("keys") == true, "\(String(describing: none))")
        let text = try directory.write("notes.txt", Array("not a pdf".utf8))
        let notPDF = await HandlerRun.error("merge", ["keys": ["uploads/alpha.pdf", "uploads/notes.txt"]], attachments: ["keys": [one, text]])
        #expect(notPDF?.statusCode == 422 && notPDF?.message.contains("\"uploads/notes.txt\"") == true, "\(String(describing: notPDF))")
    }
}

/// `preview`, checked against `pdftoppm`'s size for the same width and read back by the
/// `tesseract` CLI.
@Suite("Preview", .heavy)
struct PreviewTests {
    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count > 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        func be(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    @Test func firstPageAsAPNGOfTheWidth() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try directory.write("nda.pdf", try HandlerRun.file(try await HandlerRun.run("generate-nda", GeneratePDFTests.ndaFields)).bytes)
        let file = try HandlerRun.file(try await HandlerRun.run("preview", ["width": 1200], inputPath: pdf))
        #expect(file.contentType == "image/png")
        let size = try #require(Self.pngSize(file.bytes))
        let prefix = directory.file("reference")
        _ = try DocumentTools.run("/usr/bin/pdftoppm", ["-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to-x", "1200", "-scale-to-y", "-1", pdf, prefix])
        let reference = try #require(Self.pngSize([UInt8](try Data(contentsOf: URL(fileURLWithPath: prefix + ".png")))))
        #expect(size.0 == 1200)
        #expect(abs(size.1 - reference.1) <= 1, "\(size) vs pdftoppm \(reference)")
        let png = try directory.write("preview.png", file.bytes)
        let read = DocumentTools.normalized(try DocumentTools.run("/usr/bin/tesseract", [png, "-"]))
        #expect(read.contains("Non-Disclosure Agreement") && read.contains("Aurora Pictures"), "\(read.prefix(200))")
    }

    @Test func severalPagesAreSeveralImages() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try await PageOperationTests.document(directory, name: "Harbour", paragraphs: 30)
        let result = try await HandlerRun.run("preview", ["width": 200, "pages": "1-2"], inputPath: source)
        guard case .files(let files, _) = result else { Issue.record("expected two files"); return }
        #expect(files.map(\.name) == ["page-1", "page-2"])
        #expect(files.allSatisfy { Self.pngSize($0.bytes)?.0 == 200 })
        let beyond = await HandlerRun.error("preview", ["pages": "99"], inputPath: source)
        #expect(beyond?.statusCode == 400)
    }
}
