import DocumentProcessing
import Foundation
import ServiceKit
import OutpostTesting
import Testing

/// `convert` keeps images: a Markdown and an HTML image given as a `data:` URI and a DOCX's media
/// come out in the PDF at their pixel size and drawn size, as `pdfimages -list` (poppler-utils)
/// reads them. The PNGs are written by Python (zlib), the JPEG by `pdftoppm`.
@Suite("Conversion with images", .heavy)
struct ConvertImageTests {
    /// One row of `pdfimages -list`.
    struct ListedImage {
        var width: Int
        var height: Int
        var encoding: String
        var xPPI: Double
        var yPPI: Double
    }

    static func images(in pdf: String) throws -> [ListedImage] {
        // page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
        try DocumentTools.run("/usr/bin/pdfimages", ["-list", pdf]).split(separator: "\n").dropFirst(2).compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 14, fields[2] == "image", let width = Int(fields[3]), let height = Int(fields[4]),
                  let x = Double(fields[12]), let y = Double(fields[13]) else { return nil }
            return ListedImage(width: width, height: height, encoding: String(fields[8]), xPPI: x, yPPI: y)
        }
    }

    /// An RGB PNG of `width` × `height` pixels (a gradient), written by Python's zlib; with
    /// `declaredOnly`, a header declaring that size over one row of pixels.
    static func png(width: Int, height: Int, declaredOnly: Bool = false, into directory: TemporaryDirectory) throws -> [UInt8] {
        let path = directory.file("image-\(width)x\(height).png")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", """
            import struct, sys, zlib
            w, h, only = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == '1'
            rows = b''.join(b'\\x00' + bytes((x * 255 // w, y * 255 // h, 128) [i % 3] for x in range(w) for i in range(3)) for y in range(1 if only else h))
            def chunk(kind, data): return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
            png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')
            open(sys.argv[4], 'wb').write(png)
            """, String(width), String(height), declaredOnly ? "1" : "0", path])
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func convert(_ name: String, _ content: String, in directory: TemporaryDirectory) async throws -> String {
        let input = try directory.write(name, Array(content.utf8))
        return try directory.write(name + ".pdf", try HandlerRun.file(try await HandlerRun.run("convert", [:], inputPath: input)).bytes)
    }

    @Test func aMarkdownImageIsEmbeddedAtItsPixelSizeAt96PixelsAnInch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let png = try Self.png(width: 120, height: 80, into: directory)
        let markdown = "# Night Ferry\n\nThe harbour at dawn:\n\n![The harbour](data:image/png;base64,\(Data(png).base64EncodedString()))\n\n## Logline\nA pilot smuggles letters.\n"
        let pdf = try await Self.convert("pitch.md", markdown, in: directory)
        let images = try Self.images(in: pdf)
        try #require(images.count == 1, "\(images)")
        #expect(images[0].width == 120 && images[0].height == 80)
        // 120 pixels drawn 90 points (1.25 inches) wide.
        #expect(abs(images[0].xPPI - 96) <= 1 && abs(images[0].yPPI - 96) <= 1, "\(images[0])")
        // The pixels themselves, as pdfimages writes them out (binary PPM): the gradient Python drew.
        _ = try DocumentTools.run("/usr/bin/pdfimages", [pdf, directory.file("out")])
        let ppm = Array(try Data(contentsOf: URL(fileURLWithPath: directory.file("out-000.ppm"))))
        let header = Array("P6\n120 80\n255\n".utf8)
        try #require(Array(ppm.prefix(header.count)) == header)
        for (x, y) in [(0, 0), (119, 0), (60, 40), (119, 79)] {
            let offset = header.count + (y * 120 + x) * 3
            #expect(Array(ppm[offset..<offset + 3]) == [UInt8(x * 255 / 120), UInt8(y * 255 / 80), 128], "pixel \(x),\(y)")
        }
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(ConvertTests.inOrder(["Night Ferry", "The harbour at dawn:", "Logline", "A pilot smuggles letters."], in: text), "\(text)")
        #expect(!text.contains("base64"))
    }

    @Test func anHTMLImageKeepsItsJPEGBytesAndItsWidthAndHeightAttributes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let source = try await Self.convert("poster.md", "# Poster\n\nA page for pdftoppm to render.\n", in: directory)
        let prefix = directory.file("poster")
        _ = try DocumentTools.run("/usr/bin/pdftoppm", ["-jpeg", "-scale-to-x", "160", "-scale-to-y", "100", "-singlefile", source, prefix])
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: prefix + ".jpg"))
        let html = "<html><body><h1>Night Ferry</h1><p>Before.<img alt=\"poster\" width=\"80\" height=\"50\" src=\"data:image/jpeg;base64,\(jpeg.base64EncodedString())\">After.</p></body></html>"
        let pdf = try await Self.convert("page.html", html, in: directory)
        let images = try Self.images(in: pdf)
        try #require(images.count == 1, "\(images)")
        #expect(images[0].width == 160 && images[0].height == 100)
        #expect(images[0].encoding == "jpeg", "the JPEG is embedded as it is")
        // 160 pixels drawn 80 CSS pixels (60 points, 5/6 inch) wide: 192 pixels an inch.
        #expect(abs(images[0].xPPI - 192) <= 1 && abs(images[0].yPPI - 192) <= 1, "\(images[0])")
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(ConvertTests.inOrder(["Night Ferry", "Before.", "After."], in: text), "\(text)")
    }

    @Test func aDocxPictureIsDrawnAtTheSizeTheDocumentGives() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.file("docx")
        try FileManager.default.createDirectory(atPath: folder + "/word/_rels", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/word/media", withIntermediateDirectories: true)
        try Data(try Self.png(width: 150, height: 100, into: directory)).write(to: URL(fileURLWithPath: folder + "/word/media/image1.png"))
        // 1.5 by 1 inches (914400 EMU an inch): 100 pixels an inch.
        let drawing = """
            <w:r><w:drawing><wp:inline><wp:extent cx="1371600" cy="914400"/><wp:docPr id="1" name="Picture 1" descr="Storyboard"/>\
            <a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed="rId7"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>
            """
        let document = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" \
            xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" \
            xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" \
            xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>\
            <w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Night Ferry</w:t></w:r></w:p>\
            <w:p><w:r><w:t>The first board:</w:t></w:r>\(drawing)</w:p>\
            <w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Logline</w:t></w:r></w:p></w:body></w:document>
            """
        let relationships = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>
            """
        try document.write(toFile: folder + "/word/document.xml", atomically: true, encoding: .utf8)
        try relationships.write(toFile: folder + "/word/_rels/document.xml.rels", atomically: true, encoding: .utf8)
        let docx = directory.file("boards.docx")
        _ = try DocumentTools.run("/usr/bin/python3", ["-c", """
            import os, sys, zipfile
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                for name in ('word/document.xml', 'word/_rels/document.xml.rels', 'word/media/image1.png'):
                    z.write(os.path.join(sys.argv[2], name), name)
            """, docx, folder])
        let pdf = try directory.write("boards.pdf", try HandlerRun.file(try await HandlerRun.run("convert", [:], inputPath: docx)).bytes)
        let images = try Self.images(in: pdf)
        try #require(images.count == 1, "\(images)")
        #expect(images[0].width == 150 && images[0].height == 100)
        #expect(abs(images[0].xPPI - 100) <= 1 && abs(images[0].yPPI - 100) <= 1, "\(images[0])")
        let text = DocumentTools.normalized(try DocumentTools.pdftotext(pdf))
        #expect(ConvertTests.inOrder(["Night Ferry", "The first board:", "Logline"], in: text), "\(text)")
        // extract-text reads the same DOCX without its pictures.
        let extracted = try HandlerRun.json(try await HandlerRun.run("extract-text", [:], inputPath: docx))
        #expect(extracted["text"] as? String == "Night Ferry\nThe first board:\nLogline")
    }

    @Test func anUndecodableImageIsLeftOutAndAHugeDeclaredOneIsA413() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let junk = Data("not an image at all".utf8).base64EncodedString()
        let pdf = try await Self.convert("junk.md", "# Night Ferry\n\n![x](data:image/png;base64,\(junk))\n\nText after.\n", in: directory)
        #expect(try Self.images(in: pdf).isEmpty)
        #expect(DocumentTools.normalized(try DocumentTools.pdftotext(pdf)).contains("Text after."))
        let bomb = try Self.png(width: 20_000, height: 20_000, declaredOnly: true, into: directory)
        let input = try directory.write("bomb.md", Array("# Bomb\n\n![b](data:image/png;base64,\(Data(bomb).base64EncodedString()))\n".utf8))
        let error = await HandlerRun.error("convert", [:], inputPath: input)
        #expect(error?.statusCode == 413 && error?.message.contains("20000×20000") == true, "\(String(describing: error))")
    }
}
