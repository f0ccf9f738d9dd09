import Experiments
import Foundation

/// A compact text summary of a run or a directory of runs, for terminals on remote machines:
/// the summary figures and unicode sparklines.
public enum TerminalSummary {
    /// The summary of the run or directory of runs at `path`, sparklines `width` characters wide;
    /// throws a `ReportError` naming the file, line and field of anything malformed.
    public static func render(_ path: String, width: Int = 40) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError(
                "\(path) does not exist or is not a directory; pass a run, a directory of runs, a sweep or a verify directory"
            )
        }
        if RunData.isRunDirectory(path) { return single(try RunData.load(path), width: width) }
        let children = runDirectories(in: path)
        guard !children.isEmpty else {
            throw ReportError(
                "\(path) is neither a run directory (no config.json or metrics.jsonl) nor a directory of runs, a sweep "
                    + "(no sweep.json) or a verify directory (no verify.json)")
        }
        let runs = try children.map { try RunData.load($0, includeFilters: false) }
        var lines = ["\(runs.count) runs in \(path)", ""]
        let nameWidth = max(4, runs.map(\.name.count).max() ?? 4)
        // The first two figures with a short label of the models in the directory.
        var columns: [Figure] = []
        for run in runs {
            for f in shownFigures(run.config)
            where f.source == .metrics && f.shortLabel != nil && !columns.contains(f) {
                columns.append(f)
            }
        }
        columns = Array(columns.prefix(2))
        // pMoE runs: their routing accuracy too.
        if runs.contains(where: \.isRouted), let routing = RoutingMeasures.figures.first, !columns.contains(routing) {
            columns.append(routing)
        }
        // Regression runs (no accuracy): the test loss's sparkline instead, "n/a" for T₁₀₀, and
        // left out of the T₁₀₀ tally.
        let regressionCount = runs.filter(\.isRegression).count
        let curveLabel =
            regressionCount == runs.count
            ? CommonFigures.testLoss.label
            : CommonFigures.testAccuracy.label + (regressionCount > 0 ? " (regression: test loss)" : "")
        lines.append(
            "run".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  status      T100 "
                + columns.map { "  " + $0.shortLabel!.leftPad(8) }.joined()
                + "  \(curveLabel) (log-spaced steps)")
        for run in runs {
            let last = run.metrics.last ?? .null
            let curve = run.isRegression ? CommonFigures.testLoss : CommonFigures.testAccuracy
            let t100 = run.isRegression ? "n/a" : run.stepsTo100.map(String.init) ?? "never"
            lines.append(
                run.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                    + status(run).padding(toLength: 10, withPad: " ", startingAt: 0) + "  "
                    + t100.leftPad(5)
                    + columns.map { "  " + fixed($0.value(in: last), $0.format).leftPad(8) }.joined()
                    + "  " + sparkline(run.series(curve.field), width: 20, range: run.isRegression ? nil : 0...1))
        }
        let classifiers = runs.filter { !$0.isRegression }
        if !classifiers.isEmpty {
            let reached = classifiers.filter { $0.stepsTo100 != nil }.count
            lines.append("")
            lines.append(
                "reached 100% test accuracy: \(reached) of \(classifiers.count)"
                    + (regressionCount > 0
                        ? " classification runs (\(regressionCount) regression run\(regressionCount == 1 ? "" : "s") "
                            + "left out: no accuracy)" : " runs"))
        }
        return lines.joined(separator: "\n")
    }

    static func single(_ run: RunData, width: Int) -> String {
        let last = run.metrics.last ?? .null
        let figures = shownFigures(run.config).filter { $0.source == .metrics }
        // A regression run has no accuracy or T₁₀₀: its headline figure is the test loss.
        let regression = run.summary?.regression ?? QuadraticMeasures.records(run.config)
        let accuracy = regression ? CommonFigures.testLoss : CommonFigures.testAccuracy
        let header =
            [
                "  \(accuracy.label) \(fixed(accuracy.value(in: last), regression ? "%.3e" : "%.3f"))"
            ] + (regression ? [] : ["T100 \(run.stepsTo100.map(String.init) ?? "never")"])
            + figures.map { "\($0.label) \(fixed($0.value(in: last), $0.format))" }
        var lines = [
            "\(run.path) — \(run.config.preset), seed \(run.config.seed) — \(status(run)) at step "
                + "\(run.lastStep) of \(run.config.training.steps)",
            header.joined(separator: "   "),
            "",
        ]
        for f in [accuracy] + figures where f.sparkline || f == accuracy {
            // A long label is shortened before the sparkline and written out after it.
            let short = f.label.count > 14 ? f.shortLabel : nil
            lines.append(
                "  " + (short ?? f.label).padding(toLength: 15, withPad: " ", startingAt: 0)
                    + sparkline(run.series(f.field), width: width, range: f.range) + "  (\(rangeText(f.range)))"
                    + (short == nil ? "" : "  \(short!) = \(f.label)"))
        }
        if !run.filters.isEmpty {
            let finalNorms = run.filters.last!.norms
            // Every filter of a small network, else the three largest at the end.
            let shown = finalNorms.count <= 4 ? finalNorms.count : 3
            let top = finalNorms.indices.sorted { finalNorms[$0] > finalNorms[$1] }.prefix(shown)
            let maxNorm = finalNorms.max() ?? 1
            lines.append(
                "  filter norms ‖wⱼ‖: "
                    + (shown == finalNorms.count
                        ? "all \(shown) filters"
                        : "the \(shown) of \(finalNorms.count) filters with the largest final norm"))
            for j in top {
                let label = "  ‖w_\(j)‖".padding(toLength: 17, withPad: " ", startingAt: 0)
                lines.append(
                    label
                        + sparkline(
                            run.filters.map { (Double($0.step), $0.norms[j]) }, width: width,
                            range: 0...max(maxNorm, 1e-12))
                        + "  (0…\(fixed(maxNorm)), final \(fixed(finalNorms[j])))")
            }
        } else {
            lines.append(
                "  max ‖w‖        "
                    + sparkline(run.series(CommonFigures.maxFilterNorm.field), width: width, range: nil)
            )
        }
        lines.append("  (sparklines: step 0, then log-spaced steps up to \(run.lastStep))")
        for note in Report.distinct(Report.stateNotes(run) + run.warnings) { lines.append("note: " + note) }
        return lines.joined(separator: "\n")
    }

    /// The figures `show` and the report give for runs of `config`: those of the families it records,
    /// pMoE's routing accuracy first, and without the pattern statistics for a pMoE run
    /// (`Report.shownFamilies`).
    static func shownFigures(_ config: ExperimentConfig) -> [Figure] {
        Report.shownFamilies(config).flatMap { $0.figures }
    }

    static func status(_ run: RunData) -> String {
        switch run.status {
        case .completed: return "completed"
        case .diverged: return "diverged@\(run.lastStepTaken)"
        case .partial: return "partial"
        }
    }

    static func rangeText(_ range: ClosedRange<Double>?) -> String {
        guard let range else { return "auto" }
        func short(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
        return "\(short(range.lowerBound))…\(short(range.upperBound))"
    }

    static func fixed(_ v: Double, _ format: String = "%.3f") -> String {
        v.isNaN ? "n/a" : String(format: format, v)
    }

    /// A series (step, value) as `width` characters ▁…█: step 0 first, then the value at steps
    /// spaced evenly in log(step) up to the last one (the last evaluation at or before each);
    /// NaN as a space.
    public static func sparkline(_ series: [(x: Double, y: Double)], width: Int, range: ClosedRange<Double>?) -> String
    {
        let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        guard let lastStep = series.last?.x, width >= 2 else { return "" }
        let firstPositive = series.first { $0.x > 0 }?.x ?? lastStep
        var picked: [Double] = [series[0].y]
        if lastStep > 0 {
            let lo = log(max(firstPositive, 1))
            let hi = log(max(lastStep, 1))
            for k in 0..<(width - 1) {
                let t = exp(lo + (hi - lo) * Double(k) / Double(max(width - 2, 1)))
                picked.append(series.last { $0.x <= t * (1 + 1e-12) }?.y ?? series[0].y)
            }
        }
        let finite = picked.filter(\.isFinite)
        let lo = range?.lowerBound ?? (finite.min() ?? 0)
        let hi = range?.upperBound ?? (finite.max() ?? 1)
        return String(
            picked.map { v -> Character in
                guard v.isFinite else { return " " }
                let t = hi > lo ? (v - lo) / (hi - lo) : 1
                return bars[max(0, min(7, Int((t * 7).rounded())))]
            })
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
