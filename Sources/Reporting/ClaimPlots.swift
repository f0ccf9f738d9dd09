import Experiments
import Foundation

/// The plots `convdyn verify`'s report shows for the runs of one claim or claim variant: only the
/// figures its model records (its measurement families) and only those that hold information —
/// over training when the runs were evaluated along the way, else the distributions over seeds of
/// the final figures (most claims evaluate at step 0 and the end only).
package enum ClaimPlots {
    /// The plots for `runs` (seeds of one config), and notes that replace plots with nothing to draw.
    package static func group(_ runs: [RunData]) -> (plots: [PlotFile], notes: [String]) {
        guard let config = runs.first?.config else { return ([], []) }
        if runs.contains(where: \.isImageRun) {
            let names = ["seeds-accuracy.svg", "seeds-top8-share.svg", "seeds-ablation.svg"]
            return (GroupPlots.images(runs).filter { names.contains($0.name) }, [])
        }
        let families = MeasurementFamilies.recorded(by: config).map { ObjectIdentifier($0) }
        func records(_ family: any MeasurementFamily.Type) -> Bool { families.contains(ObjectIdentifier(family)) }
        // More evaluations than step 0 and the end: curves over training; else final distributions.
        let steps = Set(runs.flatMap { $0.metrics.compactMap { $0[CommonFigures.step.field]?.intValue } })
        let overTraining = steps.count > 2
        if records(QuadraticMeasures.self) {
            var loss = GroupPlots.band(
                runs, key: CommonFigures.testLoss.field, title: "Test loss across seeds",
                yLabel: "test loss ½(f − t)² (log scale)", file: "seeds-test-loss.svg", yScale: .logWithZero)
            loss.caption += " Log–log axes."
            return ([loss], [])
        }
        var plots: [PlotFile] = []
        var notes: [String] = []
        if overTraining {
            plots.append(
                GroupPlots.band(
                    runs, key: CommonFigures.testAccuracy.field, title: "Test accuracy across seeds",
                    yLabel: "test accuracy", file: "seeds-accuracy.svg", range: 0...1.02))
            if runs.contains(where: { $0.stepsTo100 != nil }) {
                plots.append(GroupPlots.successCurve(runs))
            } else {
                let trained = runs.map(\.lastStepTaken).max() ?? 0
                notes.append(
                    "No run reached test accuracy 1 within its \(trained) steps: P(T₁₀₀ ≤ T) = 0 for every T.")
            }
        } else {
            plots.append(
                GroupPlots.finalStrip(
                    runs, key: CommonFigures.testAccuracy.field, label: "test accuracy",
                    file: "seeds-accuracy-hist.svg", limits: 0...1, threshold: nil))
        }
        if records(RoutingMeasures.self) {
            plots.append(
                GroupPlots.finalStrip(
                    runs, key: RoutingMeasures.Line.CodingKeys.routingAccuracy.stringValue, label: "routing accuracy",
                    file: "seeds-routing-accuracy-hist.svg", limits: 0...1, threshold: nil))
        }
        if records(KeyPatternMeasures.self) {
            let keyFilters = KeyPatternMeasures.Line.CodingKeys.keyFilterCount.stringValue
            if runs.contains(where: { GroupPlots.final($0, keyFilters) > 0 }) {
                let all = GroupPlots.all(runs)
                plots += all.filter {
                    ["seeds-best-key-cosine-hist.svg", "seeds-key-share-hist.svg", "seeds-norm-ratio-final.svg"]
                        .contains($0.name)
                }
            } else {
                notes.append(
                    "No run has a key filter at the end (a filter whose cosine with a key of its sign exceeds θ), "
                        + "so keyShare is 0 in every run: no key-pattern plots.")
            }
        }
        return (plots, notes)
    }
}
