import Foundation
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// Issue 14: divergence of any kind, `--overwrite`, and whole lines when the disk fills.
@Suite struct RunReliabilityTests {
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// `convdyn train --preset kp-small --set steps=200 --set loss=square --set learningRate=η`.
    func diverging(_ rate: String, steps: Int = 200) throws -> ExperimentConfig {
        try ConfigResolver.resolve(
            preset: "kp-small", overrides: ["steps=\(steps)", "loss=square", "learningRate=\(rate)"], seed: 0)
    }

    func runInto(_ config: ExperimentConfig, _ name: String) throws -> (RunSummary, String) {
        let path = temporaryDirectory(name)
        let summary = try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
        return (summary, path)
    }

    /// The weights overflow while the loss stays finite (ReLU filters at −∞ output 0): the run is
    /// diverged, and no file holds an infinity or a NaN norm.
    @Test(arguments: ["1000", "1e6", "3e38"])
    func infiniteWeightsAreDivergence(rate: String) throws {
        let (summary, path) = try runInto(try diverging(rate), "weights-diverge")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(summary.status == .diverged)
        #expect(summary.steps < 200)
        for file in ["metrics.jsonl", "filters.jsonl", "summary.json"] {
            #expect(!read("\(path)/\(file)").contains("Infinity"), "\(file)")
        }
        let written = try JSONValue.parse(read("\(path)/summary.json"))
        #expect(written["status"] == .string("diverged"))
        #expect(written["steps"] == .int(summary.steps))
        // Every line written holds finite filter norms, and the last one is before the divergence.
        let lines = read("\(path)/metrics.jsonl").split(separator: "\n").map { try? JSONValue.parse(String($0)) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0 != nil })
        for line in lines.compactMap({ $0 }) {
            #expect(line["maxFilterNorm"]?.doubleValue?.isFinite == true)
            #expect(line["testLoss"]?.doubleValue?.isFinite == true)
            #expect(line["step"]!.intValue! < summary.steps)
        }
    }

    /// The step recorded is the first with a non-finite value: one step fewer completes.
    @Test func divergenceStepIsTheFirstNonFiniteOne() throws {
        let diverged = try Experiment(try diverging("1000")).run()
        #expect(diverged.status == .diverged)
        let before = try Experiment(try diverging("1000", steps: diverged.steps - 1)).run()
        #expect(before.status == .completed)
        #expect(before.steps == diverged.steps - 1)
    }

    /// A diverged run meets no claim condition and its figures are NaN to claims, even where its last
    /// finite evaluation would have passed.
    @Test func divergedRunsAreNotResultsForClaims() throws {
        func summary(_ status: String) throws -> RunSummary {
            try RunSummary(
                json: .object([
                    "status": .string(status), "preset": .string("kp-bench"), "seed": .int(0), "steps": .int(30),
                    "testAccuracy": .double(1), "testAccuracyNoisy": .double(1), "testLoss": .double(0),
                    "trainAccuracy": .double(1), "trainLoss": .double(0), "stepsTo100": .int(10),
                    "evaluations": .int(4),
                ]))
        }
        let done = try summary("completed")
        let diverged = try summary("diverged")
        let reached = RunCondition.stepsTo100(atMost: 500)
        #expect(reached.holds(done))
        #expect(!reached.holds(diverged))
        #expect(reached.value(diverged).isNaN)
        let accuracy = RunCondition.Figure("testAccuracy") { $0.testAccuracy }
        #expect(accuracy.value(done) == 1 && accuracy.value(diverged).isNaN)
        let row = ClaimStatement.proportion("p", "s", [reached], Threshold(.atLeast, 0.9)).judge([done, diverged])
        #expect(row.value == 0.5 && row.detail == "1/2 runs")
    }

    // MARK: - --overwrite

    func makeFiles(_ dir: String, _ files: [String]) throws {
        for file in files {
            let path = "\(dir)/\(file)"
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "old".write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    static let everythingConvdynWrites = [
        "config.json", "provenance.json", "metrics.jsonl", "filters.jsonl", "summary.json", "selectivity.json",
        "top-patches.json", "top-patches.png", "report.html", ".running", ".failed", ".summary.json.tmp",
        "report.html.tmp", "filters/step-0000000.png", "filters/step-0001000.png", "plots/accuracy.svg",
        "plots/loss.svg.tmp",
    ]

    @Test func overwriteRemovesEveryStaleOutput() throws {
        let dir = temporaryDirectory("overwrite-stale")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try makeFiles(dir, Self.everythingConvdynWrites)
        _ = try RunDirectory.create(at: dir, overwrite: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])
    }

    @Test(arguments: ["notes.txt", "plots/mine.txt", "filters/photo.png", "config.json/inner", "runs/x"])
    func overwriteRefusesForeignFilesAndRemovesNothing(foreign: String) throws {
        let dir = temporaryDirectory("overwrite-foreign")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ours = Self.everythingConvdynWrites.filter { !foreign.hasPrefix($0 + "/") }
        try makeFiles(dir, ours + [foreign])
        do {
            _ = try RunDirectory.create(at: dir, overwrite: true)
            Issue.record("--overwrite emptied a directory holding \(foreign)")
        } catch let error as OutputError {
            let expected =
                foreign.hasPrefix("plots/") || foreign.hasPrefix("filters/")
                ? foreign : String(foreign.prefix { $0 != "/" })
            #expect(error.message.contains("did not write (\(expected)"), "\(error.message)")
        }
        for file in ours + [foreign] { #expect(FileManager.default.fileExists(atPath: "\(dir)/\(file)"), "\(file)") }
        #expect(throws: OutputError.self) { try RunDirectory.checkOverwritable(dir) }
    }

    // MARK: - Whole lines

    /// A write cut short after half its bytes is rolled back to the last whole line.
    @Test func shortWriteIsRolledBackToTheLastWholeLine() throws {
        let dir = temporaryDirectory("short-write")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let calls = Counter()
        let writer = try LineWriter(path: "\(dir)/metrics.jsonl") { fd, bytes in
            // Whole writes for two lines, then only half of one (a disk that fills up).
            writeBytes(fd, calls.increment() <= 2 ? bytes : bytes.prefix(bytes.count / 2))
        }
        try writer.write("{\"step\":0}")
        try writer.write("{\"step\":10}")
        try writer.synchronize()
        do {
            try writer.write("{\"step\":20,\"long\":\"\(String(repeating: "x", count: 100))\"}")
            Issue.record("a short write was not reported")
        } catch let error as OutputError {
            #expect(error.message.contains("\(dir)/metrics.jsonl") && error.message.contains("disk full"))
        }
        #expect(read("\(dir)/metrics.jsonl") == "{\"step\":0}\n{\"step\":10}\n")
    }

    /// /dev/full refuses every write with ENOSPC: one clear message naming the file.
    @Test func fullDeviceIsNamedAsDiskFull() throws {
        let writer = try LineWriter(path: "/dev/full")
        do {
            try writer.write("{\"step\":0}")
            Issue.record("a write to /dev/full succeeded")
        } catch let error as OutputError {
            #expect(error.message.hasPrefix("cannot write to /dev/full: disk full"), "\(error.message)")
        }
        #expect(throws: OutputError.self) { try writeFileAtomically("{}", to: "/dev/full/summary.json") }
    }
}

/// A call counter shared with a `@Sendable` closure.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// Adds one and returns the new count.
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
