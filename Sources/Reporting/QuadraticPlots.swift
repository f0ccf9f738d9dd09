import Experiments
import Foundation

/// The plots of a quadratic teacher–student run (Tan & Chen 2021, `QuadraticMeasures`): the
/// learning curve on log–log axes with its plateaus shaded and its first drop marked, and per
/// filter the invariant Iⱼ = ‖wⱼ‖² − 2aⱼ², the norm ‖wⱼ‖, the read-out aⱼ and the alignment
/// with the teacher's span, all read from metrics.jsonl.
enum QuadraticPlots {
    /// The plot files, in page order.
    static let names = [
        "learning-curve.svg", "invariants.svg", "quadratic-norms.svg", "readout.svg", "alignments.svg",
    ]

    /// One colour per filter (cycling after ten).
    static let colors = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    ]

    static func all(_ run: RunData) -> [PlotFile] {
        [
            learningCurve(run),
            perFilter(
                run, field: QuadraticMeasures.Line.CodingKeys.invariants.stringValue, name: "invariants.svg",
                title: "Invariants Iⱼ = ‖wⱼ‖² − 2aⱼ²", yLabel: "Iⱼ",
                caption:
                    "Each filter's Iⱼ = ‖wⱼ‖² − 2aⱼ², conserved by gradient flow; SGD moves it by O(η) "
                    + "(Docs/Metrics.md, claim F1)."),
            perFilter(
                run, field: QuadraticMeasures.Line.CodingKeys.readoutWeights.stringValue, name: "readout.svg",
                title: "Read-out weights aⱼ", yLabel: "aⱼ",
                caption:
                    "Each filter's read-out weight. With Iⱼ < 0, aⱼ cannot reach 0: its sign is fixed (claim F2)."),
            perFilter(
                run, field: QuadraticMeasures.Line.CodingKeys.alignments.stringValue, name: "alignments.svg",
                title: "Alignment with the teacher ‖P_U wⱼ‖ / ‖wⱼ‖", yLabel: "share of wⱼ in span(u₁ … u_R)",
                range: 0...1.02,
                caption: "The share of each filter in the span of the teacher directions (1: inside it)."),
            norms(run),
        ]
    }

    /// The plateaus and the first drop recorded in the summary, or recomputed from the metrics of a
    /// partial run.
    static func plateausAndDrop(_ run: RunData) -> (plateaus: [[Int]], drop: Int?) {
        if let s = run.summary?.section(QuadraticMeasures.self) { return (s.plateaus, s.firstDropStep) }
        let points = run.series(CommonFigures.testLoss.field)
        let steps = points.map { Int($0.x) }
        let losses = points.map(\.y)
        return (
            QuadraticMeasures.plateaus(steps: steps, losses: losses),
            QuadraticMeasures.firstDrop(steps: steps, losses: losses)
        )
    }

    /// Test and train loss on log–log axes; each plateau a shaded band, the first drop a marker.
    static func learningCurve(_ run: RunData) -> PlotFile {
        let test = run.series(CommonFigures.testLoss.field)
        var p = LinePlot(
            title: "Learning curve", xLabel: "training step (log scale; step 0 at the left edge)",
            yLabel: "mean loss ½(f − t)² (log scale)", xScale: .logWithZero, yScale: .logWithZero)
        p.series = [
            Series(name: "test", points: test, color: Palette.test, width: 2),
            Series(
                name: run.config.data.nTrain > 0 ? "train set" : "train stream (since last eval)",
                points: run.series(CommonFigures.trainLoss.field), color: Palette.train, width: 1.5, dash: "4,2"),
        ]
        let positive = test.map(\.y).filter { $0 > 0 && $0.isFinite }
        let (plateaus, drop) = plateausAndDrop(run)
        if let low = positive.min(), let high = positive.max() {
            p.bands = plateaus.map { span in
                Band(
                    name: "plateau", x: span.map(Double.init), lower: [low, low], upper: [high, high],
                    color: "#7f7f7f")
            }
        }
        if let drop { p.markers.append(Marker(x: Double(drop), label: "first drop", color: "#2ca02c")) }
        p.markers += RunPlots.markers(run)
        let plateauText =
            plateaus.isEmpty
            ? "no plateau"
            : plateaus.map { "steps \($0[0])–\($0[1])" }.joined(separator: ", ")
        return PlotFile(
            name: "learning-curve.svg",
            caption:
                "Test and train loss on log–log axes. Shaded: plateaus (≥ \(formatValue(QuadraticMeasures.plateauSpan)) "
                + "decade of steps with < \(formatValue(100 * QuadraticMeasures.plateauTolerance))% change: "
                + "\(plateauText)); marker: the first drop, the first evaluation with the test loss ≤ "
                + "\(formatValue(QuadraticMeasures.dropFraction)) of its start"
                + (drop.map { " (step \($0))" } ?? " (none)") + ". Docs/Metrics.md.",
            svg: p.render())
    }

    /// One series per filter of the per-filter list `field` of each metrics line.
    static func perFilter(
        _ run: RunData, field: String, name: String, title: String, yLabel: String,
        range: ClosedRange<Double>? = nil, caption: String
    ) -> PlotFile {
        var p = LinePlot(
            title: title, xLabel: "training step (log scale; step 0 at the left edge)", yLabel: yLabel,
            xScale: .logWithZero)
        p.yRange = range
        p.series = (0..<run.config.network.M).map { j in
            let points = run.metrics.compactMap { m -> (x: Double, y: Double)? in
                guard let s = m[CommonFigures.step.field]?.intValue, let list = m[field]?.arrayValue, j < list.count,
                    let v = list[j].doubleValue
                else { return nil }
                return (Double(s), v)
            }
            return Series(name: "filter \(j)", points: points, color: colors[j % colors.count], width: 1.6)
        }
        // A log axis for positive values spanning decades.
        if range == nil {
            p.yScale = Report.valueScale(p.series.flatMap { $0.points.map(\.y) })
            if p.yScale != .linear { p.yLabel += " (log scale)" }
        }
        p.markers = RunPlots.markers(run)
        return PlotFile(name: name, caption: caption, svg: p.render())
    }

    /// ‖wⱼ‖ per filter, from filters.jsonl (absent when filter dynamics were off).
    static func norms(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Filter norms ‖wⱼ‖", xLabel: "training step (log scale; step 0 at the left edge)",
            yLabel: "‖wⱼ‖ (Euclidean norm)", xScale: .logWithZero)
        p.series = (0..<run.config.network.M).map { j in
            Series(
                name: "filter \(j)", points: run.filters.map { (Double($0.step), $0.norms[j]) },
                color: colors[j % colors.count], width: 1.6)
        }
        p.yScale = Report.valueScale(p.series.flatMap { $0.points.map(\.y) })
        if p.yScale != .linear { p.yLabel += " (log scale)" }
        p.markers = RunPlots.markers(run)
        return PlotFile(
            name: "quadratic-norms.svg",
            caption:
                "Each filter's norm: while Iⱼ stays put, ‖wⱼ‖² and 2aⱼ² grow together (claim F1: by ≥ 100% for "
                + "some filter).",
            svg: p.render())
    }
}
