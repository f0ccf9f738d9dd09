import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// An `xord` run and a directory of them, shown and reported with their own figures and none of
/// the key-pattern model's.
@Suite struct XORDRunTests {
    @Test func xordRunsShowTheirFiguresOnly() throws {
        let root = temporaryDirectory("xord-report")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for seed in [0, 1] {
            let config = try ConfigResolver.resolve(preset: "xord", overrides: ["k=4", "nTest=100"], seed: seed)
            try Experiment(config).run(in: RunDirectory.create(at: "\(root)/seed-\(seed)", overwrite: false))
        }
        let shown = try TerminalSummary.render("\(root)/seed-0")
        #expect(shown.contains("diverse test error") && shown.contains("positive patterns detected"))
        #expect(!shown.contains("best-key") && !shown.contains("keyShare") && !shown.contains("n/a"))
        for path in ["\(root)/seed-0", root] {
            let report = try Report.build(path)
            #expect(report.html.contains("XOR detection") && report.html.contains("diverse test error"))
            #expect(!report.html.contains("Norm dominance") && !report.html.contains("keyShare"))
            #expect(!report.html.contains("n/a") && !report.html.contains("best-key"))
            // Every plot the page names is one of the report's files, and every file is on the page.
            let named = Set(
                report.html.matches(of: /plots\/([A-Za-z0-9_.-]+\.svg)/).map { String($0.output.1) })
            let files = Set(report.plots.map(\.name))
            #expect(!named.isEmpty && named.isSubset(of: files), "\(named.subtracting(files))")
        }
    }
}

@Suite struct MeanCurveTests {
    @Test func meanCurvesDrawTheMeanAndItsInterval() {
        let values: [(series: String, points: [(x: Double, runs: [Double])])] = [
            ("xord", [(2, [0, 0, 0.3]), (4, [0, 0, 0])])
        ]
        let mean = GroupPlots.curve(
            title: "t", xLabel: "k", yLabel: "error", values: values, file: "m.svg", mean: true)
        let median = GroupPlots.curve(title: "t", xLabel: "k", yLabel: "error", values: values, file: "q.svg")
        #expect(mean.svg.contains("xord, mean") && mean.svg.contains("95% interval of the mean"))
        #expect(mean.caption.contains("mean over seeds") && median.caption.contains("median over seeds"))
        #expect(median.svg.contains("xord, median") && !median.svg.contains("xord, mean"))
        // The mean at k = 2 is 0.1, above the median 0: the two plots differ.
        #expect(mean.svg != median.svg)
    }
}
