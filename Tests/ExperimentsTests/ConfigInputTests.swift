import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// Bad and borderline inputs of the newer models' fields (tc-quadratic's teacher, pMoE's router)
/// through `--set`, YAML and JSON: each is accepted with its documented meaning or stopped with a
/// message naming the field, the value and what is needed.
@Suite struct ConfigInputTests {
    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch { return "\(error)" }
    }

    func resolve(_ preset: String, _ overrides: String...) throws -> ExperimentConfig {
        try ConfigResolver.resolve(preset: preset, overrides: overrides)
    }

    func error(_ preset: String, _ overrides: String...) -> String {
        message { _ = try ConfigResolver.resolve(preset: preset, overrides: overrides) } ?? "accepted"
    }

    /// Writes `text` to a file named `name` in a fresh directory; returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let dir = temporaryDirectory("config-input")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return "\(dir)/\(name)"
    }

    // MARK: The router can be removed

    @Test func routerNullGivesThePlainCNN() throws {
        var cnn = Preset.pmoeCNN.config
        cnn.preset = "pmoe"
        for override in ["router=null", "network.router=null"] {
            let c = try resolve("pmoe", override)
            #expect(c.network.router == nil, "\(override)")
            #expect(c == cnn, "\(override): pmoe without its router is pmoe-cnn")
        }
        let yaml = try file("off.yaml", "network:\n  router: null\n")
        let json = try file("off.json", #"{"network": {"router": null}}"#)
        for path in [yaml, json] {
            #expect(try ConfigResolver.resolve(preset: "pmoe", file: path) == cnn, "\(path)")
        }
        // The advice of the router's own messages works.
        #expect(error("pmoe", "architecture=fc").contains("set network.router=null or architecture=cnn"))
        #expect(try resolve("pmoe", "architecture=fc", "router=null").network.architecture == .fc)
        #expect(error("pmoe", "labelModel=signalNoise", "P=1").contains("set network.router=null"))
        // A section that has no null meaning still needs a mapping.
        let data = try file("data.yaml", "data: null\n")
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "pmoe", file: data) }?.contains(
                "config field 'data' must be a mapping of its fields") == true)
    }

    @Test func aRouterGivenWholeIsMergedOverTheExistingOne() throws {
        // Over pmoe's router: the fields given change, the others stay.
        let c = try resolve("pmoe", #"router={"topPatches": 3, "pretrainSteps": 7}"#)
        var expected = try #require(Preset.pmoe.config.network.router)
        expected.topPatches = 3
        expected.pretrainSteps = 7
        #expect(c.network.router == expected)
        #expect(
            error("pmoe", #"router={"topPatch": 3}"#).contains(
                "unknown config field 'network.router.topPatch'; fields here are: network.router.experts"))
        // null, then a whole router again, in order.
        let back = try resolve(
            "pmoe", "router=null",
            #"router={"experts": 2, "filtersPerExpert": 4, "topPatches": 1, "pretrainSteps": 100, "#
                + #""pretrainLearningRate": 0.2, "routerInit": "gaussian(0.1)"}"#)
        #expect(back.network.router?.topPatches == 1 && back.network.router?.experts == 2)
        #expect(error("pmoe", "router=5").contains("config field network.router has the wrong type"))
    }

    // MARK: Pre-training: bounded and timed

    @Test func pretrainStepsAreBounded() throws {
        let big = error("pmoe", "pretrainSteps=1e12")
        #expect(big.contains("network.router.pretrainSteps = 1000000000000") && big.contains("10⁷"), "\(big)")
        #expect(error("pmoe", "pretrainSteps=10000001").contains("must be ≥ 0 and ≤ 10⁷"))
        #expect(try resolve("pmoe", "pretrainSteps=10000000").network.router?.pretrainSteps == 10_000_000)
        var router = RouterConfig()
        #expect(router.pretrainingAdditions(dimension: 64) == 2 * 64 * 100)
        router.pretrainSteps = RouterConfig.maxPretrainSteps
        router.experts = Int.max / 2
        #expect(router.pretrainingAdditions(dimension: 64) == .max)
    }

    @Test func provenanceRecordsPretrainingOnlyForRoutedRuns() throws {
        for routed in [true, false] {
            let config = try resolve(
                "pmoe", "steps=3", "nTest=50", "pretrainSteps=1000", routed ? "seed=0" : "router=null")
            let dir = temporaryDirectory("provenance")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Experiment(config).run(in: RunDirectory.create(at: dir, overwrite: false))
            let text = try String(contentsOfFile: "\(dir)/provenance.json", encoding: .utf8)
            let provenance = try JSONValue.parse(text).decode(Provenance.self)
            #expect(provenance.json.prettyText == text)
            #expect((provenance.pretrainingSeconds != nil) == routed, "routed: \(routed)")
            if let seconds = provenance.pretrainingSeconds { #expect(seconds >= 0) }
            #expect(provenance.endTime.map { $0 >= provenance.startTime } == true)
        }
    }

    // MARK: Values of the wrong type name the field and the value

    @Test func aFractionForAnIntegerNamesTheField() throws {
        for (preset, override, field) in [
            ("pmoe", "topPatches=2.5", "network.router.topPatches"), ("kp-bench", "M=2.5", "network.M"),
            ("tc-quadratic", "teacherRank=2.5", "data.teacherRank"), ("kp-bench", "keyPos=[0, 1.5]", "data.keyPos.1"),
        ] {
            let m = error(preset, override)
            let value = override.hasPrefix("keyPos") ? "1.5" : "2.5"
            #expect(
                m == "config field \(field) has the wrong type: expected an integer, got \(value)", "\(override): \(m)")
        }
        let yaml = try file("m.yaml", "network: {M: 2.5}\n")
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", file: yaml) }
                == "config field network.M has the wrong type: expected an integer, got 2.5")
        // A number with an integral value is still an integer.
        #expect(try resolve("kp-bench", "steps=1e3").training.steps == 1000)
        #expect(
            error("kp-bench", "M=eight") == "config field network.M has the wrong type: expected an integer, got eight")
    }

    @Test func nonFiniteNumbersSayWhatTheFieldNeeds() throws {
        let nan = error("tc-quadratic", "teacherWeights=[nan, 1]")
        #expect(nan.contains("data.teacherWeights = [nan, 1.0]") && nan.contains("finite"), "\(nan)")
        for (preset, override, expected) in [
            ("kp-bench", "learningRate=nan", "training.learningRate = nan: must be a finite number > 0"),
            ("kp-bench", "learningRate=1e309", "training.learningRate = inf: must be a finite number > 0"),
            ("kp-bench", "learningRate=-inf", "training.learningRate = -inf: must be a finite number > 0"),
            (
                "pmoe", "pretrainLearningRate=nan",
                "network.router.pretrainLearningRate = nan: must be a finite number > 0"
            ),
            ("kp-bench", "sigma=inf", "data.sigma = inf: must be a finite number in 0…10⁶"),
            ("kp-bench", "sigma=1e300", "data.sigma = 1e+300: must be a finite number in 0…10⁶"),
            (
                "kou-relu", "keyScale=1e30",
                "data.keyScale = 1e+30: is ‖μ‖, the signal norm; must be a finite number > 0 and ≤ 10⁶"
            ),
        ] {
            let m = error(preset, override)
            #expect(m.contains(expected), "\(override): \(m)")
        }
        let inf = try file("inf.yaml", "training: {learningRate: .inf}\n")
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", file: inf) }?.contains(
                "training.learningRate = inf: must be a finite number > 0") == true)
        let scalar = try file("w.yaml", "data: {teacherWeights: 1}\n")
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "tc-quadratic", file: scalar) }
                == "config field data.teacherWeights has the wrong type: expected a list of numbers, e.g. [1, 0.5], got 1"
        )
        // A text field keeps "nan" as text.
        #expect(error("kp-bench", "activation=nan").contains("network.activation: 'nan' is not one of"))
        // An integer field says it needs an integer.
        #expect(error("kp-bench", "M=nan") == "config field network.M has the wrong type: expected an integer, got nan")
    }

    // MARK: null

    @Test func nullIsRefusedWhereItHasNoMeaning() throws {
        for (preset, override, field, type) in [
            ("tc-quadratic", "teacherRank=null", "data.teacherRank", "an integer"),
            ("tc-quadratic", "teacherWeights=null", "data.teacherWeights", "a list of numbers"),
            ("kp-bench", "architecture=null", "network.architecture", "one of cnn, fc"),
            ("kp-bench", "spuriousBias=null", "data.spuriousBias", "a number"),
            ("kp-bench", "stopAtMarginOne=null", "training.stopAtMarginOne", "true or false"),
            ("kp-bench", "M=null", "network.M", "an integer"),
        ] {
            let m = error(preset, override)
            #expect(m.hasPrefix("config field \(field) is missing a value: expected"), "\(override): \(m)")
            #expect(m.contains(type), "\(override): \(m)")
        }
        // Fields with a documented null keep it, and a config written before the teacher fields existed
        // (no such keys) still reads with their defaults.
        #expect(try resolve("xord", "k=null", "M=8", "init=gaussian(0.1)").network.k == nil)
        var json = Preset.kpBench.config.json
        if case .object(var o) = json, case .object(var data) = o["data"] {
            data["teacherRank"] = nil
            data["teacherWeights"] = nil
            o["data"] = .object(data)
            json = .object(o)
        }
        #expect(try ExperimentConfig.decode(json) == Preset.kpBench.config)
    }

    // MARK: The teacher

    @Test func theQuadraticPresetKeepsTheDefaultWeights() throws {
        let c = Preset.tcQuadratic.config
        #expect(c.data.teacherWeights == [] && c.data.resolvedTeacherWeights == [1, 1])
        // Rank 3 needs P = 3 only, and the message for the rank alone says so.
        let three = try resolve("tc-quadratic", "teacherRank=3", "P=3")
        #expect(three.data.resolvedTeacherWeights == [1, 1, 1])
        #expect(error("tc-quadratic", "teacherRank=3").contains("use P = teacherRank = 3"))
        // With explicit weights, one message names every field that must change.
        let both = error("tc-quadratic", "teacherWeights=[1, 2]", "teacherRank=3")
        #expect(both.contains("data.P = 2") && both.contains("teacherWeights 3 numbers"), "\(both)")
        #expect(error("tc-quadratic", "teacherWeights=[1, 2]", "teacherRank=3", "P=3").contains("data.teacherWeights"))
    }

    /// The preset's `teacherWeights: []` is the teacher (1, 1): the runs are the same, byte for byte.
    @Test func defaultWeightsTrainLikeExplicitOnes() throws {
        var texts: [String] = []
        for weights in ["[]", "[1, 1]"] {
            let config = try resolve("tc-quadratic", "teacherWeights=\(weights)", "steps=40", "nTest=100")
            let dir = temporaryDirectory("teacher")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Experiment(config).run(in: RunDirectory.create(at: dir, overwrite: false))
            texts.append(
                try ["metrics.jsonl", "filters.jsonl", "summary.json"].map {
                    try String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8)
                }.joined())
        }
        #expect(texts[0] == texts[1] && !texts[0].isEmpty)
    }

    @Test func teacherWeightsAreBounded() throws {
        let huge = error("tc-quadratic", "teacherWeights=[1e308, 1e308]")
        #expect(huge.contains("data.teacherWeights") && huge.contains("≤ 10⁶"), "\(huge)")
        #expect(try resolve("tc-quadratic", "teacherWeights=[1e6, -1e6]").data.teacherWeights == [1e6, -1e6])
        #expect(error("tc-quadratic", "teacherWeights=[1000000.5, 1]").contains("≤ 10⁶"))
        // On another model the teacher fields must keep their defaults, which the message gives.
        #expect(error("kp-bench", "teacherRank=3").contains("leave the default, teacherRank = 2"))
        #expect(error("kp-bench", "teacherWeights=[1, 2]").contains("leave the default, teacherWeights = []"))
    }

    // MARK: --jobs

    /// `workers` bounds the cores: one worker is one thread, spare cores go to the runs in flight.
    @Test func runsGetTheCoresOfTheirWorkers() {
        for runs in [1, 2, 10] { #expect(threadsPerRun(workers: 1, runs: runs) == 1) }
        #expect(threadsPerRun(workers: availableCores, runs: 1) == availableCores)
        #expect(threadsPerRun(workers: availableCores, runs: 100) == 1)
        #expect(threadsPerRun(workers: 10 * availableCores, runs: 1) == availableCores)
        #expect(threadsPerRun(workers: 2, runs: 1) == min(2, availableCores))
    }
}
