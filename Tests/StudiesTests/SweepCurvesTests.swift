import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Studies

/// The sweep report's figures against a numeric swept field (`SweepCurves`).
@Suite struct SweepCurvesTests: SweepScratch {
    let dir = temporaryDirectory("sweep-curves")

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    /// The `data-name` of every drawn series of an SVG, in order.
    func seriesNames(_ svg: String) -> [String] {
        svg.components(separatedBy: "class=\"series\" data-name=\"").dropFirst().map {
            String($0.prefix { $0 != "\"" })
        }
    }

    /// The vertices of the polyline of the series `name` (pixels).
    func polyline(_ svg: String, _ name: String) -> [(x: Double, y: Double)] {
        guard let after = svg.components(separatedBy: "data-name=\"\(name)\" points=\"").dropFirst().first else {
            return []
        }
        return after.prefix { $0 != "\"" }.split(separator: " ").map {
            let xy = $0.split(separator: ",").map { Double($0)! }
            return (xy[0], xy[1])
        }
    }

    /// The cells of the values table that follows the figure `file` in report.html: rows of cells.
    func table(after file: String, in report: String) -> [[String]] {
        guard let rest = report.components(separatedBy: "(plots/\(file))").dropFirst().first,
            let body = rest.components(separatedBy: "<table class=\"against\">").dropFirst().first?
                .components(separatedBy: "</table>").first
        else { return [] }
        return body.components(separatedBy: "<tr>").dropFirst().map { row in
            row.components(separatedBy: "<td>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        }.filter { !$0.isEmpty }
    }

    /// The median, computed here from the sorted values.
    func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// A complete summary.json with the given accuracies (the rest fixed).
    func summary(test: Double, train: Double) -> JSONValue {
        .object([
            "status": .string("completed"), "preset": .string("kp-small"), "seed": .int(0), "steps": .int(30),
            "testAccuracy": .double(test), "testAccuracyNoisy": .double(test), "testLoss": .double(0.1),
            "trainAccuracy": .double(train), "trainLoss": .double(0.1), "stepsTo100": .null, "evaluations": .int(4),
        ])
    }

    func finish(_ sweep: SweepDirectory, _ index: Int, _ json: JSONValue) throws {
        try FileManager.default.createDirectory(atPath: sweep.runPath(index), withIntermediateDirectories: true)
        try json.text.write(toFile: "\(sweep.runPath(index))/summary.json", atomically: true, encoding: .utf8)
        try sweep.spec.config(of: index).json.prettyText.write(
            toFile: "\(sweep.runPath(index))/config.json", atomically: true, encoding: .utf8)
    }

    @Test func theXAxisIsTheFirstFieldWithTwoNumbers() throws {
        let both = try spec("preset: kp-small\ngrid: {sigma: [0, 0.1], M: [2, 4]}\n", name: "both.yaml")
        #expect(SweepCurves.xAxis(of: both) == 0)  // axes M, sigma
        let second = try spec("preset: kp-small\ngrid: {sigma: [0, 0.1], M: [4]}\n", name: "second.yaml")
        #expect(SweepCurves.xAxis(of: second) == 1)
        let none = try spec(
            "preset: kp-small\ngrid: {architecture: [cnn, fc], M: [4, 4.0]}\n", name: "none.yaml")
        #expect(SweepCurves.xAxis(of: none) == nil)
    }

    /// Real runs of kp-small: M × architecture, 2 seeds. Test error against M, one line per
    /// architecture, each point the median of the runs' summary.json; a run not done is left out.
    @Test func realRunsGiveOneLinePerArchitectureWithTheMediansOfTheSeeds() throws {
        let s = try spec(
            """
            preset: kp-small
            seeds: 2
            set: {steps: 50, nTest: 100, schedule: "every(25)"}
            grid:
              M: [2, 4]
              architecture: [cnn, fc]
            """, name: "curves.yaml")
        #expect(s.axes.map(\.field) == ["M", "architecture"])  // by name: "M" < "architecture"
        let sweep = try SweepDirectory.create(at: "\(dir)/curves", spec: s)
        #expect(try sweep.runAll(workers: 2) == (8, 0))
        #expect(try sweep.summarize() == 0)

        // Test errors from the runs' own summary.json, by architecture and M.
        var errors: [String: [Double]] = [:]
        for index in 0..<s.runCount {
            let json = try JSONValue.parse(read("\(sweep.runPath(index))/summary.json"))
            let p = s.parameters(of: index).map(\.value)
            errors["\(p[1].stringValue!) \(p[0].intValue!)", default: []].append(1 - json["testAccuracy"]!.doubleValue!)
        }
        #expect(errors.count == 4 && errors.values.allSatisfy { $0.count == 2 })

        let report = try read("\(sweep.path)/report.html")
        #expect(report.contains("<section id=\"against-M\">") && report.contains("<h2>Figures against M</h2>"))
        let named = plotsNamed(in: report)
        #expect(named.contains("phase.svg"))
        for file in ["testError", "trainError", "bestKeyCosine", "keyShare"].map({ "against-M-\($0).svg" }) {
            #expect(named.contains(file), "\(file) not in the report")
        }
        for file in named {
            #expect(FileManager.default.fileExists(atPath: "\(sweep.path)/plots/\(file)"), "plots/\(file) missing")
        }
        #expect(named.filter { $0.hasPrefix("against-") }.allSatisfy { $0.hasPrefix("against-M-") })

        let svg = try read("\(sweep.path)/plots/against-M-testError.svg")
        #expect(seriesNames(svg) == ["architecture=cnn, median", "architecture=fc, median"])
        // The fc net records no key-pattern figures: only the CNN's line.
        #expect(
            seriesNames(try read("\(sweep.path)/plots/against-M-bestKeyCosine.svg")) == ["architecture=cnn, median"])

        // The values table: rows M = 2, 4; columns M, cnn, fc; "median [q1, q3] (runs)".
        let rows = table(after: "against-M-testError.svg", in: report)
        #expect(rows.map { $0.first } == ["2", "4"])
        for (r, m) in [2, 4].enumerated() {
            for (c, arch) in ["cnn", "fc"].enumerated() {
                // With 100 test points the errors are multiples of 0.01 and their medians of 0.005,
                // which the table's three decimals show exactly.
                let expected = median(errors["\(arch) \(m)"]!)
                let shown = Double(rows[r][c + 1].prefix { $0 != " " })
                #expect(shown.map { abs($0 - expected) < 1e-9 } == true, "\(arch) M=\(m): \(rows[r][c + 1])")
                #expect(rows[r][c + 1].hasSuffix("(2)"))
            }
        }

        // The plotted heights are one affine map of these medians (pixels to 2 decimals).
        var pairs: [(value: Double, y: Double)] = []
        for arch in ["cnn", "fc"] {
            let points = polyline(svg, "architecture=\(arch), median")
            #expect(points.count == 2)
            #expect(points.count < 2 || points[0].x < points[1].x)
            for (k, m) in [2, 4].enumerated() where k < points.count {
                pairs.append((median(errors["\(arch) \(m)"]!), points[k].y))
            }
        }
        let lo = pairs.min { $0.value < $1.value }!
        let hi = pairs.max { $0.value < $1.value }!
        #expect(hi.value > lo.value, "every median is the same: nothing to check the scale against")
        if hi.value > lo.value {
            let slope = (hi.y - lo.y) / (hi.value - lo.value)
            #expect(slope < 0)  // larger values higher up
            for p in pairs {
                #expect(abs(lo.y + slope * (p.value - lo.value) - p.y) < 0.05, "\(p) off the line")
            }
        }

        // Run 2 (M = 2, fc, seed 0) not done: its point holds the other seed only.
        try FileManager.default.removeItem(atPath: "\(sweep.runPath(2))/summary.json")
        #expect(try sweep.summarize() == 1)
        let after = try read("\(sweep.path)/report.html")
        let cell = table(after: "against-M-testError.svg", in: after)[0][2]
        let seed1 = 1 - (try JSONValue.parse(read("\(sweep.runPath(3))/summary.json"))["testAccuracy"]!.doubleValue!)
        let numbers = cell.split { " [],()".contains($0) }.compactMap { Double($0) }
        #expect(
            numbers.count == 4 && numbers[0..<3].allSatisfy { abs($0 - seed1) < 1e-9 } && numbers[3] == 1, "\(cell)")
        #expect(after.contains("1–2 of 2 seeds per point"))
    }

    /// One swept field: a single line "all runs"; values spanning 8× are drawn on a log scale.
    @Test func oneNumericFieldGivesOneLineOnALogScale() throws {
        let s = try spec("preset: kp-small\nseeds: 3\ngrid: {M: [2, 16]}\n", name: "one.yaml")
        let sweep = try SweepDirectory.create(at: "\(dir)/one", spec: s)
        let accuracies = [0.5, 0.9, 0.75, 1, 1, 0.8]
        for (index, a) in accuracies.enumerated() { try finish(sweep, index, summary(test: a, train: 1)) }
        try sweep.summarize()
        let svg = try read("\(sweep.path)/plots/against-M-testError.svg")
        #expect(seriesNames(svg) == ["all runs, median"])
        #expect(svg.contains("M (log scale)"))
        let report = try read("\(sweep.path)/report.html")
        #expect(
            table(after: "against-M-testError.svg", in: report) == [
                ["2", "0.25 [0.175, 0.375] (3)"], ["16", "0 [0, 0.1] (3)"],
            ])
        // Train error is 0 in every run: still drawn. No key-pattern figures were recorded.
        #expect(FileManager.default.fileExists(atPath: "\(sweep.path)/plots/against-M-trainError.svg"))
        #expect(!FileManager.default.fileExists(atPath: "\(sweep.path)/plots/against-M-bestKeyCosine.svg"))
        for file in plotsNamed(in: report) {
            #expect(FileManager.default.fileExists(atPath: "\(sweep.path)/plots/\(file)"), "plots/\(file) missing")
        }
    }

    /// No numeric field with two values: no section, no such plots, and the rest as before.
    @Test func noNumericFieldGivesNoSection() throws {
        for (name, grid) in [("text", "{architecture: [cnn, fc]}"), ("single", "{M: [4], architecture: [cnn, fc]}")] {
            let s = try spec("preset: kp-small\nseeds: 2\ngrid: \(grid)\n", name: "\(name).yaml")
            let sweep = try SweepDirectory.create(at: "\(dir)/\(name)", spec: s)
            for index in 0..<s.runCount { try finish(sweep, index, summary(test: 0.75, train: 1)) }
            #expect(try sweep.summarize() == 0)
            let report = try read("\(sweep.path)/report.html")
            #expect(!report.contains("Figures against"))
            // Only the phase diagrams: the success (phase.svg), the median test accuracy and T₁₀₀.
            let phases = ["phase-stepsTo100.svg", "phase-testAccuracy.svg", "phase.svg"]
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(sweep.path)/plots").sorted() == phases)
            #expect(plotsNamed(in: report).sorted() == phases)
        }
    }
}
