import DocumentProcessing
import Foundation
import ServiceKit
import OutpostTesting
import Testing

/// `extract-text` of a PDF long enough to be read on two threads (its second half by a helper with
/// its own Poppler document): every page in order, with its own text and size, as `pdftotext` and
/// `pdfinfo` read them; an encrypted one opens in both halves with the password.
@Suite("Long PDF extraction", .heavy)
struct LongPDFExtractionTests {
    static let pageCount = 41

    /// A PDF of `pageCount` pages, page N saying "Marker N" and a line of its own words, each page
    /// a little wider than the one before; written by Python (Helvetica, no embedded fonts).
    static func longPDF(into directory: TemporaryDirectory) throws -> String {
        let output = directory.file("long.pdf")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", DocumentTools.pdfWriter + """
            import sys
            count, pages = int(sys.argv[2]), []
            objects = [b'<< /Type /Catalog /Pages 2 0 R >>', None, b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
            for n in range(1, count + 1):
                content = b'BT /F1 14 Tf 72 720 Td (Marker %d) Tj 0 -24 Td (scene%d take%d reel%d) Tj ET' % (n, n, n * 7, n * 13)
                objects.append(b'<< /Length %d >>\\nstream\\n' % len(content) + content + b'\\nendstream')
                objects.append(b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>' % (500 + n, len(objects)))
                pages.append(len(objects))
            objects[1] = b'<< /Type /Pages /Kids [%s] /Count %d >>' % (b' '.join(b'%d 0 R' % p for p in pages), count)
            write_pdf(objects, sys.argv[1])
            """, output, String(pageCount)])
        return output
    }

    static func expectEveryPageInOrder(_ result: [String: Any], reference pdf: String) throws {
        let pages = try #require(result["pages"] as? [[String: Any]])
        try #require(pages.count == pageCount)
        let referenceText = try DocumentTools.pdftotext(pdf, extraArguments: ["-raw"]).split(separator: "\u{0C}").map { DocumentTools.normalized(String($0)) }
        for (index, page) in pages.enumerated() {
            let number = index + 1
            let text = DocumentTools.normalized(page["text"] as? String ?? "")
            #expect(page["page"] as? Int == number)
            #expect(text == referenceText[index], "page \(number)")
            #expect(text == "Marker \(number) scene\(number) take\(number * 7) reel\(number * 13)", "page \(number)")
            #expect(page["width"] as? Double == Double(500 + number))
        }
        #expect((result["text"] as? String)?.split(separator: "\u{0C}").count == pageCount)
    }

    @Test func everyPageComesBackInOrderWithItsOwnTextAndSize() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try Self.longPDF(into: directory)
        #expect(try DocumentTools.pdfinfo(pdf)["Pages"] == String(Self.pageCount))
        let result = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "native"], inputPath: pdf))
        try Self.expectEveryPageInOrder(result, reference: pdf)
        // The structured output reads the same pages in the same order.
        let markdown = try HandlerRun.files(try await HandlerRun.run("extract-text", ["method": "native", "format": "markdown"], inputPath: pdf))
        let written = String(decoding: try #require(markdown.files.first).bytes, as: UTF8.self)
        #expect(ConvertTests.inOrder((1...Self.pageCount).map { "Marker \($0) " }, in: written), "\(written)")
    }

    @Test func anEncryptedLongPDFOpensInBothHalvesWithThePassword() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try Self.longPDF(into: directory)
        let locked = directory.file("locked.pdf")
        try DocumentTools.encrypt(pdf, to: locked, userPassword: "user")
        let result = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "native", "password": "user"], inputPath: locked))
        try Self.expectEveryPageInOrder(result, reference: pdf)
        #expect(await HandlerRun.error("extract-text", ["method": "native"], inputPath: locked)?.statusCode == 422)
    }
}
