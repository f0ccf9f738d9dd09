import Datasets
import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

func fixture(_ name: String) -> String {
    Bundle.module.resourcePath! + "/Fixtures/" + name
}

/// Counts elements and checks well-formedness of an XML text.
final class XMLCheck: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var seriesNames: Set<String> = []
    var groups: Set<String> = []
    var error: String?

    init(_ text: String) {
        super.init()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError.map { "\($0)" } ?? "unknown XML error" }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements[name, default: 0] += 1
        if attributes["class"] == "series", let n = attributes["data-name"] { seriesNames.insert(n) }
        if let g = attributes["data-group"] { groups.insert(g) }
    }
}

@Suite struct ReportTests {
    @Test func everySVGOfARunParsesAndHoldsItsSeries() throws {
        let report = try Report.build(fixture("tiny-run"))
        #expect(report.notes.isEmpty)
        let names = Set(report.plots.map(\.name))
        for expected in [
            "accuracy.svg", "loss.svg", "key-share.svg", "norm-ratio.svg", "filter-norms.svg", "key-cosines.svg",
            "cosines-init.svg", "cosines-final.svg", "cosines-steps.svg",
        ] {
            #expect(names.contains(expected), "missing \(expected)")
        }
        for plot in report.plots {
            let xml = XMLCheck(plot.svg)
            #expect(xml.error == nil, "\(plot.name): \(xml.error ?? "")")
            #expect(plot.svg.contains("<text"), "\(plot.name) has no text (title, labels)")
        }
        let accuracy = XMLCheck(report.plots.first { $0.name == "accuracy.svg" }!.svg)
        #expect(accuracy.seriesNames.isSuperset(of: ["test (clean labels)", "train stream (since last eval)"]))
        let norms = XMLCheck(report.plots.first { $0.name == "filter-norms.svg" }!.svg)
        #expect(norms.groups == ["filter 0", "filter 1", "filter 2", "filter 3"])
        // The heatmap has one cell per filter and pattern (4 × 6) plus the frame and colour bar.
        let heat = report.plots.first { $0.name == "cosines-final.svg" }!.svg
        #expect(heat.components(separatedBy: "<title>filter").count - 1 == 24)
    }

    @Test func plotsMatchTheSnapshotsByteForByte() throws {
        let report = try Report.build(fixture("tiny-run"))
        for name in ["accuracy.svg", "cosines-final.svg", "filter-norms.svg"] {
            let expected = try String(contentsOfFile: fixture("snapshots/\(name)"), encoding: .utf8)
            #expect(report.plots.first { $0.name == name }?.svg == expected, "\(name) differs from its snapshot")
        }
    }

    @Test func plottedValuesMatchMetrics() throws {
        // The test-accuracy polyline has one point per evaluation of metrics.jsonl.
        let run = try RunData.load(fixture("tiny-run"))
        let svg = RunPlots.accuracy(run).svg
        let line = svg.components(separatedBy: "\n").first { $0.contains("data-name=\"test (clean labels)\"") }!
        let points = line.components(separatedBy: "points=\"")[1].components(separatedBy: "\"")[0].split(separator: " ")
        #expect(points.count == run.metrics.count)
        #expect(run.metrics.count == 7)
    }

    @Test func htmlHasEverySectionAndNoExternalResource() throws {
        let report = try Report.build(fixture("tiny-run"))
        for id in ["summary", "dynamics", "filters", "cosines", "dominance", "config"] {
            #expect(report.html.contains("<section id=\"\(id)\">"), "missing section \(id)")
        }
        #expect(!report.html.contains("<script"))
        #expect(!report.html.contains("src="))
        // Links only to the page's own plot files (written beside it), one per plot.
        let hrefs = report.html.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(hrefs.sorted() == report.plots.map { "plots/\($0.name)" }.sorted())
        #expect(!report.html.contains("url("))
        let withoutNamespace = report.html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http"))
        #expect(report.html.components(separatedBy: "<figure>").count - 1 == report.plots.count)
    }

    @Test func writesReportAndPlots() throws {
        let out = temporaryDirectory("report")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let path = try Report.build(fixture("tiny-run")).write(to: out)
        #expect(path == "\(out)/report.html")
        #expect(FileManager.default.fileExists(atPath: "\(out)/plots/accuracy.svg"))
        #expect(!FileManager.default.fileExists(atPath: "\(out)/plots/accuracy.svg.tmp"))
    }

    @Test func partialRunSaysSo() throws {
        let report = try Report.build(fixture("partial-run"))
        #expect(report.notes.contains { $0.contains("is partial") && $0.contains("up to step 10 of 30") })
        #expect(report.notes.contains { $0.contains("last line is incomplete") })
        #expect(report.html.contains("is partial"))
        let summary = try TerminalSummary.render(fixture("partial-run"))
        #expect(summary.contains("partial at step 10 of 30"))
    }

    @Test func divergedRunIsMarked() throws {
        let report = try Report.build(fixture("diverged-run"))
        #expect(report.notes.contains { $0.contains("diverged at step 4") })
        #expect(report.plots.first { $0.name == "accuracy.svg" }!.svg.contains("diverged at 4"))
    }

    @Test func directoryOfRunsGivesAcrossSeedPlots() throws {
        let root = temporaryDirectory("group")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for name in ["seed-1", "seed-2", "seed-10"] {
            try FileManager.default.copyItem(atPath: fixture("tiny-run"), toPath: "\(root)/\(name)")
        }
        #expect(
            runDirectories(in: root).map { URL(fileURLWithPath: $0).lastPathComponent } == [
                "seed-1", "seed-2", "seed-10",
            ])
        let report = try Report.build(root)
        for name in [
            "seeds-accuracy.svg", "seeds-t100-curve.svg", "seeds-best-key-cosine-hist.svg", "seeds-key-share-hist.svg",
            "example-accuracy.svg",
        ] {
            let plot = report.plots.first { $0.name == name }
            #expect(plot != nil, "missing \(name)")
            #expect(XMLCheck(plot?.svg ?? "").error == nil)
        }
        let band = XMLCheck(report.plots.first { $0.name == "seeds-accuracy.svg" }!.svg)
        #expect(band.elements["polygon"] == 1 && band.seriesNames.contains("median of 3 runs"))
        #expect(report.html.contains("<section id=\"seeds\">"))
        #expect(try TerminalSummary.render(root).contains("3 runs in"))
    }

    @Test func badInputGivesClearMessages() throws {
        let empty = temporaryDirectory("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        func message(_ path: String) -> String {
            do {
                _ = try Report.build(path)
                return ""
            } catch { return "\(error)" }
        }
        #expect(message(empty).contains("is neither a run directory"))
        #expect(message("/nonexistent/run").contains("does not exist"))
        // A malformed line in the middle of metrics.jsonl is named.
        let bad = "\(empty)/bad"
        try FileManager.default.copyItem(atPath: fixture("tiny-run"), toPath: bad)
        var lines = try String(contentsOfFile: "\(bad)/metrics.jsonl", encoding: .utf8).components(separatedBy: "\n")
        lines[2] = "{not json"
        try lines.joined(separator: "\n").write(toFile: "\(bad)/metrics.jsonl", atomically: true, encoding: .utf8)
        #expect(message(bad).contains("metrics.jsonl line 3 is not valid JSON"))
        try FileManager.default.removeItem(atPath: "\(bad)/metrics.jsonl")
        #expect(message(bad).contains("metrics.jsonl is missing"))
    }
}

@Suite struct StatisticsTests {
    @Test func wilsonIntervalKnownValues() {
        // 8 of 10: the Wilson 95% interval is 0.4902 … 0.9433.
        let ci = wilsonInterval(successes: 8, trials: 10)
        #expect(abs(ci.lowerBound - 0.4902) < 1e-4 && abs(ci.upperBound - 0.9433) < 1e-4)
        let all = wilsonInterval(successes: 100, trials: 100)
        #expect(all.upperBound == 1 && abs(all.lowerBound - 0.9630) < 1e-4)
    }

    @Test func quantilesInterpolate() {
        #expect(quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(quantile([1, 2, 3, 4, 5], 0.25) == 2)
        #expect(quantile([], 0.5).isNaN)
    }

    @Test func sparklineScalesAndSamplesLogSpacedSteps() {
        let series: [(x: Double, y: Double)] = [(0, 0), (1, 0.25), (10, 0.5), (100, 0.75), (1000, 1)]
        // Width 4: step 0, then steps 1, 31.6, 1000 → values 0, 0.25, 0.5 (step 10), 1 → levels
        // round(7v) = 0, 2, 4, 7 of ▁▂▃▄▅▆▇█.
        #expect(TerminalSummary.sparkline(series, width: 4, range: 0...1) == "▁▃▅█")
        #expect(TerminalSummary.sparkline([(0, .nan), (1, 1)], width: 2, range: 0...1) == " █")
    }
}

@Suite struct ImageReportTests {
    /// `show` on an image run gives the image figures and sparklines with data, none of the
    /// key-pattern figures (which an image run does not record).
    @Test func showOnAnImageRunGivesItsOwnFigures() throws {
        let data = temporaryDirectory("show-images")
        let out = temporaryDirectory("show-image-run")
        defer { for p in [data, out] { try? FileManager.default.removeItem(atPath: p) } }
        try trainTinyImageRun(data: data, out: out)
        let text = try TerminalSummary.render(out)
        #expect(text.contains("top-8 share") && text.contains("Gini"))
        for absent in ["best-key cosine", "keyShare", "normRatio", "n/a"] {
            #expect(!text.contains(absent), "show prints \(absent):\n\(text)")
        }
        // Every sparkline has bars (none is blank).
        let bars = Set("▁▂▃▄▅▆▇█")
        let sparklines = text.split(separator: "\n").filter { $0.contains { bars.contains($0) } }
        #expect(sparklines.count >= 3)
        for line in text.split(separator: "\n") where line.hasPrefix("  ") && line.contains("(0…") {
            #expect(line.contains { bars.contains($0) }, "a blank sparkline: \(line)")
        }
    }

    @Test func imageRunReportHasNormsAblationPicturesAndSelectivity() throws {
        let data = temporaryDirectory("report-images")
        let out = temporaryDirectory("report-image-run")
        defer { for p in [data, out] { try? FileManager.default.removeItem(atPath: p) } }
        try trainTinyImageRun(data: data, out: out)
        let report = try Report.build(out)
        for name in [
            "accuracy.svg", "sorted-norms.svg", "concentration.svg", "final-norms.svg", "ablation.svg",
            "selectivity.svg", "filters.svg",
        ] {
            let plot = report.plots.first { $0.name == name }
            #expect(plot != nil, "missing \(name)")
            #expect(XMLCheck(plot?.svg ?? "").error == nil, "\(name) is not well-formed")
        }
        for id in ["summary", "dynamics", "norms", "ablation", "pictures", "selectivity", "config"] {
            #expect(report.html.contains("<section id=\"\(id)\">"), "missing section \(id)")
        }
        // The top patches are embedded, not linked; the filters are drawn in filters.svg.
        #expect(report.html.components(separatedBy: "src=\"data:image/png;base64,").count - 1 == 1)
        #expect(!report.html.contains("src=\"http") && !report.html.contains("src=\"file"))
        let ablation = XMLCheck(report.plots.first { $0.name == "ablation.svg" }!.svg)
        #expect(ablation.elements["rect", default: 0] >= 6)
        #expect(try TerminalSummary.render(out).contains("completed"))
    }
}
