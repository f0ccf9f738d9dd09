import Foundation

/// Grouped vertical bars: one group per category, one bar per series, optional ± error bars.
struct BarChart {
    var title: String
    var xLabel: String
    var yLabel: String
    var categories: [String]
    /// (series name, colour, value per category, error per category or nil).
    var series: [(name: String, color: String, values: [Double], errors: [Double]?)]
    var yRange: ClosedRange<Double>? = nil
    var reference: (value: Double, label: String)? = nil
    var width = PlotStyle.width
    /// The height of the bars' area with its axes; the title and the legend add to it.
    var height = 280.0

    func render() -> String {
        let l = 64.0
        let r = 14.0
        let b = 48.0
        let titleLines = wrap(title, width: 52)
        let t = 14 + Double(titleLines.count) * 19
        let plotW = width - l - r
        let plotH = height - b - 10
        // The legend below: series, then the reference line, two to a row.
        let entries =
            series.map { (name: $0.name, color: $0.color, isLine: false) }
            + (reference.map { [(name: $0.label, color: "#2ca02c", isLine: true)] } ?? [])
        let legendTop = t + plotH + b + 6
        let rows = (entries.count + 1) / 2
        var svg = SVG(
            width: width, height: legendTop + Double(rows) * 19 + 6, displayScale: PlotStyle.displayScale)
        for (i, line) in titleLines.enumerated() {
            svg.text(line, x: 8, y: 20 + Double(i) * 19, size: PlotStyle.titleFont, weight: "bold")
        }
        let values = series.flatMap { s in s.values.indices.map { s.values[$0] + (s.errors?[$0] ?? 0) } }.filter(
            \.isFinite)
        let axis = Axis(values: values + [0] + (reference.map { [$0.value] } ?? []), scale: .linear, range: yRange)
        func py(_ v: Double) -> Double { t + plotH - (axis.position(v) ?? 0) * plotH }
        svg.rect(l, t, plotW, plotH, fill: "#ffffff", stroke: "#888888")
        for tick in axis.ticks {
            let y = py(tick.value)
            svg.line(l, y, l + plotW, y, color: "#eeeeee")
            svg.text(tick.label, x: l - 7, y: y + 4, anchor: "end", size: PlotStyle.smallFont)
        }
        let groupW = plotW / Double(max(categories.count, 1))
        let barW = groupW * 0.8 / Double(max(series.count, 1))
        // Category labels thinned so that they never overlap (≈ 7 units a character).
        let widest = Double(categories.map(\.count).max() ?? 1) * 7 + 6
        let every = max(1, Int((widest / groupW).rounded(.up)))
        for (c, category) in categories.enumerated() {
            let x0 = l + Double(c) * groupW + groupW * 0.1
            for (k, s) in series.enumerated() where c < s.values.count && s.values[c].isFinite {
                let v = s.values[c]
                let x = x0 + Double(k) * barW
                let top = py(max(v, 0))
                let bottom = py(min(v, 0))
                svg.add(
                    "rect",
                    [
                        "class": "bar", "data-name": s.name, "x": x, "y": top, "width": barW * 0.92,
                        "height": max(bottom - top, 0.5), "fill": s.color,
                    ],
                    [.element("title", [:], [.text("\(s.name), \(category): \(formatValue(v))")])])
                if let e = s.errors?[c], e.isFinite, e > 0 {
                    let cx = x + barW * 0.46
                    svg.line(cx, py(v + e), cx, py(v - e), color: "#222222")
                    svg.line(cx - 3, py(v + e), cx + 3, py(v + e), color: "#222222")
                    svg.line(cx - 3, py(v - e), cx + 3, py(v - e), color: "#222222")
                }
            }
            if c % every == 0 {
                svg.text(
                    category, x: l + (Double(c) + 0.5) * groupW, y: t + plotH + 18, anchor: "middle",
                    size: PlotStyle.smallFont)
            }
        }
        if let reference {
            let y = py(reference.value)
            svg.line(l, y, l + plotW, y, color: "#2ca02c", width: 1.5, dash: "6,3")
        }
        svg.text(xLabel, x: l + plotW / 2, y: t + plotH + 38, anchor: "middle", size: PlotStyle.labelFont)
        svg.text(yLabel, x: 17, y: t + plotH / 2, anchor: "middle", size: PlotStyle.labelFont, rotate: true)
        let columnW = (width - 16) / 2
        for (i, entry) in entries.enumerated() {
            let x = 8 + Double(i % 2) * columnW
            let y = legendTop + Double(i / 2) * 19
            if entry.isLine {
                svg.line(x, y + 7, x + 24, y + 7, color: entry.color, width: 1.5, dash: "6,3")
            } else {
                svg.rect(x + 5, y + 2, 14, 10, fill: entry.color)
            }
            svg.text(entry.name, x: x + 30, y: y + 11, size: PlotStyle.smallFont)
        }
        return svg.text
    }
}
