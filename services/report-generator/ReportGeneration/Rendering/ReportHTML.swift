import Foundation

/// The report as one standalone HTML page: no scripts, no external files; charts are inline SVG
/// drawn from the same marks as the PDF's.
enum ReportHTML {
    static func render(_ figures: ReportFigures) -> String {
        let document = ReportDocument(figures: figures)
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(figures.title))</title>
            <style>body{font-family:"DejaVu Sans",sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}
            th,td{border:1px solid #ccc;padding:.2em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
            th{background:#f0f0f4}svg{display:block;margin:.5em 0}</style></head><body>
            <h1>\(escape(figures.title))</h1>

            """
        html += table(ReportDocument.Table(headers: ["", ""], rows: document.summary.map { [$0.0, $0.1] }), headed: false)
        for section in document.sections {
            html += "<h2>\(escape(section.heading))</h2>\n"
            for chart in section.charts { html += svg(chart, width: 720, height: 260) }
            for t in section.tables { html += table(t, headed: true) }
        }
        return html + "</body></html>\n"
    }

    static func svg(_ chart: ReportChart, width: Double, height: Double) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(chart.title))\">\n"
        for mark in chart.marks(width: width, height: height) {
            switch mark {
            case .rect(let x, let y, let w, let h, let color):
                out += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(color.hex)\"/>\n"
            case .polyline(let points, let color, let width):
                out += "<polyline fill=\"none\" stroke=\"\(color.hex)\" stroke-width=\"\(f(width))\" points=\"\(points.map { f($0.0) + "," + f($0.1) }.joined(separator: " "))\"/>\n"
            case .text(let text, let x, let y, let size, let anchor, let color):
                let a = switch anchor { case .start: "start"; case .middle: "middle"; case .end: "end" }
                out += "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(a)\" fill=\"\(color.hex)\">\(escape(text))</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    static func table(_ table: ReportDocument.Table, headed: Bool) -> String {
        var out = "<table>\n"
        if headed { out += "<tr>" + table.headers.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n" }
        for row in table.rows { out += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return out + "</table>\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
