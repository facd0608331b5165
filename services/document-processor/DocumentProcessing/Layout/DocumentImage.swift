import CPopplerCairo
import CTesseract
import Foundation
import PDFText

/// An image in a converted document (DOCX media, an HTML `img` or a Markdown image with a
/// `data:` URI): its encoded bytes (PNG, JPEG, TIFF, GIF, BMP, WebP as Leptonica reads them), its
/// text alternative, and the size it is drawn at when the document says (else 96 pixels an inch,
/// as browsers and word processors take an image without one).
struct DocumentImage: Equatable, Sendable {
    var data: [UInt8]
    var description: String
    /// Drawn width and height in points, when the document gives them.
    var size: (width: Double, height: Double)?

    /// Largest image decoded, in pixels; the header is read first, so a small file declaring a
    /// huge image is refused before any memory is taken.
    static let maxPixels = 50_000_000
    /// Largest encoded image read from a document.
    static let maxBytes = 32 << 20

    static func == (a: DocumentImage, b: DocumentImage) -> Bool {
        a.data == b.data && a.description == b.description && a.size?.width == b.size?.width && a.size?.height == b.size?.height
    }

    /// The image as a cairo surface (the caller destroys it), nil when Leptonica cannot decode it
    /// (a format it does not read, such as EMF or SVG, or broken bytes): such an image is left out.
    /// A JPEG keeps its own bytes as the surface's MIME data, so the PDF embeds it as it is.
    func surface() throws(DocumentError) -> OpaquePointer? {
        var format: Int32 = 0, width: Int32 = 0, height: Int32 = 0, bits: Int32 = 0, samples: Int32 = 0, colormap: Int32 = 0
        guard pixReadHeaderMem(data, data.count, &format, &width, &height, &bits, &samples, &colormap) == 0,
              width > 0, height > 0 else { return nil }
        guard Int(width) * Int(height) <= Self.maxPixels else {
            throw .tooLarge("An image in the document is \(width)×\(height) pixels; convert draws at most \(Self.maxPixels) pixels.")
        }
        var decoded: UnsafeMutablePointer<PIX>? = pixReadMem(data, data.count)
        guard decoded != nil else { return nil }
        defer { pixDestroy(&decoded) }
        // Transparent pixels are blended on white (the page's colour), then every format is 32-bit RGB.
        var opaque: UnsafeMutablePointer<PIX>? = pixGetSpp(decoded) == 4 ? pixAlphaBlendUniform(decoded, 0xFFFFFF00) : pixClone(decoded)
        defer { pixDestroy(&opaque) }
        var rgb: UnsafeMutablePointer<PIX>? = pixConvertTo32(opaque)
        guard let pix = rgb else { return nil }
        defer { pixDestroy(&rgb) }
        let pixelWidth = Int(pixGetWidth(pix)), pixelHeight = Int(pixGetHeight(pix))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(pixelWidth), Int32(pixelHeight)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw .renderFailed("cairo could not make a \(pixelWidth)×\(pixelHeight) image")
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let words = Int(pixGetWpl(pix))
        if let target = cairo_image_surface_get_data(surface), let source = pixGetData(pix) {
            for y in 0..<pixelHeight {
                let row = source.advanced(by: y * words)
                let out = UnsafeMutableRawPointer(target.advanced(by: y * stride)).assumingMemoryBound(to: UInt32.self)
                // Leptonica keeps a pixel as 0xRRGGBBAA in a native word; cairo's RGB24 is 0x00RRGGBB.
                for x in 0..<pixelWidth { out[x] = row[x] >> 8 }
            }
        }
        cairo_surface_mark_dirty(surface)
        if Int(format) == Int(IFF_JFIF_JPEG), let copy = malloc(data.count) {
            data.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
            cairo_surface_set_mime_data(surface, "image/jpeg", copy.assumingMemoryBound(to: UInt8.self), UInt(data.count), { free($0) }, copy)
        }
        return surface
    }
}
