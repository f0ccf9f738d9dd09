import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// A psi run (PSI, SPEC §3 item 8): its scatter plots are written, valid XML, and named by report.html.
@Suite struct PatternStatisticsReportTests {
    @Test func psiRunReportsItsScatterPlots() throws {
        let path = temporaryDirectory("psi-report")
        let out = temporaryDirectory("psi-report-out")
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: out)
        }
        let config = try ConfigResolver.resolve(
            preset: "psi", overrides: ["nTrain=20", "nTest=100", "epochs=2", "schedule=every(20)"], seed: 1)
        let summary = try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
        let psi = try #require(summary.section(PatternStatistics.self))
        let report = try Report.build(path)
        let written = try report.write(to: out)
        let html = try String(contentsOfFile: written, encoding: .utf8)
        for name in PatternStatisticsPlots.names {
            let file = "\(out)/plots/\(name)"
            #expect(FileManager.default.fileExists(atPath: file), "\(name) not written")
            #expect(html.contains("(plots/\(name))"), "report.html does not name \(name)")
            let svg = try String(contentsOfFile: file, encoding: .utf8)
            let xml = XMLCheck(svg)
            #expect(xml.error == nil, "\(name): \(xml.error ?? "")")
            #expect(xml.seriesNames == ["common patterns", "key patterns"])
            // One dot per pattern (28 common, 4 keys) plus the two legend dots.
            #expect(xml.elements["circle"] == 32 + 2, "\(name)")
        }
        #expect(html.contains("Spearman ρ over the 28 common patterns: \(formatValue(psi.psiSpearmanPositive))"))
        #expect(html.contains("pattern statistics"))
        // The series of ρ₊ over training, and the end figures in the family's table and in `show`.
        #expect(report.plots.contains { $0.name == "family-psiSpearmanPositive.svg" })
        let shown = try TerminalSummary.render(path)
        #expect(shown.contains("PSI ρ₊"))
    }

}
