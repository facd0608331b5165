import Foundation

/// A chart of a report, drawn the same way in SVG (HTML) and with cairo (PDF): both renderers draw
/// the `marks` it lays out, so the geometry is written once.
struct ReportChart: Sendable {
    enum Kind: Sendable { case bar, stackedBar, line }

    struct Series: Sendable {
        var name: String
        var values: [Double]
        var color: RGB
    }

    var title: String
    var kind: Kind
    var categories: [String]
    var series: [Series]
    var unit: String

    /// One drawn element, in points from the chart's top left.
    enum Mark: Sendable {
        case rect(x: Double, y: Double, width: Double, height: Double, color: RGB)
        case polyline([(Double, Double)], color: RGB, width: Double)
        case text(String, x: Double, y: Double, size: Double, anchor: Anchor, color: RGB)
    }

    enum Anchor: Sendable { case start, middle, end }

    /// The marks of the chart in a `width` × `height` box: title, axis, gridline labels, bars or
    /// lines, category labels (thinned when crowded) and a legend.
    func marks(width: Double, height: Double) -> [Mark] {
        var marks: [Mark] = [.text(title, x: 0, y: 12, size: 11, anchor: .start, color: .ink)]
        let left = 48.0, top = 30.0, bottom = 34.0, right = 8.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let n = max(categories.count, 1)
        let maxValue: Double = switch kind {
        case .stackedBar: (0..<categories.count).map { i in series.reduce(0) { $0 + ($1.values.indices.contains(i) ? $1.values[i] : 0) } }.max() ?? 0
        default: series.flatMap(\.values).max() ?? 0
        }
        let top_ = Self.niceCeiling(maxValue)
        func y(_ v: Double) -> Double { top + plotHeight - (top_ > 0 ? v / top_ * plotHeight : 0) }
        for step in 0...4 {
            let v = top_ * Double(step) / 4
            marks.append(.polyline([(left, y(v)), (left + plotWidth, y(v))], color: .grid, width: 0.5))
            marks.append(.text(Self.label(v), x: left - 4, y: y(v) + 3, size: 7, anchor: .end, color: .ink))
        }
        marks.append(.text(unit, x: left - 4, y: top - 8, size: 7, anchor: .start, color: .ink))
        let slot = plotWidth / Double(n)
        switch kind {
        case .bar:
            let barWidth = slot * 0.8 / Double(max(series.count, 1))
            for (s, serie) in series.enumerated() {
                for (i, v) in serie.values.enumerated() {
                    let x = left + Double(i) * slot + slot * 0.1 + Double(s) * barWidth
                    marks.append(.rect(x: x, y: y(v), width: barWidth, height: y(0) - y(v), color: serie.color))
                }
            }
        case .stackedBar:
            for i in 0..<categories.count {
                var base = 0.0
                for serie in series where serie.values.indices.contains(i) && serie.values[i] > 0 {
                    let v = serie.values[i]
                    marks.append(.rect(x: left + Double(i) * slot + slot * 0.1, y: y(base + v), width: slot * 0.8, height: y(base) - y(base + v), color: serie.color))
                    base += v
                }
            }
        case .line:
            for serie in series {
                let points = serie.values.enumerated().map { (left + (Double($0.offset) + 0.5) * slot, y($0.element)) }
                marks.append(.polyline(points, color: serie.color, width: 1.5))
                for p in points { marks.append(.rect(x: p.0 - 1.5, y: p.1 - 1.5, width: 3, height: 3, color: serie.color)) }
            }
        }
        marks.append(.polyline([(left, top), (left, y(0)), (left + plotWidth, y(0))], color: .ink, width: 0.8))
        let every = max(1, Int((Double(categories.count) * 48 / plotWidth).rounded(.up)))
        for (i, name) in categories.enumerated() where i % every == 0 {
            let shown = name.count > 14 ? String(name.prefix(13)) + "…" : name
            marks.append(.text(shown, x: left + (Double(i) + 0.5) * slot, y: y(0) + 10, size: 7, anchor: .middle, color: .ink))
        }
        var legendX = left
        for serie in series {
            marks.append(.rect(x: legendX, y: height - 12, width: 8, height: 8, color: serie.color))
            marks.append(.text(serie.name, x: legendX + 11, y: height - 5, size: 7, anchor: .start, color: .ink))
            legendX += 16 + Double(serie.name.count) * 4.2
        }
        return marks
    }

    /// A round number at or above `value` for the top of the axis.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e12 { return String(Int64(v)) }
        return v < 0.01 ? String(format: "%.4g", v) : String(format: "%.2f", v)
    }
}

/// A colour, 0…1 per channel.
struct RGB: Sendable, Equatable {
    var r: Double, g: Double, b: Double

    var hex: String {
        func byte(_ v: Double) -> String {
            let s = String(Int((v * 255).rounded()), radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + byte(r) + byte(g) + byte(b)
    }

    static let ink = RGB(r: 0.13, g: 0.13, b: 0.16)
    static let grid = RGB(r: 0.85, g: 0.85, b: 0.88)
    /// Status colours, in `StatusCounts.columns` order.
    static let statuses = [RGB(r: 0.20, g: 0.62, b: 0.35), RGB(r: 0.85, g: 0.26, b: 0.22), RGB(r: 0.60, g: 0.60, b: 0.62),
                           RGB(r: 0.55, g: 0.24, b: 0.60), RGB(r: 0.95, g: 0.65, b: 0.15), RGB(r: 0.20, g: 0.45, b: 0.80)]
    static let accent = RGB(r: 0.20, g: 0.45, b: 0.80)
    static let accent2 = RGB(r: 0.95, g: 0.55, b: 0.15)
}
