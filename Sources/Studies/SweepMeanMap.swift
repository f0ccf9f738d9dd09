import Experiments
import Foundation
import Reporting

/// The theory's boundary between benign and harmful overfitting for the signal-and-noise model,
/// with the constant C taken as 1 (the papers bound it only up to constants): Kou, Chen, Chen &
/// Gu 2023 (ReLU) n‖μ‖⁴ = C·D·σ_b⁴, i.e. ‖μ‖ = σ_b·(C·D/n)^{1/4}; Cao, Chen, Belkin & Gu 2022
/// (polyReLU(q), q > 1) n·SNR^q = C with SNR = ‖μ‖/(σ_b√D), i.e. ‖μ‖ = σ_b·√D·(C/n)^{1/q}.
struct SignalNoiseBoundary: Equatable {
    /// The constant of the boundary (stated in the captions and Docs/Sweeps.md).
    static let constant = 1.0

    /// q of polyReLU(q); nil for ReLU (Kou's boundary).
    let q: Double?
    /// n, the number of training points.
    let n: Int
    /// σ_b, the noise scale.
    let sigmaB: Double

    /// The boundary of a signal-and-noise run's config: ReLU or polyReLU(q > 1); nil otherwise.
    init?(_ config: ExperimentConfig) {
        guard config.data.labelModel == .signalNoise, config.data.nTrain > 0, config.data.sigmaB > 0 else { return nil }
        switch config.network.activation {
        case .relu: q = nil
        case .polyRelu(let q) where q > 1: self.q = q
        default: return nil
        }
        n = config.data.nTrain
        sigmaB = config.data.sigmaB
    }

    /// ‖μ‖ on the boundary at patch dimension D.
    func keyScale(D: Double) -> Double {
        let c = Self.constant
        if let q { return sigmaB * D.squareRoot() * pow(c / Double(n), 1 / q) }
        return sigmaB * pow(c * D / Double(n), 0.25)
    }

    /// The boundary as a formula with this config's n, σ_b (and q).
    var text: String {
        let s = formatValue(sigmaB)
        if let q {
            return "Cao et al. 2022: n·SNR^q = C, SNR = ‖μ‖/(σ_b√D), i.e. ‖μ‖ = σ_b·√D·(C/n)^{1/q} "
                + "(n = \(n), σ_b = \(s), q = \(formatValue(q)), C = \(formatValue(Self.constant)))"
        }
        return "Kou et al. 2023: n‖μ‖⁴ = C·D·σ_b⁴, i.e. ‖μ‖ = σ_b·(C·D/n)^{1/4} "
            + "(n = \(n), σ_b = \(s), C = \(formatValue(Self.constant)))"
    }

    /// The boundary shared by every run of a sweep (nil when a run has none, or the runs differ in
    /// n, σ_b or the activation), with the runs' common label-flip probability (nil when they differ).
    static func common(_ runs: [SweepCurves.Run]) -> (boundary: SignalNoiseBoundary, flip: Double?)? {
        let configs = runs.compactMap(\.config)
        guard configs.count == runs.count, let first = configs.first.flatMap(SignalNoiseBoundary.init) else {
            return nil
        }
        guard configs.allSatisfy({ SignalNoiseBoundary($0) == first }) else { return nil }
        let flips = Set(configs.map(\.data.flip))
        return (first, flips.count == 1 ? flips.first : nil)
    }
}

/// Whether a swept field is `name` (written plainly or with its section, e.g. `data.D`).
func sweptField(_ field: String, is name: String) -> Bool {
    field == name || field.hasSuffix("." + name)
}

/// The mean test error (1 − test accuracy) over seeds at each point of a sweep's first two numeric
/// swept fields (other fields pooled), drawn as annotated cells on a 0…0.5 colour scale. For
/// signal-and-noise runs over ‖μ‖ (`keyScale`) and D it marks the label-flip probability on the
/// colour bar and draws the theory's boundary (`SignalNoiseBoundary`) over the cells.
struct SweepMeanMap {
    let spec: SweepSpec
    /// The axes (indices in `spec.axes`) drawn across and up.
    let xAxis: Int
    let yAxis: Int
    let runs: [SweepCurves.Run]

    /// The map of a sweep, or nil when fewer than two swept fields have numbers only, two or more
    /// of them distinct.
    init?(spec: SweepSpec, runs: [SweepCurves.Run]) {
        let numeric = spec.axes.indices.filter { a in
            let numbers = spec.axes[a].values.compactMap(SweepCurves.number)
            return numbers.count == spec.axes[a].values.count && Set(numbers).count >= 2
        }
        guard numeric.count >= 2 else { return nil }
        self.spec = spec
        xAxis = numeric[0]
        yAxis = numeric[1]
        self.runs = runs
    }

    /// The distinct values of an axis, ascending.
    func values(_ axis: Int) -> [Double] { Set(spec.axes[axis].values.compactMap(SweepCurves.number)).sorted() }

    /// The test errors of the done runs at a cell.
    func errors(x: Double, y: Double) -> [Double] {
        runs.filter { SweepCurves.number($0.params[xAxis]) == x && SweepCurves.number($0.params[yAxis]) == y }
            .map { 1 - $0.summary.testAccuracy }.filter { !$0.isNaN }
    }

    /// The mean test error per cell, [row (y ascending)][column (x ascending)]; NaN without runs.
    var means: [[Double]] {
        values(yAxis).map { y in
            values(xAxis).map { x in
                let e = errors(x: x, y: y)
                return e.isEmpty ? .nan : e.reduce(0, +) / Double(e.count)
            }
        }
    }

    /// The boundary, when the two axes are keyScale and D of signal-and-noise runs that share it.
    var boundary: (boundary: SignalNoiseBoundary, flip: Double?, keyScaleOnX: Bool)? {
        let fx = spec.axes[xAxis].field
        let fy = spec.axes[yAxis].field
        let keyScaleOnX: Bool
        if sweptField(fx, is: "keyScale") && sweptField(fy, is: "D") {
            keyScaleOnX = true
        } else if sweptField(fx, is: "D") && sweptField(fy, is: "keyScale") {
            keyScaleOnX = false
        } else {
            return nil
        }
        guard let common = SignalNoiseBoundary.common(runs) else { return nil }
        return (common.boundary, common.flip, keyScaleOnX)
    }

    /// The label-flip probability shared by signal-and-noise runs (nil for other runs).
    var flip: Double? {
        let configs = runs.compactMap(\.config)
        guard !configs.isEmpty, configs.allSatisfy({ $0.data.labelModel == .signalNoise }) else { return nil }
        let flips = Set(configs.map(\.data.flip))
        return flips.count == 1 ? flips.first : nil
    }

    /// Pale yellow (0, distinct from the page's white) through yellow to orange-red (0.5 and above);
    /// light enough for black text.
    static func color(_ error: Double) -> String {
        guard error.isFinite else { return "#e1e1e1" }
        let t = max(0, min(1, error / 0.5))
        let stops: [(Double, Double, Double)] = [(255, 255, 204), (254, 224, 139), (244, 109, 67)]
        let s = t < 0.5 ? 0 : 1
        let u = t < 0.5 ? t * 2 : (t - 0.5) * 2
        let (a, b) = (stops[s], stops[s + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * u).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Position along an axis of `n` cells for a value: cell centres at the sorted values,
    /// piecewise linear between them (in log value when every value is positive), extended past
    /// the ends by the end segments.
    static func position(_ v: Double, in values: [Double]) -> Double {
        let log = values.first! > 0 && v > 0
        let t = values.map { log ? Foundation.log($0) : $0 }
        let u = log ? Foundation.log(v) : v
        let i = max(0, min(t.count - 2, (t.firstIndex { $0 >= u } ?? t.count - 1) - 1))
        return Double(i) + 0.5 + (u - t[i]) / (t[i + 1] - t[i])
    }

    /// The SVG and its caption.
    func render() -> PlotFile {
        let xs = values(xAxis)
        let ys = values(yAxis)
        let xField = spec.axes[xAxis].field
        let yField = spec.axes[yAxis].field
        let means = self.means
        let cell = 74.0
        let left = 110.0
        let top = 56.0
        let cols = Double(xs.count)
        let rows = Double(ys.count)
        let width = left + cols * cell + 230
        let height = top + rows * cell + 90
        func text(_ s: String, x: Double, y: Double, _ style: Attributes = [:]) -> Node {
            .element("text", (["x": x, "y": y] as Attributes).followed(by: style), [.text(s)])
        }
        let note: Attributes = ["font-size": "10", "fill": "#555555"]
        var nodes = [
            SVG.background(width: width, height: height),
            text(
                "Mean test error (1 − test accuracy) over \(xField) × \(yField)", x: 10, y: 22,
                ["font-size": "14", "font-weight": "bold"]),
        ]
        for (r, y) in ys.enumerated() {
            for (c, x) in xs.enumerated() {
                let e = errors(x: x, y: y)
                let mean = means[r][c]
                let px = left + Double(c) * cell
                let py = top + (rows - 1 - Double(r)) * cell
                nodes.append(
                    .element(
                        "rect",
                        [
                            "class": "cell", "data-x": "\(x)", "data-y": "\(y)",
                            "data-mean": mean.isNaN ? "" : "\(mean)",
                            "data-runs": e.count, "x": px, "y": py, "width": cell - 2, "height": cell - 2,
                            "fill": Self.color(mean), "stroke": "#888888", "stroke-width": "0.5",
                        ]))
                nodes += [
                    text(
                        mean.isNaN ? "n/a" : String(format: "%.3f", mean), x: px + cell / 2, y: py + cell / 2 - 2,
                        ["text-anchor": "middle", "font-size": "14", "font-weight": "bold"]),
                    text(
                        "\(e.count) runs", x: px + cell / 2, y: py + cell / 2 + 16,
                        ["text-anchor": "middle", "font-size": "9", "fill": "#555555"]),
                ]
            }
            nodes.append(
                text(
                    formatValue(y), x: left - 8, y: top + (rows - 1 - Double(r)) * cell + cell / 2 + 4,
                    ["text-anchor": "end"]))
        }
        for (c, x) in xs.enumerated() {
            nodes.append(
                text(
                    formatValue(x), x: left + (Double(c) + 0.5) * cell, y: top + rows * cell + 16,
                    ["text-anchor": "middle"]))
        }
        nodes.append(text(xField, x: left + cols * cell / 2, y: top + rows * cell + 40, ["text-anchor": "middle"]))
        let midY = top + rows * cell / 2
        nodes.append(
            text(yField, x: 16, y: midY, ["text-anchor": "middle", "transform": "rotate(-90 16 \(Int(midY)))"]))
        // The boundary, clipped to the grid: through every row (or column) value and 8 points between.
        var caption =
            "Mean test error (1 − test accuracy, against the true labels) over the seeds at each point of "
            + "\(xField) × \(yField)\(spec.axes.count > 2 ? " (the other swept fields pooled)" : ""); cells "
            + "coloured from 0 (pale yellow) to 0.5 (chance, orange-red) and above, with the number of runs done."
        var legend: [String] = []
        if let b = boundary {
            let dValues = b.keyScaleOnX ? ys : xs
            var samples: [Double] = []
            for (i, d) in dValues.enumerated() {
                samples.append(d)
                if i + 1 < dValues.count {
                    let next = dValues[i + 1]
                    samples += (1...8).map { k in d * pow(next / d, Double(k) / 9) }
                }
            }
            let points = samples.map { d -> (x: Double, y: Double) in
                let mu = b.boundary.keyScale(D: d)
                let (vx, vy) = b.keyScaleOnX ? (mu, d) : (d, mu)
                return (
                    left + Self.position(vx, in: xs) * cell - 1,
                    top + (rows - Self.position(vy, in: ys)) * cell - 1
                )
            }
            let data = dValues.map { "\(formatValue($0)):\(b.boundary.keyScale(D: $0))" }.joined(separator: " ")
            nodes += [
                .element(
                    "clipPath", ["id": "grid"],
                    [.element("rect", ["x": left, "y": top, "width": cols * cell, "height": rows * cell])]),
                .element(
                    "polyline",
                    [
                        "class": "boundary", "data-boundary": data, "clip-path": "url(#grid)",
                        "points": points.map { "\(String(format: "%.2f", $0.x)),\(String(format: "%.2f", $0.y))" }
                            .joined(separator: " "),
                        "fill": "none", "stroke": "#1f4e99", "stroke-width": "2.5", "stroke-dasharray": "7 4",
                    ]),
            ]
            legend += ["dashed: theory's boundary, C = \(formatValue(SignalNoiseBoundary.constant))"]
            caption +=
                " Dashed line: the theory's boundary between benign (\(b.keyScaleOnX ? "right of it" : "above it"): larger ‖μ‖) and harmful "
                + "overfitting, \(b.boundary.text); the theory fixes C only up to a constant factor, so C = 1 here, "
                + "not fitted to the data."
        }
        // Colour bar, 0 (bottom) to 0.5 (top), with the label-flip probability marked.
        let barX = left + cols * cell + 16
        let barH = max(rows * cell, 150)
        for i in 0..<40 {
            let v = 0.5 * (1 - (Double(i) + 0.5) / 40)
            nodes.append(
                .element(
                    "rect",
                    [
                        "x": barX, "y": top + Double(i) * barH / 40, "width": 14, "height": barH / 40 + 0.3,
                        "fill": Self.color(v),
                    ]))
        }
        nodes.append(
            .element("rect", ["x": barX, "y": top, "width": 14, "height": barH, "fill": "none", "stroke": "#888888"]))
        for v in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5] {
            nodes.append(text(formatValue(v), x: barX + 18, y: top + (1 - v / 0.5) * barH + 4, ["font-size": "10"]))
        }
        nodes.append(text("test error", x: barX, y: top - 8, note))
        if let p = flip {
            let py = top + (1 - min(p, 0.5) / 0.5) * barH
            nodes += [
                .element(
                    "line",
                    [
                        "class": "bayes", "data-flip": "\(p)", "x1": barX - 4, "y1": py, "x2": barX + 18, "y2": py,
                        "stroke": "#000000", "stroke-width": "2",
                    ]),
                text("◀ flip p = \(formatValue(p))", x: barX + 42, y: py + 4, ["font-size": "10"]),
            ]
            legend += [
                "p: Bayes error of the noisy-label",
                "test error (≈ p + (1 − 2p)·this error);",
                "the Bayes error of this one is 0",
            ]
            caption +=
                " Marked on the colour bar: the label-flip probability p = \(formatValue(p)), the Bayes error of the "
                + "test error against the flipped labels, which is p + (1 − 2p) × this error on average; against the "
                + "true labels (this map) the Bayes error is 0."
        }
        for (i, line) in legend.enumerated() {
            nodes.append(text(line, x: barX + 42, y: top + 30 + Double(i) * 13, note))
        }
        let svg = SVG.root(width: width, height: height, nodes).xmlDocument
        return PlotFile(name: "mean-testError.svg", caption: caption, svg: svg)
    }
}

/// For signal-and-noise runs swept over ‖μ‖ (`keyScale`) at one D: the mean test error against
/// ‖μ‖ with its 95% interval, the label-flip probability as a horizontal line and the theory's
/// boundary (`SignalNoiseBoundary`) as a vertical line.
struct SignalNoiseCurve {
    let spec: SweepSpec
    let axis: Int
    let runs: [SweepCurves.Run]
    let boundary: SignalNoiseBoundary
    let flip: Double?
    let D: Int

    /// The curve of a sweep, or nil when keyScale is not a swept numeric field, D is swept or the
    /// runs differ in D or the boundary.
    init?(spec: SweepSpec, runs: [SweepCurves.Run]) {
        guard !spec.axes.contains(where: { sweptField($0.field, is: "D") }),
            let axis = spec.axes.firstIndex(where: { sweptField($0.field, is: "keyScale") }),
            spec.axes[axis].values.allSatisfy({ SweepCurves.number($0) != nil }),
            let common = SignalNoiseBoundary.common(runs)
        else { return nil }
        let ds = Set(runs.compactMap(\.config?.data.D))
        guard ds.count == 1 else { return nil }
        self.spec = spec
        self.axis = axis
        self.runs = runs
        self.boundary = common.boundary
        self.flip = common.flip
        D = ds.first!
    }

    func render() -> PlotFile {
        let field = spec.axes[axis].field
        let xs = Set(spec.axes[axis].values.compactMap(SweepCurves.number)).sorted()
        let others = spec.axes.indices.filter { $0 != axis }
        var series: [(series: String, points: [(x: Double, runs: [Double])])] = []
        for combination in 0..<spec.combinationCount {
            let indices = spec.valueIndices(combination: combination)
            let values = others.map { spec.axes[$0].values[indices[$0]] }
            let label = others.enumerated().map { k, a in
                "\(spec.axes[a].field)=\(values[k].stringValue ?? values[k].text)"
            }
            .joined(separator: ", ")
            let name = label.isEmpty ? "all runs" : label
            if series.contains(where: { $0.series == name }) { continue }
            let points: [(x: Double, runs: [Double])] = xs.compactMap { x in
                let e = runs.filter { run in
                    SweepCurves.number(run.params[axis]) == x && others.map { run.params[$0] } == values
                }.map { 1 - $0.summary.testAccuracy }.filter { !$0.isNaN }
                return e.isEmpty ? nil : (x, e)
            }
            if !points.isEmpty { series.append((name, points)) }
        }
        let mu = boundary.keyScale(D: Double(D))
        let plot = GroupPlots.curve(
            title: "Mean test error against \(field) (D = \(D))", xLabel: field,
            yLabel: "test error (1 − test accuracy)", values: series,
            file: "boundary-\(field.replacingOccurrences(of: ".", with: "-")).svg",
            xTicks: xs.count <= 10 ? xs : nil, mean: true,
            verticals: [(mu, "boundary ‖μ‖ = \(String(format: "%.3g", mu)) (C = 1)")],
            horizontals: flip.map { [($0, "flip p = \(formatValue($0))")] } ?? [])
        let caption =
            "Mean test error (1 − test accuracy, against the true labels) over seeds (line) and its Student-t 95% "
            + "interval (band) at each \(field), D = \(D). Vertical line: the theory's boundary, \(boundary.text), "
            + "at ‖μ‖ = \(String(format: "%.4g", mu)); C = 1, not fitted."
            + (flip.map {
                " Horizontal line: the label-flip probability p = \(formatValue($0)), the Bayes error of the test "
                    + "error against the flipped labels (against the true labels it is 0)."
            } ?? "")
        return PlotFile(name: plot.name, caption: caption, svg: plot.svg)
    }
}
