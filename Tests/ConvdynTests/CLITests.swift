// The --help of every command is compared exactly with Snapshots/<command>.txt, rendered at a fixed
// width (CLITests.helpColumns) so that the terminal does not matter. After changing a command's
// help text, regenerate the snapshots and review their diff:
//
//     CONVDYN_UPDATE_SNAPSHOTS=1 swift test --filter CLITests/helpMatchesItsSnapshot
//
// (the test then writes the files and fails, naming each one it rewrote; run it again without the
// variable to see it pass).

import ArgumentParser
import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Studies
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

    // MARK: --help

    static let helpColumns = 100

    /// Every command and subcommand, with the name of its snapshot file.
    static let commands: [(name: String, type: any ParsableCommand.Type)] = [
        ("convdyn", ConvDyn.self), ("demo", Demo.self), ("train", Train.self), ("verify", Verify.self),
        ("sweep", Sweep.self), ("sweep-start", Sweep.Start.self), ("sweep-run", Sweep.RunOne.self),
        ("sweep-slurm", Sweep.Slurm.self), ("sweep-status", Sweep.Status.self),
        ("sweep-summarize", Sweep.Summarize.self), ("report", ReportCommand.self), ("show", Show.self),
        ("presets", Presets.self), ("bench", BenchCommand.self), ("export", Export.self),
        ("export-tensorboard", ExportTensorBoard.self),
    ]

    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Snapshots")

    @Test(arguments: CLITests.commands.map(\.name))
    func helpMatchesItsSnapshot(_ name: String) throws {
        let type = try #require(Self.commands.first { $0.name == name }?.type)
        // The files end with a newline, which the help text lacks.
        let help = ConvDyn.helpMessage(for: type, columns: Self.helpColumns) + "\n"
        let file = Self.snapshots.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["CONVDYN_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try help.write(to: file, atomically: true, encoding: .utf8)
            Issue.record("rewrote \(file.path); run again without CONVDYN_UPDATE_SNAPSHOTS")
            return
        }
        let snapshot = try String(contentsOf: file, encoding: .utf8)
        #expect(
            help == snapshot,
            """
            \(name) --help differs from \(file.path); regenerate with CONVDYN_UPDATE_SNAPSHOTS=1 \
            (see the top of CLITests.swift)
            """
        )
    }

    @Test func everyCommandHasASnapshotAndStatesItsExitCodes() throws {
        // Every subcommand reachable from the root has a snapshot.
        func all(_ type: any ParsableCommand.Type) -> [ObjectIdentifier] {
            [ObjectIdentifier(type)] + type.configuration.subcommands.flatMap(all)
        }
        let listed = Set(Self.commands.map { ObjectIdentifier($0.type) })
        #expect(Set(all(ConvDyn.self)) == listed)
        for (name, type) in Self.commands {
            let help = ConvDyn.helpMessage(for: type, columns: 1000)
            #expect(help.contains("Exit status: 0 "), "\(name) --help does not state its exit codes")
            #expect(help.contains("64 for a malformed command line"), "\(name) --help lacks exit code 64")
        }
        // The choices are listed from their registries.
        let verify = ConvDyn.helpMessage(for: Verify.self, columns: 1000)
        #expect(verify.contains("(values: \(Claim.all.map(\.id).joined(separator: ", ")))"))
        let train = ConvDyn.helpMessage(for: Train.self, columns: 1000)
        #expect(train.contains("(values: \(Preset.all.map(\.name).joined(separator: ", ")))"))
        #expect(train.contains("(values: fashion-mnist, mnist, cifar10)"))
    }

    // MARK: End to end

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
        // A second run into the same directory is refused (exit 1) and leaves the first run intact.
        let again = run(["train", "--preset", "kp-bench", "--set", "steps=20", "--out", out, "--quiet"])
        #expect(again.code == 1, "\(again.message)")
        #expect(again.message.contains("output directory \(out) is not empty"), "\(again.message)")
        #expect(again.message.contains("--overwrite"), "\(again.message)")
        #expect(FileManager.default.fileExists(atPath: "\(out)/summary.json"))
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
        #expect(outside.code == 1 && outside.message.contains("index 4 is outside this sweep's 0…3"))
        // report and show take the sweep directory too: report re-makes its page, as summarize does.
        try FileManager.default.removeItem(atPath: "\(dir)/out/report.html")
        #expect(run(["report", "\(dir)/out"]).code == 0)
        #expect(FileManager.default.fileExists(atPath: "\(dir)/out/report.html"))
        #expect(run(["show", "\(dir)/out"]).code == 0)
        let elsewhere = run(["report", "\(dir)/out", "--out", "\(dir)/other"])
        #expect(elsewhere.code == 1 && elsewhere.message.contains("is written into its own directory"))
        try "preset: kp-small\nseeds: 3\ngrid: {M: [2, 4]}\n".write(
            toFile: "\(dir)/t.yaml", atomically: true, encoding: .utf8)
        let mixed = run(["sweep", "\(dir)/t.yaml", "--out", "\(dir)/out"])
        #expect(mixed.code == 1 && mixed.message.contains("holds a different sweep"))
    }

    @Test func exportTensorBoardWritesARunAndRefusesBadInputs() throws {
        let dir = temporaryDirectory("cli-export")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(
            run(["train", "--preset", "kp-small", "--set", "steps=20", "--out", "\(dir)/run", "--quiet"]).code == 0)
        #expect(run(["export", "tensorboard", "\(dir)/run"]).code == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/run/tensorboard/run")
        #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."))
        let again = run(["export", "tensorboard", "\(dir)/run"])
        #expect(again.code == 1 && again.message.contains("not empty") && !again.message.contains("\n"))
        #expect(run(["export", "tensorboard", "\(dir)/run", "--overwrite"]).code == 0)
        let notRuns = run(["export", "tensorboard", "\(dir)/run/tensorboard", "--out", "\(dir)/tb"])
        #expect(notRuns.code == 1 && notRuns.message.contains("is neither a run directory"))
        #expect(run(["export", "tensorboard", "\(dir)/run", "--bogus"]).code == 64)
        #expect(run(["export", "parquet", "\(dir)/run"]).code == 64)
    }

    @Test func presetsListsEveryPreset() {
        #expect(run(["presets"]).code == 0)
        #expect(run(["presets", "kp-clean-avg"]).code == 0)
        // What `convdyn presets bg-cnn-vs-fc` prints: the whole config, the architecture included.
        #expect(run(["presets", "bg-cnn-vs-fc"]).code == 0)
        let printed = Preset.named("bg-cnn-vs-fc")?.config.json.prettyText ?? ""
        #expect(printed.contains("\"architecture\": \"cnn\"") && printed.contains("\"nTrain\": 64"))
    }

    // MARK: JSON written by the commands

    @Test func imageOptionsPassAnyPathAndClassListThroughTheConfig() throws {
        let path = "/tmp/a \"quoted\" dir\\with\\backslashes, [brackets]"
        let options = try ImageOptions.parse(["--data-dir", path, "--classes", " 3, 7", "--dataset", "mnist"])
        let config = try resolveConfig(
            preset: "fmnist-practical", file: nil, overrides: options.overrides, seed: nil)
        let images = try #require(config.images)
        #expect(images.dataDir == path)
        #expect(images.classes == [3, 7])
        #expect(images.dataset == .mnist)
    }

    @Test func benchJSONLinesAreValidJSONWithTheFieldsCompareReads() throws {
        let result = Bench.Result(
            name: "W1 \"odd\" name\\", value: 1234.5, unit: "steps/s", gflops: nil, note: "line\nbreak")
        let line = result.json.text
        #expect(!line.contains("\n"))
        let parsed = try JSONValue.parse(line)
        #expect(parsed["peer"] == .string("convdyn"))
        #expect(parsed["name"] == .string(result.name))
        #expect(parsed["value"]?.doubleValue == 1234.5)
        #expect(parsed["unit"] == .string("steps/s"))
        #expect(parsed["gflops"] == .null)
        #expect(parsed["note"] == .string("line\nbreak"))
        var counted = result
        counted.gflops = 12.25
        #expect(try JSONValue.parse(counted.json.text)["gflops"]?.doubleValue == 12.25)
    }

    // MARK: Bad input

    /// A bad command line, the exit code it must give and the texts its message must hold.
    struct BadInput: CustomStringConvertible {
        var arguments: [String]
        var code: Int32
        var expected: [String]
        var description: String { arguments.joined(separator: " ") }
        init(_ arguments: [String], _ code: Int32, _ expected: String...) {
            self.arguments = arguments
            self.code = code
            self.expected = expected
        }
    }

    /// Runs each case (train with a fresh --out) and checks its code, its message and that no run
    /// directory was left behind.
    func check(_ cases: [BadInput]) {
        for c in cases {
            let out = temporaryDirectory("cli-bad")
            let trains = c.arguments.first == "train" && !c.arguments.contains("--out")
            let result = run(c.arguments + (trains ? ["--out", out, "--quiet"] : []))
            #expect(result.code == c.code, "\(c): exit \(result.code), expected \(c.code): \(result.message)")
            for text in c.expected {
                #expect(result.message.contains(text), "\(c): '\(text)' not in: \(result.message)")
            }
            #expect(!FileManager.default.fileExists(atPath: out), "\(c) left a run directory")
        }
    }

    @Test func unknownChoicesAreUsageErrorsThatListTheAllowedValues() {
        let presets = Preset.all.map { "  - \($0.name)" }.joined(separator: "\n")
        let claims = Claim.all.map { "  - \($0.id)" }.joined(separator: "\n")
        check([
            BadInput(
                ["train", "--preset", "kp-nope"], 64, "The value 'kp-nope' is invalid for '--preset <preset>'",
                presets),
            BadInput(["presets", "kp-nope"], 64, "The value 'kp-nope' is invalid for '<name>'", presets),
            BadInput(
                ["train", "--preset", "fmnist-practical", "--dataset", "svhn"], 64,
                "The value 'svhn' is invalid for '--dataset <dataset>'",
                "Please provide one of 'fashion-mnist', 'mnist' or 'cifar10'."),
            BadInput(["verify", "A9"], 64, "The value 'A9' is invalid for '<claims>'", claims),
            BadInput(["verify", "A1", "Z1"], 64, "The value 'Z1' is invalid for '<claims>'"),
            BadInput(
                ["bench", "W9"], 64, "The value 'W9' is invalid for '<workloads>'",
                "Please provide one of the following:\n  - W1\n  - W2\n  - W3\n  - W4\n  - W5\n  - W6\n  - W7\n  - kernels"
            ),
            BadInput(["bench", "w1"], 64, "The value 'w1' is invalid for '<workloads>'"),
            BadInput(["train", "--preset", "kp-bench", "--bogus"], 64, "Unknown option '--bogus'"),
            BadInput(["frobnicate"], 64, "Unexpected argument 'frobnicate'"),
        ])
    }

    @Test func aBadSetOrOptionIsAUsageError() {
        let kp = ["train", "--preset", "kp-bench"]
        check([
            // Unknown or ambiguous --set fields.
            BadInput(kp + ["--set", "bogus=1"], 64, "unknown config field 'bogus'; fields are: ", "data.sigma"),
            BadInput(kp + ["--set", "data.bogus=1"], 64, "unknown config field 'data.bogus'"),
            // Malformed --set values.
            BadInput(kp + ["--set", "M"], 64, "--set M: expected field=value"),
            BadInput(kp + ["--set", "M=eight"], 64, "config field network.M has the wrong type: expected an integer"),
            BadInput(kp + ["--set", "activation=swish"], 64, "network.activation: 'swish' is not one of relu"),
            // Values out of range.
            BadInput(kp + ["--set", "P=100"], 64, "data.P = 100"),
            BadInput(kp + ["--set", "M=5"], 64, "network.M = 5"),
            BadInput(kp + ["--set", "learningRate=0"], 64, "training.learningRate = 0"),
            BadInput(kp + ["--set", "nTrain=8", "--set", "batchSize=9"], 64, "training.batchSize = 9"),
            BadInput(kp + ["--seed=-1"], 64, "seed = -1", "≥ 0"),
            BadInput(["demo", "--seeds", "0"], 64, "--seeds must be ≥ 1, got 0"),
            BadInput(["demo", "--jobs", "0"], 64, "--jobs must be ≥ 1, got 0"),
            BadInput(["demo", "--first-seed=-2"], 64, "--first-seed must be ≥ 0, got -2"),
            BadInput(["verify", "--seeds", "0"], 64, "--seeds must be ≥ 1, got 0"),
            BadInput(["bench", "--threads", "0"], 64, "--threads must be ≥ 1, got 0"),
            BadInput(["show", "/tmp", "--width", "3"], 64, "--width must be ≥ 4, got 3"),
            BadInput(["sweep", "slurm", "/tmp", "--max-parallel", "0"], 64, "--max-parallel must be ≥ 1, got 0"),
            BadInput(["sweep", "run", "/tmp", "--index=-1"], 64, "--index must be ≥ 0, got -1"),
            BadInput(["sweep", "run", "/tmp", "--index", "0", "--threads", "0"], 64, "--threads must be ≥ 1, got 0"),
            BadInput(["demo", "--seeds", "many"], 64, "The value 'many' is invalid for '--seeds <seeds>'"),
            // Options that do not fit together or are missing.
            BadInput(["train"], 64, "pass --preset NAME or --config FILE"),
            BadInput(["sweep", "run", "/tmp"], 64, "Missing expected argument '--index <index>'"),
            BadInput(["demo", "--data-dir", "/tmp"], 64, "apply with --images"),
            BadInput(
                ["train", "--preset", "fmnist-practical", "--classes", "1,x"], 64,
                "--classes takes class numbers separated by commas"),
            BadInput(["train", "--preset", "fmnist-practical", "--train-size", "0"], 64, "--train-size must be ≥ 1"),
            BadInput(["demo", "--images", "--classes", "0,99"], 64, "images.classes"),
        ])
    }

    @Test func aBadFileOrDirectoryFailsWithCodeOne() throws {
        let dir = temporaryDirectory("cli-files")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
            return "\(dir)/\(name)"
        }
        let badYAML = try file("bad.yaml", "data: {sigma: [0.1\n")
        let badJSON = try file("bad.json", "{\"data\": {\"sigma\": }")
        let unknownPreset = try file("preset.yaml", "preset: kp-nope\n")
        let unknownField = try file("field.yaml", "data: {bogus: 1}\n")
        let outOfRange = try file("range.yaml", "network: {M: 5}\n")
        let good = try file("good.yaml", "preset: kp-bench\ndata: {nTrain: 8}\n")
        let full = "\(dir)/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        _ = try file("full/notes.txt", "something already here\n")
        check([
            BadInput(
                ["train", "--config", "/nonexistent/c.yaml"], 1,
                "cannot read config file /nonexistent/c.yaml: it does not exist or is not readable"),
            BadInput(["train", "--config", badYAML], 1, "config file \(badYAML) line 2 column 1 is not valid YAML: "),
            BadInput(["train", "--preset", "kp-bench", "--config", badJSON], 1, "config file \(badJSON) line 1: "),
            BadInput(["train", "--config", unknownPreset], 1, "unknown preset 'kp-nope'; available: kp-bench"),
            BadInput(
                ["train", "--preset", "kp-bench", "--config", unknownField], 1, "unknown config field 'data.bogus'"),
            BadInput(["train", "--preset", "kp-bench", "--config", outOfRange], 1, "network.M = 5"),
            // The file alone is fine; the --set makes it invalid: the command line's fault.
            BadInput(["train", "--config", good, "--set", "batchSize=9"], 64, "training.batchSize = 9"),
            BadInput(
                ["train", "--preset", "kp-bench", "--out", full, "--quiet"], 1,
                "output directory \(full) is not empty; choose another --out, or pass --overwrite"),
            BadInput(
                ["train", "--preset", "kp-bench", "--out", "/proc/convdyn/run", "--quiet"], 1,
                "cannot create output directory /proc/convdyn/run"),
            BadInput(
                ["train", "--preset", "fmnist-practical", "--data-dir", "/nonexistent/fmnist"], 1,
                "does not hold the fashion-mnist files"),
            BadInput(["report", "/nonexistent/runs"], 1, "/nonexistent/runs does not exist or is not a directory"),
            BadInput(["show", "/nonexistent/runs"], 1, "/nonexistent/runs does not exist or is not a directory"),
            BadInput(["report", dir], 1, "\(dir) is neither a run directory"),
            BadInput(["sweep", "/nonexistent/spec.yaml"], 1, "cannot read config file /nonexistent/spec.yaml"),
            BadInput(["sweep", badYAML], 1, "is not valid YAML"),
            BadInput(["sweep", "status", "/nonexistent/sweep"], 1, "is not a sweep directory (no sweep.json)"),
            BadInput(["sweep", "run", "/nonexistent/sweep", "--index", "0"], 1, "is not a sweep directory"),
            BadInput(["sweep", "summarize", "/nonexistent/sweep"], 1, "is not a sweep directory"),
            BadInput(["sweep", "slurm", "/nonexistent/sweep"], 1, "is not a sweep directory"),
        ])
        // The directory that was not empty is left as it was.
        #expect(try FileManager.default.contentsOfDirectory(atPath: full) == ["notes.txt"])
    }

    /// Issue 14: hostile configs and outputs give one line naming the file or field and leave no run
    /// directory behind.
    @Test func hostileConfigsAndOutputsGiveOneLineAndNoRun() throws {
        let dir = temporaryDirectory("cli-hostile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func file(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
            return "\(dir)/\(name)"
        }
        let deepYAML = try file("deep.yaml", "preset: kp-bench\ndata: " + String(repeating: "[", count: 5_000) + "\n")
        let deepJSON = try file(
            "deep.json", String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000))
        let duplicate = try file("dup.yaml", "preset: kp-bench\ntraining: {steps: 10}\ntraining: {steps: 20}\n")
        let named = try file("named.yaml", "preset: kp-small\n")
        let out = "\(dir)/run"
        let notADirectory = try file("report.html", "x")
        let tinyRun = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ReportingTests/Fixtures/tiny-run").path
        check([
            BadInput(["train", "--config", deepYAML, "--out", out], 1, "nested deeper than 64 levels"),
            BadInput(["train", "--config", deepJSON, "--out", out], 1, "nested deeper than 64 levels"),
            BadInput(["train", "--config", duplicate, "--out", out], 1, "line 3: duplicate key 'training'"),
            BadInput(["train", "--config", named, "--preset", "kp-bench", "--out", out], 1, "--preset kp-bench"),
            BadInput(["train", "--preset", "kp-bench", "--set", "preset=nope", "--out", out], 64, "preset is not a"),
            BadInput(
                ["train", "--preset", "kp-bench", "--set", "M=1000000000", "--out", out], 64, "network.M = 1000000000"),
            BadInput(
                ["train", "--preset", "kp-bench", "--set", "schedule=log(1000000000)", "--out", out], 64,
                "evaluation.schedule = log(1000000000)"),
            BadInput(["report", tinyRun, "--out", notADirectory], 1, "--out \(notADirectory) is not a directory"),
            BadInput(["report", tinyRun, "--out", "\(notADirectory)/sub"], 1, "\(notADirectory) is not a directory"),
            BadInput(["report", tinyRun, "--out", "/proc/convdyn-report"], 1, "--out /proc/convdyn-report cannot be"),
        ])
        #expect(!FileManager.default.fileExists(atPath: out), "a refused config makes no run directory")
    }

    /// The new models' fields (issue 13): bad values are usage errors (64) naming the field, the
    /// value and what is needed, in a file they fail with 1; `router=null` removes the router.
    @Test func newModelFieldsNameTheirBadValues() throws {
        let tc = ["train", "--preset", "tc-quadratic"]
        let pmoe = ["train", "--preset", "pmoe"]
        check([
            BadInput(
                pmoe + ["--set", "topPatches=2.5"], 64,
                "config field network.router.topPatches has the wrong type: expected an integer, got 2.5"),
            BadInput(tc + ["--set", "teacherRank=2.5"], 64, "data.teacherRank", "expected an integer, got 2.5"),
            BadInput(
                pmoe + ["--set", "pretrainSteps=1e12"], 64, "network.router.pretrainSteps = 1000000000000", "10⁷"),
            BadInput(tc + ["--set", "teacherWeights=[nan, 1]"], 64, "data.teacherWeights = [nan, 1.0]", "finite"),
            BadInput(tc + ["--set", "teacherWeights=[1e308, 1e308]"], 64, "data.teacherWeights", "≤ 10⁶"),
            BadInput(
                pmoe + ["--set", "learningRate=nan"], 64, "training.learningRate = nan: must be a finite number > 0"),
            BadInput(
                pmoe + ["--set", "pretrainLearningRate=1e309"], 64,
                "network.router.pretrainLearningRate = inf: must be a finite number > 0"),
            BadInput(tc + ["--set", "teacherRank=null"], 64, "data.teacherRank is missing a value"),
            BadInput(tc + ["--set", "teacherWeights=null"], 64, "data.teacherWeights is missing a value"),
            BadInput(tc + ["--set", "teacherRank=3"], 64, "use P = teacherRank = 3"),
            BadInput(
                ["train", "--preset", "kp-bench", "--set", "teacherRank=3"], 64, "leave the default, teacherRank = 2"),
        ])
        let dir = temporaryDirectory("cli-router")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let weights = "\(dir)/weights.yaml"
        try "data: {teacherWeights: 1}\n".write(toFile: weights, atomically: true, encoding: .utf8)
        check([BadInput(tc + ["--config", weights], 1, "expected a list of numbers, e.g. [1, 0.5], got 1")])
        // The advice "set network.router=null" works, from --set and from a file.
        let off = "\(dir)/off.yaml"
        try "network: {router: null}\n".write(toFile: off, atomically: true, encoding: .utf8)
        for (k, extra) in [["--set", "router=null"], ["--set", "network.router=null"], ["--config", off]].enumerated() {
            let out = "\(dir)/run-\(k)"
            let result = run(pmoe + extra + ["--set", "architecture=fc", "--set", "steps=2", "--out", out, "--quiet"])
            #expect(result.code == 0, "\(extra): \(result.message)")
            let config = try ExperimentConfig.decode(
                JSONValue.parse(String(contentsOfFile: "\(out)/config.json", encoding: .utf8)))
            #expect(config.network.router == nil && config.network.architecture == .fc, "\(extra)")
        }
    }
}

@Suite struct TrainEndLineTests {
    /// The line `convdyn train` prints at the end gives a pMoE run's routing accuracy, and a
    /// regression run's losses without accuracy or T₁₀₀.
    @Test func endLineGivesRoutingAccuracyAndRegressionLosses() throws {
        let root = temporaryDirectory("end-line")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (preset, overrides) in [
            ("pmoe", ["steps=20", "nTest=100", "schedule=every(10)"]), ("pmoe-cnn", ["steps=20", "nTest=100"]),
            ("tc-quadratic", ["steps=50"]),
        ] {
            let config = try ConfigResolver.resolve(preset: preset, overrides: overrides)
            try Experiment(config).run(in: RunDirectory.create(at: "\(root)/\(preset)", overwrite: false))
        }
        func text(_ preset: String) throws -> String {
            let json = try JSONValue.parse(String(contentsOfFile: "\(root)/\(preset)/summary.json", encoding: .utf8))
            return SummaryText.describe(try RunSummary(json: json), directory: preset)
        }
        let pmoe = try text("pmoe")
        let routing = try #require(
            try RunSummary(
                json: JSONValue.parse(
                    String(contentsOfFile: "\(root)/pmoe/summary.json", encoding: .utf8))
            ).section(RoutingMeasures.self))
        #expect(pmoe.contains("routing accuracy \(String(format: "%.3f", routing.routingAccuracy))"), "\(pmoe)")
        #expect(try !text("pmoe-cnn").contains("routing"))
        let tc = try text("tc-quadratic")
        #expect(tc.contains("test loss") && !tc.contains("T100") && !tc.contains("routing"), "\(tc)")
    }
}
