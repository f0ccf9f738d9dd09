import Experiments

/// The scatter plots of the pattern statistics (SPEC §3 item 8, `PatternStatistics`; Brutzkus &
/// Globerson 2020), from one run's summary.json: D₊(p) against count₊(p) − count₋(p) and D₋(p)
/// against count₋(p) − count₊(p), one dot per pattern, common patterns and key patterns in two
/// colours, Spearman ρ over the common patterns in the caption.
enum PatternStatisticsPlots {
    /// The file names, positive side first.
    static let names = ["psi-positive.svg", "psi-negative.svg"]

    /// Both plots, or none when the run has no pattern statistics in its summary.
    static func all(_ run: RunData) -> [PlotFile] {
        guard let s = run.summary?.section(PatternStatistics.self) else { return [] }
        let data = run.config.data
        let keys = Set(data.keyPos + data.keyNeg)
        let common = data.commonIndices.filter { $0 >= 0 && $0 < s.psiCountPositive.count }
        let others = (0..<s.psiCountPositive.count).filter { keys.contains($0) }
        func plot(positive: Bool) -> PlotFile {
            let detection = positive ? s.psiDetectionPositive : s.psiDetectionNegative
            let rho = positive ? s.psiSpearmanPositive : s.psiSpearmanNegative
            let (own, other) = positive ? ("₊", "₋") : ("₋", "₊")
            func excess(_ p: Int) -> Double {
                let d = Double(s.psiCountPositive[p] - s.psiCountNegative[p])
                return positive ? d : -d
            }
            func points(_ patterns: [Int]) -> [(x: Double, y: Double)] {
                patterns.map { (excess($0), detection[$0]) }
            }
            var p = LinePlot(
                title: "D\(own)(p) against count\(own)(p) − count\(other)(p)",
                xLabel: "count\(own)(p) − count\(other)(p) (training points holding p)",
                yLabel: "D\(own)(p) = max over aⱼ \(positive ? ">" : "<") 0 of ⟨wⱼ, p⟩")
            p.series = [
                Series(name: "common patterns", points: points(common), color: Palette.test, dots: true),
                Series(name: "key patterns", points: points(others), color: Palette.negative, dots: true),
            ]
            p.note = "Spearman ρ (common patterns) = \(formatValue(rho))"
            return PlotFile(
                name: names[positive ? 0 : 1],
                caption:
                    "Pattern statistics at the end of the run (Brutzkus & Globerson 2020): for each pattern p, the "
                    + "largest projection ⟨wⱼ, p⟩ over the filters with aⱼ \(positive ? ">" : "<") 0 against how "
                    + "many more training points of class \(positive ? "+1" : "−1") than of class "
                    + "\(positive ? "−1" : "+1") hold p (observed labels; a point counts once however many patches "
                    + "hold p). Spearman ρ over the \(common.count) common patterns: \(formatValue(rho)) "
                    + "(Docs/Metrics.md).",
                svg: p.render())
        }
        return [plot(positive: true), plot(positive: false)]
    }
}
