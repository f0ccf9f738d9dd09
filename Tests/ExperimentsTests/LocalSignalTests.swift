import Datasets
import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// Local signal adaptivity (SPEC §3 item 11, Karp et al. 2021): the family's figures by hand on a
/// tiny network, recomputed from a karp-lsa run's filters, bias and test set, and the presets.
@Suite struct LocalSignalTests {
    /// One filter w = (1, 2) with read-out a = −1 and bias b = −0.5, direction w* = (0.6, 0.8):
    /// ⟨w, w*⟩ = 0.6 + 1.6 = 2.2, so c = sign(a)·2.2 = −2.2; w − 2.2·w* = (1 − 1.32, 2 − 1.76) =
    /// (−0.32, 0.24), o = √(0.1024 + 0.0576) = 0.4; −b/c = 0.5/(−2.2) = −0.2273. Noise patches (the
    /// signal sits at patch 0 of example 0 and patch 2 of example 1): (0.1, 0.1) → s = 0.3 and
    /// (0.5, 0) → s = 0.5 do not pass |s| > 0.5; (−1, 0) → −1 and (0, 0.3) → 0.6 do: 2 of 4.
    @Test func handWorkedValues() {
        var config = NetworkConfig()
        config.activation = .symThreshold
        config.bias = .frozen(-0.5)
        config.readout = .trainable(1)
        config.M = 1
        var rng = RandomStream(seed: 1, purpose: .initialization)
        var net = PatchCNN(config: config, inputDimension: 2, using: &rng)
        net.filters = [1, 2]
        net.readout = [-1]
        var test = PatchBatch(count: 2, K: 3, D: 2, keysPerExample: 1)
        // Example 0: signal, (0.1, 0.1), (0.5, 0); example 1: (−1, 0), (0, 0.3), signal.
        test.x = [9, 9, 0.1, 0.1, 0.5, 0, -1, 0, 0, 0.3, 9, 9]
        test.keyPositions = [0, 2]
        let line = LocalSignalMeasures.line(network: net, direction: [0.6, 0.8], test: test)
        let measured = [line.signalProjection, line.offSignalNorm, line.thresholdBias, line.thresholdRatio]
        let agreement = closeness(measured, [-2.2, 0.4, -0.5, 0.5 / -2.2], rtol: 1e-6, atol: 1e-7)
        #expect(agreement.isClose, "\(agreement)")
        #expect(line.activeNoiseFraction == 0.5)
        // With a = +1 the signal component turns positive; o, b and the noise share do not change.
        net.readout = [1]
        let plus = LocalSignalMeasures.line(network: net, direction: [0.6, 0.8], test: test)
        #expect(plus.signalProjection == -line.signalProjection && plus.thresholdRatio == -line.thresholdRatio)
        #expect(plus.offSignalNorm == line.offSignalNorm && plus.activeNoiseFraction == 0.5)
        // b = 0: −b/c is 0 (not −0) and every noise patch with s ≠ 0 passes.
        net.biases = [0]
        let zero = LocalSignalMeasures.line(network: net, direction: [0.6, 0.8], test: test)
        #expect(zero.thresholdRatio == 0 && zero.thresholdRatio.sign == .plus && zero.activeNoiseFraction == 1)
    }

    @Test func recordedByOneSymThresholdFilterOnSignalNoiseData() throws {
        #expect(LocalSignalMeasures.records(Preset.karpLSA.config))
        #expect(LocalSignalMeasures.records(Preset.karpLSAFrozen.config))
        #expect(!LocalSignalMeasures.records(Preset.kouRelu.config))
        #expect(!LocalSignalMeasures.records(Preset.kpBench.config))
        var two = Preset.karpLSA.config
        two.network.M = 2
        #expect(!LocalSignalMeasures.records(two))
    }

    /// A short karp-lsa run (and its frozen twin): c, o, b, −b/c and the active-noise share in
    /// metrics.jsonl and summary.json equal a recomputation from the final filter, bias and test
    /// set, and c and ‖w‖ agree with filters.jsonl.
    @Test(arguments: ["karp-lsa", "karp-lsa-frozen"])
    func figuresAgreeWithARecomputation(_ preset: String) throws {
        let c = try ConfigResolver.resolve(
            preset: preset, overrides: ["nTest=300", "steps=60", "schedule=every(20)"], seed: 3)
        let prepared = try PreparedExperiment(c)
        let path = temporaryDirectory("localsignal")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try prepared.run(in: RunDirectory.create(at: path, overwrite: false))
        let task = try #require(prepared.task as? SignalNoiseTask)
        let test = try #require(task.testSet as? PatchBatch)
        let (K, D) = (c.data.K, c.data.D)
        let w = task.lastFilters.map(Double.init)
        let b = Double(try #require(task.lastBiases.first))
        #expect(w.count == D && task.network.readout == [1])
        // w* = (1, …, 1)/√D.
        let unit = 1 / Double(D).squareRoot()
        let cc = w.reduce(0, +) * unit
        let o = w.map { ($0 - cc * unit) * ($0 - cc * unit) }.reduce(0, +).squareRoot()
        var active = 0
        var total = 0
        for n in 0..<test.count {
            for i in 0..<K where i != Int(test.keyPositions[n]) {
                var s = 0.0
                for k in 0..<D { s += w[k] * Double(test.x[(n * K + i) * D + k]) }
                total += 1
                if abs(s) > -b { active += 1 }
            }
        }
        #expect(total == 300 * 99)
        let section = try #require(summary.section(LocalSignalMeasures.self))
        let recomputed = [cc, o, b, -b / cc + 0, Double(active) / Double(total)]
        let measured = [
            section.signalProjection, section.offSignalNorm, section.thresholdBias, section.thresholdRatio,
            section.activeNoiseFraction,
        ]
        let agreement = closeness(measured, recomputed, rtol: 1e-4, atol: 1e-6)
        #expect(agreement.isClose, "\(agreement)")
        let lines = try String(contentsOfFile: "\(path)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let last = try JSONValue.parse(String(lines.last!))
        #expect(try last.decode(LocalSignalMeasures.Line.self) == section)
        let filters = try String(contentsOfFile: "\(path)/filters.jsonl", encoding: .utf8).split(separator: "\n")
        let recorded = try JSONValue.parse(String(filters.last!)).decode(FiltersLine.self)
        let norm = w.map { $0 * $0 }.reduce(0, +).squareRoot()
        let fromFile = [recorded.projections?.first?.first ?? .nan, recorded.norms[0]]
        let fileAgreement = closeness(fromFile, [cc, norm], rtol: 1e-5, atol: 1e-7)
        #expect(fileAgreement.isClose, "\(fileAgreement)")
        if preset == "karp-lsa" {
            #expect(b != 0 && task.lastBiases != task.network.biases)
        } else {
            #expect(b == 0 && section.thresholdRatio == 0 && section.activeNoiseFraction == 1)
        }
    }

    /// The preset as specified learns its threshold (no dead zone from the 1e-6 init and a bias
    /// from 0): after 300 of its 4000 steps b < 0, c > 0, most noise patches are cut off, and the
    /// test accuracy is above the frozen-bias twin's (same data and init). Seed 0 of the release
    /// build: b = −0.147, c = 0.64, 41% active, accuracy 0.73 against 0.64.
    @Test func thePresetLearnsItsThreshold() throws {
        let seed = 0
        var accuracy: [Double] = []
        for preset in ["karp-lsa", "karp-lsa-frozen"] {
            let c = try ConfigResolver.resolve(
                preset: preset, overrides: ["nTest=500", "steps=300", "schedule=every(300)", "filterDynamics=false"],
                seed: seed)
            let path = temporaryDirectory("localsignal-learns")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try PreparedExperiment(c).run(in: RunDirectory.create(at: path, overwrite: false))
            let s = try #require(summary.section(LocalSignalMeasures.self))
            if preset == "karp-lsa" {
                #expect(s.thresholdBias < -0.05 && s.signalProjection > 0.3 && s.activeNoiseFraction < 0.6, "\(s)")
            }
            accuracy.append(summary.testAccuracy)
        }
        #expect(accuracy[0] > accuracy[1] + 0.03, "\(accuracy)")
    }

    @Test func presetsFollowSpec() throws {
        let k = Preset.karpLSA.config
        #expect(k.data.labelModel == .signalNoise && k.data.signal == .allOnes && k.data.keyScale == 1)
        #expect(k.data.K == 100 && k.data.D == 10 && k.data.nTrain == 0 && !k.data.orthoNoise)
        #expect(abs(k.data.sigmaB - 0.6 * Foundation.log(100) / 10) < 1e-15 && k.data.sigma == 0 && k.data.flip == 0)
        #expect(k.network.M == 1 && k.network.activation == .symThreshold && k.network.pooling == .sum)
        #expect(k.network.readout == .fixedSign(.value(1)) && k.network.bias == .shared)
        #expect(k.network.biasGradScale == 0.01 && k.network.`init` == .sphere(1e-6))
        #expect(k.training.loss == .logistic && k.training.batchSize == 100)
        #expect(k.training.learningRate == 0.1 && k.training.steps == 4000)
        var frozen = Preset.karpLSAFrozen.config
        #expect(frozen.network.bias == .frozen(0) && frozen.preset == "karp-lsa-frozen")
        frozen.network.bias = .shared
        frozen.preset = "karp-lsa"
        #expect(frozen == k)
        // E1 runs the two presets as its variants.
        let e1 = try #require(Claim.named("E1"))
        let configs = e1.variants.map { $0.config(from: e1.preset.config) }
        #expect(e1.variants.map(\.name) == ["learned", "frozen"])
        #expect(configs == [Preset.karpLSA.config, Preset.karpLSAFrozen.config])
        for s in e1.statements { #expect(["learned", "frozen"].contains(s.variant ?? "")) }
    }
}
