import Datasets
import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// pMoE (Chowdhury et al. 2023): the presets, the router's bad inputs, routing accuracy by hand,
/// a short run's records, and claim G1's declaration.
@Suite struct PMoETests {
    func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch { return "\(error)" }
    }

    @Test func presetsMatchTheSpecAndDifferOnlyInTheRouter() throws {
        let p = Preset.pmoe.config
        #expect(p.data.K == 16 && p.data.D == 64 && p.data.sigma == 0.15 && p.data.nTrain == 32)
        #expect(p.data.labelModel == .key && p.data.keysPerExample == 1 && p.data.background == .common)
        #expect(p.network.M == 8 && p.network.activation == .relu && p.network.pooling == .mean)
        #expect(p.network.readout == .fixedSign(.inverseM))
        let r = try #require(p.network.router)
        #expect(r.experts == 2 && r.filtersPerExpert == 4 && r.topPatches == 2 && r.pretrainSteps == 100)
        #expect(p.training.loss == .logistic && p.training.learningRate == 4 && p.training.steps == 600)
        #expect(p.training.batchSize == 32 && p.training.fullBatch == true)
        var cnn = Preset.pmoeCNN.config
        #expect(cnn.network.router == nil && cnn.preset == "pmoe-cnn")
        cnn.preset = "pmoe"
        cnn.network.router = p.network.router
        #expect(cnn == p)
        // --set reaches the router's fields by their unique names; on a config without a router,
        // `router` is a null leaf that takes a whole router as JSON.
        let three = try ConfigResolver.resolve(preset: "pmoe", overrides: ["topPatches=3", "pretrainSteps=10"])
        #expect(three.network.router?.topPatches == 3 && three.network.router?.pretrainSteps == 10)
        let on = try ConfigResolver.resolve(
            preset: "pmoe-cnn",
            overrides: [
                #"router={"experts": 2, "filtersPerExpert": 4, "topPatches": 2, "pretrainSteps": 100, "#
                    + #""pretrainLearningRate": 0.2, "routerInit": "gaussian(0.1)"}"#
            ])
        #expect(on.network.router == p.network.router)
        // A config written before routers existed (no `router` key) reads as the plain CNN.
        var json = Preset.kpBench.config.json
        if case .object(var o) = json, case .object(var net) = o["network"] {
            net["router"] = nil
            o["network"] = .object(net)
            json = .object(o)
        }
        #expect(try ExperimentConfig.decode(json).network.router == nil)
    }

    @Test func badRouterInputsNameTheirFields() {
        func resolve(_ overrides: [String], preset: String = "pmoe") -> String? {
            message { _ = try ConfigResolver.resolve(preset: preset, overrides: overrides) }
        }
        let cases: [([String], String, String)] = [
            (["filtersPerExpert=3"], "network.router.filtersPerExpert", "must equal network.M = 8"),
            (["M=16"], "network.router.filtersPerExpert", "2·4 = 8"),
            (["topPatches=17"], "network.router.topPatches", "K = 16"),
            (["topPatches=0"], "network.router.topPatches", "≥ 1"),
            (["experts=3", "filtersPerExpert=2", "M=6"], "network.router.experts", "even"),
            (["experts=1", "filtersPerExpert=8"], "network.router.experts", "even"),
            (["pretrainSteps=-1"], "network.router.pretrainSteps", "≥ 0"),
            (["pretrainLearningRate=0"], "network.router.pretrainLearningRate", "> 0"),
            (["routerInit=gaussian(-1)"], "network.router.routerInit", "finite"),
            (["architecture=fc"], "network.router", "architecture fc"),
            (["K=1", "topPatches=1"], "network.router", "data.K = 1"),
            (["readout=trainable(0.1)"], "network.readout", "fixedSign"),
            (["nTrain=0", "fullBatch=null", "batchSize=1"], "network.router.pretrainSteps", "data.nTrain > 0"),
            (["labelModel=signalNoise", "P=1"], "network.router", "labelModel key only"),
        ]
        for (overrides, field, phrase) in cases {
            let m = resolve(overrides)
            #expect(m?.contains(field) == true && m?.contains(phrase) == true, "\(overrides): \(m ?? "accepted")")
        }
        // Image runs: routing is for the key-pattern data only.
        var images = Preset.fmnistPractical.config
        images.network.readout = .fixedSign(.inverseM)
        var router = RouterConfig()
        router.filtersPerExpert = 16
        images.network.router = router
        let m = message { try images.validate() }
        #expect(m?.contains("network.router") == true && m?.contains("image runs") == true, "\(m ?? "accepted")")
        // Max pooling over the routed patches is supported; a router with 0 pre-training steps and an
        // online stream too.
        #expect(resolve(["pooling=max"]) == nil)
        #expect(resolve(["nTrain=0", "fullBatch=null", "batchSize=1", "pretrainSteps=0"]) == nil)
    }

    /// Routing accuracy by hand: D = 2, K = 3, experts + (r_0 = (1, 0)) and − (r_1 = (0, 1)), top-1.
    /// Example 0 (y = +1, key at 1): r_0 scores (0, 2, 1) → patch 1, the key: routed. Example 1
    /// (y = −1, key at 2): r_1 scores (3, 0, 1) → patch 0: not routed (r_0 would pick the key, but
    /// r_0's expert votes +). Example 2 (y = −1, key at 0): r_1 scores (5, 1, 1) → patch 0: routed.
    /// Accuracy 2/3; with top-2, example 1's r_1 picks patches 0 and 2: 3/3.
    @Test func routingAccuracyByHand() {
        var net = NetworkConfig()
        net.M = 2
        var router = RouterConfig()
        router.filtersPerExpert = 1
        router.topPatches = 1
        net.router = router
        var rng = RandomStream(seed: 1)
        var network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        network.routers = [1, 0, 0, 1]
        var test = PatchBatch(count: 3, K: 3, D: 2, keysPerExample: 1)
        test.x = [0, 0, 2, 0, 1, 0, 0, 3, 0, 0, 4, 1, 0, 5, 0, 1, 0, 1]
        test.labels = [1, -1, -1]
        test.observedLabels = [1, 1, 1]  // the true labels count, not the observed ones
        test.keyPositions = [1, 2, 0]
        #expect(RoutingMeasures.routingAccuracy(network: network, test: test) == 2.0 / 3)
        net.router!.topPatches = 2
        var two = PatchCNN(config: net, inputDimension: 2, using: &rng)
        two.routers = network.routers
        #expect(RoutingMeasures.routingAccuracy(network: two, test: test) == 1)
        // Negated routers, r_0 = (−1, 0) and r_1 = (0, −1), pick patches 0, 1 and 1 at top-1: no key.
        network.routers = [-1, 0, 0, -1]
        #expect(RoutingMeasures.routingAccuracy(network: network, test: test) == 0)
    }

    /// A short pmoe run records the routing accuracy at every evaluation (the same value: the
    /// routers are frozen) and in its summary; pmoe-cnn records none. Same seed ⇒ same bytes.
    @Test func shortRunsRecordRoutingAccuracyOnlyWithARouter() throws {
        let dir = temporaryDirectory("pmoe-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = try ConfigResolver.resolve(preset: "pmoe", overrides: ["steps=40", "nTest=300"], seed: 2)
        c.evaluation.schedule = .every(20)
        let summary = try Experiment(c).run(in: RunDirectory.create(at: "\(dir)/a", overwrite: false))
        let routing = try #require(summary.section(RoutingMeasures.self)).routingAccuracy
        #expect(routing > 0.3 && routing <= 1)
        let lines = try String(contentsOfFile: "\(dir)/a/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines { #expect(try JSONValue.parse(String(line))["routingAccuracy"]?.doubleValue == routing) }
        _ = try Experiment(c).run(in: RunDirectory.create(at: "\(dir)/b", overwrite: false))
        #expect(
            try String(contentsOfFile: "\(dir)/a/metrics.jsonl", encoding: .utf8)
                == String(contentsOfFile: "\(dir)/b/metrics.jsonl", encoding: .utf8))
        var plain = c
        plain.network.router = nil
        let cnn = try Experiment(plain).run()
        #expect(cnn.section(RoutingMeasures.self) == nil && cnn.measures["routingAccuracy"] == nil)
        // The CNN draws the same data and filters: only the routing differs.
        #expect(summary.testAccuracy != cnn.testAccuracy)
    }

    /// A batch of 70 is three chunks: 1 or 3 threads give the same bytes (SPEC §4).
    @Test func routedRunsDoNotDependOnTheThreadCount() throws {
        let dir = temporaryDirectory("pmoe-threads")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try ConfigResolver.resolve(preset: "pmoe", overrides: ["steps=20", "nTest=100", "nTrain=70"], seed: 5)
        #expect(c.training.batchSize == 70)
        for threads in [1, 3] {
            _ = try Experiment(c).run(
                in: RunDirectory.create(at: "\(dir)/t\(threads)", overwrite: false), threads: threads)
        }
        for file in ["metrics.jsonl", "filters.jsonl"] {
            let one = try String(contentsOfFile: "\(dir)/t1/\(file)", encoding: .utf8)
            #expect(one == (try String(contentsOfFile: "\(dir)/t3/\(file)", encoding: .utf8)), "\(file)")
        }
    }

    func summary(seed: Int, accuracy: Double, routing: Double?) throws -> RunSummary {
        var json: [String: JSONValue] = [
            "status": .string("completed"), "preset": .string("pmoe"), "seed": .int(seed), "steps": .int(600),
            "testAccuracy": .double(accuracy), "testAccuracyNoisy": .double(accuracy), "testLoss": .double(0.3),
            "trainAccuracy": .double(1), "trainLoss": .double(0), "stepsTo100": .null, "evaluations": .int(2),
        ]
        if let routing { json["routingAccuracy"] = .double(routing) }
        return try RunSummary(json: .object(json))
    }

    /// G1's declaration: a pMoE and a CNN variant per N, the accuracy gap judged on differences of
    /// medians at N ≤ 64, the routing rise on N = 128 against N = 8; by hand: pMoE accuracies
    /// (0.7, 0.8, 0.9) against the CNN's (0.6, 0.7, 0.8) → medians 0.8 − 0.7 = 0.1 ≥ 0.05: PASS;
    /// against (0.75, 0.78, 0.9) → 0.8 − 0.78 = 0.02: FAIL.
    @Test func claimG1IsDeclaredOverBothPresetsAndN() throws {
        let g1 = try #require(Claim.named("G1"))
        #expect(Claim.all.map(\.id).suffix(5) == ["E1", "F1", "F2", "G1", "H1"])
        #expect(g1.variants.map(\.name) == [8, 16, 32, 64, 128].flatMap { ["n\($0)-pmoe", "n\($0)-cnn"] })
        for v in g1.variants {
            let c = v.config(from: g1.preset.config)
            try c.validate()
            #expect(c.training.batchSize == c.data.nTrain)
            #expect((c.network.router != nil) == v.name.hasSuffix("pmoe"))
            #expect(c.preset == (v.name.hasSuffix("pmoe") ? "pmoe" : "pmoe-cnn"))
        }
        #expect(g1.curve?.figures.map(\.label) == ["test accuracy", "routing accuracy"])
        #expect(g1.seeds(nil) == Claim.G1.defaultSeeds && g1.seeds(nil) < Claim.standardSeeds && g1.seeds(7) == 7)
        func runs(_ values: [Double], routing: Double? = nil) throws -> [RunSummary] {
            try values.enumerated().map { try summary(seed: $0, accuracy: $1, routing: routing) }
        }
        var variants: [String: [RunSummary]] = [
            "n8-pmoe": try runs([0.7, 0.8, 0.9], routing: 0.4), "n8-cnn": try runs([0.6, 0.7, 0.8]),
            "n128-pmoe": try runs([0.9, 0.95, 1], routing: 0.95),
        ]
        var rows = g1.judge([], variantRuns: variants)
        #expect(rows.map(\.id) == ["G1a", "G1e", "G1g", "G1k"])
        #expect(abs(rows[0].value - 0.1) < 1e-12 && rows[0].passed && rows[0].detail == "medians of 3 vs 3 runs")
        #expect(abs(rows[1].value - 0.55) < 1e-12 && rows[1].passed)
        variants["n8-cnn"] = try runs([0.75, 0.78, 0.9])
        variants["n128-pmoe"] = try runs([0.9, 0.95, 1], routing: 0.6)
        rows = g1.judge([], variantRuns: variants)
        #expect(abs(rows[0].value - 0.02) < 1e-12 && !rows[0].passed)
        // Routing 0.6 − 0.4 = 0.2 < 0.3 fails.
        #expect(abs(rows[1].value - 0.2) < 1e-12 && !rows[1].passed)
    }
}
