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
    var width = 660.0
    var height = 360.0

    func render() -> String {
        var svg = SVG(width: width, height: height)
        let l = 70.0
        let r = 190.0
        let t = 40.0
        let b = 52.0
        let plotW = width - l - r
        let plotH = height - t - b
        svg.text(title, x: l, y: 22, size: 14, weight: "bold")
        let values = series.flatMap { s in s.values.indices.map { s.values[$0] + (s.errors?[$0] ?? 0) } }.filter(
            \.isFinite)
        let axis = Axis(values: values + [0] + (reference.map { [$0.value] } ?? []), scale: .linear, range: yRange)
        func py(_ v: Double) -> Double { t + plotH - (axis.position(v) ?? 0) * plotH }
        svg.rect(l, t, plotW, plotH, fill: "#ffffff", stroke: "#888888")
        for tick in axis.ticks {
            let y = py(tick.value)
            svg.line(l, y, l + plotW, y, color: "#eeeeee")
            svg.text(tick.label, x: l - 7, y: y + 4, anchor: "end", size: 11)
        }
        let groupW = plotW / Double(max(categories.count, 1))
        let barW = groupW * 0.8 / Double(max(series.count, 1))
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
            let every = max(1, (categories.count + 15) / 16)
            if c % every == 0 {
                svg.text(category, x: l + (Double(c) + 0.5) * groupW, y: t + plotH + 17, anchor: "middle", size: 11)
            }
        }
        if let reference {
            let y = py(reference.value)
            svg.line(l, y, l + plotW, y, color: "#2ca02c", width: 1.5, dash: "6,3")
            svg.text(reference.label, x: l + plotW - 4, y: y - 4, anchor: "end", size: 10, color: "#2ca02c")
        }
        svg.text(xLabel, x: l + plotW / 2, y: height - 12, anchor: "middle")
        svg.text(yLabel, x: 16, y: t + plotH / 2, anchor: "middle", rotate: true)
        var ly = t + 6
        for s in series {
            svg.rect(l + plotW + 12, ly, 14, 10, fill: s.color)
            for part in wrap(s.name, width: 24) {
                svg.text(part, x: l + plotW + 32, y: ly + 9, size: 11)
                ly += 14
            }
            ly += 3
        }
        return svg.text
    }
}
