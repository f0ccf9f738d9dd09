import Experiments
import Foundation

/// Plots across runs of one config (seeds): medians with interquartile bands, the P(T₁₀₀ ≤ T)
/// curve and histograms of the final figures.
public enum GroupPlots {
    /// The plots across runs of one config (medians with bands, P(T₁₀₀ ≤ T), histograms).
    public static func all(_ runs: [RunData]) -> [PlotFile] {
        if runs.contains(where: \.isImageRun) { return images(runs) }
        let regression = runs.filter(\.isRegression)
        if !regression.isEmpty && regression.count < runs.count {
            // Regression and classification runs together: the classifiers' plots, and the
            // regression runs' test loss on its own.
            var loss = band(
                regression, key: CommonFigures.testLoss.field, title: "Test loss across the regression runs",
                yLabel: "test loss ½(f − t)² (log scale)", file: "seeds-test-loss.svg", yScale: .logWithZero)
            loss.caption += " Log–log axes; regression runs only (\(regression.count) of \(runs.count); no accuracy)."
            return all(runs.filter { !$0.isRegression }) + [loss]
        }
        if runs.allSatisfy({ QuadraticMeasures.records($0.config) }) {
            // Regression runs: no accuracy or T₁₀₀; the learning curve on log–log axes.
            var loss = band(
                runs, key: CommonFigures.testLoss.field, title: "Test loss across seeds",
                yLabel: "test loss ½(f − t)² (log scale)", file: "seeds-test-loss.svg", yScale: .logWithZero)
            loss.caption += " Log–log axes."
            return [
                loss,
                band(
                    runs, key: CommonFigures.maxFilterNorm.field, title: "Largest filter norm across seeds",
                    yLabel: "largest ‖wⱼ‖", file: "seeds-max-norm.svg"),
            ]
        }
        if !runs.contains(where: { KeyPatternMeasures.records($0.config) }) {
            // Other models (xord, the fc baseline): the common figures; their families' own figures
            // are in the report's generic sections.
            return [
                band(
                    runs, key: CommonFigures.testAccuracy.field, title: "Test accuracy across seeds",
                    yLabel: "test accuracy", file: "seeds-accuracy.svg", range: 0...1.02),
                band(
                    runs, key: CommonFigures.maxFilterNorm.field, title: "Largest filter norm across seeds",
                    yLabel: "largest ‖wⱼ‖", file: "seeds-max-norm.svg"),
                successCurve(runs),
            ]
        }
        let theta = runs.first?.config.evaluation.theta ?? 0.9
        var plots = [
            band(
                runs, key: CommonFigures.testAccuracy.field, title: "Test accuracy across seeds",
                yLabel: "test accuracy",
                file: "seeds-accuracy.svg", range: 0...1.02),
            band(
                runs, key: KeyPatternMeasures.keyShare.field, title: "keyShare across seeds",
                yLabel: "keyShare (fraction of Σⱼ ‖wⱼ‖²)",
                file: "seeds-key-share.svg", range: 0...1.02,
                references: [
                    Reference(y: Claim.A1.keyShare.threshold.value, label: "threshold \(Claim.A1.keyShare.text)")
                ]),
            band(
                runs, key: KeyPatternMeasures.normRatio.field, title: "normRatio across seeds",
                yLabel: "mean ‖w‖ key / others",
                file: "seeds-norm-ratio.svg",
                references: [
                    Reference(y: Claim.A1.normRatio.threshold.value, label: "threshold \(Claim.A1.normRatio.text)")
                ]),
            band(
                runs, key: KeyPatternMeasures.bestKeyCosine.field, title: "Best-key cosine across seeds",
                yLabel: "best-key cosine",
                file: "seeds-best-key-cosine.svg", range: -1...1,
                references: [Reference(y: theta, label: "θ = \(formatValue(theta)) (key-filter threshold)")]),
            band(
                runs, key: CommonFigures.maxFilterNorm.field, title: "Largest filter norm across seeds",
                yLabel: "largest ‖wⱼ‖",
                file: "seeds-max-norm.svg"),
            projectionBands(runs),
            successCurve(runs),
        ]
        // No plot of normRatio when no run ever had a key filter (it is undefined throughout).
        if !runs.contains(where: { Report.hasData($0.series(KeyPatternMeasures.normRatio.field)) }) {
            plots.removeAll { $0.name == "seeds-norm-ratio.svg" }
        }
        plots.append(
            finalStrip(
                runs, key: KeyPatternMeasures.bestKeyCosine.field, label: "best-key cosine",
                file: "seeds-best-key-cosine-hist.svg", limits: -1...1,
                threshold: (theta, "θ = \(formatValue(theta)) (key-filter threshold)", { $0 > theta })))
        let share = Claim.A1.keyShare
        plots.append(
            finalStrip(
                runs, key: KeyPatternMeasures.keyShare.field, label: "keyShare", file: "seeds-key-share-hist.svg",
                limits: 0...1,
                threshold: (share.threshold.value, "claim A1: \(share.text)", share.threshold.holds)))
        if plots.contains(where: { $0.name == "seeds-norm-ratio.svg" }) {
            let ratio = Claim.A1.normRatio
            plots.append(
                finalStrip(
                    runs, key: KeyPatternMeasures.normRatio.field, label: "normRatio",
                    file: "seeds-norm-ratio-final.svg", limits: 0...Double.infinity,
                    threshold: (ratio.threshold.value, "claim A1: \(ratio.text)", ratio.threshold.holds)))
        }
        return plots
    }

    /// Plots across image runs: accuracy, norm concentration and the H1 ablation.
    static func images(_ runs: [RunData]) -> [PlotFile] {
        let classes = runs.first?.config.images?.classCount ?? 10
        var plots = [
            band(
                runs, key: CommonFigures.testAccuracy.field, title: "Test accuracy across seeds",
                yLabel: "test accuracy",
                file: "seeds-accuracy.svg", range: 0...1.02,
                references: [Reference(y: 1 / Double(classes), label: "chance level, 1/\(classes)")]),
            band(
                runs, key: ImageMeasures.top8Share.field, title: "Top-8 share of Σ‖w‖² across seeds",
                yLabel: "top-8 share",
                file: "seeds-top8-share.svg", range: 0...1.02),
            band(
                runs, key: ImageMeasures.gini.field, title: "Gini of the filter norms across seeds", yLabel: "Gini",
                file: "seeds-gini.svg", range: 0...1.02),
        ]
        let summaries = runs.compactMap { $0.summary?.images }
        let ks = Array(Set(summaries.flatMap { $0.ablation.keys })).sorted()
        if !ks.isEmpty {
            func med(_ f: (FilterAblation) -> Double) -> [Double] {
                ks.map { k in quantile(summaries.compactMap { $0.ablation[k] }.map(f), 0.5) }
            }
            let chart = BarChart(
                title: "Keeping only k filters: median over \(summaries.count) runs", xLabel: "filters kept",
                yLabel: "test accuracy",
                categories: ks.map { "k = \($0)" },
                series: [
                    ("top-k by norm", Palette.positive, med(\.top), nil),
                    ("random k", Palette.other, med(\.random), nil),
                    ("bottom-k by norm", Palette.negative, med(\.bottom), nil),
                ], yRange: 0...1)
            plots.append(
                PlotFile(
                    name: "seeds-ablation.svg",
                    caption:
                        "Median over runs of the test accuracy keeping the top-k, a random k (mean of 10 draws per "
                        + "run) and the bottom-k filters by norm.",
                    svg: chart.render()))
        }
        return plots
    }

    /// A run's last recorded value of `key`; NaN for a diverged run, whose figures are not results.
    static func final(_ run: RunData, _ key: String) -> Double {
        run.summary?.status == .diverged ? .nan : run.metrics.last?[key]?.doubleValue ?? .nan
    }

    /// Every evaluated step of any run, ascending, with the values of the runs that reached it.
    static func aligned(_ runs: [RunData], key: String) -> [(step: Double, values: [Double])] {
        var byStep: [Int: [Double]] = [:]
        for run in runs {
            for m in run.metrics {
                guard let s = m[CommonFigures.step.field]?.intValue, let v = m[key]?.doubleValue else { continue }
                byStep[s, default: []].append(v)
            }
        }
        return byStep.keys.sorted().map { (Double($0), byStep[$0]!) }
    }

    /// The final values of `key` over `runs` as a strip plot on an axis zoomed to the runs and the
    /// threshold.
    static func finalStrip(
        _ runs: [RunData], key: String, label: String, file: String, limits: ClosedRange<Double>,
        threshold: (value: Double, label: String, holds: @Sendable (Double) -> Bool)?
    ) -> PlotFile {
        let values = runs.map { final($0, key) }
        return PlotFile(
            name: file,
            caption:
                "The final \(label) of each run (one dot a run; equal values stacked), with the median and "
                + (threshold == nil ? "" : "the threshold; ") + "the axis spans only the runs"
                + (threshold == nil ? "." : " and the threshold."),
            svg: StripPlot(
                title: "Final \(label) over \(runs.count) runs", xLabel: label, values: values, threshold: threshold,
                limits: limits
            ).render())
    }

    static func band(
        _ runs: [RunData], key: String, title: String, yLabel: String, file: String, range: ClosedRange<Double>? = nil,
        yScale: AxisScale = .linear, references: [Reference] = []
    ) -> PlotFile {
        let rows = aligned(runs, key: key)
        let scale = RunPlots.stepScale(runs)
        var p = LinePlot(
            title: title, xLabel: RunPlots.stepLabel(scale), yLabel: yLabel, xScale: scale, yScale: yScale)
        p.yRange = range
        p.references = references
        p.bands = [
            Band(
                name: "interquartile range", x: rows.map(\.step), lower: rows.map { quantile($0.values, 0.25) },
                upper: rows.map { quantile($0.values, 0.75) }, color: "#1f77b4")
        ]
        p.series = [
            Series(
                name: "median of \(runs.count) runs", points: rows.map { ($0.step, quantile($0.values, 0.5)) },
                color: "#1f77b4", width: 2)
        ]
        return PlotFile(
            name: file,
            caption: "\(title): median over runs (line) and interquartile range (band) at each evaluated step.",
            svg: p.render())
    }

    static func projectionBands(_ runs: [RunData]) -> PlotFile {
        let scale = RunPlots.stepScale(runs)
        var p = LinePlot(
            title: "Key vs common projection of key filters across seeds", xLabel: RunPlots.stepLabel(scale),
            yLabel: "projection", xScale: scale)
        for (key, name, color) in [
            (KeyPatternMeasures.keyProjection.field, "key projection", "#1f5fbf"),
            (KeyPatternMeasures.maxCommonProjection.field, "largest |common proj.|", "#7f7f7f"),
        ] {
            let rows = aligned(runs, key: key).filter { $0.values.contains { !$0.isNaN } }
            p.bands.append(
                Band(
                    name: "\(name), IQR", x: rows.map(\.step), lower: rows.map { quantile($0.values, 0.25) },
                    upper: rows.map { quantile($0.values, 0.75) }, color: color))
            p.series.append(
                Series(
                    name: "\(name), median", points: rows.map { ($0.step, quantile($0.values, 0.5)) }, color: color,
                    width: 2))
        }
        return PlotFile(
            name: "seeds-projections.svg",
            caption:
                "Mean over each run's key filters of the own-key projection and of the largest |common projection|; "
                + "median and interquartile range over runs.",
            svg: p.render())
    }

    /// The empirical P(T₁₀₀ ≤ T) with a pointwise Wilson 95% band.
    public static func successCurve(_ runs: [RunData]) -> PlotFile {
        let steps = Set(runs.flatMap { $0.metrics.compactMap { $0[CommonFigures.step.field]?.intValue } }).sorted()
        let t100 = runs.map(\.stepsTo100)
        let n = runs.count
        var points: [(x: Double, y: Double)] = []
        var lower: [Double] = []
        var upper: [Double] = []
        for T in steps {
            let k = t100.filter { $0 != nil && $0! <= T }.count
            let ci = wilsonInterval(successes: k, trials: n)
            points.append((Double(T), Double(k) / Double(n)))
            lower.append(ci.lowerBound)
            upper.append(ci.upperBound)
        }
        let scale = RunPlots.stepScale(runs)
        var p = LinePlot(
            title: "P(T₁₀₀ ≤ T): reaching 100% test accuracy by step T",
            xLabel: scale == .linear ? "step T" : "step T (log scale; 0 at the left edge)", yLabel: "fraction of runs",
            xScale: scale)
        p.yRange = 0...1.02
        // The step budget: no run can reach 100% after it.
        let budgets = Set(runs.map(\.config.training.steps)).sorted()
        p.markers = budgets.map {
            Marker(x: Double($0), label: "step budget, \($0) steps", color: Palette.reference, dash: "2,3")
        }
        p.bands = [
            Band(name: "Wilson 95% interval", x: steps.map(Double.init), lower: lower, upper: upper, color: "#2ca02c")
        ]
        p.series = [Series(name: "empirical, \(n) runs", points: points, color: "#2ca02c", width: 2)]
        return PlotFile(
            name: "seeds-t100-curve.svg",
            caption:
                "Fraction of runs whose test accuracy reached exactly 1 at or before step T, with its pointwise 95% "
                + "Wilson interval; it can only rise, and no run can reach 1 after its step budget (dotted line).",
            svg: p.render())
    }
}

extension GroupPlots {
    /// A figure's median (line) and interquartile range (band) over seeds against an x value, one
    /// line per series: `values[series][x]` holds the runs' values at that point. `logX` draws x on
    /// a log scale (every x > 0); `xTicks`, when given, are the x ticks.
    /// With `mean`, the line is the mean over seeds and the band its Student-t 95% interval (for
    /// figures judged on their mean, such as B2's error, which is 0 in most runs).
    /// `verticals` are dashed vertical lines at an x with their label, `horizontals` dashed
    /// horizontal lines at a y (across the x range of the values) with their legend entry.
    package static func curve(
        title: String, xLabel: String, yLabel: String,
        values: [(series: String, points: [(x: Double, runs: [Double])])],
        file: String, logX: Bool = false, xTicks: [Double]? = nil, mean: Bool = false,
        verticals: [(x: Double, label: String)] = [], horizontals: [(y: Double, label: String)] = []
    ) -> PlotFile {
        let colors = [
            Palette.positive, Palette.negative, "#2ca02c", "#9467bd", "#8c564b", "#ff7f0e", "#17becf", "#e377c2",
            "#bcbd22", "#7f7f7f",
        ]
        var p = LinePlot(title: title, xLabel: xLabel, yLabel: yLabel)
        if logX { p.xScale = .logWithZero }
        p.xTicks = xTicks
        for (i, line) in values.enumerated() {
            let color = colors[i % colors.count]
            let points = line.points.sorted { $0.x < $1.x }
            if mean {
                let m = points.map { meanInterval($0.runs) }
                p.bands.append(
                    Band(
                        name: "\(line.series), 95% interval of the mean", x: points.map(\.x),
                        lower: m.map { $0.interval.lowerBound }, upper: m.map { $0.interval.upperBound }, color: color))
                p.series.append(
                    Series(
                        name: "\(line.series), mean", points: zip(points, m).map { ($0.x, $1.mean) }, color: color,
                        width: 2))
                continue
            }
            p.bands.append(
                Band(
                    name: "\(line.series), interquartile range", x: points.map(\.x),
                    lower: points.map { quantile($0.runs, 0.25) }, upper: points.map { quantile($0.runs, 0.75) },
                    color: color))
            p.series.append(
                Series(
                    name: "\(line.series), median", points: points.map { ($0.x, quantile($0.runs, 0.5)) }, color: color,
                    width: 2))
        }
        p.markers = verticals.map { Marker(x: $0.x, label: $0.label, color: "#1f4e99") }
        p.references = horizontals.map { Reference(y: $0.y, label: $0.label, color: "#000000", dash: "2,3") }
        return PlotFile(
            name: file,
            caption: mean
                ? "\(title): mean over seeds (line) and its Student-t 95% interval (band) at each \(xLabel)."
                : "\(title): median over seeds (line) and interquartile range (band) at each \(xLabel).",
            svg: p.render())
    }
}
