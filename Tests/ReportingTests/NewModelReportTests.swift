import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// `show` and `report` for the models of issue 13: the quadratic teacher–student regression
/// (`tc-quadratic`, no accuracy) and pMoE (`pmoe`, routing), alone and in one directory.
@Suite struct NewModelReportTests {
    /// Trains short runs of `presets` into subdirectories of a new directory named like the presets.
    func runs(_ presets: [(String, [String])]) throws -> String {
        let root = temporaryDirectory("new-models")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (preset, overrides) in presets {
            let config = try ConfigResolver.resolve(preset: preset, overrides: overrides)
            try Experiment(config).run(in: RunDirectory.create(at: "\(root)/\(preset)", overwrite: false))
        }
        return root
    }

    static let tc = ("tc-quadratic", ["steps=300"])
    static let pmoe = ("pmoe", ["steps=40", "nTest=200", "schedule=every(10)"])
    static let pmoeCNN = ("pmoe-cnn", ["steps=40", "nTest=200", "schedule=every(10)"])

    @Test func mixedDirectoryLeavesRegressionRunsOutOfTheAccuracyTallies() throws {
        let root = try runs([Self.tc, Self.pmoe, Self.pmoeCNN])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let show = try TerminalSummary.render(root)
        let tcLine = show.split(separator: "\n").first { $0.hasPrefix("tc-quadratic") }!
        #expect(tcLine.contains("n/a") && !tcLine.contains("never"), "\(tcLine)")
        #expect(show.contains("of 2 classification runs (1 regression run left out"), "\(show)")
        #expect(show.contains("routing"))
        let report = try Report.build(root)
        #expect(report.html.contains("of 2 classification runs (95% Wilson interval"))
        #expect(!report.html.contains("/3 (95% Wilson"))
        // The regression run has its own table (losses), not a row of n/a accuracies.
        let tables = report.html.components(separatedBy: "<table>").dropFirst()
        let classification = tables.filter { $0.contains("<th>T₁₀₀</th>") }
        let regression = tables.filter { $0.contains("<th>final / initial</th>") }
        #expect(classification.count == 1 && regression.count == 1)
        #expect(classification.allSatisfy { !$0.contains("<td>tc-quadratic</td>") && $0.contains("<td>pmoe</td>") })
        #expect(regression.allSatisfy { $0.contains("<td>tc-quadratic</td>") && !$0.contains("<td>pmoe</td>") })
        #expect(report.html.contains("<th>routing accuracy</th>"))
        // Pattern statistics are shown for the plain CNN only, not for pMoE.
        let psi = report.html.components(separatedBy: "<section id=\"family-pattern-statistics\">")
        #expect(psi.count == 2)
        let psiSection = psi.count == 2 ? psi[1].components(separatedBy: "</section>")[0] : ""
        #expect(psiSection.contains("<td>pmoe-cnn</td>") && !psiSection.contains("<td>pmoe</td>"))
        #expect(!psiSection.contains("<td>tc-quadratic</td>"))
        #expect(report.plots.contains { $0.name == "seeds-test-loss.svg" })
    }

    @Test func pmoeRunShowsRoutingAfterAccuracyAndLeavesOutPatternStatistics() throws {
        let root = try runs([Self.pmoe])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = "\(root)/pmoe"
        let run = try RunData.load(path)
        let show = try TerminalSummary.render(path)
        let header = show.split(separator: "\n")[1]
        #expect(header.contains("routing accuracy"), "\(header)")
        #expect(!show.contains("PSI"))
        let report = try Report.build(path)
        let html = report.html
        let routing = html.range(of: "<section id=\"family-routing\">")
        let dynamics = html.range(of: "<section id=\"dynamics\">")
        let filters = html.range(of: "<section id=\"filters\">")
        #expect(routing != nil && dynamics != nil && filters != nil)
        if let routing, let dynamics, let filters {
            #expect(dynamics.lowerBound < routing.lowerBound && routing.lowerBound < filters.lowerBound)
        }
        #expect(html.contains("<h2>Routing</h2>"))
        #expect(html.contains("experts") && html.contains("top l = 2"))
        #expect(!html.contains("pattern-statistics") && !html.contains("PSI"))
        #expect(html.contains("<th>routing accuracy</th>"))
        // The routers are frozen: the value is said once, not drawn as a flat line.
        #expect(html.contains("at every evaluation (the routers are frozen"))
        #expect(!report.plots.contains { $0.name.contains("routingAccuracy") })
        // normRatio is drawn exactly when some evaluation had key filters.
        let keyFilters = Report.hasData(run.series(KeyPatternMeasures.normRatio.field))
        #expect(report.plots.contains { $0.name == "norm-ratio.svg" } == keyFilters)
        #expect(html.contains("No key filters at any evaluation") == !keyFilters)
    }

    @Test func quadraticRunSpeaksOfTeacherDirectionsAndUsesLogAxesForDecades() throws {
        let root = try runs([Self.tc])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let report = try Report.build("\(root)/tc-quadratic")
        let captions = report.plots.filter { $0.name.hasPrefix("cosines-") }.map(\.caption)
        #expect(captions.count == 3)
        for caption in captions {
            #expect(caption.contains("teacher"), "\(caption)")
            #expect(!caption.contains("left bar") && !caption.contains("key columns"), "\(caption)")
        }
        let final = report.plots.first { $0.name == "cosines-final.svg" }!.svg
        #expect(final.contains("teacher direction r") && !final.contains("pattern p"))
        #expect(report.html.contains("<h2>Quadratic network</h2>"))
        // The loss ratio falls by decades: a log axis, with its ticks.
        let ratio = try RunData.load("\(root)/tc-quadratic").series(
            QuadraticMeasures.Line.CodingKeys.testLossRatio.stringValue)
        let positive = ratio.map(\.y).filter { $0 > 0 }
        let plot = report.plots.first { $0.name == "family-testLossRatio.svg" }!.svg
        #expect(plot.contains("(log scale)") == (positive.max()! / positive.min()! >= 100))
        // Single-run tables scroll in their own box.
        #expect(report.html.contains("<div class=\"table-wrap\">\n<table>"))
        #expect(report.html.contains(".table-wrap { overflow-x: auto;"))
    }
}

@Suite struct PlotGeometryTests {
    /// The largest y of a text baseline (+ 3 px of descent) or rect bottom in an SVG, and its height.
    func extent(_ svg: String) -> (bottom: Double, height: Double) {
        func number(_ s: Substring, _ name: String) -> Double? {
            guard let r = s.range(of: " \(name)=\"") else { return nil }
            return Double(s[r.upperBound...].prefix { $0 != "\"" })
        }
        let lines = svg.split(separator: "\n")
        let height = number(lines[0], "height")!
        var bottom = 0.0
        for line in lines.dropFirst() {
            if line.hasPrefix("<text"), let y = number(line, "y") { bottom = max(bottom, y + 3) }
            if line.hasPrefix("<rect"), let y = number(line, "y"), let h = number(line, "height") {
                bottom = max(bottom, y + h)
            }
        }
        return (bottom, height)
    }

    @Test func heatmapsOfFewRowsHoldTheirColourBarAndLabels() {
        for rows in [1, 2, 4, 8] {
            for (cell, tile) in [(9.0, false), (4.0, true), (9.0, true)] {
                let values = (0..<rows).map { r in (0..<2).map { c in Double(r - c) / 8 } }
                let map = Heatmap(
                    title: "t", rowLabel: "filter j", columnLabel: "teacher direction r", values: values,
                    cellSize: cell, minWidth: tile ? 0 : 360, minBarHeight: tile ? 64 : 120)
                let (bottom, height) = extent(map.render())
                #expect(bottom <= height, "rows \(rows), cell \(cell): content to \(bottom), height \(height)")
                // Row labels at least 9 px apart.
                let step = Heatmap.labelStride(count: rows, cellSize: cell, spacing: 9)
                #expect(Double(step) * cell >= 9 || rows == 1)
            }
        }
    }

    @Test func narrowLogAxesHaveReadableTicks() {
        for values in [[4.1, 4.5], [4.1, 4.2, 0], [0.02, 0.09], [3e-7, 1], [1.0, 1.0]] {
            let axis = Axis(values: values, scale: .logWithZero, range: nil)
            let inside = axis.ticks.filter { $0.value > 0 }.compactMap { axis.position($0.value) }
            #expect(inside.count >= 2, "\(values): ticks \(axis.ticks.map(\.label))")
            #expect(inside.allSatisfy { (-1e-9...(1 + 1e-9)).contains($0) }, "\(values)")
            #expect(Set(axis.ticks.map(\.label)).count == axis.ticks.count, "\(values): repeated labels")
        }
        // The F2 forbidden-init curve (4.1–4.5): not one lone "10".
        let f2 = Axis(values: [4.1, 4.3, 4.5], scale: .logWithZero, range: nil)
        #expect(!f2.ticks.contains { $0.label == "10" })
        #expect(Report.valueScale([0, 1, 1e-3, 2e-7]) == .logWithZero)
        #expect(Report.valueScale([4.1, 4.5]) == .linear)
        #expect(Report.valueScale([-1, 1e-3, 10]) == .linear)
    }
}
