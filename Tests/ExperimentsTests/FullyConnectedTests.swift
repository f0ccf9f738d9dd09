import Analysis
import Datasets
import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// `architecture: fc`: the patch CNN on the examples flattened to one patch of dimension K·D.
@Suite struct FullyConnectedTests {
    func config(_ architecture: String, _ overrides: [String] = []) throws -> ExperimentConfig {
        try ConfigResolver.resolve(
            preset: "bg-cnn-vs-fc",
            overrides: ["architecture=\(architecture)", "nTrain=16", "nTest=50", "steps=30"] + overrides, seed: 3)
    }

    @Test func fcIsTheCNNOnOneFlattenedPatchOfTheSameData() throws {
        let cnn = try PreparedExperiment(try config("cnn")).task
        let fc = try PreparedExperiment(try config("fc")).task
        let K = 16
        let D = 64
        #expect(cnn.K == K && cnn.D == D && fc.K == 1 && fc.D == K * D)
        #expect(fc.network.D == K * D && fc.network.M == cnn.network.M && !fc.recordsFilters && cnn.recordsFilters)
        // The same sampled data, test and training sets alike: x is the same array, only its shape differs.
        let cnnTest = try #require(cnn.testSet as? PatchBatch)
        let fcTest = try #require(fc.testSet as? PatchBatch)
        #expect(fcTest.K == 1 && fcTest.D == K * D && fcTest.count == cnnTest.count)
        #expect(fcTest.x == cnnTest.x && fcTest.labels == cnnTest.labels)
        let cnnTrain = try #require(cnn.trainingData.fixedSet as? PatchBatch)
        let fcTrain = try #require(fc.trainingData.fixedSet as? PatchBatch)
        #expect(fcTrain.x == cnnTrain.x && fcTrain.observedLabels == cnnTrain.observedLabels)
        // Initial weights: the init stream of the seed drawn M·K·D times instead of M·D, at the same
        // scale, so the FC net's first filter starts with the CNN's first filter.
        var rng = RandomStream(seed: 3, purpose: .initialization)
        let expected = PatchCNN(config: fc.network.config, inputDimension: K * D, using: &rng)
        #expect(fc.network.filters == expected.filters && fc.network.readout == cnn.network.readout)
        #expect(Array(fc.network.filter(0)[0..<D]) == Array(cnn.network.filter(0)))
        // f(x) = Σ_j a_j relu(⟨w_j, vec(x)⟩), worked by hand for the first test examples.
        let net = fc.network
        let evaluator = Evaluator(network: net, patches: 1, dimension: K * D, threads: 1)
        for n in 0..<5 {
            var f = 0.0
            for j in 0..<net.M {
                var s = 0.0
                for k in 0..<(K * D) { s += Double(net.filters[j * K * D + k]) * Double(fcTest.x[n * K * D + k]) }
                f += Double(net.readout[j]) * max(0, s)
            }
            var one = PatchBatch(count: 1, K: 1, D: K * D, keysPerExample: 1)
            fcTest.fill(&one, with: [n][...])
            // The margin y·f of the one example, from the batched kernels.
            let margin = evaluator.evaluate(net, on: one, loss: .hinge).minMargin
            #expect(abs(margin * Double(one.labels[0]) - f) < 1e-5 * max(1, abs(f)), "example \(n)")
        }
    }

    @Test func onlineFCDrawsTheSameExamplesAsTheCNN() throws {
        var patterns = RandomStream(seed: 5, purpose: .patterns)
        let sampler = KeyPatternSampler(
            config: PatchDataConfig(), basis: PatternBasis(PatchDataConfig(), using: &patterns))
        var a = sampler
        var flat = FlattenedSampler(sampler, K: 16, D: 64, keysPerExample: 1)
        var r1 = RandomStream(seed: 5, purpose: .train)
        var r2 = r1
        let batch = a.sample(3, using: &r1)
        var out = PatchBatch(count: 4, K: 1, D: 16 * 64, keysPerExample: 1)
        flat.fill(&out, from: 1, count: 3, using: &r2)
        #expect(Array(out.x[(16 * 64)...]) == batch.x && Array(out.labels[1...]) == batch.labels)
        #expect(out.x[0..<(16 * 64)].allSatisfy { $0 == 0 } && Array(out.keyPositions[1...]) == [0, 0, 0])
    }

    @Test func fcRunWritesNormsButNoFilterDynamics() throws {
        let path = temporaryDirectory("fc-run")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try Experiment(try config("fc")).run(in: RunDirectory.create(at: path, overwrite: false))
        #expect(!FileManager.default.fileExists(atPath: "\(path)/filters.jsonl"))
        let lines = try String(contentsOfFile: "\(path)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try JSONValue.parse(String(lines.last!))
        #expect(last["maxFilterNorm"]?.doubleValue ?? 0 > 0 && last["keyShare"] == nil)
        #expect(summary.measures.isEmpty || summary.measures["keyShare"] == nil)
        let config = try ExperimentConfig.decode(
            JSONValue.parse(String(contentsOfFile: "\(path)/config.json", encoding: .utf8)))
        #expect(config.network.architecture == .fc)
    }

    @Test func configsWithoutArchitectureLoadAsCNN() throws {
        var json = Preset.kpBench.config.json
        guard case .object(var fields) = json, case .object(var network)? = fields["network"] else {
            Issue.record("config JSON is not an object")
            return
        }
        #expect(network["architecture"] == .string("cnn"))
        network["architecture"] = nil
        fields["network"] = .object(network)
        json = .object(fields)
        #expect(try ExperimentConfig.decode(json) == Preset.kpBench.config)
        #expect(throws: (any Error).self) {
            try ConfigResolver.resolve(preset: "kp-bench", overrides: ["architecture=mlp"])
        }
        #expect(throws: (any Error).self) {
            try ConfigResolver.resolve(preset: "fmnist-practical", overrides: ["architecture=fc"])
        }
    }
}
