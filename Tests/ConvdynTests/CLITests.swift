import ArgumentParser
import Experiments
import Foundation
import Testing
import _TestSupport

@testable import convdyn

@Suite struct CLITests {
    /// Parses and runs a command line in-process; returns the error message and exit code (0 when
    /// it succeeded).
    func run(_ arguments: [String]) -> (message: String, code: Int32) {
        do {
            var command = try ConvDyn.parseAsRoot(arguments)
            try command.run()
            return ("", 0)
        } catch {
            return (ConvDyn.message(for: error), ConvDyn.exitCode(for: error).rawValue)
        }
    }

    @Test func helpOfEveryCommand() {
        let root = ConvDyn.helpMessage()
        for sub in ["demo", "train", "verify", "sweep", "report", "show", "presets"] { #expect(root.contains(sub)) }
        let sweep = ConvDyn.helpMessage(for: Sweep.self)
        for sub in ["start", "run", "slurm", "status", "summarize"] {
            #expect(sweep.contains(sub), "sweep --help lacks \(sub)")
        }
        #expect(ConvDyn.helpMessage(for: Verify.self).contains("--seeds"))
        let train = ConvDyn.helpMessage(for: Train.self)
        for option in ["--preset", "--config", "--set <field=value>", "--seed", "--out", "--overwrite"] {
            #expect(train.contains(option), "train --help lacks \(option)")
        }
        let demo = ConvDyn.helpMessage(for: Demo.self)
        for option in ["--seeds", "--jobs", "--out"] { #expect(demo.contains(option)) }
        #expect(
            ConvDyn.helpMessage(for: Presets.self) == """
                OVERVIEW: List the presets, or print one preset's full config.

                USAGE: convdyn presets [<name>]

                ARGUMENTS:
                  <name>                  A preset name; without it, every preset is listed.

                OPTIONS:
                  --version               Show the version.
                  -h, --help              Show help information.

                """)
    }

    @Test func trainEndToEndIntoATemporaryDirectory() throws {
        let out = temporaryDirectory("cli-train")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = run([
            "train", "--preset", "kp-bench", "--set", "steps=20", "--set", "nTest=100", "--seed", "2", "--out", out,
            "--quiet",
        ])
        #expect(result.code == 0, "\(result.message)")
        let summary = try RunSummary(
            json: JSONValue.parse(String(contentsOfFile: "\(out)/summary.json", encoding: .utf8)))
        #expect(summary.seed == 2 && summary.steps == 20 && summary.status == .completed)
        // A second run into the same directory is refused and leaves the first run intact.
        let again = run(["train", "--preset", "kp-bench", "--set", "steps=20", "--out", out, "--quiet"])
        #expect(again.code != 0 && again.message.contains("not empty"))
        #expect(FileManager.default.fileExists(atPath: "\(out)/summary.json"))
    }

    @Test func badInputGivesAClearMessageANonZeroCodeAndNoRunDirectory() {
        let out = temporaryDirectory("cli-bad")
        let cases: [([String], String)] = [
            (["train", "--preset", "kp-nope"], "unknown preset 'kp-nope'"),
            (["train", "--preset", "kp-bench", "--set", "bogus=1"], "unknown config field 'bogus'"),
            (["train", "--preset", "kp-bench", "--set", "P=100"], "data.P = 100"),
            (["train", "--preset", "kp-bench", "--set", "M=5"], "network.M = 5"),
            (["train", "--preset", "kp-bench", "--set", "learningRate=0"], "training.learningRate = 0"),
            (["train", "--preset", "kp-bench", "--set", "nTrain=8", "--set", "batchSize=9"], "training.batchSize = 9"),
            (["train", "--config", "/nonexistent/c.yaml"], "cannot read config file /nonexistent/c.yaml"),
            (["train"], "pass --preset NAME or --config FILE"),
            (["demo", "--seeds", "0"], "--seeds must be ≥ 1"),
            (["presets", "kp-nope"], "unknown preset 'kp-nope'"),
            (
                ["train", "--preset", "fmnist-practical", "--data-dir", "/nonexistent/fmnist"],
                "does not hold the fashion-mnist files"
            ),
            (["train", "--preset", "fmnist-practical", "--dataset", "svhn"], "unknown dataset 'svhn'"),
            (["train", "--preset", "fmnist-practical", "--classes", "1,x"], "--classes takes class numbers"),
            (["demo", "--data-dir", "/tmp"], "apply with --images"),
            (["bench", "W9"], "unknown workload 'W9'"),
            (["verify", "A9"], "unknown claim 'A9'; claims are A1, A2, A3, A4, A5, H1"),
            (["verify", "--seeds", "0"], "--seeds must be ≥ 1"),
            (["sweep", "/nonexistent/spec.yaml"], "cannot read config file /nonexistent/spec.yaml"),
            (["sweep", "status", "/nonexistent/sweep"], "is not a sweep directory (no sweep.json)"),
            (["sweep", "run", "/nonexistent/sweep", "--index", "0"], "is not a sweep directory"),
            (["sweep", "slurm", "/tmp", "--max-parallel", "0"], "--max-parallel must be ≥ 1"),
        ]
        for (arguments, expected) in cases {
            let result = run(
                arguments + (arguments.first == "train" && arguments.count > 1 ? ["--out", out, "--quiet"] : []))
            #expect(result.code != 0, "\(arguments) exited 0")
            #expect(result.message.contains(expected), "\(arguments): \(result.message)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(arguments) left a run directory")
        }
        let unwritable = run(["train", "--preset", "kp-bench", "--out", "/proc/convdyn/run", "--quiet"])
        #expect(unwritable.code != 0 && unwritable.message.contains("cannot create output directory /proc/convdyn/run"))
    }

    @Test func sweepEndToEndThroughTheDefaultSubcommand() throws {
        let dir = temporaryDirectory("cli-sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "preset: kp-small\nseeds: 2\nset: {steps: 20, nTest: 50}\ngrid: {M: [2, 4]}\n".write(
            toFile: "\(dir)/s.yaml", atomically: true, encoding: .utf8)
        #expect(run(["sweep", "\(dir)/s.yaml", "--out", "\(dir)/out", "--jobs", "2"]).code == 0)
        #expect(FileManager.default.fileExists(atPath: "\(dir)/out/sweep_summary.csv"))
        #expect(run(["sweep", "status", "\(dir)/out"]).code == 0)
        #expect(run(["sweep", "run", "\(dir)/out", "--index", "3"]).code == 0)
        let outside = run(["sweep", "run", "\(dir)/out", "--index", "4"])
        #expect(outside.code != 0 && outside.message.contains("index 4 is outside this sweep's 0…3"))
        try "preset: kp-small\nseeds: 3\ngrid: {M: [2, 4]}\n".write(
            toFile: "\(dir)/t.yaml", atomically: true, encoding: .utf8)
        let mixed = run(["sweep", "\(dir)/t.yaml", "--out", "\(dir)/out"])
        #expect(mixed.code != 0 && mixed.message.contains("holds a different sweep"))
    }

    @Test func presetsListsEveryPreset() {
        #expect(run(["presets"]).code == 0)
        #expect(run(["presets", "kp-clean-avg"]).code == 0)
    }
}
