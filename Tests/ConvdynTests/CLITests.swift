import Testing
import Foundation
import ArgumentParser
import Experiments
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
        for sub in ["demo", "train", "presets"] { #expect(root.contains(sub)) }
        let train = ConvDyn.helpMessage(for: Train.self)
        for option in ["--preset", "--config", "--set <field=value>", "--seed", "--out", "--overwrite"] {
            #expect(train.contains(option), "train --help lacks \(option)")
        }
        let demo = ConvDyn.helpMessage(for: Demo.self)
        for option in ["--seeds", "--jobs", "--out"] { #expect(demo.contains(option)) }
        #expect(ConvDyn.helpMessage(for: Presets.self) == """
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
        let result = run(["train", "--preset", "kp-bench", "--set", "steps=20", "--set", "nTest=100", "--seed", "2", "--out", out, "--quiet"])
        #expect(result.code == 0, "\(result.message)")
        let summary = try RunSummary(json: JSONValue.parse(String(contentsOfFile: "\(out)/summary.json", encoding: .utf8)))
        #expect(summary.seed == 2 && summary.steps == 20 && summary.status == "completed")
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
            (["train", "--preset", "fmnist-practical", "--data-dir", "/nonexistent/fmnist"], "does not hold the fashion-mnist files"),
            (["train", "--preset", "fmnist-practical", "--dataset", "svhn"], "unknown dataset 'svhn'"),
            (["train", "--preset", "fmnist-practical", "--classes", "1,x"], "--classes takes class numbers"),
            (["demo", "--data-dir", "/tmp"], "apply with --images"),
        ]
        for (arguments, expected) in cases {
            let result = run(arguments + (arguments.first == "train" && arguments.count > 1 ? ["--out", out, "--quiet"] : []))
            #expect(result.code != 0, "\(arguments) exited 0")
            #expect(result.message.contains(expected), "\(arguments): \(result.message)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(arguments) left a run directory")
        }
        let unwritable = run(["train", "--preset", "kp-bench", "--out", "/proc/convdyn/run", "--quiet"])
        #expect(unwritable.code != 0 && unwritable.message.contains("cannot create output directory /proc/convdyn/run"))
    }

    @Test func presetsListsEveryPreset() {
        #expect(run(["presets"]).code == 0)
        #expect(run(["presets", "kp-clean-avg"]).code == 0)
    }
}
