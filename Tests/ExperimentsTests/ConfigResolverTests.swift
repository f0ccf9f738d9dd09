import Experiments
import Foundation
import Tensors
import Testing
import _TestSupport

@Suite struct ConfigResolverTests {
    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch { return "\(error)" }
    }

    @Test func presetsAreCompleteAndValid() throws {
        #expect(
            Preset.all.map(\.name) == [
                "kp-bench", "kp-clean-max", "kp-clean-avg", "kp-leaky-logistic", "kp-small", "xord", "psi",
                "bg-cnn-vs-fc", "kou-relu", "cao-poly", "karp-lsa", "karp-lsa-frozen", "tc-quadratic", "pmoe",
                "pmoe-cnn",
                "fmnist-practical",
            ])
        for preset in Preset.all {
            try preset.config.validate()
            // The printed config reads back to the same config.
            #expect(try ExperimentConfig.decode(JSONValue.parse(preset.config.json.prettyText)) == preset.config)
        }
        let bench = Preset.kpBench.config
        #expect(bench.data.K == 16 && bench.data.D == 64 && bench.data.P == 32 && bench.data.sigma == 0.05)
        #expect(bench.network.M == 32 && bench.network.readout == .fixedSign(.inverseM))
        #expect(bench.training.learningRate == 0.5 && bench.training.steps == 1000 && bench.training.batchSize == 1)
        #expect(Preset.kpCleanAvg.config.network.pooling == .mean && Preset.kpCleanAvg.config.training.steps == 4000)
        // bg-cnn-vs-fc: kp-bench (data, CNN, hinge SGD B = 1, η = 0.5) on a fixed set of 64, ≤ 2000 steps.
        var bg = Preset.bgCNNvsFC.config
        #expect(bg.data.nTrain == 64 && bg.training.steps == 2000 && bg.training.stopAtMarginOne)
        #expect(bg.network.architecture == .cnn && bench.network.architecture == .cnn)
        bg.preset = bench.preset
        bg.data.nTrain = 0
        bg.training.steps = 1000
        bg.training.stopAtMarginOne = false
        #expect(bg == bench)
    }

    @Test func derivedFieldsFollowTheirSources() throws {
        // xord: k sets M = 2k and init gaussian(η√2/(16k^1.5)); fullBatch sets B = nTrain.
        let xord = Preset.xord.config
        #expect(xord.network.k == 50 && xord.network.M == 100 && xord.training.batchSize == 40)
        for (k, eta) in [(2, 0.01), (10, 0.01), (7, 0.05)] {
            let c = try ConfigResolver.resolve(
                preset: "xord", overrides: ["k=\(k)", "learningRate=\(eta)", "nTrain=12"])
            #expect(c.network.M == 2 * k)
            #expect(c.network.`init` == .gaussian(eta * 2.0.squareRoot() / (16 * pow(Double(k), 1.5))))
            #expect(c.training.batchSize == 12)
        }
        // A derived field given explicitly must agree with its source.
        let conflict = message { _ = try ConfigResolver.resolve(preset: "xord", overrides: ["M=8"]) }
        #expect(conflict?.contains("network.M") == true && conflict?.contains("k=null") == true)
        #expect(message { _ = try ConfigResolver.resolve(preset: "xord", overrides: ["M=100"]) } == nil)
        let own = try ConfigResolver.resolve(preset: "xord", overrides: ["k=null", "M=8", "init=gaussian(0.1)"])
        #expect(own.network.k == nil && own.network.M == 8 && own.network.`init` == .gaussian(0.1))
        let batch = message { _ = try ConfigResolver.resolve(preset: "xord", overrides: ["batchSize=4"]) }
        #expect(batch?.contains("training.batchSize") == true && batch?.contains("fullBatch") == true)
        // epochs: steps = epochs·⌈nTrain/B⌉.
        let e = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["nTrain=50", "batchSize=4", "epochs=3"])
        #expect(e.training.steps == 3 * 13)
        let steps = message {
            _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["nTrain=50", "epochs=3", "steps=7"])
        }
        #expect(steps?.contains("training.steps") == true && steps?.contains("150") == true)
        #expect(message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["epochs=3"]) } != nil)
        // A run's config.json read back as a config file resolves to the same config.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("derived-\(UUID().uuidString).json")
        let written = try ConfigResolver.resolve(preset: "xord", overrides: ["k=4"], seed: 3)
        try written.json.prettyText.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try ConfigResolver.resolve(preset: nil, file: file.path) == written)
        // A hand-edited config whose M contradicts k is refused when validated.
        var edited = written
        edited.network.M = 6
        #expect(message { try edited.validate() }?.contains("network.M") == true)
    }

    @Test func overridesByPathAndByUniqueName() throws {
        let c = try ConfigResolver.resolve(
            preset: "kp-bench",
            overrides: [
                "data.sigma=0", "M=8", "activation=leakyRelu(0.2)", "keyPos=[0, 3]", "readout=trainable(0.1)",
                "schedule=log(20)", "loss=logistic",
            ], seed: 7)
        #expect(c.data.sigma == 0 && c.network.M == 8 && c.seed == 7)
        #expect(c.network.activation == .leakyRelu(0.2))
        #expect(c.data.keyPos == [0, 3])
        #expect(c.network.readout == .trainable(0.1))
        #expect(c.evaluation.schedule == .log(20))
        #expect(c.training.loss == .logistic)
    }

    @Test func unknownAndAmbiguousFieldsAreNamed() {
        let unknown = message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["sigmaa=1"]) }
        #expect(unknown?.contains("unknown config field 'sigmaa'") == true)
        #expect(unknown?.contains("data.sigma") == true)
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["sigma"]) }?.contains(
                "expected field=value") == true)
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "nope") }?.contains(
                "unknown preset 'nope'; available: kp-bench") == true)
        #expect(message { _ = try ConfigResolver.resolve(preset: nil) }?.contains("no preset given") == true)
    }

    @Test func wrongTypesAndFormsAreNamed() {
        let type = message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["K=many"]) }
        #expect(type?.contains("data.K") == true && type?.contains("integer") == true)
        let form = message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["activation=tanh"]) }
        #expect(form?.contains("network.activation") == true && form?.contains("leakyRelu(α)") == true)
        let pooling = message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: ["pooling=median"]) }
        #expect(pooling?.contains("'median' is not one of max, mean, sum") == true)
    }

    @Test func outOfRangeValuesAreNamedWithWhatIsAllowed() {
        func err(_ o: String...) -> String? {
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: o) }
        }
        #expect(err("P=80")?.contains("data.P = 80") == true)
        #expect(err("M=7")?.contains("network.M = 7") == true)
        #expect(err("M=7")?.contains("must be even") == true)
        #expect(err("learningRate=0")?.contains("training.learningRate = 0") == true)
        #expect(err("learningRate=-1")?.contains("> 0") == true)
        #expect(err("nTrain=10", "batchSize=20")?.contains("training.batchSize = 20") == true)
        #expect(err("seed=-3")?.contains("seed = -3") == true)
        #expect(err("theta=1")?.contains("evaluation.theta") == true)
        #expect(err("loss=crossEntropy")?.contains("training.loss") == true)
    }

    @Test func configFilesMergeOverThePreset() throws {
        let dir = temporaryDirectory("config")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "preset: kp-clean-max\ndata:\n  K: 8\nnetwork: {M: 6}\n".write(
            toFile: "\(dir)/a.yaml", atomically: true, encoding: .utf8)
        let yaml = try ConfigResolver.resolve(preset: nil, file: "\(dir)/a.yaml")
        #expect(yaml.preset == "kp-clean-max" && yaml.data.K == 8 && yaml.network.M == 6 && yaml.data.sigma == 0)
        try "{\"training\": {\"steps\": 12}}".write(toFile: "\(dir)/b.json", atomically: true, encoding: .utf8)
        let json = try ConfigResolver.resolve(preset: "kp-bench", file: "\(dir)/b.json", overrides: ["steps=13"])
        #expect(json.training.steps == 13)
        try "data:\n  bogus: 1\n".write(toFile: "\(dir)/c.yaml", atomically: true, encoding: .utf8)
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", file: "\(dir)/c.yaml") }?.contains(
                "unknown config field 'data.bogus'") == true)
        try "data: [1, 2\n".write(toFile: "\(dir)/d.yaml", atomically: true, encoding: .utf8)
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", file: "\(dir)/d.yaml") }?.contains(
                "not valid YAML") == true)
        #expect(
            message { _ = try ConfigResolver.resolve(preset: "kp-bench", file: "\(dir)/missing.yaml") }?.contains(
                "cannot read config file") == true)
    }

    @Test func evaluationSchedules() {
        #expect(EvaluationSchedule.every(10).steps(upTo: 35) == [0, 10, 20, 30, 35])
        #expect(EvaluationSchedule.every(5).steps(upTo: 10) == [0, 5, 10])
        let log = EvaluationSchedule.log(5).steps(upTo: 1000)
        #expect(log == [0, 1, 10, 100, 1000])
        #expect(
            EvaluationSchedule.log(40).steps(upTo: 20).first == 0
                && EvaluationSchedule.log(40).steps(upTo: 20).last == 20)
    }
}

@Suite struct JSONTests {
    @Test func roundTripsWithSortedKeysAndNonFiniteNumbers() throws {
        let v: JSONValue = .object([
            "b": .double(.nan), "a": .array([.int(1), .double(0.5), .string("x\"y\n")]), "c": .null, "d": .bool(true),
        ])
        #expect(v.text == "{\"a\":[1,0.5,\"x\\\"y\\n\"],\"b\":\"NaN\",\"c\":null,\"d\":true}")
        let back = try JSONValue.parse(v.prettyText)
        #expect(back["a"] == v["a"] && back["b"]?.doubleValue?.isNaN == true)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("{\"a\": }") }
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("[1, 2") }
    }
}
