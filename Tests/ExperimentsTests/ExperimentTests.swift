import Experiments
import Foundation
import Testing
import _TestSupport

@Suite struct ExperimentTests {
    func small(_ overrides: [String] = [], seed: Int = 0) throws -> ExperimentConfig {
        try ConfigResolver.resolve(
            preset: "kp-bench", overrides: ["steps=40", "nTest=200", "schedule=every(10)"] + overrides, seed: seed)
    }

    func runInto(_ config: ExperimentConfig, _ name: String) throws -> (RunSummary, String) {
        let path = temporaryDirectory(name)
        let summary = try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
        return (summary, path)
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func runDirectoryHoldsEveryFile() throws {
        let (summary, path) = try runInto(try small(), "files")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for name in ["config.json", "provenance.json", "metrics.jsonl", "filters.jsonl", "summary.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(path)/\(name)"), "\(name)")
        }
        let lines = read("\(path)/metrics.jsonl").split(separator: "\n")
        #expect(lines.count == 5 && summary.evaluations == 5)
        let first = try JSONValue.parse(String(lines[0]))
        for key in [
            "step", "trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "keyShare", "normRatio", "bestKeyCosine",
        ] {
            #expect(first[key] != nil, "metrics.jsonl lacks \(key)")
        }
        #expect(first["step"] == .int(0))
        let filters = try JSONValue.parse(String(read("\(path)/filters.jsonl").split(separator: "\n")[4]))
        #expect(filters["step"] == .int(40))
        #expect(filters["norms"]?.arrayValue?.count == 32)
        #expect(
            filters["cosines"]?.arrayValue?.count == 32 && filters["cosines"]?.arrayValue?[0].arrayValue?.count == 32)
        let written = try RunSummary(json: JSONValue.parse(read("\(path)/summary.json")))
        #expect(written == summary)
        let config = try ExperimentConfig.decode(JSONValue.parse(read("\(path)/config.json")))
        #expect(config == (try small()))
    }

    @Test func sameConfigAndSeedGiveIdenticalBytes() throws {
        let (_, a) = try runInto(try small(), "det-a")
        let (_, b) = try runInto(try small(), "det-b")
        let (_, c) = try runInto(try small(seed: 1), "det-c")
        defer { for p in [a, b, c] { try? FileManager.default.removeItem(atPath: p) } }
        for name in ["metrics.jsonl", "filters.jsonl", "summary.json", "config.json"] {
            #expect(!read("\(a)/\(name)").isEmpty, "\(name) missing or empty")
            #expect(read("\(a)/\(name)") == read("\(b)/\(name)"), "\(name) differs between identical runs")
        }
        #expect(read("\(a)/metrics.jsonl") != read("\(c)/metrics.jsonl"))
    }

    @Test func batchSizeDoesNotChangeInitialWeightsOrTestSet() throws {
        let one = try Experiment(try small(["steps=10"]))
        let four = try Experiment(try small(["steps=10", "batchSize=4"]))
        let (_, a) = try runInto(one.config, "b1")
        let (_, b) = try runInto(four.config, "b4")
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        let stepZero = { (p: String) in String(self.read("\(p)/filters.jsonl").split(separator: "\n")[0]) }
        #expect(stepZero(a) == stepZero(b))
        let m0 = { (p: String) in try JSONValue.parse(String(self.read("\(p)/metrics.jsonl").split(separator: "\n")[0]))
        }
        #expect(try m0(a)["testLoss"] != nil && m0(a)["testLoss"] == m0(b)["testLoss"])
    }

    /// Golden trajectory: kp-bench seed 0, 40 steps, 200 test examples. The values were produced by
    /// this implementation and checked against the dynamics the paper predicts (accuracy rising,
    /// key cosine rising); a change here means the numerics changed.
    @Test func goldenShortTrajectory() throws {
        let (summary, path) = try runInto(try small(), "golden")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try read("\(path)/metrics.jsonl").split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let accuracy = lines.map { $0["testAccuracy"]!.doubleValue! }
        let cosine = lines.map { $0["bestKeyCosine"]!.doubleValue! }
        #expect(accuracy == GOLDEN_ACCURACY, "test accuracy trajectory \(accuracy)")
        #expect(closeness(cosine, GOLDEN_COSINE, rtol: 1e-9).isClose, "best-key cosine trajectory \(cosine)")
        #expect(summary.stepsTo100 == GOLDEN_T100)
    }

    @Test func reachesFullAccuracyAndLearnsTheKeys() throws {
        let config = try ConfigResolver.resolve(
            preset: "kp-bench", overrides: ["steps=300", "nTest=300", "schedule=every(100)"], seed: 3)
        let summary = try Experiment(config).run()
        #expect(summary.status == .completed)
        #expect(summary.testAccuracy == 1)
        #expect(summary.keys!.bestKeyCosine > 0.9)
        #expect(summary.keys!.keyShare > 0.85)
        #expect(summary.keys!.keysLearned == [0: true, 1: true])
    }

    @Test func divergenceIsARecordedResult() throws {
        let config = try small([
            "loss=square", "activation=square", "learningRate=1000", "readout=fixedSign(1)", "init=gaussian(1)",
        ])
        let (summary, path) = try runInto(config, "diverge")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(summary.status == .diverged)
        #expect(summary.steps < 40)
        let written = try JSONValue.parse(read("\(path)/summary.json"))
        #expect(written["status"] == .string("diverged"))
        #expect(read("\(path)/metrics.jsonl").split(separator: "\n").count >= 1)
    }

    @Test func fixedTrainingSetWithMarginStop() throws {
        let config = try small(["nTrain=20", "batchSize=20", "stopAtMarginOne=true", "steps=2000", "learningRate=2"])
        let summary = try Experiment(config).run()
        #expect(summary.trainAccuracy == 1)
        #expect(summary.steps < 2000)
    }

    @Test func outputDirectoryProblemsAreReportedBeforeWriting() throws {
        let path = temporaryDirectory("busy")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "keep".write(toFile: "\(path)/notes.txt", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: OutputError.self) { _ = try RunDirectory.create(at: path, overwrite: false) }
        // --overwrite replaces run files only: a directory holding other files is refused, not wiped.
        #expect(throws: OutputError.self) { _ = try RunDirectory.create(at: path, overwrite: true) }
        #expect(read("\(path)/notes.txt") == "keep")
        #expect(throws: OutputError.self) {
            _ = try RunDirectory.create(at: "/proc/convdyn-cannot-write", overwrite: false)
        }
        #expect(throws: OutputError.self) { _ = try RunDirectory.create(at: "\(path)/notes.txt", overwrite: false) }
    }
}
