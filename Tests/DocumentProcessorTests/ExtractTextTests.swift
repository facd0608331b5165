import DocumentProcessing
import Foundation
import ServiceKit
import OutpostTesting
import Testing

/// `extract-text`: the text layer against `pdftotext`, OCR against a page `pdftoppm` renders at
/// 300 dpi (character error rate), metadata against `pdfinfo`, and bad inputs.
@Suite("Text extraction", .heavy)
struct ExtractTextTests {
    /// A PDF with known paragraphs (a pitch one-pager), written into `directory`.
    static func knownPDF(_ directory: TemporaryDirectory) async throws -> String {
        let synopsis = """
        Mara Quint pilots the last ferry between two harbour towns that have not spoken in eleven years. Each crossing she carries letters hidden in the lining of her coat, written by families the border divided.

        When a customs officer finds one letter addressed to her own mother, Mara must decide whether the crossings are worth the price of being seen.

        The series follows six crossings over one winter, each told from the point of view of a different passenger.
        """
        let file = try HandlerRun.file(try await HandlerRun.run("generate-pdf", [
            "template": "pitch-one-pager", "project_title": "Night Ferry", "creator": "Sam Okafor",
            "logline": "A ferry pilot smuggles letters across a closed border.", "genre": "Drama", "synopsis": .string(synopsis),
        ]))
        return try directory.write("known.pdf", file.bytes)
    }

    @Test func nativeTextMatchesPdftotextPageByPage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try directory.write("nda.pdf", try HandlerRun.file(try await HandlerRun.run("generate-nda", GeneratePDFTests.ndaFields)).bytes)
        let result = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "native"], inputPath: pdf))
        let info = try DocumentTools.pdfinfo(pdf)
        let pageCount = try #require(Int(info["Pages"] ?? ""))
        let pages = try #require(result["pages"] as? [[String: Any]])
        #expect(pages.count == pageCount)
        for (index, page) in pages.enumerated() {
            let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw", "-f", String(index + 1), "-l", String(index + 1)]))
            // The same words (Poppler-glib and pdftotext may order side-by-side columns differently).
            let words = DocumentTools.normalized(page["text"] as? String ?? "").split(separator: " ").sorted()
            #expect(words == reference.split(separator: " ").sorted(), "page \(index + 1)")
            #expect(page["method"] as? String == "native")
        }
        let metadata = try #require(result["metadata"] as? [String: Any])
        #expect(metadata["pages"] as? Int == pageCount)
        #expect(metadata["title"] as? String == info["Title"])
        #expect(metadata["author"] as? String == info["Author"])
        #expect(metadata["encrypted"] as? Bool == false)
        #expect(metadata["creationDate"] is String)
        let sizes = try #require(metadata["pageSizes"] as? [[String: Any]])
        #expect(sizes.count == pageCount)
        #expect(abs((sizes.first?["width"] as? Double ?? 0) - 595.276) < 0.01)
        #expect(result["kind"] as? String == "pdf")
    }

    @Test func ocrOfAPageRenderedAt300DpiIsWithinTwoPercentCER() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try await Self.knownPDF(directory)
        let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw", "-f", "1", "-l", "1"]))
        #expect(reference.count > 500)
        let png = try DocumentTools.pdftoppm(pdf, page: 1, dpi: 300, into: directory)
        let result = try HandlerRun.json(try await HandlerRun.run("extract-text", [:], inputPath: png))
        #expect(result["kind"] as? String == "png")
        let recognized = DocumentTools.normalized(result["text"] as? String ?? "")
        let cer = DocumentTools.characterErrorRate(reference: DocumentTools.folded(reference), recognized: DocumentTools.folded(recognized))
        print("OCR of a 300 dpi PNG: CER \(String(format: "%.4f", cer)) over \(reference.count) characters")
        #expect(cer <= 0.02, "CER \(cer)\nreference: \(reference)\nrecognized: \(recognized)")
    }

    @Test func ocrMethodRendersPDFPagesItself() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try await Self.knownPDF(directory)
        let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw", "-f", "1", "-l", "1"]))
        let result = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "ocr"], inputPath: pdf))
        let pages = try #require(result["pages"] as? [[String: Any]])
        #expect(pages.first?["method"] as? String == "ocr")
        let cer = DocumentTools.characterErrorRate(reference: DocumentTools.folded(reference), recognized: DocumentTools.folded(DocumentTools.normalized(pages.first?["text"] as? String ?? "")))
        print("OCR of a PDF page rendered by the service: CER \(String(format: "%.4f", cer))")
        #expect(cer <= 0.02)
    }

    @Test func autoReadsAScannedPageWithOCRAndNativeFindsNoText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pdf = try await Self.knownPDF(directory)
        let reference = DocumentTools.normalized(try DocumentTools.pdftotext(pdf, extraArguments: ["-raw", "-f", "1", "-l", "1"]))
        let scan = try DocumentTools.scannedPDF(from: pdf, page: 1, dpi: 300, into: directory)
        // The scan has no text layer, by pdftotext's reading.
        #expect(DocumentTools.normalized(try DocumentTools.pdftotext(scan)).isEmpty)
        let native = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "native"], inputPath: scan))
        #expect(DocumentTools.normalized(native["text"] as? String ?? "").isEmpty)
        let auto = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "auto"], inputPath: scan))
        let page = try #require((auto["pages"] as? [[String: Any]])?.first)
        #expect(page["method"] as? String == "ocr")
        let cer = DocumentTools.characterErrorRate(reference: DocumentTools.folded(reference),
                                                   recognized: DocumentTools.folded(DocumentTools.normalized(page["text"] as? String ?? "")))
        print("auto OCR of a scanned PDF page: CER \(String(format: "%.4f", cer))")
        #expect(cer <= 0.02)
    }

    @Test func encryptedPDFWithoutPasswordIsA422SayingSo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plain = try await Self.knownPDF(directory)
        let locked = directory.file("locked.pdf")
        try DocumentTools.encrypt(plain, to: locked, userPassword: "s3cret")
        let missing = await HandlerRun.error("extract-text", [:], inputPath: locked)
        #expect(missing?.statusCode == 422)
        #expect(missing?.message.contains("encrypted") == true && missing?.message.contains("password") == true, "\(missing?.message ?? "")")
        let wrong = await HandlerRun.error("extract-text", ["password": "nope"], inputPath: locked)
        #expect(wrong?.statusCode == 422)
        let result = try HandlerRun.json(try await HandlerRun.run("extract-text", ["password": "s3cret"], inputPath: locked))
        #expect(DocumentTools.normalized(result["text"] as? String ?? "").contains("Night Ferry"))
        #expect((result["metadata"] as? [String: Any])?["encrypted"] as? Bool == true)
    }

    @Test func corruptOrNonDocumentInputIsA422() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let corrupt = try directory.write("corrupt.pdf", Array("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8))
        let binary = try directory.write("noise.bin", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ ($0 >> 3)) } + [0, 0])
        let empty = try directory.write("empty", [])
        for path in [corrupt, binary, empty] {
            let error = await HandlerRun.error("extract-text", [:], inputPath: path)
            #expect(error?.statusCode == 422, "\(path): \(String(describing: error))")
        }
    }

    @Test func htmlAndTextInputs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let html = try directory.write("page.html", Array("<!DOCTYPE html><html><head><title>Night Ferry</title><style>p{color:red}</style></head><body><h1>Night Ferry</h1><p>A pilot &amp; her letters.</p><script>var x = 1;</script></body></html>".utf8))
        let fromHTML = try HandlerRun.json(try await HandlerRun.run("extract-text", [:], inputPath: html))
        #expect(fromHTML["kind"] as? String == "html")
        #expect(fromHTML["text"] as? String == "Night Ferry\nA pilot & her letters.")
        #expect((fromHTML["metadata"] as? [String: Any])?["title"] as? String == "Night Ferry")
        let markdown = try directory.write("notes.md", Array("# Night Ferry\n\nA pilot smuggles letters.\n".utf8))
        let fromText = try HandlerRun.json(try await HandlerRun.run("extract-text", [:], inputPath: markdown))
        #expect(fromText["kind"] as? String == "text")
        #expect(fromText["text"] as? String == "# Night Ferry\n\nA pilot smuggles letters.\n")
    }

    @Test func unknownLanguageOrMethodIsA400() async throws {
        let language = await HandlerRun.error("extract-text", ["languages": "klingon"])
        #expect(language?.statusCode == 400 && language?.message.contains("eng") == true)
        let method = await HandlerRun.error("extract-text", ["method": "guess"])
        #expect(method?.statusCode == 400 && method?.message.contains("method") == true)
    }
}

/// An image that declares more pixels than OCR reads is refused from its header.
@Suite("Image limits")
struct ImageLimitTests {
    @Test func aHugeDeclaredImageIsA413BeforeDecoding() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A PNG signature and an IHDR chunk declaring 20000 × 20000 pixels (CRC computed by Python's zlib).
        let path = directory.file("huge.png")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", """
            import struct, sys, zlib
            ihdr = struct.pack('>IIBBBBB', 20000, 20000, 8, 0, 0, 0, 0)
            chunk = struct.pack('>I', len(ihdr)) + b'IHDR' + ihdr + struct.pack('>I', zlib.crc32(b'IHDR' + ihdr))
            idat = zlib.compress(b'')
            chunk += struct.pack('>I', len(idat)) + b'IDAT' + idat + struct.pack('>I', zlib.crc32(b'IDAT' + idat))
            chunk += struct.pack('>I', 0) + b'IEND' + struct.pack('>I', zlib.crc32(b'IEND'))
            open(sys.argv[1], 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk)
            """, path])
        let error = await HandlerRun.error("extract-text", [:], inputPath: path)
        #expect(error?.statusCode == 413, "\(String(describing: error))")
        #expect(error?.message.contains("20000") == true)
    }
}

/// PDF bombs must not take the instance down.
@Suite("PDF bombs", .heavy)
struct PDFBombTests {
    @Test func deeplyNestedObjectsAreReadOrRefusedWithoutACrash() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("nested.pdf")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", """
            import sys
            depth = 200000
            objs = [b'<< /Type /Catalog /Pages 2 0 R /Bomb ' + b'[' * depth + b']' * depth + b' >>',
                    b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>', b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>']
            out = bytearray(b'%PDF-1.4\\n'); offsets = []
            for i, o in enumerate(objs, 1):
                offsets.append(len(out)); out += b'%d 0 obj\\n' % i + o + b'\\nendobj\\n'
            xref = len(out); out += b'xref\\n0 %d\\n0000000000 65535 f \\n' % (len(objs) + 1)
            for o in offsets: out += b'%010d 00000 n \\n' % o
            out += b'trailer\\n<< /Size %d /Root 1 0 R >>\\nstartxref\\n%d\\n%%%%EOF\\n' % (len(objs) + 1, xref)
            open(sys.argv[1], 'wb').write(out)
            """, path])
        // Poppler bounds its recursion: the page reads (it has no text), or the file is a 422.
        do {
            let result = try HandlerRun.json(try await HandlerRun.run("extract-text", ["method": "native"], inputPath: path))
            #expect((result["metadata"] as? [String: Any])?["pages"] as? Int == 1)
        } catch let error as ServiceError {
            #expect(error.statusCode == 422, "\(error)")
        }
    }
}
