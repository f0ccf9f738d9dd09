import Datasets
import Foundation
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// SPEC §3 item 8 (PSI): the Spearman correlation, the pattern counts and a tiny psi run checked
/// against its own files.
@Suite struct PatternStatisticsTests {
    @Test func spearmanByHand() {
        // x ranks 1…5; y = [5, 6, 7, 8, 7] has ranks [1, 2, 3.5, 5, 3.5] (the two 7s share 3 and 4).
        // Deviations from the mean rank 3: dx = [−2, −1, 0, 1, 2], dy = [−2, −1, 0.5, 2, 0.5];
        // Σ dx·dy = 4 + 1 + 0 + 2 + 1 = 8, Σ dx² = 10, Σ dy² = 9.5, ρ = 8 / √95 ≈ 0.82078.
        #expect(PatternStatistics.averageRanks([5, 6, 7, 8, 7]) == [1, 2, 3.5, 5, 3.5])
        #expect(PatternStatistics.averageRanks([3, 1, 3, 2, 3]) == [4, 1, 4, 2, 4])
        let rho = PatternStatistics.spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
        #expect(abs(rho - 8 / 95.0.squareRoot()) < 1e-12)
        // Only the order matters: any increasing map gives 1, a decreasing one −1.
        #expect(PatternStatistics.spearman([0.1, 0.5, 0.2, 9], [1, 100, 2, 1e6]) == 1)
        #expect(PatternStatistics.spearman([0.1, 0.5, 0.2, 9], [-1, -100, -2, -1e6]) == -1)
        // Symmetric in its arguments.
        #expect(PatternStatistics.spearman([5, 6, 7, 8, 7], [1, 2, 3, 4, 5]) == rho)
    }

    @Test func spearmanIsNaNWhenUndefined() {
        #expect(PatternStatistics.spearman([1, 1, 1], [1, 2, 3]).isNaN)  // constant side
        #expect(PatternStatistics.spearman([1, 2, 3], [4, 4, 4]).isNaN)
        #expect(PatternStatistics.spearman([1], [2]).isNaN)  // one pair
        #expect(PatternStatistics.spearman([], []).isNaN)
        #expect(PatternStatistics.spearman([1, .nan, 3], [1, 2, 3]).isNaN)
    }

    @Test func countsArePointsNotPatches() {
        // Two examples of K = 3 patches: (+1) patterns 0, 0, 2; (−1) patterns 2, 1, −1 (no pattern).
        var batch = PatchBatch(count: 2, K: 3, D: 4, keysPerExample: 1)
        batch.patternIDs = [0, 0, 2, 2, 1, -1]
        batch.observedLabels = [1, -1]
        batch.labels = [-1, 1]  // the true labels are not used
        let counts = PatternStatistics.PatternCounts(batch, patterns: 4)
        #expect(counts.positive == [1, 0, 1, 0])
        #expect(counts.negative == [0, 1, 1, 0])
    }

    @Test func tinyRunMatchesAnIndependentPass() throws {
        let path = temporaryDirectory("psi-run")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ConfigResolver.resolve(
            preset: "psi", overrides: ["nTrain=20", "nTest=100", "epochs=3", "schedule=every(20)"], seed: 4)
        #expect(config.training.steps == 60)  // 3 epochs of 20 points, B = 1
        let summary = try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
        let psi = try #require(summary.section(PatternStatistics.self))
        let P = config.data.P

        // D± from the last line of filters.jsonl (projections [M][P], signs [M]).
        let lines = try String(contentsOfFile: "\(path)/filters.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try JSONValue.parse(String(lines.last!))
        let projections = try #require(last["projections"]?.arrayValue).map { row in
            (row.arrayValue ?? []).map { $0.doubleValue ?? .nan }
        }
        let signs = try #require(last["signs"]?.arrayValue).map { $0.intValue ?? 0 }
        #expect(signs.filter { $0 > 0 }.count == 50 && signs.filter { $0 < 0 }.count == 50)
        for p in 0..<P {
            let dPlus = projections.indices.filter { signs[$0] > 0 }.map { projections[$0][p] }.max()!
            let dMinus = projections.indices.filter { signs[$0] < 0 }.map { projections[$0][p] }.max()!
            // filters.jsonl holds float32 numbers; with one-hot patterns ⟨w_j, p⟩ is a float32 weight.
            #expect(Float(psi.psiDetectionPositive[p]) == Float(dPlus), "D₊(\(p))")
            #expect(Float(psi.psiDetectionNegative[p]) == Float(dMinus), "D₋(\(p))")
        }

        // The counts from the training set drawn again and read from the patch values (one-hot
        // patterns with σ = 0.05 noise: the pattern of a patch is its largest coordinate).
        var patterns = RandomStream(seed: 4, purpose: .patterns)
        let basis = PatternBasis(config.data, using: &patterns)
        var sampler = KeyPatternSampler(config: config.data, basis: basis)
        var train = RandomStream(seed: 4, purpose: .train)
        let set = sampler.sample(config.data.nTrain, using: &train)
        var positive = [Int](repeating: 0, count: P)
        var negative = [Int](repeating: 0, count: P)
        let (K, D) = (config.data.K, config.data.D)
        for n in 0..<set.count {
            var held = Set<Int>()
            for i in 0..<K {
                let patch = Array(set.x[((n * K + i) * D)..<((n * K + i + 1) * D)])
                held.insert(patch.indices.max { patch[$0] < patch[$1] }!)
            }
            for p in held {
                if set.observedLabels[n] > 0 { positive[p] += 1 } else { negative[p] += 1 }
            }
        }
        #expect(psi.psiCountPositive == positive)
        #expect(psi.psiCountNegative == negative)
        #expect(positive.reduce(0, +) + negative.reduce(0, +) > config.data.nTrain)

        // ρ over the common patterns 4…31, and the last metrics line agrees with the summary.
        let common = Array(4..<32)
        #expect(config.data.commonIndices == common)
        let excess = common.map { Double(positive[$0] - negative[$0]) }
        let rhoPlus = PatternStatistics.spearman(common.map { psi.psiDetectionPositive[$0] }, excess)
        let rhoMinus = PatternStatistics.spearman(common.map { psi.psiDetectionNegative[$0] }, excess.map { -$0 })
        #expect(psi.psiSpearmanPositive == rhoPlus && psi.psiSpearmanNegative == rhoMinus)
        #expect(!rhoPlus.isNaN && !rhoMinus.isNaN)
        let metrics = try String(contentsOfFile: "\(path)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 4)  // steps 0, 20, 40, 60
        let end = try JSONValue.parse(String(metrics.last!))
        #expect(PatternStatistics.spearmanPositive.value(in: end) == rhoPlus)
        #expect(PatternStatistics.finalSpearmanPositive.value(in: summary) == rhoPlus)
        // The summary reads back through the family's checks.
        let written = try RunSummary(
            json: JSONValue.parse(String(contentsOfFile: "\(path)/summary.json", encoding: .utf8)))
        try MeasurementFamilies.validate(summary: written, config: config)
        #expect(written.section(PatternStatistics.self) == psi)
    }

    @Test func recordedOnlyByCNNRunsOnAFixedSet() throws {
        #expect(PatternStatistics.records(Preset.psi.config))
        #expect(PatternStatistics.records(Preset.bgCNNvsFC.config))
        #expect(!PatternStatistics.records(Preset.kpBench.config))  // online stream
        var fc = Preset.bgCNNvsFC.config
        fc.network.architecture = .fc
        #expect(!PatternStatistics.records(fc))
        #expect(!PatternStatistics.records(Preset.fmnistPractical.config))
    }

    @Test func psiPresetIsTheSpecRow() throws {
        let c = Preset.psi.config
        try c.validate()
        #expect(c.data.keyPos == [0, 1] && c.data.keyNeg == [2, 3] && c.data.commonIndices == Array(4..<32))
        #expect(c.data.spuriousIndices == Array(4..<18) && c.data.spuriousBias == 0.2 && c.data.nTrain == 200)
        #expect(c.data.D == 64 && c.data.K == 16 && c.data.sigma == 0.05)
        #expect(c.network.M == 100 && c.network.readout == .fixedSign(.value(1)))
        #expect(c.training.learningRate == 0.1 && c.training.batchSize == 1 && c.training.epochs == 20)
        #expect(c.training.steps == 4000)
    }
}
