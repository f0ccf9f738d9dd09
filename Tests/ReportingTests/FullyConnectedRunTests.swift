import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// An `architecture: fc` run (no filters.jsonl, no key-pattern figures) read back, shown and reported.
@Suite struct FullyConnectedRunTests {
    @Test func fcRunIsReadShownAndReported() throws {
        let path = temporaryDirectory("fc-report")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigResolver.resolve(
            preset: "bg-cnn-vs-fc", overrides: ["architecture=fc", "nTrain=16", "nTest=50", "steps=30"], seed: 2)
        let summary = try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
        let run = try RunData.load(path)
        #expect(run.config.network.architecture == .fc && run.filters.isEmpty)
        #expect(run.summary == summary && run.metrics.count == summary.evaluations)
        #expect(run.series("maxFilterNorm").count == summary.evaluations)
        let shown = try TerminalSummary.render(path)
        #expect(shown.contains("bg-cnn-vs-fc, seed 2") && shown.contains("max ‖w‖"))
        let report = try Report.build(path)
        #expect(!report.plots.isEmpty && report.html.contains("bg-cnn-vs-fc"))
        #expect(!report.html.contains("cosines-final.svg"))
    }
}
