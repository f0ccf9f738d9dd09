import Experiments
import Foundation
import Reporting

extension SweepDirectory {
    /// The common summary columns of sweep_summary.csv, after index, directory, seed and the swept
    /// fields; the measurement families' summary figures follow (`familyColumns`), then success.
    static let commonColumns: [RunSummary.CodingKeys] = [.status, .steps, .testAccuracy, .trainAccuracy, .stepsTo100]

    /// The summary figures of every registered measurement family, in registry order (a column
    /// stays empty for runs whose model does not record it).
    static var familyColumns: [Figure] {
        MeasurementFamilies.all.flatMap { $0.figures }.filter { $0.source != .metrics }
    }

    /// Writes sweep_summary.csv (one row per run, missing runs marked), phase.svg, report.html and
    /// plots/ (the phase diagrams of `PhaseDiagram`, phase.svg among them; when a swept field has two or more numbers, each figure against
    /// it: `SweepCurves`; when two do, mean-testError.svg: `SweepMeanMap`; for signal-and-noise
    /// runs over keyScale at one D, boundary-FIELD.svg: `SignalNoiseCurve`); returns the number of
    /// runs not done.
    @discardableResult
    public func summarize() throws -> Int {
        let header: [String] =
            ["index", "directory", "seed"] + spec.axes.map(\.field) + Self.commonColumns.map(\.stringValue)
        var lines = [(header + Self.familyColumns.map(\.column) + ["success"]).joined(separator: ",")]
        var outcomes: [SweepOutcome] = []
        var done: [SweepCurves.Run] = []
        var notDone = 0
        for index in 0..<spec.runCount {
            let params = spec.parameters(of: index).map(\.value)
            var row = [String(index), relativeRunPath(index), String(spec.seed(of: index))] + params.map(Self.csvValue)
            // Done means complete: a summary.json that does not parse is not a result.
            let summary = self.summary(of: index)
            if let summary {
                let config = try? spec.config(of: index)
                let theta = config?.evaluation.theta ?? 0.9
                // A diverged run counts as a failure in the success grid; its figures are not results,
                // so the median plots leave it out (the CSV keeps its status and last figures).
                if let record = try? RunSummary(json: summary), record.status != .diverged {
                    done.append(SweepCurves.Run(params: params, summary: record, config: config))
                }
                let success = spec.success.holds(summary, theta: theta)
                row += Self.commonColumns.map { summary[$0.stringValue].map(Self.csvValue) ?? "" }
                row += Self.familyColumns.map { f in
                    switch f.source {
                    case .summaryEntry(let k): return summary[f.field]?[String(k)].map(Self.csvValue) ?? ""
                    default: return summary[f.field].map(Self.csvValue) ?? ""
                    }
                }
                row.append(success ? "1" : "0")
                outcomes.append(SweepOutcome(params: params, summary: summary, success: success))
            } else {
                notDone += 1
                // The status column, then the other columns empty (families' figures and success).
                row +=
                    [status(of: index).rawValue]
                    + Array(repeating: "", count: Self.commonColumns.count - 1 + Self.familyColumns.count + 1)
                outcomes.append(SweepOutcome(params: params, summary: nil, success: nil))
            }
            lines.append(row.joined(separator: ","))
        }
        try Self.writeAtomically(lines.joined(separator: "\n") + "\n", to: "\(path)/sweep_summary.csv")
        // The phase diagrams: each summary figure over each pair of swept fields, under plots/; the
        // success over the first pair also as phase.svg beside report.html (where earlier releases put it).
        try FileManager.default.createDirectory(atPath: "\(path)/plots", withIntermediateDirectories: true)
        let pairs = PhaseDiagram.axisPairs(spec)
        let figures = SweepFigure.allCases.filter { $0.applies(to: outcomes) }
        var phaseSections: [Node] = []
        for pair in pairs {
            var shown: [Node] = []
            for figure in figures {
                let diagram = PhaseDiagram(spec: spec, outcomes: outcomes, figure: figure, xAxis: pair.x, yAxis: pair.y)
                let plot = PlotFile(
                    name: PhaseDiagram.fileName(figure, pair: pair, spec: spec), caption: diagram.caption,
                    svg: diagram.render())
                try Self.writeAtomically(plot.svg, to: "\(path)/plots/\(plot.name)")
                if plot.name == "phase.svg" { try Self.writeAtomically(plot.svg, to: "\(path)/phase.svg") }
                shown.append(Report.figure(plot))
            }
            if pairs.count > 1 {
                let title = "\(spec.axes[pair.x].field)" + (pair.y.map { " × \(spec.axes[$0].field)" } ?? "")
                phaseSections.append(.element("h3", [:], [.text(title)]))
            }
            phaseSections += shown
        }
        let curves = SweepCurves(spec: spec, runs: done)?.render() ?? (plots: [], section: nil)
        for plot in curves.plots { try Self.writeAtomically(plot.svg, to: "\(path)/plots/\(plot.name)") }
        // The mean test error over two numeric swept fields, and for signal-and-noise runs over ‖μ‖
        // at one D, the curve against ‖μ‖ with the theory's boundary.
        let meanMap = SweepMeanMap(spec: spec, runs: done)?.render()
        let boundaryCurve = done.isEmpty ? nil : SignalNoiseCurve(spec: spec, runs: done)?.render()
        for plot in [meanMap, boundaryCurve].compactMap({ $0 }) {
            try Self.writeAtomically(plot.svg, to: "\(path)/plots/\(plot.name)")
        }
        let body: Node = .fragment([
            Report.header(
                "Sweep \(path): \(spec.runCount) runs of \(spec.preset)",
                notes: notDone > 0
                    ? [
                        "\(notDone) of \(spec.runCount) runs are not done; they are left out of the success rates and the figures."
                    ]
                    : []),
            Report.section(
                "phase", "Phase diagrams",
                .fragment(
                    [
                        .element(
                            "p", [:],
                            [
                                .text(
                                    "Each summary figure at each grid point over its \(spec.seeds.count) seed(s)"
                                        + (pairs.count > 1
                                            ? ", for every pair of swept fields (the others pooled)." : ".")
                                        + " Every run: "),
                                .element("a", ["href": "sweep_summary.csv"], [.text("sweep_summary.csv")]),
                                .text("."),
                            ])
                    ] + phaseSections)),
            meanMap.map { Report.section("mean-map", "Mean test error", Report.figure($0)) } ?? .empty,
            boundaryCurve.map {
                Report.section("boundary", "Mean test error and the theory's boundary", Report.figure($0))
            }
                ?? .empty,
            curves.section ?? .empty,
            Report.section("spec", "Sweep spec", .element("pre", [:], [.text(spec.json.prettyText)])),
        ])
        try Self.writeAtomically(Report.page("ConvDynamics sweep: \(path)", body), to: "\(path)/report.html")
        return notDone
    }

    /// Every run's swept values, summary and success (nil for runs not done).
    func outcomes() -> [SweepOutcome] {
        (0..<spec.runCount).map { index in
            let params = spec.parameters(of: index).map(\.value)
            guard let summary = summary(of: index) else {
                return SweepOutcome(params: params, summary: nil, success: nil)
            }
            let theta = (try? spec.config(of: index))?.evaluation.theta ?? 0.9
            return SweepOutcome(params: params, summary: summary, success: spec.success.holds(summary, theta: theta))
        }
    }

    /// What `convdyn show` prints for a sweep: its status (runs done, running, failed, missing), then
    /// one line per grid point with the summary figures of the phase diagrams over its seeds.
    public func showText() -> String {
        let c = counts()
        let outcomes = outcomes()
        let figures = SweepFigure.allCases.filter { $0.applies(to: outcomes) }
        var lines = [
            "\(path): sweep of \(spec.runCount) runs of \(spec.preset) (\(spec.combinationCount) grid points × "
                + "\(spec.seeds.count) seeds) — done \(c[.done]!), running \(c[.running]!), failed \(c[.failed]!), "
                + "missing \(c[.missing]!)",
            "",
        ]
        let headers: [String: String] = [
            "success": "success (\(spec.success.text))", "testAccuracy": "median test acc",
            "keysLearned": "all keys learned", "stepsTo100": "median T100 (reached)",
        ]
        var table = [spec.axes.map(\.field) + ["done"] + figures.map { headers[$0.fileName]! }]
        for combination in 0..<spec.combinationCount {
            let indices = spec.valueIndices(combination: combination)
            let values = spec.axes.indices.map { spec.axes[$0].values[indices[$0]] }
            let runs = outcomes.filter { $0.params == values }
            table.append(
                values.map { $0.stringValue ?? $0.text } + ["\(runs.filter { $0.summary != nil }.count)/\(runs.count)"]
                    + figures.map { $0.value(runs).text($0) })
        }
        let widths = table[0].indices.map { k in table.map { $0[k].count }.max()! }
        for row in table {
            lines.append(
                row.enumerated().map { k, v in v.padding(toLength: widths[k], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        lines += [
            "",
            "Shares with their 95% Wilson interval; medians over the runs done (diverged runs left out). "
                + "Every run: \(path)/sweep_summary.csv; report: convdyn report \(path)",
        ]
        return lines.joined(separator: "\n")
    }

    static func csvValue(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .string(let s):
            return s.contains(",") || s.contains("\"")
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        case .array, .object: return "\"" + v.text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        default: return v.text
        }
    }
}

/// One run of a sweep as the phase diagrams and `show` see it: its swept values, its summary.json
/// (nil while it is not done) and whether it succeeded (nil while it is not done).
struct SweepOutcome {
    let params: [JSONValue]
    let summary: JSONValue?
    let success: Bool?
}

/// A summary figure of a sweep at a grid point, over the runs done there: a share of runs with its
/// Wilson 95% interval (success, all keys learned), or a median (test accuracy, T₁₀₀).
enum SweepFigure: CaseIterable {
    case success, testAccuracy, keysLearned, stepsTo100

    /// The figure's part of the plot file names.
    var fileName: String {
        switch self {
        case .success: return "success"
        case .testAccuracy: return "testAccuracy"
        case .keysLearned: return "keysLearned"
        case .stepsTo100: return "stepsTo100"
        }
    }

    /// Whether the figure is a share of runs (0…1, with a Wilson interval).
    var isShare: Bool { self == .success || self == .keysLearned }

    /// The diagram's title.
    func title(_ spec: SweepSpec) -> String {
        switch self {
        case .success: return "Success probability (\(spec.success.text))"
        case .testAccuracy: return "Median test accuracy"
        case .keysLearned: return "All keys learned (share of runs)"
        case .stepsTo100: return "Median T₁₀₀ (runs that reached 100%)"
        }
    }

    /// Whether the sweep's runs give this figure: keys learned for runs of the key-pattern models
    /// (a keysLearned record in summary.json), T₁₀₀ for classifiers; success and accuracy always.
    func applies(to outcomes: [SweepOutcome]) -> Bool {
        let summaries = outcomes.compactMap(\.summary)
        switch self {
        case .success, .testAccuracy: return true
        case .keysLearned: return summaries.contains { $0["keysLearned"]?.objectValue != nil }
        case .stepsTo100: return summaries.contains { $0["regression"]?.boolValue != true }
        }
    }

    /// Whether a done run counts as a result: a diverged run's figures are not (it counts among the
    /// runs of the shares, as a failure).
    static func isResult(_ summary: JSONValue) -> Bool { summary["status"]?.stringValue != "diverged" }

    /// The figure over `outcomes` (the runs of one cell).
    func value(_ outcomes: [SweepOutcome]) -> SweepCell {
        let done = outcomes.compactMap(\.summary)
        switch self {
        case .success:
            let finished = outcomes.compactMap(\.success)
            return .share(successes: finished.filter { $0 }.count, runs: finished.count)
        case .keysLearned:
            // Runs that record the keys (a run with no keysLearned object has no keys to learn).
            let runs = done.filter { $0["keysLearned"]?.objectValue != nil }
            let learned = runs.filter { s in
                Self.isResult(s) && s["keysLearned"]!.objectValue!.values.allSatisfy { $0.boolValue == true }
            }
            return .share(successes: learned.count, runs: runs.count)
        case .testAccuracy:
            let values = done.filter(Self.isResult).compactMap { $0["testAccuracy"]?.doubleValue }.filter(\.isFinite)
            return .median(values.isEmpty ? .nan : quantile(values, 0.5), of: values.count, runs: done.count)
        case .stepsTo100:
            let reached = done.filter(Self.isResult).compactMap { $0["stepsTo100"]?.intValue }.map(Double.init)
            return .median(reached.isEmpty ? .nan : quantile(reached, 0.5), of: reached.count, runs: done.count)
        }
    }
}

/// A figure at one grid point: a share (k of n runs) or a median of `of` values among `runs` runs.
enum SweepCell {
    case share(successes: Int, runs: Int)
    case median(Double, of: Int, runs: Int)

    /// The value drawn (NaN without runs).
    var value: Double {
        switch self {
        case .share(let k, let n): return n > 0 ? Double(k) / Double(n) : .nan
        case .median(let m, _, _): return m
        }
    }

    /// The cell as text for `show`: "3/8 [0.14–0.69]", "0.975 (8 runs)", "never (0/8)".
    func text(_ figure: SweepFigure) -> String {
        switch self {
        case .share(let k, let n):
            guard n > 0 else { return "n/a" }
            let ci = wilsonInterval(successes: k, trials: n)
            return "\(k)/\(n) [\(String(format: "%.2f", ci.lowerBound))–\(String(format: "%.2f", ci.upperBound))]"
        case .median(let m, let k, let n):
            if n == 0 { return "n/a" }
            if figure == .stepsTo100 { return m.isNaN ? "never (0/\(n))" : "\(formatValue(m)) (\(k)/\(n))" }
            return m.isNaN ? "n/a" : String(format: "%.3f", m)
        }
    }
}

/// A phase diagram: one summary figure (`SweepFigure`) at each point of two swept fields (the other
/// fields and the seeds pooled), or along one field, on a sequential colour scale with its colour
/// bar; shares with their counts and Wilson 95% intervals, medians with their counts.
struct PhaseDiagram {
    let spec: SweepSpec
    let outcomes: [SweepOutcome]
    let figure: SweepFigure
    /// The indices in `spec.axes` drawn across and up (nil: one row).
    let xAxis: Int
    let yAxis: Int?

    /// The pairs of swept fields drawn: every pair of the fields with two or more values, or the one
    /// such field alone, or the first field when none has two.
    static func axisPairs(_ spec: SweepSpec) -> [(x: Int, y: Int?)] {
        let varied = spec.axes.indices.filter { spec.axes[$0].values.count >= 2 }
        if varied.count < 2 { return [(varied.first ?? 0, nil)] }
        var pairs: [(x: Int, y: Int?)] = []
        for (k, a) in varied.enumerated() { for b in varied[(k + 1)...] { pairs.append((a, b)) } }
        return pairs
    }

    /// The file name under plots/: phase.svg for the success over the first pair; else
    /// phase-FIGURE.svg, with -X-Y (the fields) when the sweep has more than one pair.
    static func fileName(_ figure: SweepFigure, pair: (x: Int, y: Int?), spec: SweepSpec) -> String {
        let pairs = axisPairs(spec)
        if figure == .success && pairs[0].x == pair.x && pairs[0].y == pair.y { return "phase.svg" }
        func part(_ axis: Int) -> String { spec.axes[axis].field.replacingOccurrences(of: ".", with: "-") }
        let suffix = pairs.count > 1 ? "-\(part(pair.x))" + (pair.y.map { "-\(part($0))" } ?? "") : ""
        return "phase-\(figure.fileName)\(suffix).svg"
    }

    /// The fields pooled in this diagram (swept, not drawn).
    var pooled: [String] {
        spec.axes.indices.filter { $0 != xAxis && $0 != yAxis }.map { spec.axes[$0].field }
    }

    /// A point of a sequential colour scale (viridis: dark violet at 0, through blue and green, to
    /// yellow at 1), so that a 0 is as visible as a 1 and neither is the page's white.
    static func color(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
        ]
        let u = max(0, min(1, t)) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(u))
        let f = u - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Text on a cell coloured at `t`: white on the dark half of the scale, black on the light half.
    static func textColor(_ t: Double) -> String { t < 0.55 ? "#ffffff" : "#000000" }

    /// The fill of a cell without a value (no runs done, or no run reached 100%).
    static let emptyFill = "#d9d9d9"

    /// The colour scale's range: 0…1 for shares; for medians the range of the cells' values.
    func scale(_ values: [Double]) -> ClosedRange<Double> {
        if figure.isShare { return 0...1 }
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        if hi > lo { return lo...hi }
        let pad = figure == .testAccuracy ? 0.01 : max(1, abs(hi) * 0.1)
        return (lo - pad)...hi
    }

    func render() -> String {
        let xAxis = spec.axes[self.xAxis]
        let yAxis = self.yAxis.map { spec.axes[$0] }
        let cols = xAxis.values.count
        let rows = yAxis?.values.count ?? 1
        let cell = 78.0
        let left = 110.0
        let top = 56.0
        let barX = left + Double(cols) * cell + 16
        let title = figure.title(spec) + " over \(xAxis.field)" + (yAxis.map { " × " + $0.field } ?? "")
        // Wide enough for the title (bold 14 px: about 8 px a character).
        let width = max(barX + 200, 20 + 8 * Double(title.count))
        let barH = max(Double(rows) * cell, 150)
        let height = top + max(Double(rows) * cell + 60, barH + 40)
        func text(_ s: String, x: Double, y: Double, _ style: Attributes = [:]) -> Node {
            .element("text", (["x": Int(x), "y": Int(y)] as Attributes).followed(by: style), [.text(s)])
        }
        let note: Attributes = ["font-size": "12", "fill": "#444444"]
        var nodes = [
            SVG.background(width: Int(width), height: Int(height)),
            text(title, x: 10, y: 22, ["font-size": "14", "font-weight": "bold"]),
        ]
        var cells: [[SweepCell]] = []
        for r in 0..<rows {
            cells.append(
                (0..<cols).map { c in
                    figure.value(
                        outcomes.filter {
                            $0.params[self.xAxis] == xAxis.values[c]
                                && (self.yAxis == nil || $0.params[self.yAxis!] == yAxis!.values[r])
                        })
                })
        }
        let range = scale(cells.flatMap { $0.map(\.value) })
        func position(_ v: Double) -> Double { (v - range.lowerBound) / (range.upperBound - range.lowerBound) }
        for r in 0..<rows {
            for c in 0..<cols {
                let value = cells[r][c]
                let x = left + Double(c) * cell
                let y = top + Double(rows - 1 - r) * cell
                let t = position(value.value)
                let fill = value.value.isNaN ? Self.emptyFill : Self.color(t)
                let ink = value.value.isNaN ? "#000000" : Self.textColor(t)
                var attributes: Attributes = ["class": "cell"]
                let lines: [String]
                switch value {
                case .share(let k, let n):
                    attributes = attributes.followed(by: ["data-successes": k, "data-runs": n])
                    let ci = wilsonInterval(successes: k, trials: n)
                    lines = [
                        n > 0 ? String(format: "%.2f", value.value) : "n/a",
                        "[\(String(format: "%.2f", ci.lowerBound))–\(String(format: "%.2f", ci.upperBound))]",
                        "\(k)/\(n)",
                    ]
                case .median(let m, let k, let n):
                    attributes = attributes.followed(by: [
                        "data-value": m.isNaN ? "" : "\(m)", "data-values": k, "data-runs": n,
                    ])
                    if figure == .stepsTo100 {
                        lines = [m.isNaN ? (n > 0 ? "never" : "n/a") : formatValue(m), "", "\(k)/\(n) reached"]
                    } else {
                        lines = [m.isNaN ? "n/a" : String(format: "%.3f", m), "", "\(n) runs"]
                    }
                }
                nodes.append(
                    .element(
                        "rect",
                        attributes.followed(by: [
                            "x": Int(x), "y": Int(y), "width": Int(cell) - 2, "height": Int(cell) - 2, "fill": fill,
                            "stroke": "#666666", "stroke-width": "0.5",
                        ])))
                nodes.append(
                    text(
                        lines[0], x: x + cell / 2, y: y + cell / 2 - 6,
                        ["text-anchor": "middle", "font-size": "15", "font-weight": "bold", "fill": ink]))
                if !lines[1].isEmpty {
                    nodes.append(
                        text(
                            lines[1], x: x + cell / 2, y: y + cell / 2 + 10,
                            ["text-anchor": "middle", "font-size": "12", "fill": ink]))
                }
                nodes.append(
                    text(
                        lines[2], x: x + cell / 2, y: y + cell / 2 + 25,
                        ["text-anchor": "middle", "font-size": "12", "fill": ink]))
            }
            if let yAxis {
                nodes.append(
                    text(
                        yAxis.values[r].stringValue ?? yAxis.values[r].text, x: left - 8,
                        y: top + Double(rows - 1 - r) * cell + cell / 2 + 4, ["text-anchor": "end"]))
            }
        }
        for c in 0..<cols {
            nodes.append(
                text(
                    xAxis.values[c].stringValue ?? xAxis.values[c].text, x: left + (Double(c) + 0.5) * cell,
                    y: top + Double(rows) * cell + 16, ["text-anchor": "middle"]))
        }
        nodes.append(
            text(
                xAxis.field, x: left + Double(cols) * cell / 2, y: top + Double(rows) * cell + 40,
                ["text-anchor": "middle"]))
        if let yAxis {
            let y = Int(top + Double(rows) * cell / 2)
            nodes.append(
                text(yAxis.field, x: 16, y: Double(y), ["text-anchor": "middle", "transform": "rotate(-90 16 \(y))"]))
        }
        // The colour bar: the scale's range, low at the bottom.
        let steps = 40
        for i in 0..<steps {
            let t = 1 - (Double(i) + 0.5) / Double(steps)
            nodes.append(
                .element(
                    "rect",
                    [
                        "class": "colorbar", "x": Int(barX), "y": top + Double(i) * barH / Double(steps),
                        "width": 14, "height": barH / Double(steps) + 0.3, "fill": Self.color(t),
                    ]))
        }
        nodes.append(
            .element(
                "rect", ["x": Int(barX), "y": top, "width": 14, "height": barH, "fill": "none", "stroke": "#666666"]))
        // Enough decimals that the five ticks differ (a narrow range of accuracies: 0.990…0.998).
        let span = range.upperBound - range.lowerBound
        let decimals = max(2, Int((-log10(span / 4)).rounded(.up)) + 1)
        for k in 0...4 {
            let v = range.lowerBound + span * Double(k) / 4
            let label = figure == .stepsTo100 ? formatValue(v.rounded()) : String(format: "%.\(decimals)f", v)
            nodes.append(text(label, x: barX + 18, y: top + (1 - Double(k) / 4) * barH + 4, ["font-size": "12"]))
        }
        var legend: [String] =
            figure.isShare
            ? ["cell: share of runs", "[Wilson 95% interval]", "successes/runs done"]
            : figure == .stepsTo100
                ? ["cell: median T₁₀₀ (steps)", "of the runs that reached", "100%; reached/runs done"]
                : ["cell: median over", "the runs done", "(diverged runs left out)"]
        legend.append("grey: no value")
        legend +=
            pooled.isEmpty
            ? ["pooled over the seeds"] : ["pooled over " + pooled.joined(separator: ", "), "and the seeds"]
        for (i, line) in legend.enumerated() {
            nodes.append(text(line, x: barX + 62, y: top + 14 + Double(i) * 14, note))
        }
        return SVG.root(width: Int(width), height: Int(height), nodes).xmlDocument
    }

    /// The caption of the diagram on the page.
    var caption: String {
        let over = "at each point of \(spec.axes[xAxis].field)" + (yAxis.map { " × \(spec.axes[$0].field)" } ?? "")
        let pooledText = pooled.isEmpty ? "its seeds pooled" : "its seeds and \(pooled.joined(separator: ", ")) pooled"
        switch figure {
        case .success:
            return "Share of runs that succeed (\(spec.success.text)) \(over), \(pooledText), with the 95% Wilson "
                + "interval and successes/runs done; a diverged run counts as a failure. Every run: sweep_summary.csv."
        case .keysLearned:
            return "Share of runs that learned every key (each key's best filter cosine > θ at the end) \(over), "
                + "\(pooledText), with the 95% Wilson interval and the counts."
        case .testAccuracy:
            return "Median final test accuracy \(over), \(pooledText); diverged runs left out. The colour scale "
                + "spans the cells' medians (see the bar)."
        case .stepsTo100:
            return "Median T₁₀₀ (first evaluated step with test accuracy exactly 1) of the runs that reached it "
                + "\(over), \(pooledText), with how many of the runs done reached it; \"never\": none did."
        }
    }
}
