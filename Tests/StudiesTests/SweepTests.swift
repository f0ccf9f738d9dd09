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
        let killed = Process()
        killed.executableURL = URL(fileURLWithPath: "/bin/true")
        try killed.run()
        killed.waitUntilExit()
        try "\(LockOwner.current.host) \(killed.processIdentifier) 1 abc\n".write(
            toFile: resumed.lockPath(3), atomically: true, encoding: .utf8)
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
        // The columns of earlier releases, in order: the registry must keep them (scripts read them by name).
        let columns = [
            "index,directory,seed,M,sigma,status,steps,testAccuracy,trainAccuracy,stepsTo100,bestKeyCosine,",
            "keyShare,normRatio,keyFilterCount,keyProjectionGrowth,commonProjectionGrowth,gini,top8Share,",
            "diverseTestError,unrestrictedTestError,positivePatternsDetected,negativePatternsDetected,",
            "psiSpearmanPositive,psiSpearmanNegative,signalLearning,noiseMemorization,signalNoiseRatio,",
            "signalProjection,offSignalNorm,thresholdBias,thresholdRatio,activeNoiseFraction,",
            "invariantDriftMax,invariantDriftRelativeMax,normChange,testLossRatio,firstDropStep,initialInvariantMax,",
            "readoutSignChanges,routingAccuracy,success",
        ]
        #expect(csv[0] == columns.joined())
        #expect(csv.count == 9)
        #expect(csv[2].contains(",completed,") && csv[3].contains(",missing,"))
        let phase = try String(contentsOfFile: "\(sweep.path)/phase.svg", encoding: .utf8)
        #expect(phase.components(separatedBy: "class=\"cell\"").count - 1 == 4)
        #expect(phase.contains("data-runs=\"1\""))
    }

    /// A hand-made summary.json (only the fields the criteria and the CSV read).
    func finish(_ sweep: SweepDirectory, _ index: Int, _ fields: [String: JSONValue]) throws {
        try FileManager.default.createDirectory(atPath: sweep.runPath(index), withIntermediateDirectories: true)
        try JSONValue.object(fields).text.write(
            toFile: "\(sweep.runPath(index))/summary.json", atomically: true, encoding: .utf8)
        try sweep.spec.config(of: index).json.prettyText.write(
            toFile: "\(sweep.runPath(index))/config.json", atomically: true, encoding: .utf8)
    }

    @Test func successCriteriaOnHandSummaries() throws {
        func holds(_ text: String, _ fields: [String: JSONValue], theta: Double = 0.9) throws -> Bool {
            try SuccessCriterion(text: text, source: "test").holds(.object(fields), theta: theta)
        }
        // reached100: T₁₀₀ exists (test accuracy exactly 1 at some evaluation).
        #expect(try holds("reached100", ["stepsTo100": .int(300)]))
        #expect(try holds("reached100", ["stepsTo100": .int(0)]))  // already at step 0
        #expect(try !holds("reached100", ["stepsTo100": .null, "testAccuracy": .double(0.99)]))  // never
        #expect(try !holds("reached100", ["testAccuracy": .int(1)]))  // no T₁₀₀ recorded at all
        #expect(try !holds("reached100", ["status": .string("diverged"), "stepsTo100": .null]))
        // Diverged after reaching 100%: a diverged run's figures are not results (as in claims).
        #expect(try !holds("reached100", ["status": .string("diverged"), "stepsTo100": .int(200)]))
        #expect(try holds("reached100", ["status": .string("completed"), "stepsTo100": .int(200)]))
        // keysLearned: best-key cosine > θ (strictly), with the θ given.
        #expect(try holds("keysLearned", ["bestKeyCosine": .double(0.95)]))
        #expect(try !holds("keysLearned", ["bestKeyCosine": .double(0.9)]))
        #expect(try holds("keysLearned", ["bestKeyCosine": .double(0.6)], theta: 0.5))
        #expect(try !holds("keysLearned", ["bestKeyCosine": .double(0.6)]))
        #expect(try !holds("keysLearned", ["status": .string("diverged"), "bestKeyCosine": .string("NaN")]))
        #expect(try !holds("keysLearned", ["testAccuracy": .int(1)]))  // an image run: no key cosine
        // FIELD>=X, inclusive; a missing, NaN or non-numeric field is not a success.
        #expect(try holds("testAccuracy>=0.9", ["testAccuracy": .double(0.9)]))
        #expect(try !holds("testAccuracy>=0.9", ["testAccuracy": .double(0.89)]))
        #expect(try holds(" keyShare >= 0.85 ", ["keyShare": .int(1)]))
        #expect(try !holds("testAccuracy>=0.9", ["testAccuracy": .string("NaN")]))
        #expect(try !holds("testAccuracy>=0.9", ["keyShare": .double(1)]))
        #expect(try !holds("status>=0", ["status": .string("completed")]))
        // A diverged run is not a success, whatever it recorded before the divergence.
        #expect(try !holds("testAccuracy>=0.9", ["status": .string("diverged"), "testAccuracy": .double(0.95)]))
    }

    /// A run directory whose config.json is not the config the sweep gives its index (a `train
    /// --out runs/000000 --overwrite` of another config, a copied run) is not this sweep's result.
    @Test func aRunOfAnotherConfigIsNotDone() throws {
        let s = try spec(Self.small, name: "foreign.yaml")
        let sweep = try SweepDirectory.create(at: "\(dir)/foreign", spec: s)
        try finish(sweep, 0, ["status": .string("completed"), "steps": .int(30)])
        #expect(sweep.status(of: 0) == .done)
        var other = try s.config(of: 0)
        other.network.M += 1
        try other.json.prettyText.write(
            toFile: "\(sweep.runPath(0))/config.json", atomically: true, encoding: .utf8)
        #expect(sweep.status(of: 0) == .missing)
        try FileManager.default.removeItem(atPath: "\(sweep.runPath(0))/config.json")
        #expect(sweep.status(of: 0) == .missing)
    }

    /// Runs done, diverged, never at 100%, missing, failed and running, by hand: the CSV marks each,
    /// and the phase diagram counts only the runs with a summary.
    @Test func summaryAndPhaseDiagramCountFinishedRunsOnly() throws {
        let s = try spec(
            "preset: kp-small\nseeds: 3\nset: {steps: 30}\ngrid:\n  M: [2, 4]\n  sigma: [0, 0.1]\n", name: "hand.yaml")
        let sweep = try SweepDirectory.create(at: "\(dir)/hand", spec: s)
        func run(_ status: String, _ steps: Int, t100: Int?) -> [String: JSONValue] {
            ["status": .string(status), "steps": .int(steps), "stepsTo100": t100.map(JSONValue.int) ?? .null]
        }
        // Index = combination × 3 + seed; combinations (M, σ) = (2, 0), (2, 0.1), (4, 0), (4, 0.1).
        try finish(sweep, 0, run("completed", 30, t100: 20))
        try finish(sweep, 1, run("completed", 30, t100: nil))  // never at 100%
        try finish(sweep, 2, run("diverged", 7, t100: nil))
        // 3: never started; 4: failed; 5: running (locked by this process).
        try FileManager.default.createDirectory(atPath: sweep.runPath(4), withIntermediateDirectories: true)
        try "boom\n".write(toFile: "\(sweep.runPath(4))/.failed", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: sweep.runPath(5), withIntermediateDirectories: true)
        let lock = try #require(try RunLock.claim(sweep.lockPath(5)))
        defer { lock.release() }
        try finish(sweep, 6, run("completed", 30, t100: 0))
        // Reached 100% at step 10, then diverged: not a success (a diverged run's figures are not results).
        try finish(sweep, 7, run("diverged", 25, t100: 10))
        try finish(sweep, 8, run("completed", 30, t100: 30))
        try finish(sweep, 9, ["status": .string("completed"), "steps": .int(30)])  // no stepsTo100 at all
        try finish(sweep, 10, run("completed", 30, t100: nil))
        try finish(sweep, 11, run("diverged", 3, t100: nil))
        #expect(try sweep.summarize() == 3)

        let csv = try String(contentsOfFile: "\(sweep.path)/sweep_summary.csv", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
        let header = csv[0]
        #expect(csv.count == 14 && csv[13] == [""])  // 12 rows and the final newline
        #expect(csv[1..<13].allSatisfy { $0.count == header.count }, "rows of another width than the header")
        let column = { (name: String) in header.firstIndex(of: name)! }
        func cell(_ index: Int, _ name: String) -> String { csv[index + 1][column(name)] }
        #expect(
            (0..<12).map { cell($0, "status") } == [
                "completed", "completed", "diverged", "missing", "failed", "running",
                "completed", "diverged", "completed", "completed", "completed", "diverged",
            ])
        #expect((0..<12).map { cell($0, "success") } == ["1", "0", "0", "", "", "", "1", "0", "1", "0", "0", "0"])
        #expect((0..<12).map { cell($0, "stepsTo100") } == ["20", "", "", "", "", "", "0", "10", "30", "", "", ""])
        #expect(csv[4] == ["3", "runs/000003", "0", "2", "0.1", "missing"] + Array(repeating: "", count: 35))
        #expect(csv[3][0..<7] == ["2", "runs/000002", "2", "2", "0", "diverged", "7"])

        // Cells by σ (rows, 0 first) then M: (2, 0) 1 of 3, (4, 0) 2 of 3, (2, 0.1) none finished,
        // (4, 0.1) 0 of 3. Wilson 95% (z² = 3.8415): k = 0 gives [0, z²/(n + z²)] = [0, 0.5615];
        // 1 of 3: centre (1/3 + z²/6)/(1 + z²/3) = 0.9736/2.2805 = 0.4269, half-width
        // z·√(2/27 + z²/36)/2.2805 = 1.96·0.4252/2.2805 = 0.3654; 2 of 3: centre 1.3070/2.2805 = 0.5731,
        // the same half-width.
        let phase = try String(contentsOfFile: "\(sweep.path)/phase.svg", encoding: .utf8)
        let cells = phase.components(separatedBy: "<rect class=\"cell\" ").dropFirst()
        #expect(cells.count == 4)
        let expected = [
            ("1", "3", "0.33", "[0.06–0.79]"), ("2", "3", "0.67", "[0.21–0.94]"),
            ("0", "0", "n/a", "[0.00–1.00]"), ("0", "3", "0.00", "[0.00–0.56]"),
        ]
        for (text, (k, n, rate, interval)) in zip(cells, expected) {
            #expect(text.hasPrefix("data-successes=\"\(k)\" data-runs=\"\(n)\""), "\(text)")
            #expect(text.contains(">\(rate)</text>") && text.contains(">\(interval)</text>"), "\(text)")
            #expect(text.contains(">\(k)/\(n)</text>"), "\(text)")
        }
        let report = try String(contentsOfFile: "\(sweep.path)/report.html", encoding: .utf8)
        #expect(report.contains("3 of 12 runs are not done"))
    }

    /// keysLearned compares with the θ of the sweep's own config.
    @Test func keysLearnedUsesTheSweepsTheta() throws {
        let s = try spec(
            "preset: kp-small\nset: {theta: 0.5}\ngrid: {M: [2, 4]}\nsuccess: keysLearned\n", name: "theta.yaml")
        let sweep = try SweepDirectory.create(at: "\(dir)/theta", spec: s)
        try finish(sweep, 0, ["status": .string("completed"), "bestKeyCosine": .double(0.6)])  // > 0.5, < 0.9
        try finish(sweep, 1, ["status": .string("completed"), "bestKeyCosine": .double(0.5)])  // not > 0.5
        #expect(try sweep.summarize() == 0)
        let rows = try String(contentsOfFile: "\(sweep.path)/sweep_summary.csv", encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.dropFirst().map { $0.last! } == ["1", "0"])
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
        // 19 of 20 runs reach 100% by step 500 (one at 600): 0.95 → PASS; Wilson 95% interval of 19/20 is
        // 0.764–0.991.
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
