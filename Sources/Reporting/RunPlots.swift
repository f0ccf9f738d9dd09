import Experiments
import Foundation

/// One plot of a report: its file name under plots/, a caption and the SVG text.
public struct PlotFile: Sendable {
    /// The file name under plots/.
    public var name: String
    /// The caption shown under the plot.
    public var caption: String
    /// The SVG document.
    public var svg: String

    /// A plot file.
    public init(name: String, caption: String, svg: String) {
        self.name = name
        self.caption = caption
        self.svg = svg
    }
}

enum Palette {
    static let positive = "#1f5fbf"
    static let negative = "#d62728"
    static let other = "#b8b8b8"
    static let train = "#ff7f0e"
    static let test = "#1f77b4"
    static let reference = "#555555"
}

/// The plots of one run, built from its files (SPEC §3, issue "See the dynamics").
enum RunPlots {
    static func all(_ run: RunData) -> [PlotFile] {
        if run.isImageRun { return ImagePlots.all(run) }
        if QuadraticMeasures.records(run.config) {
            // A regression run: no accuracy; the filters are projected on the teacher directions.
            return QuadraticPlots.all(run) + (run.filters.isEmpty ? [] : cosineHeatmaps(run))
        }
        let keys = KeyPatternMeasures.records(run.config)
        var plots = [accuracy(run), loss(run)]
        if keys {
            plots.append(dominance(run))
            // normRatio is undefined while no filter is a key filter: no plot when it never is one.
            if Report.hasData(run.series(KeyPatternMeasures.normRatio.field)) { plots.append(normRatio(run)) }
        }
        if !run.filters.isEmpty {
            plots.append(filterNorms(run))
            if keys { plots.append(keyCosines(run)) }
            plots += cosineHeatmaps(run)
            if keys, let growth = growth(run) { plots.append(growth) }
        }
        return plots
    }

    /// T₁₀₀ and divergence markers (their labels go in the legend).
    static func markers(_ run: RunData) -> [Marker] {
        var m: [Marker] = []
        if let t = run.stepsTo100 { m.append(Marker(x: Double(t), label: "T₁₀₀ = \(t)", color: "#2ca02c")) }
        if run.status == .diverged {
            let step = run.lastStepTaken
            m.append(Marker(x: Double(step), label: "diverged at \(step)", color: "#d62728"))
        }
        return m
    }

    /// Log-scaled steps when the evaluations are log-spaced (their gaps grow tenfold or more: a
    /// `log(N)` schedule), linear otherwise (an `every(N)` schedule, however long).
    static func stepScale(_ steps: [Double]) -> AxisScale {
        let sorted = Array(Set(steps.filter(\.isFinite))).sorted()
        let gaps = zip(sorted.dropFirst(), sorted).map { $0 - $1 }.filter { $0 > 0 }
        guard let lo = gaps.min(), let hi = gaps.max() else { return .linear }
        return hi / lo >= 10 ? .logWithZero : .linear
    }

    /// The step axis of a run: log-scaled for a log-spaced schedule, linear otherwise.
    static func stepScale(_ run: RunData) -> AxisScale { stepScale([run]) }

    /// The one step axis of every step plot of a page about `runs`: log-scaled when any run's
    /// evaluations are log-spaced.
    static func stepScale(_ runs: [RunData]) -> AxisScale {
        for run in runs {
            if case .log = run.config.evaluation.schedule { return .logWithZero }
        }
        return .linear
    }

    static func stepLabel(_ run: RunData) -> String { stepLabel(stepScale(run)) }

    static func stepLabel(_ scale: AxisScale) -> String {
        scale == .linear ? "training step" : "training step (log scale; step 0 at the left edge)"
    }

    static func accuracy(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Accuracy", xLabel: stepLabel(run), yLabel: "accuracy (fraction correct)", xScale: stepScale(run))
        p.yRange = 0...1.02
        p.series = [
            Series(
                name: "test (clean labels)", points: run.series(CommonFigures.testAccuracy.field), color: Palette.test,
                width: 2),
            Series(
                name: run.config.data.nTrain > 0 ? "train set" : "train stream (since last eval)",
                points: run.series(CommonFigures.trainAccuracy.field), color: Palette.train, width: 1.5, dash: "4,2"),
        ]
        p.markers = markers(run)
        return PlotFile(
            name: "accuracy.svg",
            caption:
                "Train and test accuracy against training step; T₁₀₀ marks the first evaluation with 100% test "
                + "accuracy.",
            svg: p.render())
    }

    static func loss(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Loss (\(run.config.training.loss.rawValue))", xLabel: stepLabel(run), yLabel: "mean loss",
            xScale: stepScale(run))
        p.series = [
            Series(name: "test", points: run.series(CommonFigures.testLoss.field), color: Palette.test, width: 2),
            Series(
                name: "train", points: run.series(CommonFigures.trainLoss.field), color: Palette.train, width: 1.5,
                dash: "4,2"),
        ]
        p.markers = markers(run)
        return PlotFile(
            name: "loss.svg", caption: "Mean training loss on the training stream or set and on the test set.",
            svg: p.render())
    }

    static func dominance(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Norm dominance of key filters", xLabel: stepLabel(run), yLabel: "fraction of Σⱼ ‖wⱼ‖²",
            xScale: stepScale(run))
        p.yRange = 0...1.02
        p.series = [
            Series(name: "keyShare", points: run.series(KeyPatternMeasures.keyShare.field), color: "#9467bd", width: 2),
            Series(
                name: "keyMass", points: run.series(KeyPatternMeasures.keyMass.field), color: "#8c564b", width: 1.5,
                dash: "4,2"),
            Series(
                name: "best-key cosine", points: run.series(KeyPatternMeasures.bestKeyCosine.field), color: "#17becf",
                width: 1.5,
                dash: "2,2"),
        ]
        p.markers = markers(run)
        return PlotFile(
            name: "key-share.svg",
            caption:
                "keyShare: the key filters' share of the squared filter norms, Σⱼ∈K ‖wⱼ‖² / Σⱼ ‖wⱼ‖² (K: the key "
                + "filters). keyMass: the share of the squared norms that lies along the key patterns, "
                + "Σⱼ Σₚ∈keys ⟨wⱼ, p⟩² / Σⱼ ‖wⱼ‖². Best-key cosine: for each key pattern the largest cosine of a "
                + "filter with it, the smallest of these over the keys.",
            svg: p.render())
    }

    static func normRatio(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Norm ratio: key filters vs the rest", xLabel: stepLabel(run),
            yLabel: "mean ‖w‖ (key) / mean ‖w‖ (others)", xScale: stepScale(run))
        p.series = [
            Series(
                name: "normRatio", points: run.series(KeyPatternMeasures.normRatio.field), color: "#9467bd", width: 2)
        ]
        p.references = [Reference(y: Claim.A1.normRatio.threshold.value, label: "threshold \(Claim.A1.normRatio.text)")]
        p.markers = markers(run)
        p.note = "A gap: no filter is a key filter at that step (normRatio undefined)."
        return PlotFile(
            name: "norm-ratio.svg",
            caption:
                "normRatio: the mean norm ‖wⱼ‖ of the key filters (j ∈ K) over that of the other filters (j ∉ K), K "
                + "the key filters at that step; the dashed line is the claim's threshold.",
            svg: p.render())
    }

    /// Final key-filter classes: +1, −1 or 0 (not a key filter at the last evaluation).
    static func finalClasses(_ run: RunData) -> [Int] {
        let last = run.metrics.last
        let pos = Set((last?[KeyPatternMeasures.positiveKeyFiltersField]?.arrayValue ?? []).compactMap(\.intValue))
        let neg = Set((last?[KeyPatternMeasures.negativeKeyFiltersField]?.arrayValue ?? []).compactMap(\.intValue))
        let M = run.filters.first?.norms.count ?? run.config.network.M
        return (0..<M).map { pos.contains($0) ? 1 : (neg.contains($0) ? -1 : 0) }
    }

    static func filterSeries(_ run: RunData, value: (FilterRecord, Int) -> Double) -> [Series] {
        let classes = finalClasses(run)
        var series: [Series] = []
        // Grey first so the coloured key filters are drawn on top.
        for pass in [0, 1, -1] {
            for j in classes.indices where classes[j] == pass {
                let (name, color) =
                    pass == 1
                    ? ("key filters, class +1", Palette.positive)
                    : pass == -1 ? ("key filters, class −1", Palette.negative) : ("other filters", Palette.other)
                series.append(
                    Series(
                        name: name, points: run.filters.map { (Double($0.step), value($0, j)) },
                        color: color, width: pass == 0 ? 1 : 1.4, group: "filter \(j)"))
            }
        }
        return series
    }

    static func filterNorms(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Filter norms ‖wⱼ‖", xLabel: stepLabel(run), yLabel: "‖wⱼ‖ (Euclidean norm)",
            xScale: stepScale(run))
        p.series = filterSeries(run) { $0.norms[$1] }
        p.markers = markers(run)
        p.note = "Colours: the key filters at the last step, by class."
        return PlotFile(
            name: "filter-norms.svg",
            caption: "Every filter's norm; filters that end as key filters are coloured by class, the rest grey.",
            svg: p.render())
    }

    /// max over own keys of C[j, p]; own keys by the sign of the read-out weight at that evaluation.
    static func ownKeyCosine(_ run: RunData, _ r: FilterRecord, _ j: Int) -> Double {
        let keys = r.signs[j] > 0 ? run.config.data.keyPos : (r.signs[j] < 0 ? run.config.data.keyNeg : [])
        return keys.map { r.cosines[j][$0] }.max() ?? .nan
    }

    static func keyCosines(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Cosine of each filter with its class's key pattern", xLabel: stepLabel(run),
            yLabel: "cos(wⱼ, key of j's class)", xScale: stepScale(run))
        p.yRange = -1...1
        p.series = filterSeries(run) { ownKeyCosine(run, $0, $1) }
        let theta = run.config.evaluation.theta
        p.references = [Reference(y: theta, label: "θ = \(formatValue(theta)) (key-filter threshold)")]
        p.markers = markers(run)
        p.note = "A filter's class: the sign of its read-out weight."
        return PlotFile(
            name: "key-cosines.svg",
            caption:
                "cos(wⱼ, p) for the key pattern p of filter j's class (the best one when a class has several keys); "
                + "a filter above θ counts as a key filter.",
            svg: p.render())
    }

    static func cosineHeatmaps(_ run: RunData) -> [PlotFile] {
        let classes = finalClasses(run)
        var marks: [Int: String] = [:]
        for (j, c) in classes.enumerated() where c != 0 { marks[j] = c > 0 ? Palette.positive : Palette.negative }
        // A regression run projects its filters on the teacher directions u_r, not on key patterns.
        let teacher = run.isRegression
        let columnLabel = teacher ? "teacher direction r" : "pattern p"
        let symbol = teacher ? "C[j, r]" : "C[j, p]"
        // The key patterns' columns named above the grid, in their class's colour.
        var keys: [Int: (name: String, color: String)] = [:]
        if !teacher {
            for p in run.config.data.keyPos { keys[p] = ("key⁺", Palette.positive) }
            for p in run.config.data.keyNeg { keys[p] = ("key⁻", Palette.negative) }
        }
        let largest = max(run.filters.first?.cosines.count ?? 0, run.filters.first?.cosines.first?.count ?? 0, 1)
        // Tiles: two to a row, so a page shrinks them more; larger text keeps them readable. Their
        // cells are too narrow for the keys' names: the caption gives the key columns.
        let tileFont = 16.0
        func heatmap(_ r: FilterRecord, _ title: String, cell: Double, tile: Bool = false) -> Heatmap {
            Heatmap(
                title: title, rowLabel: "filter j", columnLabel: columnLabel, values: r.cosines, rowMarks: marks,
                columnNames: tile ? [:] : keys, cellSize: cell, columnName: teacher ? "teacher direction" : "pattern",
                minWidth: tile ? 0 : 360, minBarHeight: tile ? 64 : 120, colorBar: !tile,
                font: tile ? tileFont : PlotStyle.smallFont)
        }
        let first = run.filters.first!
        let last = run.filters.last!
        let what =
            teacher
            ? "Filter × teacher-direction cosines C[j, r] = cos(wⱼ, uᵣ₊₁), for the R = "
                + "\(run.config.data.teacherRank) orthonormal teacher directions u₁ … u_R of the target (column r = 0 "
                + "is u₁)"
            : "Filter × pattern cosines C[j, p] = cos(wⱼ, p)"
        let bar = marks.isEmpty ? "" : " (left bar: the final key filters, by class)"
        let keyColumns = keys.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.name)" }.joined(separator: ", ")
        // Cells of up to 10 units, smaller for large matrices, so that the whole matrix fits a page.
        let cell = max(3, min(10, (320 / Double(largest)).rounded(.down)))
        var plots = [
            PlotFile(
                name: "cosines-init.svg",
                caption: "\(what) at step \(first.step)\(bar).",
                svg: heatmap(first, "Cosines \(symbol) at step \(first.step)", cell: cell).render()),
            PlotFile(
                name: "cosines-final.svg",
                caption: "\(what) at the last evaluated step, \(last.step).",
                svg: heatmap(last, "Cosines \(symbol) at step \(last.step)", cell: cell).render()),
        ]
        // Small multiples at four intermediate evaluations, evenly spaced in log(step), two by two,
        // sharing one colour bar.
        let inner = run.filters.dropFirst().dropLast()
        if !inner.isEmpty {
            let picks = pickLogSpaced(Array(inner), count: 4)
            let tileCell = max(2, min(6, (170 / Double(largest)).rounded(.down)))
            let maps = picks.map { heatmap($0, "step \($0.step)", cell: tileCell, tile: true) }
            let drawings = maps.map { $0.drawing() }
            let tileW = drawings.map(\.width).max() ?? 0
            let tileH = drawings.map(\.height).max() ?? 0
            var tiles: [Node] = []
            for (i, tile) in drawings.enumerated() {
                tiles.append(tile.nested(x: Double(i % 2) * (tileW + 6), y: 30 + Double(i / 2) * tileH))
            }
            let rows = Double((drawings.count + 1) / 2)
            let barX = 2 * tileW + 20
            var combined = SVG(width: barX + 62, height: 30 + rows * tileH + 4, displayScale: PlotStyle.displayScale)
            combined.text(
                "Cosines \(symbol) during training", x: 8, y: 22, size: PlotStyle.titleFont, weight: "bold")
            for tile in tiles { combined.add(tile) }
            let gridTop = 30 + (maps.first?.gridTop ?? 34)
            Heatmap.drawColorBar(
                &combined, x: barX, y: gridTop, height: max(64, rows * tileH - gridTop), font: tileFont)
            let caption =
                teacher
                ? "The filter × teacher-direction cosines at intermediate steps: filters that align with the "
                    + "teacher's span light up in the columns of u₁ … u_R. One colour bar for the four."
                : "The filter × pattern cosines at four intermediate steps: the key columns (\(keyColumns)) light "
                    + "up as filters align. One colour bar for the four."
            plots.append(PlotFile(name: "cosines-steps.svg", caption: caption, svg: combined.text))
        }
        return plots
    }

    static func pickLogSpaced(_ records: [FilterRecord], count: Int) -> [FilterRecord] {
        guard records.count > count else { return records }
        let lo = log(Double(max(records.first!.step, 1)))
        let hi = log(Double(max(records.last!.step, 1)))
        var chosen: [Int] = []
        for k in 0..<count {
            let target = lo + (hi - lo) * Double(k) / Double(count - 1)
            let best = records.indices.min {
                abs(log(Double(max(records[$0].step, 1))) - target)
                    < abs(log(Double(max(records[$1].step, 1))) - target)
            }!
            if !chosen.contains(best) { chosen.append(best) }
        }
        return chosen.sorted().map { records[$0] }
    }

    static func growth(_ run: RunData) -> PlotFile? {
        let classes = finalClasses(run)
        let keyFilters = classes.indices.filter { classes[$0] != 0 }
        guard !keyFilters.isEmpty else { return nil }
        let d = run.config.data
        let common = d.commonIndices
        var p = LinePlot(
            title: "Growth of key filters: key vs common projections", xLabel: stepLabel(run),
            yLabel: "projection ⟨wⱼ, p⟩", xScale: stepScale(run))
        for j in keyFilters {
            let keys = classes[j] > 0 ? d.keyPos : d.keyNeg
            p.series.append(
                Series(
                    name: "⟨wⱼ, own key⟩ (\(classes[j] > 0 ? "class +1" : "class −1"))",
                    points: run.filters.map { r in (Double(r.step), keys.map { r.projections[j][$0] }.max()!) },
                    color: classes[j] > 0 ? Palette.positive : Palette.negative, width: 1.2, group: "filter \(j)"))
            p.series.append(
                Series(
                    name: "largest |⟨wⱼ, common pattern⟩|",
                    points: run.filters.map { r in (Double(r.step), common.map { abs(r.projections[j][$0]) }.max() ?? 0)
                    },
                    color: "#7f7f7f", width: 1, dash: "3,2", group: "filter \(j)"))
        }
        // Reference curves through the median final key and common projections.
        let T = Double(run.filters.last!.step)
        let lastKey = median(
            keyFilters.map { j in
                (classes[j] > 0 ? d.keyPos : d.keyNeg).map { run.filters.last!.projections[j][$0] }.max()!
            })
        let lastCommon = median(
            keyFilters.map { j in common.map { abs(run.filters.last!.projections[j][$0]) }.max() ?? 0 })
        let grid = (0...40).map { T * Double($0) / 40 }
        p.series.append(
            Series(
                name: "reference: linear growth ∝ t", points: grid.map { ($0, lastKey * $0 / max(T, 1)) },
                color: "#000000", width: 1.5, dash: "10,4"))
        p.series.append(
            Series(
                name: "reference: growth ∝ √t", points: grid.map { ($0, lastCommon * ($0 / max(T, 1)).squareRoot()) },
                color: "#9467bd", width: 1.5, dash: "2,3"))
        p.markers = markers(run)
        return PlotFile(
            name: "growth.svg",
            caption:
                "For each final key filter: its projection on its own key pattern (solid, coloured by class) and its "
                + "largest |projection| on a common pattern (grey, dashed); the black and purple dashed curves are "
                + "linear and √t growth through the median final values, for comparison.",
            svg: p.render())
    }
}
