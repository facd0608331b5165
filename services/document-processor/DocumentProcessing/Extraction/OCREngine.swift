import CTesseract
import Foundation
import PDFText

/// Tesseract, through its C API: one engine per job (Tesseract handles are not shared between
/// threads). Pages are read with automatic page segmentation.
final class OCREngine {
    private let handle: OpaquePointer

    /// Where Debian's tesseract-ocr-* packages put their models.
    static let dataDirectories = ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"]

    /// The languages that have a model installed.
    static func installedLanguages() -> Set<String> {
        var languages: Set<String> = []
        for directory in dataDirectories {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where file.hasSuffix(".traineddata") {
                languages.insert(String(file.dropLast(".traineddata".count)))
            }
        }
        languages.remove("osd")
        return languages
    }

    init(languages: String) throws(DocumentError) {
        guard let handle = TessBaseAPICreate() else { throw .renderFailed("Tesseract could not start") }
        let directory = Self.dataDirectories.first { FileManager.default.fileExists(atPath: $0 + "/eng.traineddata") }
        guard TessBaseAPIInit3(handle, directory, languages) == 0 else {
            TessBaseAPIDelete(handle)
            throw .invalidParameter(name: "languages", message: "Tesseract could not load \"\(languages)\".")
        }
        self.handle = handle
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// The text of a grey page image.
    func read(_ image: GrayImage) throws(DocumentError) -> OCRText {
        image.pixels.withUnsafeBufferPointer { buffer in
            TessBaseAPISetImage(handle, buffer.baseAddress, Int32(image.width), Int32(image.height), 1, Int32(image.width))
            TessBaseAPISetSourceResolution(handle, Int32(image.dpi))
        }
        return try recognize()
    }

    /// Largest image decoded for OCR, in pixels (about A3 at 600 dpi); its header is read first,
    /// so a small file declaring a huge image is refused before any memory is taken.
    static let maxImagePixels = 80_000_000

    /// The text of an encoded image (PNG, JPEG, TIFF), decoded by Leptonica.
    func read(imageData: Data) throws(DocumentError) -> OCRText {
        var format: Int32 = 0, width: Int32 = 0, height: Int32 = 0, bits: Int32 = 0, samples: Int32 = 0, colormap: Int32 = 0
        let header = imageData.withUnsafeBytes { raw in
            pixReadHeaderMem(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &format, &width, &height, &bits, &samples, &colormap)
        }
        guard header == 0 else { throw .unreadable("The image could not be decoded.") }
        guard width > 0, height > 0 else { throw .unreadable("The image is empty.") }
        guard Int(width) * Int(height) <= Self.maxImagePixels else {
            throw .tooLarge("The image is \(width)×\(height) pixels; OCR reads at most \(Self.maxImagePixels) pixels.")
        }
        var pix: UnsafeMutablePointer<PIX>? = imageData.withUnsafeBytes { raw in
            pixReadMem(raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
        }
        guard let image = pix else { throw .unreadable("The image could not be decoded.") }
        defer { pixDestroy(&pix) }
        guard pixGetWidth(image) > 0, pixGetHeight(image) > 0 else { throw .unreadable("The image is empty.") }
        TessBaseAPISetImage2(handle, image)
        if pixGetXRes(image) < 70 { TessBaseAPISetSourceResolution(handle, 300) }
        return try recognize()
    }

    private func recognize() throws(DocumentError) -> OCRText {
        guard let text = TessBaseAPIGetUTF8Text(handle) else { throw .renderFailed("Tesseract could not read the page") }
        defer { TessDeleteText(text) }
        var lines: [TextLine] = []
        if let iterator = TessBaseAPIGetIterator(handle) {
            defer { TessResultIteratorDelete(iterator) }
            let page = TessResultIteratorGetPageIterator(iterator)
            repeat {
                var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
                if let line = TessResultIteratorGetUTF8Text(iterator, RIL_TEXTLINE) {
                    let words = String(cString: line).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    TessDeleteText(line)
                    if !words.isEmpty, TessPageIteratorBoundingBox(page, RIL_TEXTLINE, &left, &top, &right, &bottom) != 0 {
                        lines.append(TextLine(text: words, top: Double(top), bottom: Double(bottom), fontSize: nil))
                    }
                }
            } while TessPageIteratorNext(page, RIL_TEXTLINE) != 0
        }
        TessBaseAPIClear(handle)
        return OCRText(text: String(cString: text), lines: lines)
    }
}

/// What Tesseract read from a page: its text as Tesseract lays it out, and its lines with where
/// they sit (in pixels from the image's top; no font size).
struct OCRText: Sendable {
    var text: String
    var lines: [TextLine]
}
