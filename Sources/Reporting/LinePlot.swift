import Foundation

/// A scale of one plot axis.
enum AxisScale: Equatable {
    case linear
    /// log10; a value of 0 is drawn half a decade left of the smallest positive value, with a "0"
    /// tick (step 0 of a training run).
    case logWithZero
}

/// One polyline of a plot. `legend` false hides it from the legend (e.g. many grey filters);
/// `dots` draws each point as a dot and no line (a scatter plot).
struct Series {
    var name: String
    var points: [(x: Double, y: Double)]
    var color: String
    var width: Double = 1.5
    var dash: String? = nil
    var legend = true
    var group: String? = nil
    var dots = false
}

/// A shaded region between two curves (an interquartile band).
struct Band {
    var name: String
    var x: [Double]
    var lower: [Double]
    var upper: [Double]
    var color: String
}

/// A vertical marker line (T₁₀₀, divergence, the step budget); its label goes in the legend, never
/// on the data.
struct Marker {
    var x: Double
    var label: String
    var color: String
    var dash = "5,3"
}

/// A horizontal threshold line across the plot (θ, normRatio = 2, chance level); its label goes in
/// the legend.
struct Reference {
    var y: Double
    var label: String
    var color = Palette.reference
    var dash = "6,3"
}

/// The sizes every plot shares, chosen so that a plot shrunk to a phone's width (about 370 px for
/// the drawing) keeps its text at 9 px or more: drawings at most `width` units wide, text at least
/// `smallFont` units.
enum PlotStyle {
    /// The width of a line plot's drawing (its viewBox).
    static let width = 480.0
    /// How much larger than its viewBox a plot is shown on a wide screen (its width attribute).
    static let displayScale = 1.35
    /// The narrowest a figure is drawn on a phone: a 400 px window less the page's padding.
    static let phoneWidth = 368.0
    /// The smallest text as rendered at `phoneWidth`, in px.
    static let minimumRenderedFont = 9.0
    /// The smallest font size in a drawing `width` units wide.
    static let smallFont = 12.0
    static let labelFont = 13.0
    static let titleFont = 15.0
}

/// A line chart written as SVG: title, axis labels with units, ticks, series, bands, vertical
/// markers and horizontal reference lines, and the legend below the plot (so that a narrow screen
/// shrinks one column, and no label is ever drawn over the data).
struct LinePlot {
    var title: String
    var xLabel: String
    var yLabel: String
    var xScale: AxisScale = .linear
    var yScale: AxisScale = .linear
    var series: [Series] = []
    var bands: [Band] = []
    var markers: [Marker] = []
    var references: [Reference] = []
    var yRange: ClosedRange<Double>? = nil
    /// Whether the y values are counts: linear y ticks at whole numbers only.
    var countTicks = false
    /// The x ticks, labelled with `formatValue`, instead of the automatic ones.
    var xTicks: [Double]? = nil
    var note: String? = nil
    var width = PlotStyle.width
    /// The height of the plot area with its axes; the title and the legend add to it.
    var height = 300.0

    private var margin: (l: Double, r: Double, b: Double) { (l: 64, r: 14, b: 48) }

    /// One legend entry: a line sample (dashed or not), a dot, a band swatch, or a marker's short
    /// vertical dash.
    private enum Sample {
        case line(color: String, dash: String?)
        case dot(color: String)
        case band(color: String)
        case vertical(color: String, dash: String)
    }

    func render() -> String {
        let m = margin
        let titleLines = wrap(title, width: 52)
        let top = 14 + Double(titleLines.count) * 19
        let plotW = width - m.l - m.r
        let plotH = height - m.b - 10

        // The legend below the plot, in two columns: its entries and their height first.
        var entries: [(name: String, sample: Sample)] = []
        var seen = Set<String>()
        func add(_ name: String, _ sample: Sample) {
            guard !seen.contains(name) else { return }
            seen.insert(name)
            entries.append((name, sample))
        }
        for s in series where s.legend {
            add(s.name, s.dots ? .dot(color: s.color) : .line(color: s.color, dash: s.dash))
        }
        for b in bands { add(b.name, .band(color: b.color)) }
        for r in references { add(r.label, .line(color: r.color, dash: r.dash)) }
        for mk in markers { add(mk.label, .vertical(color: mk.color, dash: mk.dash)) }
        let columnW = (width - 16) / 2
        let wrapped = entries.map { wrap($0.name, width: 30) }
        var rowsHeight = 0.0
        var rowTops: [Double] = []
        for i in stride(from: 0, to: wrapped.count, by: 2) {
            rowTops.append(rowsHeight)
            let lines = max(wrapped[i].count, i + 1 < wrapped.count ? wrapped[i + 1].count : 0)
            rowsHeight += Double(lines) * 15 + 4
        }
        let noteLines = note.map { wrap($0, width: 64) } ?? []
        let legendTop = top + plotH + m.b + 6
        let total = legendTop + rowsHeight + Double(noteLines.count) * 15 + 6

        var svg = SVG(width: width, height: total, displayScale: PlotStyle.displayScale)
        for (i, line) in titleLines.enumerated() {
            svg.text(line, x: 8, y: 20 + Double(i) * 19, size: PlotStyle.titleFont, weight: "bold")
        }

        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x) + markers.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) } + bands.flatMap { $0.lower + $0.upper } + references.map(\.y)
        let xAxis = Axis(values: xs, scale: xScale, range: nil)
        let yAxis = Axis(values: ys, scale: yScale, range: yRange, wholeSteps: countTicks)
        func px(_ x: Double) -> Double? { xAxis.position(x).map { m.l + $0 * plotW } }
        func py(_ y: Double) -> Double? { yAxis.position(y).map { top + plotH - $0 * plotH } }

        // Frame, grid and ticks (x tick labels thinned so that they never overlap).
        svg.rect(m.l, top, plotW, plotH, fill: "#ffffff", stroke: "#888888")
        let xTickList = xTicks.map { $0.map { (value: $0, label: formatValue($0)) } } ?? xAxis.ticks
        var lastRight = -Double.infinity
        for tick in xTickList {
            guard let x = px(tick.value) else { continue }
            svg.line(x, top, x, top + plotH, color: "#eeeeee")
            svg.line(x, top + plotH, x, top + plotH + 4, color: "#888888")
            let half = Double(tick.label.count) * PlotStyle.smallFont * 0.3
            guard x - half > lastRight + 4 else { continue }
            lastRight = x + half
            svg.text(tick.label, x: x, y: top + plotH + 18, anchor: "middle", size: PlotStyle.smallFont)
        }
        for tick in yAxis.ticks {
            guard let y = py(tick.value) else { continue }
            svg.line(m.l, y, m.l + plotW, y, color: "#eeeeee")
            svg.line(m.l - 4, y, m.l, y, color: "#888888")
            svg.text(tick.label, x: m.l - 7, y: y + 4, anchor: "end", size: PlotStyle.smallFont)
        }
        svg.text(xLabel, x: m.l + plotW / 2, y: top + plotH + 38, anchor: "middle", size: PlotStyle.labelFont)
        svg.text(yLabel, x: 17, y: top + plotH / 2, anchor: "middle", size: PlotStyle.labelFont, rotate: true)

        // Bands, then references, then series, then markers.
        for band in bands {
            var upper: [(x: Double, y: Double)] = []
            var lower: [(x: Double, y: Double)] = []
            for i in band.x.indices {
                guard let x = px(band.x[i]), let yu = py(band.upper[i]), let yl = py(band.lower[i]) else { continue }
                upper.append((x, yu))
                lower.append((x, yl))
            }
            guard !upper.isEmpty else { continue }
            svg.add(
                "polygon",
                [
                    "class": "band", "data-name": band.name, "points": SVG.points(upper + lower.reversed()),
                    "fill": band.color, "fill-opacity": "0.2", "stroke": "none",
                ])
        }
        for r in references {
            guard let y = py(r.y), y >= top - 0.01, y <= top + plotH + 0.01 else { continue }
            svg.add(
                "line",
                [
                    "class": "reference", "data-name": r.label, "x1": m.l, "y1": y, "x2": m.l + plotW, "y2": y,
                    "stroke": r.color, "stroke-width": 1.5, "stroke-dasharray": r.dash,
                ])
        }
        for s in series where s.dots {
            for p in s.points {
                guard let x = px(p.x), let y = py(p.y) else { continue }
                svg.add(
                    "circle",
                    [
                        "class": "series", "data-name": s.name, "data-group": s.group, "cx": x, "cy": y, "r": 3.5,
                        "fill": s.color, "fill-opacity": "0.8",
                    ])
            }
        }
        for s in series where !s.dots {
            var segments: [[(x: Double, y: Double)]] = [[]]
            for p in s.points {
                if let x = px(p.x), let y = py(p.y), y.isFinite {
                    segments[segments.count - 1].append((x, min(max(y, top - 2), top + plotH + 2)))
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            for seg in segments where !seg.isEmpty {
                if seg.count == 1 {
                    svg.add(
                        "circle",
                        [
                            "class": "series", "data-name": s.name, "data-group": s.group, "cx": seg[0].x,
                            "cy": seg[0].y, "r": 2, "fill": s.color,
                        ])
                } else {
                    svg.add(
                        "polyline",
                        [
                            "class": "series", "data-name": s.name, "data-group": s.group, "points": SVG.points(seg),
                            "fill": "none", "stroke": s.color, "stroke-width": s.width, "stroke-dasharray": s.dash,
                            "stroke-linejoin": "round",
                        ])
                }
            }
        }
        for marker in markers {
            guard let x = px(marker.x) else { continue }
            svg.add(
                "line",
                [
                    "class": "marker", "data-name": marker.label, "x1": x, "y1": top, "x2": x, "y2": top + plotH,
                    "stroke": marker.color, "stroke-width": 1.5, "stroke-dasharray": marker.dash,
                ])
        }

        // The legend: two columns under the x-axis label, then the note.
        for (i, entry) in entries.enumerated() {
            let x = 8 + Double(i % 2) * columnW
            let y = legendTop + rowTops[i / 2]
            switch entry.sample {
            case .band(let color):
                svg.add("rect", ["x": x, "y": y + 2, "width": 24, "height": 10, "fill": color, "fill-opacity": "0.2"])
            case .dot(let color):
                svg.add("circle", ["cx": x + 12, "cy": y + 7, "r": 3.5, "fill": color])
            case .line(let color, let dash):
                svg.line(x, y + 7, x + 24, y + 7, color: color, width: 2.5, dash: dash)
            case .vertical(let color, let dash):
                svg.line(x + 12, y, x + 12, y + 14, color: color, width: 1.5, dash: dash)
            }
            for (k, part) in wrapped[i].enumerated() {
                svg.text(part, x: x + 30, y: y + 11 + Double(k) * 15, size: PlotStyle.smallFont)
            }
        }
        for (k, part) in noteLines.enumerated() {
            svg.text(
                part, x: 8, y: legendTop + rowsHeight + 12 + Double(k) * 15, size: PlotStyle.smallFont,
                color: "#555555")
        }
        return svg.text
    }
}

/// Maps data values to [0, 1] and chooses ticks.
struct Axis {
    let scale: AxisScale
    let lo: Double
    let hi: Double
    let zeroPosition: Double?
    let ticks: [(value: Double, label: String)]

    /// `wholeSteps`: linear ticks at least 1 apart (for counts).
    init(values: [Double], scale: AxisScale, range: ClosedRange<Double>?, wholeSteps: Bool = false) {
        self.scale = scale
        let finite = values.filter(\.isFinite)
        switch scale {
        case .linear:
            var lo = range?.lowerBound ?? (finite.min() ?? 0)
            var hi = range?.upperBound ?? (finite.max() ?? 1)
            if hi <= lo {
                lo -= 0.5
                hi += 0.5
            }
            if range == nil {
                let pad = (hi - lo) * 0.04
                lo -= pad
                hi += pad
            }
            let step = wholeSteps ? max(1, Axis.niceStep((hi - lo) / 6)) : Axis.niceStep((hi - lo) / 6)
            var t: [(Double, String)] = []
            var v = (lo / step).rounded(.up) * step
            while v <= hi + step * 1e-9 {
                t.append((abs(v) < step * 1e-9 ? 0 : v, formatValue(abs(v) < step * 1e-9 ? 0 : v)))
                v += step
            }
            self.lo = lo
            self.hi = hi
            zeroPosition = nil
            ticks = t
        case .logWithZero:
            let positive = finite.filter { $0 > 0 }
            let minPositive = positive.min() ?? 1
            let maxPositive = positive.max() ?? 10
            let hasZero = finite.contains(0)
            // The axis spans the data, padded by a little of its span (at least 0.05 decade).
            let pad = max(0.05, log10(maxPositive / minPositive) * 0.04)
            let logLo = log10(minPositive) - (hasZero ? 0.6 : pad)
            let logHi = log10(maxPositive) + pad
            // A tick inside the axis, clear of the "0" tick.
            func fits(_ v: Double) -> Bool {
                (log10(v) >= logLo + 0.3 || !hasZero) && log10(v) >= logLo - 1e-9 && log10(v) <= logHi + 1e-9
            }
            func label(_ v: Double) -> String { v >= 1 && v == v.rounded() ? String(Int(v)) : formatValue(v) }
            let decades = Array(Int(floor(logLo))...Int(ceil(logHi)))
            var values = decades.map { pow(10, Double($0)) }.filter(fits)
            // Fewer than three decades in view: 2 and 5 times each decade too; fewer than three ticks
            // still (data within a decade): evenly spaced round values, as on a linear axis.
            if values.count < 3 {
                values = decades.flatMap { d in [1.0, 2, 5].map { $0 * pow(10, Double(d)) } }.filter(fits)
            }
            if values.count < 3 {
                let from = pow(10, max(logLo, hasZero ? logLo + 0.3 : logLo))
                let to = pow(10, logHi)
                let step = Axis.niceStep((to - from) / 4)
                values = []
                var k = (from / step).rounded(.up)
                while k * step <= to * (1 + 1e-12) {
                    if k > 0 && fits(k * step) { values.append(k * step) }
                    k += 1
                }
            }
            lo = logLo
            hi = logHi
            zeroPosition = hasZero ? log10(minPositive) - 0.5 : nil
            ticks = (hasZero ? [(0, "0")] : []) + values.map { ($0, label($0)) }
        }
    }

    func position(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        switch scale {
        case .linear:
            return (v - lo) / (hi - lo)
        case .logWithZero:
            if v > 0 { return (log10(v) - lo) / (hi - lo) }
            if v == 0, let z = zeroPosition { return (z - lo) / (hi - lo) }
            return nil
        }
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, floor(log10(raw)))
        let f = raw / p
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p
    }
}

/// Splits text into lines of at most `width` characters at spaces (a longer word stays whole).
func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
        if current.isEmpty {
            current = String(word)
        } else if current.count + 1 + word.count <= width {
            current += " " + word
        } else {
            lines.append(current)
            current = String(word)
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}
