import CPopplerCairo
import Foundation
import PDFText

/// Lays ``DocumentBlock``s out on A4 pages with pango and writes them as a PDF with cairo:
/// wrapped, justified paragraphs, headings kept with what follows, numbered clauses, bullets,
/// page breaks, signature blocks kept whole, and "Page N of M" footers.
///
/// Layout is two passes: lines are placed first (so the page count is known), then drawn.
/// Fonts are DejaVu (fonts-dejavu-core), through fontconfig.
struct DocumentComposer {
    var pageWidth = 595.276
    var pageHeight = 841.89
    var margin = 72.0
    var bodyFont = "DejaVu Serif 10.5"
    var headingFont = "DejaVu Sans Bold 12"
    var clauseFont = "DejaVu Sans Bold 10.5"
    var titleFont = "DejaVu Sans Bold 20"
    var subtitleFont = "DejaVu Sans 10"
    var smallFont = "DejaVu Sans 8.5"

    /// The PDF of `blocks`.
    func pdf(_ blocks: [DocumentBlock], metadata: PDFMetadata) throws(DocumentError) -> [UInt8] {
        let writer = try PDFWriter(width: pageWidth, height: pageHeight, metadata: metadata)
        let pages = Pages(composer: self, context: writer.context)
        defer { pages.release() }
        for block in blocks { try pages.place(block) }
        let count = pages.pages.count
        for (index, placements) in pages.pages.enumerated() {
            for placement in placements { placement.draw(on: writer.context) }
            pages.drawFooter("Page \(index + 1) of \(count)", on: writer.context)
            writer.showPage()
        }
        return try writer.finish()
    }

    /// Something drawn on a page: one line of a pango layout at its baseline, or a rule.
    enum Placement {
        case line(layout: OpaquePointer, index: Int32, x: Double, baseline: Double)
        case rule(x: Double, y: Double, width: Double)
        case box(x: Double, y: Double, width: Double, height: Double)
        case image(surface: OpaquePointer, x: Double, y: Double, width: Double, height: Double)

        func draw(on cr: OpaquePointer) {
            switch self {
            case .line(let layout, let index, let x, let baseline):
                guard let line = pango_layout_get_line_readonly(layout, index) else { return }
                cairo_set_source_rgb(cr, 0, 0, 0)
                cairo_move_to(cr, x, baseline)
                pango_cairo_show_layout_line(cr, line)
            case .rule(let x, let y, let width):
                cairo_set_source_rgb(cr, 0, 0, 0)
                cairo_set_line_width(cr, 0.75)
                cairo_move_to(cr, x, y)
                cairo_line_to(cr, x + width, y)
                cairo_stroke(cr)
            case .box(let x, let y, let width, let height):
                cairo_set_source_rgb(cr, 0, 0, 0)
                cairo_set_line_width(cr, 0.5)
                cairo_rectangle(cr, x, y, width, height)
                cairo_stroke(cr)
            case .image(let surface, let x, let y, let width, let height):
                cairo_save(cr)
                cairo_translate(cr, x, y)
                cairo_scale(cr, width / Double(cairo_image_surface_get_width(surface)), height / Double(cairo_image_surface_get_height(surface)))
                cairo_set_source_surface(cr, surface, 0, 0)
                cairo_paint(cr)
                cairo_restore(cr)
            }
        }
    }

    /// The placing pass: a cursor down the page, and the pages so far.
    final class Pages {
        let composer: DocumentComposer
        let cr: OpaquePointer
        var pages: [[Placement]] = [[]]
        var y: Double
        var layouts: [OpaquePointer] = []
        var surfaces: [OpaquePointer] = []
        let scale = Double(outpost_pango_scale())

        init(composer: DocumentComposer, context: OpaquePointer) {
            self.composer = composer
            self.cr = context
            self.y = composer.margin
        }

        var top: Double { composer.margin }
        var bottom: Double { composer.pageHeight - composer.margin }
        var left: Double { composer.margin }
        var contentWidth: Double { composer.pageWidth - 2 * composer.margin }
        var atTop: Bool { y <= top + 0.01 }

        func release() {
            for layout in layouts { outpost_g_object_unref(UnsafeMutableRawPointer(layout)) }
            layouts = []
            for surface in surfaces { cairo_surface_destroy(surface) }
            surfaces = []
        }

        func newPage() {
            pages.append([])
            y = top
        }

        func space(_ points: Double) {
            if !atTop { y += points }
        }

        /// A pango layout of `markup` (falls back to the plain text if the markup does not parse).
        func layout(_ markup: String, font: String, width: Double, alignment: PangoAlignment = PANGO_ALIGN_LEFT,
                    justify: Bool = false, indent: Double = 0) -> OpaquePointer {
            let layout = pango_cairo_create_layout(cr)!
            layouts.append(layout)
            let description = pango_font_description_from_string(font)
            pango_layout_set_font_description(layout, description)
            pango_font_description_free(description)
            pango_layout_set_width(layout, Int32(width * scale))
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            pango_layout_set_alignment(layout, alignment)
            pango_layout_set_justify(layout, justify ? 1 : 0)
            pango_layout_set_spacing(layout, Int32(2 * scale))
            if indent != 0 { pango_layout_set_indent(layout, Int32(indent * scale)) }
            if !Self.markupParses(markup) {
                pango_layout_set_text(layout, markup, -1)
            } else {
                pango_layout_set_markup(layout, markup, -1)
            }
            return layout
        }

        static func markupParses(_ markup: String) -> Bool {
            pango_parse_markup(markup, -1, 0, nil, nil, nil, nil) != 0
        }

        /// The layout's height in points.
        func height(_ layout: OpaquePointer) -> Double {
            var ink = PangoRectangle(), logical = PangoRectangle()
            pango_layout_get_extents(layout, &ink, &logical)
            return Double(logical.height) / scale
        }

        /// Places every line of `layout` at `x`, breaking pages between lines.
        func placeLines(_ layout: OpaquePointer, x: Double) {
            guard let iter = pango_layout_get_iter(layout) else { return }
            defer { pango_layout_iter_free(iter) }
            var index: Int32 = 0
            repeat {
                var logical = PangoRectangle()
                pango_layout_iter_get_line_extents(iter, nil, &logical)
                let lineHeight = Double(logical.height) / scale
                let baselineOffset = Double(pango_layout_iter_get_baseline(iter) - logical.y) / scale
                if y + lineHeight > bottom, !atTop { newPage() }
                pages[pages.count - 1].append(.line(layout: layout, index: index, x: x + Double(logical.x) / scale, baseline: y + baselineOffset))
                y += lineHeight
                index += 1
            } while pango_layout_iter_next_line(iter) != 0
        }

        /// Moves to a new page unless `needed` points fit below the cursor.
        func keep(_ needed: Double) {
            if y + needed > bottom, !atTop { newPage() }
        }

        /// An image at its size (96 pixels an inch unless the document gives one), shrunk to fit
        /// the text width and a page's height, centred; one that cannot be decoded is left out.
        func placeImage(_ image: DocumentImage) throws(DocumentError) {
            guard let surface = try image.surface() else { return }
            surfaces.append(surface)
            let pixelWidth = Double(cairo_image_surface_get_width(surface)), pixelHeight = Double(cairo_image_surface_get_height(surface))
            var (width, height) = (pixelWidth * 0.75, pixelHeight * 0.75)
            if let size = image.size, size.width > 0, size.height > 0 { (width, height) = size }
            let fit = min(1, contentWidth / width, (bottom - top) / height)
            width *= fit
            height *= fit
            space(4)
            keep(height)
            pages[pages.count - 1].append(.image(surface: surface, x: left + (contentWidth - width) / 2, y: y, width: width, height: height))
            y += height + 8
        }

        /// Lays one block out.
        func place(_ block: DocumentBlock) throws(DocumentError) {
            let bodyLine = 16.0
            switch block {
            case .title(let text):
                let layout = layout(text, font: composer.titleFont, width: contentWidth, alignment: PANGO_ALIGN_CENTER)
                keep(height(layout) + 3 * bodyLine)
                placeLines(layout, x: left)
                y += 6
            case .subtitle(let text):
                let layout = layout(text, font: composer.subtitleFont, width: contentWidth, alignment: PANGO_ALIGN_CENTER)
                placeLines(layout, x: left)
                y += 14
            case .heading(let text):
                space(12)
                let layout = layout(text, font: composer.headingFont, width: contentWidth)
                keep(height(layout) + 3 * bodyLine)
                placeLines(layout, x: left)
                y += 4
            case .clause(let number, let heading):
                space(10)
                let layout = layout("\(number).  " + heading, font: composer.clauseFont, width: contentWidth)
                keep(height(layout) + 3 * bodyLine)
                placeLines(layout, x: left)
                y += 3
            case .paragraph(let text):
                placeLines(layout(text, font: composer.bodyFont, width: contentWidth, justify: true), x: left)
                y += 7
            case .bullet(let text):
                placeLines(layout("•  " + text, font: composer.bodyFont, width: contentWidth - 14, justify: true, indent: -11), x: left + 14)
                y += 3
            case .numbered(let number, let text):
                placeLines(layout(number + ".  " + text, font: composer.bodyFont, width: contentWidth - 14, justify: true, indent: -14), x: left + 14)
                y += 3
            case .pageBreak:
                if !atTop { newPage() }
            case .signatures(let signatories):
                placeSignatures(signatories)
            case .tableRow(let cells):
                placeTableRow(cells)
            case .image(let image):
                try placeImage(image)
            }
        }

        /// A table row: equal columns, each cell wrapped in its box; a row never splits across pages.
        func placeTableRow(_ cells: [String]) {
            guard !cells.isEmpty else { return }
            let padding = 4.0
            let columnWidth = contentWidth / Double(cells.count)
            let layouts = cells.map { layout($0, font: composer.bodyFont, width: max(10, columnWidth - 2 * padding)) }
            let rowHeight = (layouts.map(height).max() ?? 0) + 2 * padding
            keep(rowHeight)
            let rowTop = y
            for (column, cell) in layouts.enumerated() {
                let x = left + Double(column) * columnWidth
                pages[pages.count - 1].append(.box(x: x, y: rowTop, width: columnWidth, height: rowHeight))
                y = rowTop + padding
                placeLines(cell, x: x + padding)
            }
            y = rowTop + rowHeight
        }

        /// Signature blocks two to a row; a row never splits across pages.
        func placeSignatures(_ signatories: [Signatory]) {
            space(18)
            let gutter = 28.0
            let columnWidth = (contentWidth - gutter) / 2
            var index = 0
            while index < signatories.count {
                let row = Array(signatories[index..<min(index + 2, signatories.count)])
                let columns = row.map { signatory -> [OpaquePointer] in
                    [
                        layout("<b>" + signatory.role.uppercased() + "</b>", font: composer.smallFont, width: columnWidth),
                        layout("Name: " + signatory.name, font: composer.bodyFont, width: columnWidth),
                        layout("Title: ______________________", font: composer.bodyFont, width: columnWidth),
                        layout("Date: ______________________", font: composer.bodyFont, width: columnWidth),
                    ]
                }
                let signingSpace = 34.0
                let heights = columns.map { $0.map(height).reduce(0, +) + signingSpace + 12 }
                keep(heights.max() ?? 0)
                let rowTop = y
                var rowBottom = y
                for (column, layouts) in columns.enumerated() {
                    let x = left + Double(column) * (columnWidth + gutter)
                    y = rowTop
                    placeLines(layouts[0], x: x)
                    y += signingSpace
                    pages[pages.count - 1].append(.rule(x: x, y: y, width: columnWidth))
                    y += 4
                    for layout in layouts.dropFirst() { placeLines(layout, x: x); y += 2 }
                    rowBottom = max(rowBottom, y)
                }
                y = rowBottom + 20
                index += 2
            }
        }

        /// The footer line, centered under the text.
        func drawFooter(_ text: String, on cr: OpaquePointer) {
            let footer = layout(text, font: composer.smallFont, width: contentWidth, alignment: PANGO_ALIGN_CENTER)
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3)
            cairo_move_to(cr, left, composer.pageHeight - composer.margin / 2 - height(footer))
            pango_cairo_show_layout(cr, footer)
        }
    }
}
