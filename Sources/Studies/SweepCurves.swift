import Experiments
import Foundation
import Reporting

/// A sweep's figures against its first numeric swept field (the x axis): test error, train error
/// and every summary figure of the measurement families its runs record, each as the median over
/// seeds with the interquartile band at every value of the field, one line per combination of the
/// other swept fields. Only done runs count; a run without a figure (NaN) is left out of it.
struct SweepCurves {
    /// A done run: its swept values (in axis order), its summary and its config.
    struct Run {
        let params: [JSONValue]
        let summary: RunSummary
        let config: ExperimentConfig?
    }

    /// A plotted quantity: its name in the file name, its label and its value in a summary.
    struct Quantity {
        let name: String
        let label: String
        let value: (RunSummary) -> Double
    }

    /// One line: its label and, per x value with data, the values of its runs.
    struct Line {
        let label: String
        var points: [(x: Double, runs: [Double])]
    }

    let spec: SweepSpec
    /// The index of the x axis in `spec.axes`.
    let axis: Int
    let runs: [Run]

    /// The curves of a sweep, or nil when no swept field has two or more distinct numbers.
    init?(spec: SweepSpec, runs: [Run]) {
        guard let axis = Self.xAxis(of: spec) else { return nil }
        self.spec = spec
        self.axis = axis
        self.runs = runs
    }

    /// The first axis whose values are all numbers with at least two distinct ones.
    static func xAxis(of spec: SweepSpec) -> Int? {
        spec.axes.firstIndex { axis in
            let numbers = axis.values.compactMap(number)
            return numbers.count == axis.values.count && Set(numbers).count >= 2
        }
    }

    /// An integer or a finite real; nil for text, Booleans, lists and the rest.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int, .double, .float: return value.doubleValue.flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    var field: String { spec.axes[axis].field }
    /// The x values of the axis, distinct and ascending.
    var xs: [Double] { Set(spec.axes[axis].values.compactMap(Self.number)).sorted() }
    /// Log x when every value is positive and they span a factor of 8 or more.
    var logX: Bool { xs.first! > 0 && xs.last! / xs.first! >= 8 }
    /// The field as a file-name part: letters, digits, `-` and `_` kept, anything else `-`.
    var fileStem: String {
        String(field.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

    /// The combinations of the other axes' values in grid order, with their labels ("all runs"
    /// when the x axis is the only one).
    var series: [(values: [JSONValue], label: String)] {
        var out: [(values: [JSONValue], label: String)] = []
        for combination in 0..<spec.combinationCount {
            let indices = spec.valueIndices(combination: combination)
            let values = spec.axes.indices.filter { $0 != axis }.map { spec.axes[$0].values[indices[$0]] }
            if out.contains(where: { $0.values == values }) { continue }
            let label = spec.axes.indices.filter { $0 != axis }.enumerated().map { k, a in
                "\(spec.axes[a].field)=\(values[k].stringValue ?? values[k].text)"
            }.joined(separator: ", ")
            out.append((values, label.isEmpty ? "all runs" : label))
        }
        return out
    }

    /// Test error, train error, then the summary figures of the families the runs record, in
    /// registry order; a quantity NaN in every run is left out.
    var quantities: [Quantity] {
        let recorded = Set(
            runs.compactMap(\.config).flatMap { MeasurementFamilies.recorded(by: $0).map { ObjectIdentifier($0) } })
        let figures = MeasurementFamilies.all.filter { recorded.contains(ObjectIdentifier($0)) }
            .flatMap { $0.figures }.filter { $0.source != .metrics }
        var all = [
            Quantity(name: "testError", label: "test error (1 − test accuracy)") { 1 - $0.testAccuracy },
            Quantity(name: "trainError", label: "train error (1 − train accuracy)") { 1 - $0.trainAccuracy },
        ]
        for f in figures where !all.contains(where: { $0.name == f.column }) {
            all.append(Quantity(name: f.column, label: f.label) { f.value(in: $0) })
        }
        return all.filter { q in runs.contains { !q.value($0.summary).isNaN } }
    }

    /// The lines of one quantity: per series, the x values with at least one run that has it.
    func lines(_ quantity: Quantity) -> [Line] {
        series.compactMap { s in
            let points: [(x: Double, runs: [Double])] = xs.compactMap { x in
                let values = runs.filter { run in
                    Self.number(run.params[axis]) == x
                        && run.params.indices.filter { $0 != axis }.map { run.params[$0] } == s.values
                }.map { quantity.value($0.summary) }.filter { !$0.isNaN }
                return values.isEmpty ? nil : (x, values)
            }
            return points.isEmpty ? nil : Line(label: s.label, points: points)
        }
    }

    /// The plot of one quantity, under plots/ as `against-FIELD-NAME.svg`.
    func plot(_ quantity: Quantity, _ lines: [Line]) -> PlotFile {
        let counts = lines.flatMap { $0.points.map(\.runs.count) }
        let lo = counts.min() ?? 0
        let hi = counts.max() ?? 0
        let perPoint = lo == hi ? "\(lo)" : "\(lo)–\(hi)"
        let title = quantity.label.prefix(1).uppercased() + quantity.label.dropFirst() + " against \(field)"
        let plot = GroupPlots.curve(
            title: title, xLabel: logX ? "\(field) (log scale)" : field, yLabel: quantity.label,
            values: lines.map { ($0.label, $0.points) }, file: "against-\(fileStem)-\(quantity.name).svg",
            logX: logX, xTicks: xs.count <= 10 ? xs : nil)
        let caption =
            "\(title): median over seeds (line) and interquartile range, 25th to 75th percentile (band), at each "
            + "value of \(field)\(lines.count > 1 ? ", one line per series" : ""); "
            + "\(perPoint) of \(spec.seeds.count) seeds per point. Runs not done (or without this figure) are left "
            + "out, not counted as zero."
        return PlotFile(name: plot.name, caption: caption, svg: plot.svg)
    }

    /// The plot's numbers: per x value and line, median [lower quartile, upper quartile] (runs).
    func table(_ lines: [Line]) -> Node {
        let header = Report.tableRow([field] + lines.map(\.label), cell: "th")
        let rows = xs.map { x in
            Report.tableRow(
                [formatValue(x)]
                    + lines.map { line in
                        guard let runs = line.points.first(where: { $0.x == x })?.runs else { return "" }
                        return "\(formatValue(quantile(runs, 0.5))) [\(formatValue(quantile(runs, 0.25))), "
                            + "\(formatValue(quantile(runs, 0.75)))] (\(runs.count))"
                    })
        }
        return .block(
            "details", [:],
            [
                .element("summary", [:], [.text("values: median [lower quartile, upper quartile] (runs)")]),
                .block("table", ["class": "against"], [header] + rows),
            ])
    }

    /// The plots, and the report section "Figures against FIELD" (nil when nothing has a value).
    func render() -> (plots: [PlotFile], section: Node?) {
        var plots: [PlotFile] = []
        var figures: [Node] = []
        for quantity in quantities {
            let lines = lines(quantity)
            guard !lines.isEmpty else { continue }
            let plot = plot(quantity, lines)
            plots.append(plot)
            figures.append(
                .block(
                    "div", ["style": "display: inline-block; vertical-align: top; max-width: 700px"],
                    [Report.figure(plot), table(lines)]))
        }
        guard !plots.isEmpty else { return ([], nil) }
        let others = spec.axes.indices.filter { $0 != axis }.map { spec.axes[$0].field }
        let intro =
            "x: \(field)\(logX ? " (log scale)" : ""); "
            + (others.isEmpty
                ? "every run of the sweep at each value. "
                : "one line per \(others.count == 1 ? "value" : "combination") of \(others.joined(separator: ", ")). ")
            + "Each point pools the seeds of its grid point: median and interquartile band over the runs done; "
            + "runs not done are left out."
        return (
            plots,
            Report.section(
                "against-\(fileStem)", "Figures against \(field)",
                .fragment([.element("p", ["class": "note"], [.text(intro)]), .text("\n")] + figures))
        )
    }
}
