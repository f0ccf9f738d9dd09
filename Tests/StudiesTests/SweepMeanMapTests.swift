import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Studies

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The mean test error map over two numeric swept fields and the signal-and-noise boundary
/// (`SweepMeanMap`, `SignalNoiseCurve`, `SignalNoiseBoundary`), on real runs of tiny sweeps.
@Suite struct SweepMeanMapTests: SweepScratch {
    let dir = temporaryDirectory("sweep-mean-map")

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    /// The value of attribute `name` in each element of an SVG that has `class="kind"`.
    func attribute(_ name: String, ofClass kind: String, in svg: String) -> [String] {
        svg.components(separatedBy: "class=\"\(kind)\"").dropFirst().compactMap { element in
            let tag = element.prefix { $0 != ">" }
            return tag.components(separatedBy: " \(name)=\"").dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
        }
    }

    /// The test errors of the done runs, from their own summary.json, keyed by (keyScale, D).
    func errors(_ sweep: SweepDirectory, _ s: SweepSpec, keyScale: Int, D: Int?) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for index in 0..<s.runCount {
            let json = try JSONValue.parse(read("\(sweep.runPath(index))/summary.json"))
            let p = s.parameters(of: index).map(\.value)
            let key = "\(p[keyScale].doubleValue!) \(D.map { p[$0].doubleValue! } ?? 0)"
            out[key, default: []].append(1 - json["testAccuracy"]!.doubleValue!)
        }
        return out
    }

    /// kou-relu over keyScale × D, 2 seeds, 20 steps: each cell is the mean of its runs' test errors,
    /// the boundary follows ‖μ‖ = σ_b·(C·D/n)^{1/4} with C = 1, the flip is marked, and every plot
    /// the report names exists.
    @Test func kouCellsAreTheMeansOfTheRunsAndTheBoundaryFollowsTheFormula() throws {
        let s = try spec(
            """
            preset: kou-relu
            seeds: 2
            set: {steps: 20, nTest: 50, schedule: "every(10)", nTrain: 8}
            grid:
              keyScale: [0.5, 2, 4]
              D: [16, 64]
            """, name: "kou.yaml")
        #expect(s.axes.map(\.field) == ["D", "keyScale"])  // by name: "D" < "keyScale"
        let sweep = try SweepDirectory.create(at: "\(dir)/kou", spec: s)
        #expect(try sweep.runAll(workers: 2) == (12, 0))
        #expect(try sweep.summarize() == 0)

        let svg = try read("\(sweep.path)/plots/mean-testError.svg")
        _ = try XMLDocument(xmlString: svg)
        let errors = try errors(sweep, s, keyScale: 1, D: 0)
        let xs = attribute("data-x", ofClass: "cell", in: svg).map { Double($0)! }
        let ys = attribute("data-y", ofClass: "cell", in: svg).map { Double($0)! }
        let means = attribute("data-mean", ofClass: "cell", in: svg).map { Double($0)! }
        let runs = attribute("data-runs", ofClass: "cell", in: svg).map { Int($0)! }
        #expect(xs.count == 6 && ys.count == 6 && means.count == 6)
        #expect(Set(xs) == [16, 64] && Set(ys) == [0.5, 2, 4])  // x: D, y: keyScale
        for i in xs.indices {
            let values = errors["\(ys[i]) \(xs[i])"] ?? []
            #expect(values.count == 2 && runs[i] == 2)
            #expect(abs(means[i] - values.reduce(0, +) / 2) < 1e-12, "cell D = \(xs[i]), ‖μ‖ = \(ys[i])")
            // The annotation is the mean to three decimals.
            #expect(svg.contains(">\(String(format: "%.3f", means[i]))</text>"))
        }

        // The boundary: at each D, ‖μ‖ = σ_b (C D / n)^{1/4} with σ_b = 1, n = 8, C = 1.
        #expect(SignalNoiseBoundary.constant == 1)
        let boundary = try #require(attribute("data-boundary", ofClass: "boundary", in: svg).first)
        let pairs = boundary.split(separator: " ").map { $0.split(separator: ":").map { Double($0)! } }
        #expect(pairs.map { $0[0] } == [16, 64])
        for pair in pairs { #expect(abs(pair[1] - pow(pair[0] / 8, 0.25)) < 1e-12) }
        #expect(attribute("points", ofClass: "boundary", in: svg).first?.split(separator: " ").count == 10)
        #expect(attribute("data-flip", ofClass: "bayes", in: svg) == ["0.1"])

        let report = try read("\(sweep.path)/report.html")
        #expect(report.contains("<h2>Mean test error</h2>") && report.contains("n‖μ‖⁴ = C·D·σ_b⁴"))
        let named = plotsNamed(in: report)
        #expect(named.contains("mean-testError.svg") && named.contains("phase.svg"))
        for file in named {
            #expect(FileManager.default.fileExists(atPath: "\(sweep.path)/plots/\(file)"), "plots/\(file) missing")
        }
    }

    /// cao-poly over keyScale only: the curve of the mean test error with the boundary
    /// ‖μ‖ = σ_b √D (C/n)^{1/q} as a vertical line and the flip as a horizontal one; no mean map.
    @Test func caoCurveHasTheMeansAndTheBoundaryAtTheFormula() throws {
        let s = try spec(
            """
            preset: cao-poly
            seeds: 2
            set: {steps: 20, nTest: 50, schedule: "every(10)", nTrain: 8, D: 32}
            grid:
              keyScale: [1, 3, 9]
            """, name: "cao.yaml")
        let sweep = try SweepDirectory.create(at: "\(dir)/cao", spec: s)
        #expect(try sweep.runAll(workers: 2) == (6, 0))
        #expect(try sweep.summarize() == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(sweep.path)/plots/mean-testError.svg"))
        let svg = try read("\(sweep.path)/plots/boundary-keyScale.svg")
        _ = try XMLDocument(xmlString: svg)
        let mu = 32.0.squareRoot() * pow(1.0 / 8, 1.0 / 3)
        #expect(svg.contains("boundary ‖μ‖ = \(String(format: "%.3g", mu)) (C = 1)"))
        #expect(svg.contains("data-name=\"flip p = 0\""))
        // One point of the mean line per ‖μ‖, lower on the page (larger y) where the mean error is smaller.
        let line = try #require(
            svg.components(separatedBy: "data-name=\"all runs, mean\" points=\"").dropFirst().first)
        let ys = line.prefix { $0 != "\"" }.split(separator: " ").map { Double($0.split(separator: ",")[1])! }
        #expect(ys.count == 3)
        let errors = try errors(sweep, s, keyScale: 0, D: nil)
        let curve = SignalNoiseCurve(spec: s, runs: try doneRuns(sweep, s))
        #expect(curve?.D == 32 && curve?.boundary.keyScale(D: 32) == mu)
        let means = [1.0, 3, 9].map { k in (errors["\(k) 0.0"] ?? []).reduce(0, +) / 2 }
        #expect([1.0, 3, 9].allSatisfy { errors["\($0) 0.0"]?.count == 2 })
        for i in 0..<2 where means[i] != means[i + 1] { #expect((means[i] < means[i + 1]) == (ys[i] > ys[i + 1])) }
        let report = try read("\(sweep.path)/report.html")
        for file in plotsNamed(in: report) {
            #expect(FileManager.default.fileExists(atPath: "\(sweep.path)/plots/\(file)"), "plots/\(file) missing")
        }
        #expect(plotsNamed(in: report).contains("boundary-keyScale.svg"))
    }

    /// The done runs of a sweep, as the summary reads them.
    func doneRuns(_ sweep: SweepDirectory, _ s: SweepSpec) throws -> [SweepCurves.Run] {
        try (0..<s.runCount).map { index in
            let json = try JSONValue.parse(read("\(sweep.runPath(index))/summary.json"))
            return SweepCurves.Run(
                params: s.parameters(of: index).map(\.value), summary: try RunSummary(json: json),
                config: try s.config(of: index))
        }
    }

    /// Kou's and Cao's formulas, and no boundary for other models or activations.
    @Test func boundaryFormulas() throws {
        var kou = Preset.kouRelu.config
        kou.data.nTrain = 20
        let b = try #require(SignalNoiseBoundary(kou))
        #expect(abs(b.keyScale(D: 400) - pow(20.0, 0.25)) < 1e-12)
        let cao = try #require(SignalNoiseBoundary(Preset.caoPoly.config))
        #expect(abs(cao.keyScale(D: 200) - 200.0.squareRoot() * pow(1.0 / 20, 1.0 / 3)) < 1e-12)
        var square = kou
        square.network.activation = .square
        #expect(SignalNoiseBoundary(square) == nil)
        #expect(SignalNoiseBoundary(Preset.kpBench.config) == nil)
        // Cell positions: centres at the values, log-linear between them.
        #expect(SweepMeanMap.position(100, in: [100, 1000]) == 0.5)
        #expect(abs(SweepMeanMap.position(sqrt(100_000), in: [100, 1000]) - 1) < 1e-12)
        #expect(SweepMeanMap.color(0) == "#ffffcc" && SweepMeanMap.color(0.5) == "#f46d43")
    }
}
