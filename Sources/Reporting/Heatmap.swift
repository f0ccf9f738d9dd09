import Experiments
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
    /// Columns named above the grid (the key patterns: "key⁺", "key⁻"), with the name's colour.
    var columnNames: [Int: (name: String, color: String)] = [:]
    var cellSize = 9.0
    /// What a column is, in each cell's tooltip ("filter 3, pattern 1: 0.8").
    var columnName = "pattern"
    /// The smallest width of the drawing (room for a long title); 0 for tiles with a short one.
    var minWidth = 360.0
    /// The smallest height of the colour bar.
    var minBarHeight = 120.0
    /// Whether the drawing has its own colour bar (small multiples share one).
    var colorBar = true
    /// The size of the numbers and labels (larger in tiles, which a page shrinks more).
    var font = PlotStyle.smallFont

    func render() -> String { drawing().text }

    /// Every `stride`-th index labelled, so that labels `spacing` apart in pixels do not overlap.
    static func labelStride(count: Int, cellSize: Double, spacing: Double) -> Int {
        max(1, count / 8, Int((spacing / cellSize).rounded(.up)))
    }

    /// The room above the grid for the column names (rotated, ≈ 0.65 font sizes a character).
    var namesHeight: Double {
        columnNames.isEmpty ? 0 : Double(columnNames.values.map(\.name.count).max() ?? 0) * font * 0.65 + 6
    }

    /// The top of the grid in the drawing.
    var gridTop: Double { 34 + namesHeight }

    /// The heatmap as a drawing (to be placed inside another SVG, or written on its own).
    func drawing() -> SVG {
        let rows = values.count
        let cols = values.first?.count ?? 0
        let left = 30 + 1.5 * font
        let top = gridTop
        let gridW = Double(cols) * cellSize
        let gridH = Double(rows) * cellSize
        // Colour bar from −1 (bottom) to +1 (top), at least `minBarHeight` tall, clear of the
        // column label centred under the grid (≈ 7 units a character).
        let labelHalf = Double(columnLabel.count) * font * 0.3
        let barX = left + max(gridW + 22, gridW / 2 + labelHalf + 12)
        let barH = max(gridH, minBarHeight)
        let width = colorBar ? barX + 60 : left + max(gridW, 2 * labelHalf) + 8
        // Below the grid: the column numbers and label (to top + gridH + 40); beside it the bar and
        // its "−1" (to top + barH + 8).
        let height = top + max(gridH + 40, colorBar ? barH + 8 : 0) + 6
        var svg = SVG(width: max(width, minWidth), height: height, displayScale: PlotStyle.displayScale)
        svg.text(title, x: 8, y: 22, size: max(PlotStyle.titleFont, font), weight: "bold")
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
        for (c, named) in columnNames.sorted(by: { $0.key < $1.key }) where c < cols {
            let x = left + (Double(c) + 0.5) * cellSize + 4
            svg.add(
                "text",
                [
                    "class": "column-name", "x": x, "y": top - 4, "text-anchor": "start", "font-size": font,
                    "font-weight": "bold", "fill": named.color,
                    "transform": "rotate(-90 \(coordinate(x)) \(coordinate(top - 4)))",
                ], [.text(named.name)])
        }
        let columnStride = Heatmap.labelStride(
            count: cols, cellSize: cellSize, spacing: 0.7 * font * Double(String(cols).count) + 4)
        for c in stride(from: 0, to: cols, by: columnStride) {
            svg.text(
                String(c), x: left + (Double(c) + 0.5) * cellSize, y: top + gridH + 14, anchor: "middle", size: font)
        }
        for r in stride(from: 0, to: rows, by: Heatmap.labelStride(count: rows, cellSize: cellSize, spacing: font + 1))
        {
            svg.text(String(r), x: left - 9, y: top + (Double(r) + 0.5) * cellSize + 4, anchor: "end", size: font)
        }
        svg.text(columnLabel, x: left + gridW / 2, y: top + gridH + 34, anchor: "middle", size: font + 1)
        svg.text(rowLabel, x: 14, y: top + gridH / 2, anchor: "middle", size: font + 1, rotate: true)
        if colorBar { Heatmap.drawColorBar(&svg, x: barX, y: top, height: barH) }
        return svg
    }

    /// The colour bar from −1 (bottom) to +1 (top) at (x, y), with its ticks and "cosine" above it.
    static func drawColorBar(
        _ svg: inout SVG, x barX: Double, y top: Double, height barH: Double, font: Double = PlotStyle.smallFont
    ) {
        let steps = 40
        for i in 0..<steps {
            let v = 1 - 2 * (Double(i) + 0.5) / Double(steps)
            svg.rect(
                barX, top + Double(i) * barH / Double(steps), 14, barH / Double(steps) + 0.3, fill: Heatmap.color(v))
        }
        svg.rect(barX, top, 14, barH, fill: "none", stroke: "#888888")
        for (v, label) in [(1.0, "+1"), (0.0, "0"), (-1.0, "−1")] {
            svg.text(label, x: barX + 19, y: top + (1 - v) / 2 * barH + 4, size: font)
        }
        svg.text("cosine", x: barX - 4, y: top - 6 - 0.6 * font, size: font)
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

/// The final values of a figure over runs as a strip (dot) plot: one dot per run on an axis zoomed
/// to the values and the threshold (not the figure's whole range, where a few runs become one
/// sliver), the threshold as a dashed line and the median as a short bar. Dots that would overlap
/// are stacked, so every run stays visible.
struct StripPlot {
    var title: String
    var xLabel: String
    var values: [Double]
    /// The threshold the runs are judged against, its legend label ("θ = 0.9") and the test a run
    /// passes (above, or at least, the value).
    var threshold: (value: Double, label: String, holds: @Sendable (Double) -> Bool)? = nil
    /// The values the figure can take (the axis never leaves them), e.g. 0…1 for a share.
    var limits: ClosedRange<Double>? = nil
    var width = PlotStyle.width

    /// The axis: the values and the threshold, padded by 8% of their span (at least 0.01), inside
    /// `limits`.
    var axisRange: ClosedRange<Double> {
        let finite = values.filter(\.isFinite) + (threshold.map { [$0.value] } ?? [])
        guard var lo = finite.min(), var hi = finite.max() else { return limits ?? 0...1 }
        let pad = max((hi - lo) * 0.08, 0.01, abs(hi) * 0.01)
        lo -= pad
        hi += pad
        if let limits {
            lo = max(lo, limits.lowerBound)
            hi = min(hi, limits.upperBound)
        }
        return lo...max(hi, lo + 1e-9)
    }

    func render() -> String {
        let finite = values.filter(\.isFinite).sorted()
        let range = axisRange
        let l = 30.0
        let r = 22.0
        let plotW = width - l - r
        let radius = 5.0
        // Stack the dots: each on the lowest level where it overlaps no dot already placed.
        let axis = Axis(values: [range.lowerBound, range.upperBound], scale: .linear, range: range)
        func px(_ v: Double) -> Double { l + (axis.position(v) ?? 0) * plotW }
        var levels: [[Double]] = []
        var placed: [(x: Double, level: Int)] = []
        for v in finite {
            let x = px(v)
            var level = 0
            while level < levels.count, levels[level].contains(where: { abs($0 - x) < 2 * radius + 1 }) { level += 1 }
            if level == levels.count { levels.append([]) }
            levels[level].append(x)
            placed.append((x, level))
        }
        let titleLines = wrap(title, width: 52)
        let top = 14 + Double(titleLines.count) * 19
        let plotH = max(60, Double(levels.count) * (2 * radius + 2) + 24)
        let legendTop = top + plotH + 48
        let median = finite.isEmpty ? Double.nan : quantile(finite, 0.5)
        var entries: [(String, String, String?)] = [("one run (\(finite.count) runs)", "#4c78a8", nil)]
        if median.isFinite { entries.append(("median \(formatValue(median))", "#222222", nil)) }
        if let threshold {
            let passing = finite.filter(threshold.holds).count
            entries.append(("\(threshold.label): \(passing) of \(finite.count) runs", "#2ca02c", "6,3"))
        }
        let missing = values.count - finite.count
        let note = missing > 0 ? "\(missing) run\(missing == 1 ? "" : "s") without a value (diverged) left out" : nil
        let height = legendTop + Double(entries.count) * 17 + (note == nil ? 4 : 21)
        var svg = SVG(width: width, height: height, displayScale: PlotStyle.displayScale)
        for (i, line) in titleLines.enumerated() {
            svg.text(line, x: 8, y: 20 + Double(i) * 19, size: PlotStyle.titleFont, weight: "bold")
        }
        svg.rect(l, top, plotW, plotH, fill: "#ffffff", stroke: "#888888")
        for tick in axis.ticks {
            let x = px(tick.value)
            svg.line(x, top, x, top + plotH, color: "#eeeeee")
            svg.line(x, top + plotH, x, top + plotH + 4, color: "#888888")
            svg.text(tick.label, x: x, y: top + plotH + 18, anchor: "middle", size: PlotStyle.smallFont)
        }
        svg.text(
            xLabel + " (axis zoomed to the runs)", x: l + plotW / 2, y: top + plotH + 38, anchor: "middle",
            size: PlotStyle.labelFont)
        if let threshold {
            let x = px(threshold.value)
            svg.add(
                "line",
                [
                    "class": "threshold", "data-name": threshold.label, "x1": x, "y1": top, "x2": x, "y2": top + plotH,
                    "stroke": "#2ca02c", "stroke-width": 1.5, "stroke-dasharray": "6,3",
                ])
        }
        let base = top + plotH - 12 - radius
        if median.isFinite {
            let x = px(median)
            svg.line(x, top + 4, x, top + plotH - 4, color: "#222222", width: 1)
        }
        for (i, dot) in placed.enumerated() {
            svg.add(
                "circle",
                [
                    "class": "run", "cx": dot.x, "cy": base - Double(dot.level) * (2 * radius + 2), "r": radius,
                    "fill": "#4c78a8", "fill-opacity": "0.85", "stroke": "#ffffff", "stroke-width": "0.8",
                ],
                [.element("title", [:], [.text(formatValue(finite[i]))])])
        }
        for (i, entry) in entries.enumerated() {
            let y = legendTop + Double(i) * 17
            if entry.2 != nil || entry.1 == "#222222" {
                svg.line(20, y, 20, y + 12, color: entry.1, width: 1.5, dash: entry.2)
            } else {
                svg.add("circle", ["cx": 20, "cy": y + 6, "r": radius, "fill": entry.1])
            }
            svg.text(entry.0, x: 36, y: y + 10, size: PlotStyle.smallFont)
        }
        if let note {
            svg.text(
                note, x: 8, y: legendTop + Double(entries.count) * 17 + 12, size: PlotStyle.smallFont, color: "#555555")
        }
        return svg.text
    }
}
