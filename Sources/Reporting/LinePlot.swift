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

/// A vertical marker line with a label (T₁₀₀, divergence).
struct Marker {
    var x: Double
    var label: String
    var color: String
}

/// A line chart written as SVG: title, axis labels with units, ticks, legend, series, bands and
/// markers.
struct LinePlot {
    var title: String
    var xLabel: String
    var yLabel: String
    var xScale: AxisScale = .linear
    var yScale: AxisScale = .linear
    var series: [Series] = []
    var bands: [Band] = []
    var markers: [Marker] = []
    var yRange: ClosedRange<Double>? = nil
    /// Whether the y values are counts: linear y ticks at whole numbers only.
    var countTicks = false
    /// The x ticks, labelled with `formatValue`, instead of the automatic ones.
    var xTicks: [Double]? = nil
    var note: String? = nil
    var width = 660.0
    var height = 400.0

    private var margin: (l: Double, r: Double, t: Double, b: Double) { (l: 70, r: 190, t: 40, b: 52) }

    func render() -> String {
        var svg = SVG(width: width, height: height)
        let m = margin
        let plotW = width - m.l - m.r
        let plotH = height - m.t - m.b
        svg.text(title, x: m.l, y: 22, size: 14, weight: "bold")

        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x) + markers.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) } + bands.flatMap { $0.lower + $0.upper }
        let xAxis = Axis(values: xs, scale: xScale, range: nil)
        let yAxis = Axis(values: ys, scale: yScale, range: yRange, wholeSteps: countTicks)
        func px(_ x: Double) -> Double? { xAxis.position(x).map { m.l + $0 * plotW } }
        func py(_ y: Double) -> Double? { yAxis.position(y).map { m.t + plotH - $0 * plotH } }

        // Frame, grid and ticks.
        svg.rect(m.l, m.t, plotW, plotH, fill: "#ffffff", stroke: "#888888")
        for tick in xTicks.map({ $0.map { (value: $0, label: formatValue($0)) } }) ?? xAxis.ticks {
            guard let x = px(tick.value) else { continue }
            svg.line(x, m.t, x, m.t + plotH, color: "#eeeeee")
            svg.line(x, m.t + plotH, x, m.t + plotH + 4, color: "#888888")
            svg.text(tick.label, x: x, y: m.t + plotH + 17, anchor: "middle", size: 11)
        }
        for tick in yAxis.ticks {
            guard let y = py(tick.value) else { continue }
            svg.line(m.l, y, m.l + plotW, y, color: "#eeeeee")
            svg.line(m.l - 4, y, m.l, y, color: "#888888")
            svg.text(tick.label, x: m.l - 7, y: y + 4, anchor: "end", size: 11)
        }
        svg.text(xLabel, x: m.l + plotW / 2, y: height - 12, anchor: "middle")
        svg.text(yLabel, x: 16, y: m.t + plotH / 2, anchor: "middle", rotate: true)

        // Bands, then series, then markers.
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
                    segments[segments.count - 1].append((x, min(max(y, m.t - 2), m.t + plotH + 2)))
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
            svg.line(x, m.t, x, m.t + plotH, color: marker.color, width: 1.5, dash: "5,3")
            svg.text(marker.label, x: x + 4, y: m.t + 14, size: 11, color: marker.color)
        }

        // Legend.
        var ly = m.t + 6
        var seen = Set<String>()
        let entries: [(String, String, String?, Bool, Bool)] =
            series.filter(\.legend).map { ($0.name, $0.color, $0.dash, false, $0.dots) }
            + bands.map { ($0.name, $0.color, nil, true, false) }
        for (name, color, dash, isBand, isDots) in entries where !seen.contains(name) {
            seen.insert(name)
            let x = m.l + plotW + 12
            if isBand {
                svg.add("rect", ["x": x, "y": ly, "width": 22, "height": 8, "fill": color, "fill-opacity": "0.2"])
            } else if isDots {
                svg.add("circle", ["cx": x + 11, "cy": ly + 4, "r": 3.5, "fill": color])
            } else {
                svg.line(x, ly + 4, x + 22, ly + 4, color: color, width: 2.5, dash: dash)
            }
            for part in wrap(name, width: 26) {
                svg.text(part, x: x + 28, y: ly + 8, size: 11)
                ly += 14
            }
            ly += 3
        }
        if let note {
            for part in wrap(note, width: 32) {
                svg.text(part, x: m.l + plotW + 12, y: ly + 12, size: 10, color: "#666666")
                ly += 13
            }
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
