import CCairoPango
import Foundation

/// The report as a PDF drawn with cairo (PDF surface, charts) and pango (text): a title page with
/// the period and totals, then each section's charts and tables flowed over A4 pages (a table
/// continues on the next page with its header repeated), and "Page N of M" at every page's foot.
/// Pages are laid out first and drawn second, so M is known when the first page is drawn.
enum ReportPDF {
    static let pageWidth = 595.28, pageHeight = 841.89
    static let margin = 48.0, footer = 30.0
    static let rowHeight = 14.0, chartHeight = 220.0
    static let font = "DejaVu Sans"

    /// What is placed on a page, at `y` from its top.
    enum Item {
        case heading(String)
        case chart(ReportChart)
        case tableHeader([String], widths: [Double])
        case tableRow([String], widths: [Double], bold: Bool)
        case gap
    }

    /// Renders to a file in `directory` and returns its bytes (cairo's PDF surface writes a file).
    static func render(_ figures: ReportFigures, directory: String) throws -> [UInt8] {
        let path = (directory as NSString).appendingPathComponent("report-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let document = ReportDocument(figures: figures)
        let pages = layout(document)
        guard let surface = cairo_pdf_surface_create(path, pageWidth, pageHeight) else { throw DatasetError.unreadable("cairo could not create a PDF surface") }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, figures.title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Pitchey report-generator")
        let cr = cairo_create(surface)!
        let total = pages.count + 1
        drawTitlePage(cr, figures: figures, document: document)
        drawFooter(cr, page: 1, of: total)
        cairo_show_page(cr)
        for (index, page) in pages.enumerated() {
            for (y, item) in page { draw(cr, item, y: y) }
            drawFooter(cr, page: index + 2, of: total)
            cairo_show_page(cr)
        }
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw DatasetError.unreadable("cairo failed to write the PDF (status \(status.rawValue))") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The body pages: each item with its height placed at the next free y, a new page when it does not fit.
    static func layout(_ document: ReportDocument) -> [[(Double, Item)]] {
        var pages: [[(Double, Item)]] = []
        var page: [(Double, Item)] = []
        var y = margin
        let bottom = pageHeight - margin - footer
        func place(_ item: Item, height: Double, repeatHeader: Item? = nil) {
            if y + height > bottom, !page.isEmpty {
                pages.append(page)
                page = []
                y = margin
                if let repeatHeader {
                    page.append((y, repeatHeader))
                    y += rowHeight
                }
            }
            page.append((y, item))
            y += height
        }
        let usable = pageWidth - 2 * margin
        for section in document.sections {
            // A heading stays with what follows it (its first chart, or a table's header and first rows).
            let first = section.charts.isEmpty ? rowHeight * 3 : chartHeight + 10
            if y + 24 + first > bottom, !page.isEmpty { pages.append(page); page = []; y = margin }
            place(.heading(section.heading), height: 24)
            for chart in section.charts { place(.chart(chart), height: chartHeight + 10) }
            for table in section.tables {
                let first = table.headers.count > 5 ? 120 : min(usable * 0.34, 170)
                let widths = [first] + Array(repeating: (usable - first) / Double(max(table.headers.count - 1, 1)), count: max(table.headers.count - 1, 0))
                let header = Item.tableHeader(table.headers, widths: widths)
                place(header, height: rowHeight)
                for row in table.rows { place(.tableRow(row, widths: widths, bold: row.first == "total"), height: rowHeight, repeatHeader: header) }
                place(.gap, height: 10)
            }
        }
        if !page.isEmpty { pages.append(page) }
        return pages
    }

    static func drawTitlePage(_ cr: OpaquePointer, figures: ReportFigures, document: ReportDocument) {
        setColor(cr, .accent)
        cairo_rectangle(cr, margin, 150, pageWidth - 2 * margin, 4)
        cairo_fill(cr)
        text(cr, figures.title, x: margin, y: 170, size: 26, bold: true)
        text(cr, "Pitchey container platform · \(figures.request.report) report, grouped by \(figures.request.groupBy)", x: margin, y: 212, size: 11)
        var y = 270.0
        for (label, value) in document.summary {
            text(cr, label, x: margin, y: y, size: 12)
            text(cr, value, x: margin + 160, y: y, size: 12, bold: true)
            y += 22
        }
    }

    static func draw(_ cr: OpaquePointer, _ item: Item, y: Double) {
        switch item {
        case .heading(let title):
            text(cr, title, x: margin, y: y, size: 15, bold: true)
        case .chart(let chart):
            for mark in chart.marks(width: pageWidth - 2 * margin, height: chartHeight) { draw(cr, mark, dx: margin, dy: y) }
        case .tableHeader(let cells, let widths):
            setColor(cr, RGB(r: 0.93, g: 0.93, b: 0.96))
            cairo_rectangle(cr, margin, y, widths.reduce(0, +), rowHeight)
            cairo_fill(cr)
            row(cr, cells, widths: widths, y: y, bold: true, size: 7)
        case .tableRow(let cells, let widths, let bold):
            row(cr, cells, widths: widths, y: y, bold: bold)
            setColor(cr, .grid)
            cairo_set_line_width(cr, 0.5)
            cairo_move_to(cr, margin, y + rowHeight)
            cairo_line_to(cr, margin + widths.reduce(0, +), y + rowHeight)
            cairo_stroke(cr)
        case .gap:
            break
        }
    }

    static func row(_ cr: OpaquePointer, _ cells: [String], widths: [Double], y: Double, bold: Bool, size: Double = 8) {
        var x = margin
        for (i, cell) in cells.enumerated() where i < widths.count {
            if i == 0 {
                text(cr, cell, x: x + 3, y: y + 2, size: size, bold: bold, maxWidth: widths[i] - 6)
            } else {
                text(cr, cell, x: x + widths[i] - 3, y: y + 2, size: size, bold: bold, anchor: .end, maxWidth: widths[i] - 6)
            }
            x += widths[i]
        }
    }

    static func draw(_ cr: OpaquePointer, _ mark: ReportChart.Mark, dx: Double, dy: Double) {
        switch mark {
        case .rect(let x, let y, let w, let h, let color):
            setColor(cr, color)
            cairo_rectangle(cr, dx + x, dy + y, w, h)
            cairo_fill(cr)
        case .polyline(let points, let color, let width):
            guard let first = points.first else { return }
            setColor(cr, color)
            cairo_set_line_width(cr, width)
            cairo_move_to(cr, dx + first.0, dy + first.1)
            for p in points.dropFirst() { cairo_line_to(cr, dx + p.0, dy + p.1) }
            cairo_stroke(cr)
        case .text(let string, let x, let y, let size, let anchor, let color):
            // Marks give the baseline; pango places the layout's top.
            text(cr, string, x: dx + x, y: dy + y - size, size: size, anchor: anchor, color: color)
        }
    }

    static func drawFooter(_ cr: OpaquePointer, page: Int, of total: Int) {
        text(cr, "Page \(page) of \(total)", x: pageWidth / 2, y: pageHeight - margin, size: 9, anchor: .middle)
    }

    /// Lays `string` out with pango and shows it with its top left (or top middle/right) at x, y.
    static func text(_ cr: OpaquePointer, _ string: String, x: Double, y: Double, size: Double, bold: Bool = false,
                     anchor: ReportChart.Anchor = .start, color: RGB = .ink, maxWidth: Double? = nil) {
        guard let layout = pango_cairo_create_layout(cr) else { return }
        defer { outpost_cp_g_object_unref(UnsafeMutableRawPointer(layout)) }
        let description = pango_font_description_from_string("\(font)\(bold ? " Bold" : "") \(size)")
        pango_font_description_set_absolute_size(description, size * Double(outpost_cp_pango_scale()))
        pango_layout_set_font_description(layout, description)
        pango_font_description_free(description)
        if let maxWidth {
            pango_layout_set_width(layout, Int32(maxWidth * Double(outpost_cp_pango_scale())))
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END)
        }
        pango_layout_set_text(layout, string, -1)
        var width: Int32 = 0, height: Int32 = 0
        pango_layout_get_pixel_size(layout, &width, &height)
        let left: Double = switch anchor {
        case .start: x
        case .middle: x - Double(width) / 2
        case .end: x - Double(width)
        }
        setColor(cr, color)
        cairo_move_to(cr, left, y)
        pango_cairo_show_layout(cr, layout)
    }

    static func setColor(_ cr: OpaquePointer, _ c: RGB) { cairo_set_source_rgb(cr, c.r, c.g, c.b) }
}
