import Foundation

/// A matrix of values in [−1, 1] (cosines) drawn as coloured cells with a colour bar.
struct Heatmap {
    var title: String
    var rowLabel: String
    var columnLabel: String
    /// values[row][column].
    var values: [[Double]]
    /// Row indices to mark on the left edge (e.g. key filters), with their colour.
    var rowMarks: [Int: String] = [:]
    var cellSize = 9.0
    /// What a column is, in each cell's tooltip ("filter 3, pattern 1: 0.8").
    var columnName = "pattern"
    /// The smallest width of the drawing (room for a long title); 0 for tiles with a short one.
    var minWidth = 360.0
    /// The smallest height of the colour bar.
    var minBarHeight = 120.0

    func render() -> String { drawing().text }

    /// Every `stride`-th index labelled, so that labels `spacing` apart in pixels do not overlap.
    static func labelStride(count: Int, cellSize: Double, spacing: Double) -> Int {
        max(1, count / 8, Int((spacing / cellSize).rounded(.up)))
    }

    /// The heatmap as a drawing (to be placed inside another SVG, or written on its own).
    func drawing() -> SVG {
        let rows = values.count
        let cols = values.first?.count ?? 0
        let left = 56.0
        let top = 40.0
        let gridW = Double(cols) * cellSize
        let gridH = Double(rows) * cellSize
        // Colour bar from −1 (bottom) to +1 (top), at least `minBarHeight` tall.
        // The bar clear of the column label centred under the grid (≈ 6.5 px a character).
        let labelHalf = Double(columnLabel.count) * 3.25
        let barX = left + max(gridW + 24, gridW / 2 + labelHalf + 12)
        let barH = max(gridH, minBarHeight)
        let width = barX + 86
        // Below the grid: the column numbers and label (to top + gridH + 38); beside it the bar and
        // its "−1" (to top + barH + 8).
        let height = top + max(gridH + 38, barH + 8) + 8
        var svg = SVG(width: max(width, minWidth), height: height)
        svg.text(title, x: 8, y: 22, size: 14, weight: "bold")
        for r in 0..<rows {
            for c in 0..<cols {
                let v = values[r][c]
                svg.rect(
                    left + Double(c) * cellSize, top + Double(r) * cellSize, cellSize, cellSize,
                    fill: Heatmap.color(v), title: "filter \(r), \(columnName) \(c): \(formatValue(v))")
            }
            if let mark = rowMarks[r] { svg.rect(left - 6, top + Double(r) * cellSize, 4, cellSize, fill: mark) }
        }
        svg.rect(left, top, gridW, gridH, fill: "none", stroke: "#888888")
        let columnStride = Heatmap.labelStride(count: cols, cellSize: cellSize, spacing: 6 * Double(String(cols).count))
        for c in stride(from: 0, to: cols, by: columnStride) {
            svg.text(String(c), x: left + (Double(c) + 0.5) * cellSize, y: top + gridH + 13, anchor: "middle", size: 9)
        }
        for r in stride(from: 0, to: rows, by: Heatmap.labelStride(count: rows, cellSize: cellSize, spacing: 9)) {
            svg.text(String(r), x: left - 9, y: top + (Double(r) + 0.5) * cellSize + 3, anchor: "end", size: 9)
        }
        svg.text(columnLabel, x: left + gridW / 2, y: top + gridH + 32, anchor: "middle")
        svg.text(rowLabel, x: 14, y: top + gridH / 2, anchor: "middle", rotate: true)
        let steps = 40
        for i in 0..<steps {
            let v = 1 - 2 * (Double(i) + 0.5) / Double(steps)
            svg.rect(
                barX, top + Double(i) * barH / Double(steps), 14, barH / Double(steps) + 0.3, fill: Heatmap.color(v))
        }
        svg.rect(barX, top, 14, barH, fill: "none", stroke: "#888888")
        for (v, label) in [(1.0, "+1"), (0.0, "0"), (-1.0, "−1")] {
            svg.text(label, x: barX + 20, y: top + (1 - v) / 2 * barH + 4, size: 10)
        }
        svg.text("cosine", x: barX, y: top - 8, size: 10)
        return svg
    }

    /// Diverging purple–white–orange colour for v in [−1, 1] (kept apart from the blue and red
    /// that mark the two classes elsewhere).
    static func color(_ v: Double) -> String {
        let t = max(-1, min(1, v.isFinite ? v : 0))
        let (r, g, b): (Double, Double, Double) =
            t >= 0
            ? (255 - t * (255 - 179), 255 - t * (255 - 88), 255 - t * (255 - 6))
            : (255 + t * (255 - 84), 255 + t * (255 - 39), 255 + t * (255 - 136))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }
}

/// A histogram of values over fixed bins.
struct Histogram {
    var title: String
    var xLabel: String
    var values: [Double]
    var range: ClosedRange<Double>
    var bins = 20
    var threshold: Marker? = nil

    func render() -> String {
        let finite = values.filter(\.isFinite)
        var counts = [Int](repeating: 0, count: bins)
        let width = (range.upperBound - range.lowerBound) / Double(bins)
        for v in finite {
            let i = min(bins - 1, max(0, Int((v - range.lowerBound) / width)))
            counts[i] += 1
        }
        var plot = LinePlot(title: title, xLabel: xLabel, yLabel: "runs")
        plot.yRange = 0...Double(max(counts.max() ?? 1, 1))
        plot.countTicks = true
        plot.series = [Series(name: "runs per bin (\(finite.count) runs)", points: [], color: "#4c78a8")]
        plot.markers = threshold.map { [$0] } ?? []
        // Bars are drawn as a step outline so the plot stays one polyline per series.
        var pts: [(x: Double, y: Double)] = [(range.lowerBound, 0)]
        for i in 0..<bins {
            let x0 = range.lowerBound + Double(i) * width
            pts.append((x0, Double(counts[i])))
            pts.append((x0 + width, Double(counts[i])))
        }
        pts.append((range.upperBound, 0))
        plot.series[0].points = pts
        plot.series[0].width = 1.5
        return plot.render()
    }
}
