import Foundation
import Reporting
import Testing
import _TestSupport

@testable import Experiments
@testable import Studies

/// Every page convdyn writes (a run, a directory of runs, a sweep, a verify directory) links only
/// to files that exist; a sweep's page draws each summary figure over each pair of swept fields;
/// a verify directory's page can be re-made from verify.json.
@Suite struct EveryDirectoryTests {
    let dir = temporaryDirectory("every-directory")

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    /// The href and src values of an HTML page, in order.
    static func references(_ html: String) -> [String] {
        var found: [String] = []
        for attribute in ["href=\"", "src=\""] {
            for part in html.components(separatedBy: attribute).dropFirst() {
                found.append(String(part.prefix { $0 != "\"" }))
            }
        }
        return found
    }

    /// The references of the page at `path` that do not lead to a file beside it (anchors `#…`
    /// aside); a page that loads anything from the network counts as broken.
    static func brokenReferences(_ path: String) throws -> [String] {
        let html = try String(contentsOfFile: path, encoding: .utf8)
        let base = (path as NSString).deletingLastPathComponent
        return references(html).filter { ref in
            if ref.hasPrefix("#") { return false }
            if ref.contains("://") || ref.hasPrefix("//") { return true }
            return !FileManager.default.fileExists(atPath: "\(base)/\(ref.removingPercentEncoding ?? ref)")
        }
    }

    /// A kp-small run of 30 steps into `path`.
    func makeRun(_ path: String, seed: Int) throws {
        let config = try ConfigResolver.resolve(
            preset: "kp-small", overrides: ["steps=30", "nTest=100", "schedule=every(10)", "seed=\(seed)"])
        try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
    }

    @Test func theChecksFindABrokenReference() throws {
        let page = "\(dir)/broken.html"
        try "<a href=\"plots/none.svg\">x</a><a href=\"#top\">t</a><img src=\"http://example.com/a.png\">".write(
            toFile: page, atomically: true, encoding: .utf8)
        #expect(try Self.brokenReferences(page) == ["plots/none.svg", "http://example.com/a.png"])
    }

    @Test func runAndRunsPagesLinkEveryPlotAndEveryRunsReport() throws {
        let root = "\(dir)/runs"
        for seed in 0..<3 { try makeRun("\(root)/seed-\(seed)", seed: seed) }
        // As the demo does: each run's report, then the page of all runs.
        for run in runDirectories(in: root) { try Report.build(run).write(to: run) }
        let group = try Report.build(root)
        try group.write(to: root)
        for page in ["\(root)/report.html"] + (0..<3).map({ "\(root)/seed-\($0)/report.html" }) {
            #expect(try Self.brokenReferences(page) == [], "\(page)")
        }
        let html = try String(contentsOfFile: "\(root)/report.html", encoding: .utf8)
        let refs = Self.references(html)
        // Every plot of the page is a link to its file, the run in detail's as example-*.svg.
        for plot in group.plots { #expect(refs.contains("plots/\(plot.name)"), "no link to plots/\(plot.name)") }
        #expect(refs.contains { $0.hasPrefix("plots/example-") })
        for seed in 0..<3 { #expect(refs.contains("seed-\(seed)/report.html")) }
        // The configuration shown is the one of the run in detail, and says so.
        let detail = try #require(html.components(separatedBy: "One run in detail: ").dropFirst().first)
        let name = String(detail.prefix { $0 != "<" })
        #expect(html.contains("Configuration (\(name), the run in detail)"))
        #expect(
            html.contains("&quot;seed&quot;: \(name.dropFirst("seed-".count))")
                || html.contains("\"seed\": \(name.dropFirst("seed-".count))"))
        // Written elsewhere, the page does not link to run reports it cannot reach.
        let elsewhere = "\(dir)/elsewhere"
        try Report.build(root, destination: elsewhere).write(to: elsewhere)
        #expect(try Self.brokenReferences("\(elsewhere)/report.html") == [])
    }

    @Test func aSweepPageDrawsEveryFigureOverEveryPairAndLinksExistingFiles() throws {
        let specPath = "\(dir)/three.yaml"
        try """
        preset: kp-small
        seeds: 2
        set: {steps: 30, nTest: 100, schedule: "every(10)"}
        grid:
          M: [2, 4]
          sigma: [0, 0.1]
          theta: [0.5, 0.9]
        """.write(toFile: specPath, atomically: true, encoding: .utf8)
        let spec = try SweepSpec.load(specPath)
        let sweep = try SweepDirectory.create(at: "\(dir)/sweep", spec: spec)
        #expect(try sweep.runAll(workers: 2) == (16, 0))
        #expect(try sweep.summarize() == 0)
        let page = "\(sweep.path)/report.html"
        #expect(try Self.brokenReferences(page) == [])
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let refs = Self.references(html)
        // Three swept fields: each pair, each figure (kp-small records the keys).
        let pairs = ["M-sigma", "M-theta", "sigma-theta"]
        #expect(PhaseDiagram.axisPairs(spec).count == 3)
        for figure in ["success", "testAccuracy", "keysLearned", "stepsTo100"] {
            for pair in pairs {
                let name = figure == "success" && pair == "M-sigma" ? "phase.svg" : "phase-\(figure)-\(pair).svg"
                #expect(refs.contains("plots/\(name)"), "no plots/\(name)")
                let svg = try String(contentsOfFile: "\(sweep.path)/plots/\(name)", encoding: .utf8)
                #expect(svg.contains("class=\"colorbar\""), "\(name) has no colour bar")
                let pooled = pair == "M-sigma" ? "theta" : pair == "M-theta" ? "sigma" : "M"
                #expect(svg.contains("pooled over \(pooled)"), "\(name)")
            }
        }
        #expect(refs.contains("sweep_summary.csv"))
        // No cell is white like the page: every cell has a colour of the scale or the grey of "no value".
        for file in try FileManager.default.contentsOfDirectory(atPath: "\(sweep.path)/plots")
        where file.hasPrefix("phase") {
            let svg = try String(contentsOfFile: "\(sweep.path)/plots/\(file)", encoding: .utf8)
            let cells = svg.components(separatedBy: "<rect class=\"cell\" ").dropFirst()
            #expect(cells.count == 4)
            for cell in cells {
                let fill = String(try #require(cell.components(separatedBy: "fill=\"").dropFirst().first).prefix(7))
                #expect(fill != "#ffffff", "\(file): a white cell")
            }
        }
        // Each success cell pools 2 seeds × 2 values of the third field.
        let phase = try String(contentsOfFile: "\(sweep.path)/plots/phase.svg", encoding: .utf8)
        #expect(phase.components(separatedBy: "data-runs=\"4\"").count - 1 == 4)
        // show: the status and one line per grid point.
        let shown = sweep.showText()
        #expect(shown.contains("done 16, running 0, failed 0, missing 0"))
        let table = shown.split(separator: "\n").filter { $0.hasPrefix("2 ") || $0.hasPrefix("4 ") }
        #expect(table.count == 8 && table.allSatisfy { $0.contains("2/2") })
    }

    @Test func cellsOfShareAndMedianFigures() throws {
        func outcome(_ fields: [String: JSONValue]?, success: Bool?) -> SweepOutcome {
            SweepOutcome(params: [.int(1)], summary: fields.map(JSONValue.object), success: success)
        }
        let runs = [
            outcome(
                [
                    "status": .string("completed"), "testAccuracy": .double(1), "stepsTo100": .int(40),
                    "keysLearned": .object(["0": .bool(true), "1": .bool(true)]),
                ], success: true),
            outcome(
                [
                    "status": .string("completed"), "testAccuracy": .double(0.9), "stepsTo100": .null,
                    "keysLearned": .object(["0": .bool(true), "1": .bool(false)]),
                ], success: false),
            outcome(
                [
                    "status": .string("diverged"), "testAccuracy": .double(0.2), "stepsTo100": .int(10),
                    "keysLearned": .object(["0": .bool(true), "1": .bool(true)]),
                ], success: false),
            outcome(nil, success: nil),
        ]
        // Keys: only the first (the third diverged); of the 3 runs done.
        guard case .share(let k, let n) = SweepFigure.keysLearned.value(runs) else {
            Issue.record()
            return
        }
        #expect(k == 1 && n == 3)
        guard case .share(let s, let m) = SweepFigure.success.value(runs) else {
            Issue.record()
            return
        }
        #expect(s == 1 && m == 3)
        // Medians leave the diverged run out: accuracy of 1 and 0.9; T₁₀₀ of the one that reached it.
        guard case .median(let accuracy, let values, let done) = SweepFigure.testAccuracy.value(runs) else {
            Issue.record()
            return
        }
        #expect(accuracy == 0.95 && values == 2 && done == 3)
        #expect(SweepFigure.stepsTo100.value(runs).text(.stepsTo100) == "40 (1/3)")
        #expect(SweepFigure.stepsTo100.value([runs[1]]).text(.stepsTo100) == "never (0/1)")
        // A sequential scale whose 0 is neither white nor the grey of an empty cell.
        #expect(PhaseDiagram.color(0) == "#440154" && PhaseDiagram.color(1) == "#fde725")
        #expect(PhaseDiagram.color(0) != PhaseDiagram.emptyFill)
    }

    @Test func aVerifyPageIsRemadeFromVerifyJSON() throws {
        var preset = Preset.kpBench.config
        preset.training.steps = 40
        preset.data.nTest = 100
        let claim = Claim(
            id: "T2", title: "test claim", preset: Preset(name: "kp-test", summary: "", config: preset),
            statements: [.proportion("T2a", "anything", [.stepsTo100(atMost: 40)], Threshold(.atLeast, 0))])
        let root = "\(dir)/verify"
        let v = try Verifier.run([claim], seeds: 2, root: root, workers: 2)
        #expect(try Self.brokenReferences("\(root)/report.html") == [])
        #expect(try Self.brokenReferences("\(root)/T2/report.html") == [])
        let first = try String(contentsOfFile: "\(root)/report.html", encoding: .utf8)
        #expect(Self.references(first).contains("T2/report.html"))
        // Gone, then re-made from verify.json and the runs alone, also after the directory moved.
        try FileManager.default.removeItem(atPath: "\(root)/report.html")
        try FileManager.default.removeItem(atPath: "\(root)/plots")
        let moved = "\(dir)/verify-moved"
        try FileManager.default.moveItem(atPath: root, toPath: moved)
        let loaded = try Verifier.rewriteReport(moved, among: [claim])
        #expect(loaded.rows == v.rows && loaded.directories == ["T2": "\(moved)/T2"])
        let again = try String(contentsOfFile: "\(moved)/report.html", encoding: .utf8)
        #expect(again.contains("T2a") && again.contains("anything"))
        #expect(try Self.brokenReferences("\(moved)/report.html") == [])
        #expect(Self.references(again).contains { $0.hasPrefix("plots/T2-") })
        #expect(throws: OutputError.self) { _ = try Verification.load(dir) }
    }
}
