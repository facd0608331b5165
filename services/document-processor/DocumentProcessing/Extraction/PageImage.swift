import CPopplerCairo
import PDFText

extension PopplerPage {
    /// The page as 8-bit grey pixels at `dpi` (white background), for OCR; at most `maxPixels` a side.
    func grayscale(dpi: Double, maxPixels: Int = 8000) throws(DocumentError) -> GrayImage {
        let (width, height) = size
        var scale = dpi / 72
        scale = min(scale, Double(maxPixels) / max(width, 1), Double(maxPixels) / max(height, 1))
        let pixelWidth = max(1, Int((width * scale).rounded())), pixelHeight = max(1, Int((height * scale).rounded()))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(pixelWidth), Int32(pixelHeight)),
              cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else {
            throw .renderFailed("cairo could not make a \(pixelWidth)×\(pixelHeight) image")
        }
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)!
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_scale(cr, scale, scale)
        poppler_page_render(handle, cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { throw .renderFailed("cairo image has no pixels") }
        var pixels = [UInt8](repeating: 255, count: pixelWidth * pixelHeight)
        for y in 0..<pixelHeight {
            let row = data.advanced(by: y * stride).withMemoryRebound(to: UInt32.self, capacity: pixelWidth) { $0 }
            for x in 0..<pixelWidth {
                let pixel = row[x]
                let r = (pixel >> 16) & 0xFF, g = (pixel >> 8) & 0xFF, b = pixel & 0xFF
                pixels[y * pixelWidth + x] = UInt8((r * 299 + g * 587 + b * 114) / 1000)
            }
        }
        return GrayImage(width: pixelWidth, height: pixelHeight, pixels: pixels, dpi: Int(scale * 72))
    }
}


/// 8-bit grey pixels, row by row.
struct GrayImage {
    var width: Int
    var height: Int
    var pixels: [UInt8]
    var dpi: Int
}
