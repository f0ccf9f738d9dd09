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
    /// plots/ (phase.svg again; when a swept field has two or more numbers, each figure against
    /// it: `SweepCurves`; when two do, mean-testError.svg: `SweepMeanMap`; for signal-and-noise
    /// runs over keyScale at one D, boundary-FIELD.svg: `SignalNoiseCurve`); returns the number of
    /// runs not done.
    @discardableResult
    public func summarize() throws -> Int {
        let header: [String] =
            ["index", "directory", "seed"] + spec.axes.map(\.field) + Self.commonColumns.map(\.stringValue)
        var lines = [(header + Self.familyColumns.map(\.column) + ["success"]).joined(separator: ",")]
        var outcomes: [(params: [JSONValue], success: Bool?)] = []
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
                outcomes.append((params, success))
            } else {
                notDone += 1
                // The status column, then the other columns empty (families' figures and success).
                row +=
                    [status(of: index).rawValue]
                    + Array(repeating: "", count: Self.commonColumns.count - 1 + Self.familyColumns.count + 1)
                outcomes.append((params, nil))
            }
            lines.append(row.joined(separator: ","))
        }
        try Self.writeAtomically(lines.joined(separator: "\n") + "\n", to: "\(path)/sweep_summary.csv")
        let phase = PhaseDiagram(spec: spec, outcomes: outcomes).render()
        try Self.writeAtomically(phase, to: "\(path)/phase.svg")
        // The report names every plot as plots/NAME: phase.svg is there too.
        try FileManager.default.createDirectory(atPath: "\(path)/plots", withIntermediateDirectories: true)
        try Self.writeAtomically(phase, to: "\(path)/plots/phase.svg")
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
                "phase", "Success probability",
                Report.figure(
                    PlotFile(
                        name: "phase.svg",
                        caption:
                            "Fraction of runs that succeed (\(spec.success.text)) at each grid point over its "
                            + "\(spec.seeds.count) seeds, with the 95% Wilson interval. Every run: sweep_summary.csv.",
                        svg: phase))),
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

/// The success probability over the first two swept fields (other fields and seeds pooled), each
/// cell with its Wilson 95% interval; one field gives a row of cells.
struct PhaseDiagram {
    let spec: SweepSpec
    let outcomes: [(params: [JSONValue], success: Bool?)]

    func render() -> String {
        let xAxis = spec.axes[0]
        let yAxis = spec.axes.count > 1 ? spec.axes[1] : nil
        let cols = xAxis.values.count
        let rows = yAxis?.values.count ?? 1
        let cell = 74.0
        let left = 110.0
        let top = 56.0
        let width = left + Double(cols) * cell + 150
        let height = top + Double(rows) * cell + 60
        func text(_ s: String, x: Double, y: Double, _ style: Attributes = [:]) -> Node {
            .element("text", (["x": Int(x), "y": Int(y)] as Attributes).followed(by: style), [.text(s)])
        }
        let note: Attributes = ["font-size": "10", "fill": "#555555"]
        var nodes = [
            SVG.background(width: Int(width), height: Int(height)),
            text(
                "Success probability (\(spec.success.text)) over \(xAxis.field)"
                    + (yAxis.map { " × " + $0.field } ?? ""),
                x: 10, y: 22, ["font-size": "14", "font-weight": "bold"]),
        ]
        for r in 0..<rows {
            for c in 0..<cols {
                let match = outcomes.filter {
                    $0.params[0] == xAxis.values[c] && (yAxis == nil || $0.params[1] == yAxis!.values[r])
                }
                let finished = match.compactMap(\.success)
                let k = finished.filter { $0 }.count
                let n = finished.count
                let p = n > 0 ? Double(k) / Double(n) : .nan
                let ci = wilsonInterval(successes: k, trials: n)
                let x = left + Double(c) * cell
                let y = top + Double(rows - 1 - r) * cell
                // White (0) to a light green (1), light enough for black text.
                let g = p.isNaN ? 225 : Int(255 - 55 * p)
                let rb = p.isNaN ? 225 : Int(255 - 135 * p)
                nodes.append(
                    .element(
                        "rect",
                        [
                            "class": "cell", "data-successes": k, "data-runs": n, "x": Int(x), "y": Int(y),
                            "width": Int(cell) - 2, "height": Int(cell) - 2, "fill": "rgb(\(rb),\(g),\(rb))",
                            "stroke": "#888888", "stroke-width": "0.5",
                        ]))
                let label = n > 0 ? String(format: "%.2f", p) : "n/a"
                let interval = "[\(String(format: "%.2f", ci.lowerBound))–\(String(format: "%.2f", ci.upperBound))]"
                nodes += [
                    text(
                        label, x: x + cell / 2, y: y + cell / 2 - 6,
                        ["text-anchor": "middle", "font-size": "14", "font-weight": "bold"]),
                    text(
                        interval, x: x + cell / 2, y: y + cell / 2 + 10, ["text-anchor": "middle", "font-size": "10"]),
                    text(
                        "\(k)/\(n)", x: x + cell / 2, y: y + cell / 2 + 24,
                        ["text-anchor": "middle", "font-size": "9", "fill": "#555555"]),
                ]
            }
            if let yAxis {
                nodes.append(
                    text(
                        yAxis.values[r].text, x: left - 8, y: top + Double(rows - 1 - r) * cell + cell / 2 + 4,
                        ["text-anchor": "end"]))
            }
        }
        for c in 0..<cols {
            nodes.append(
                text(
                    xAxis.values[c].text, x: left + (Double(c) + 0.5) * cell, y: top + Double(rows) * cell + 16,
                    ["text-anchor": "middle"]))
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
        let legendX = left + Double(cols) * cell + 12
        nodes += [
            text("cell: success rate", x: legendX, y: top + 14, note),
            text("[Wilson 95% interval]", x: legendX, y: top + 28, note),
            text("successes/finished runs", x: legendX, y: top + 42, note),
        ]
        if spec.axes.count > 2 {
            let pooled = spec.axes.dropFirst(2).map(\.field).joined(separator: ", ")
            nodes.append(text("pooled over \(pooled)", x: legendX, y: top + 60, note))
        }
        return SVG.root(width: Int(width), height: Int(height), nodes).xmlDocument
    }
}
