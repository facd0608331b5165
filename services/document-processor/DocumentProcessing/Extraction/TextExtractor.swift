import DocumentProcessorDescriptor
import Foundation
import PDFText

/// `extract-text`: text, per-page text and metadata of a PDF, an image scan, or a text file.
enum TextExtractor {
    /// Dots per inch of pages rendered for OCR.
    static let ocrDPI = 300.0

    static func extract(path: String, request: ExtractionRequest, progress: @escaping (Double, String) -> Void,
                        isCancelled: @escaping @Sendable () -> Bool) throws(DocumentError) -> TextExtraction {
        let kind = try DocumentKind.detect(path: path)
        switch kind {
        case .pdf:
            return try pdf(path: path, request: request, progress: progress, isCancelled: isCancelled)
        case .png, .jpeg, .tiff:
            guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable("The input could not be read.") }
            progress(0.1, "ocr")
            let ocr = try OCRGate.shared.run { () throws(DocumentError) -> OCRText in
                try OCREngine(languages: request.languages).read(imageData: data)
            }
            return TextExtraction(kind: kind, pages: [.init(page: 1, text: ocr.text, method: "ocr", width: nil, height: nil)],
                                  metadata: .init(pages: 1, encrypted: false))
                .formatted(request.format, blocks: PDFStructure.blocks(pages: [(ocr.lines, ocr.text)]))
        case .html, .text:
            guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable("The input could not be read.") }
            guard let raw = String(data: data, encoding: .utf8) else { throw .unreadable("The text is not valid UTF-8.") }
            let text = kind == .html ? HTMLText.plainText(raw) : raw
            let extraction = TextExtraction(kind: kind, pages: [.init(page: 1, text: text, method: "native", width: nil, height: nil)],
                                            metadata: .init(pages: 1, title: kind == .html ? HTMLText.title(raw) : nil, encrypted: false))
            guard request.format != .text else { return extraction }
            let blocks = TextBlock.blocks(try DocumentConversion.blocks(path: path, kind: kind))
            return extraction.formatted(request.format, blocks: blocks)
        case .docx:
            let blocks = try DocxReader.blocks(path: path)
            let text = blocks.map(\.plainText).joined(separator: "\n")
            return TextExtraction(kind: kind, pages: [.init(page: 1, text: text, method: "native", width: nil, height: nil)],
                                  metadata: .init(pages: 1, encrypted: false))
                .formatted(request.format, blocks: TextBlock.blocks(blocks))
        }
    }

    static func pdf(path: String, request: ExtractionRequest, progress: @escaping (Double, String) -> Void,
                    isCancelled: @escaping @Sendable () -> Bool) throws(DocumentError) -> TextExtraction {
        let document = try PopplerDocument(path: path, password: request.password)
        let count = document.pageCount
        guard count > 0 else { throw .unreadable("The PDF has no pages.") }
        guard count <= DocumentProcessorDescriptor.maxPages else {
            throw .tooLarge("The PDF has \(count) pages; extract-text reads at most \(DocumentProcessorDescriptor.maxPages).")
        }
        if request.method == .ocr, count > DocumentProcessorDescriptor.maxOCRPages {
            throw .tooLarge("The PDF has \(count) pages; OCR reads at most \(DocumentProcessorDescriptor.maxOCRPages).")
        }
        var engine: OCREngine?
        var pages: [TextExtraction.Page] = []
        var sizes: [TextExtraction.PageSize] = []
        var ocrPages = 0
        var layouts: [(lines: [TextLine], text: String)] = []
        let readings = try TextLayerReader.read(document, password: request.password, lines: request.format != .text,
                                                progress: { progress($0, "text") }, isCancelled: isCancelled)
        for (index, reading) in readings.enumerated() {
            if isCancelled() { throw .cancelled }
            let size = (width: reading.width, height: reading.height)
            sizes.append(.init(width: size.width, height: size.height))
            let layer = reading.layer
            var text = layer.text
            var method = "native"
            var lines = layer.lines ?? []
            let needsOCR = request.method == .ocr || (request.method == .auto && layer.hasFewerVisibleCharacters(than: 3))
            if needsOCR {
                ocrPages += 1
                guard ocrPages <= DocumentProcessorDescriptor.maxOCRPages else {
                    throw .tooLarge("More than \(DocumentProcessorDescriptor.maxOCRPages) pages need OCR; that is the limit.")
                }
                progress(Double(index) / Double(count), "ocr")
                let image = try document.page(index).grayscale(dpi: ocrDPI)
                if engine == nil { engine = try OCREngine(languages: request.languages) }
                let ocr = engine!
                let read = try OCRGate.shared.run { () throws(DocumentError) -> OCRText in try ocr.read(image) }
                text = read.text
                lines = read.lines
                method = "ocr"
            }
            pages.append(.init(page: index + 1, text: text, method: method, width: size.width, height: size.height))
            if request.format != .text { layouts.append((lines, text)) }
        }
        let metadata = TextExtraction.Metadata(
            pages: count, title: document.title, author: document.author, subject: document.subject, creator: document.creator,
            producer: document.producer, creationDate: document.creationDate.map(PDFMetadata.iso8601),
            modificationDate: document.modificationDate.map(PDFMetadata.iso8601), pdfVersion: document.pdfVersion,
            encrypted: document.isEncrypted, pageSizes: sizes)
        return TextExtraction(kind: .pdf, pages: pages, metadata: metadata)
            .formatted(request.format, blocks: PDFStructure.blocks(pages: layouts))
    }
}
