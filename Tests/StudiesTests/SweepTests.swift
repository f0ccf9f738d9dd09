import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Studies

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct SweepTests {
    let dir = temporaryDirectory("sweeps")

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    func spec(_ text: String, name: String = "s.yaml") throws -> SweepSpec {
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return try SweepSpec.load("\(dir)/\(name)")
    }

    static let small = """
        preset: kp-small
        seeds: 2
        set: {steps: 30, nTest: 100, schedule: "every(10)"}
        grid:
          sigma: [0, 0.1]
          M: [2, 4]
        """

    func files(_ root: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: root)
        while let f = e?.nextObject() as? String {
            guard !f.hasSuffix("provenance.json"), !f.hasPrefix("slurm"), !f.hasSuffix("report.html") else { continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(f)", isDirectory: &isDir), !isDir.boolValue {
                out[f] = FileManager.default.contents(atPath: "\(root)/\(f)")
            }
        }
        return out
    }

    @Test func expandsTheGridInAFixedOrder() throws {
        let s = try spec(Self.small)
        #expect(s.runCount == 8 && s.combinationCount == 4)
        #expect(s.axes.map(\.field) == ["M", "sigma"])  // sorted by name
        // index = combination × seeds + seed index; first axis slowest.
        #expect(s.parameters(of: 0).map(\.value) == [.int(2), .int(0)] && s.seed(of: 0) == 0)
        #expect(s.parameters(of: 3).map(\.value) == [.int(2), .double(0.1)] && s.seed(of: 3) == 1)
        #expect(s.parameters(of: 4).map(\.value) == [.int(4), .int(0)])
        let c = try s.config(of: 5)
        #expect(c.network.M == 4 && c.data.sigma == 0 && c.seed == 1 && c.training.steps == 30)
    }

    @Test func badSpecsAreNamed() throws {
        func message(_ text: String) -> String {
            do {
                _ = try spec(text)
                return ""
            } catch { return "\(error)" }
        }
        #expect(message("preset: kp-bench\ngrid: {}\n").contains("the grid is empty"))
        #expect(message("preset: kp-bench\ngrid: {bogus: [1]}\n").contains("unknown config field 'bogus'"))
        #expect(message("preset: kp-bench\ngrid: {M: [3]}\n").contains("network.M = 3"))
        #expect(message("preset: kp-bench\ngrid: {M: []}\n").contains("non-empty list"))
        #expect(message("preset: kp-bench\nseeds: 0\ngrid: {M: [2]}\n").contains("seeds must be ≥ 1"))
        #expect(message("preset: kp-bench\ngrids: {M: [2]}\n").contains("unknown key 'grids'"))
        #expect(message("grid: {M: [2]}\n").contains("needs `preset: NAME`"))
        #expect(message("preset: kp-bench\ngrid: {M: [2]}\nsuccess: fast\n").contains("success 'fast'"))
        #expect(message("preset: kp-bench\ngrid: [1, 2\n").contains("not valid YAML"))
    }

    @Test func parallelEqualsSerialAndAKilledSweepResumesToTheSameBytes() throws {
        let s = try spec(Self.small)
        let serial = try SweepDirectory.create(at: "\(dir)/serial", spec: s)
        #expect(try serial.runAll(workers: 1) == (8, 0))
        try serial.summarize()
        let parallel = try SweepDirectory.create(at: "\(dir)/parallel", spec: s)
        #expect(try parallel.runAll(workers: 3) == (8, 0))
        try parallel.summarize()
        #expect(files(serial.path) == files(parallel.path))
        #expect(files(serial.path).keys.contains("sweep_summary.csv") && files(serial.path).keys.contains("phase.svg"))

        // Interrupted: two runs finished, one killed half-written (no summary.json, a stale marker).
        let resumed = try SweepDirectory.create(at: "\(dir)/resumed", spec: s)
        try resumed.run(index: 0, threads: 1)
        try resumed.run(index: 6, threads: 1)
        try FileManager.default.createDirectory(atPath: resumed.runPath(3), withIntermediateDirectories: true)
        try "{\"step\":0".write(toFile: "\(resumed.runPath(3))/metrics.jsonl", atomically: true, encoding: .utf8)
        try "\(ProcessInfo.processInfo.hostName) 999999".write(
            toFile: "\(resumed.runPath(3))/.running", atomically: true, encoding: .utf8)
        #expect(resumed.status(of: 3) == .missing)
        #expect(resumed.counts()[.done] == 2)
        let finishedBefore = try Data(contentsOf: URL(fileURLWithPath: "\(resumed.runPath(0))/summary.json"))
        #expect(try resumed.runAll(workers: 2) == (6, 2))
        try resumed.summarize()
        #expect(files(resumed.path) == files(serial.path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(resumed.runPath(0))/summary.json")) == finishedBefore)
        #expect(try resumed.runAll(workers: 2) == (0, 8))
    }

    @Test func refusesToMixSweepsAndReportsMissingRuns() throws {
        let s = try spec(Self.small)
        let sweep = try SweepDirectory.create(at: "\(dir)/mix", spec: s)
        let other = try spec(Self.small.replacingOccurrences(of: "seeds: 2", with: "seeds: 3"), name: "t.yaml")
        #expect(throws: OutputError.self) { _ = try SweepDirectory.create(at: sweep.path, spec: other) }
        #expect(try SweepDirectory.create(at: sweep.path, spec: s).spec == s)
        try "x".write(toFile: "\(dir)/notes.txt", atomically: true, encoding: .utf8)
        #expect(throws: OutputError.self) { _ = try SweepDirectory.create(at: dir, spec: s) }
        #expect(throws: OutputError.self) { _ = try SweepDirectory.open("\(dir)/nothing") }
        #expect(throws: OutputError.self) { try sweep.run(index: 8, threads: 1) }
        try sweep.run(index: 1, threads: 1)
        #expect(try sweep.summarize() == 7)
        let csv = try String(contentsOfFile: "\(sweep.path)/sweep_summary.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 9 && csv[0].hasPrefix("index,directory,seed,M,sigma,status"))
        #expect(csv[2].contains(",completed,") && csv[3].contains(",missing,"))
        let phase = try String(contentsOfFile: "\(sweep.path)/phase.svg", encoding: .utf8)
        #expect(phase.components(separatedBy: "class=\"cell\"").count - 1 == 4)
        #expect(phase.contains("data-runs=\"1\""))
    }

    @Test func slurmScriptsCoverEveryIndexAndDependOnTheArray() throws {
        let sweep = try SweepDirectory.create(at: "\(dir)/slurm-sweep", spec: try spec(Self.small))
        let submit = try SlurmScripts.write(
            for: sweep, executable: "/opt/convdyn", maxParallel: 3, partition: "debug", time: "00:05:00")
        let array = try String(
            contentsOfFile: submit.replacingOccurrences(of: "submit.sh", with: "array.sbatch"), encoding: .utf8)
        #expect(
            array.contains("#SBATCH --array=0-7%3") && array.contains("#SBATCH --partition=debug")
                && array.contains("#SBATCH --time=00:05:00"))
        #expect(array.contains("'/opt/convdyn' sweep run") && array.contains("--index \"$SLURM_ARRAY_TASK_ID\""))
        let script = try String(contentsOfFile: submit, encoding: .utf8)
        #expect(script.contains("--dependency=afterany:$array aggregate.sbatch"))
        let aggregate = try String(
            contentsOfFile: submit.replacingOccurrences(of: "submit.sh", with: "aggregate.sbatch"), encoding: .utf8)
        #expect(aggregate.contains("sweep summarize"))
    }
}

@Suite struct ClaimTests {
    func summary(t100: Int?, cosine: Double = 0.95, share: Double = 0.9, ratio: Double = 3) throws -> RunSummary {
        try RunSummary(
            json: .object([
                "status": .string("completed"), "preset": .string("kp-bench"), "seed": .int(0), "steps": .int(1000),
                "testAccuracy": .double(1), "testAccuracyNoisy": .double(1), "testLoss": .double(0),
                "trainAccuracy": .double(1),
                "trainLoss": .double(0), "stepsTo100": t100.map(JSONValue.int) ?? .null, "evaluations": .int(101),
                "bestKeyCosine": .double(cosine), "keyShare": .double(share), "normRatio": .double(ratio),
                "keyMass": .double(0.9),
                "keyFilterCount": .int(20), "positiveKeyFilterCount": .int(10), "negativeKeyFilterCount": .int(10),
                "keyProjectionGrowth": .double(0.3), "commonProjectionGrowth": .double(0.01),
                "nonKeyNormGrowth": .double(5),
                "nonKeyNormGrowthMedian": .double(4),
            ]))
    }

    @Test func a1RowsCountRunsAndUseWilsonIntervals() throws {
        // 19 of 20 runs reach 100% by step 500 (one at 600): 0.95 → PASS; Wilson 95% interval of 19/20 is 0.764–0.991.
        let runs = try (0..<19).map { _ in try summary(t100: 50) } + [summary(t100: 600, cosine: 0.5)]
        let rows = Claim.a1.judge(runs)
        #expect(rows.map(\.id) == ["A1a", "A1b", "A1c"])
        #expect(rows[0].value == 0.95 && rows[0].passed && rows[0].detail == "19/20 runs")
        #expect(abs(rows[0].interval.lowerBound - 0.7639) < 1e-3 && abs(rows[0].interval.upperBound - 0.9911) < 1e-3)
        let worse = try (0..<18).map { _ in try summary(t100: 50) } + [summary(t100: nil), summary(t100: nil)]
        #expect(!Claim.a1.judge(worse)[0].passed)
    }

    @Test func medianIntervalIsFromOrderStatistics() {
        // n = 100: ranks ⌊50 − 9.8⌋ = 40 and ⌈51 + 9.8⌉ = 61 (1-based) of 1…100.
        let values = (1...100).map(Double.init)
        #expect(medianInterval(values) == 40...61)
        #expect(quantile(values, 0.5) == 50.5)
    }
}
