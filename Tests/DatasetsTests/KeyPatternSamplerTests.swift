import Datasets
import Foundation
import Tensors
import Testing

@Suite struct KeyPatternSamplerTests {
    func sample(_ config: PatchDataConfig, count: Int, seed: UInt64 = 1) -> (PatchBatch, PatternBasis) {
        var p = RandomStream(seed: seed, purpose: .patterns)
        let basis = PatternBasis(config, using: &p)
        var sampler = KeyPatternSampler(config: config, basis: basis)
        var rng = RandomStream(seed: seed, purpose: .train)
        return (sampler.sample(count, using: &rng), basis)
    }

    @Test func labelsAreBalanced() {
        let (batch, _) = sample(PatchDataConfig(), count: 4000)
        let positives = batch.labels.filter { $0 == 1 }.count
        #expect(batch.labels.allSatisfy { $0 == 1 || $0 == -1 })
        // Binomial(4000, 1/2): standard deviation ≈ 31.6; allow 5 of them.
        #expect(abs(positives - 2000) < 160)
    }

    @Test(arguments: [Basis.onehot, .orthoRandom])
    func keysSitExactlyWhereStated(_ basisKind: Basis) {
        var config = PatchDataConfig()
        config.sigma = 0
        config.basis = basisKind
        config.keyPos = [0, 2]
        config.keyNeg = [1]
        config.keysPerExample = 3
        config.keyScale = 2.5
        let (batch, basis) = sample(config, count: 300)
        let K = config.K
        let D = config.D
        for n in 0..<batch.count {
            let keySet = batch.labels[n] == 1 ? config.keyPos : config.keyNeg
            let positions = (0..<3).map { Int(batch.keyPositions[n * 3 + $0]) }
            #expect(Set(positions).count == 3)
            for i in 0..<K {
                let id = Int(batch.patternIDs[n * K + i])
                let isKey = positions.contains(i)
                #expect(isKey ? keySet.contains(id) : config.commonIndices.contains(id))
                let scale: Float = isKey ? 2.5 : 1
                for k in 0..<D {
                    let expected = scale * basis.patterns[id * D + k]
                    #expect(abs(batch.x[(n * K + i) * D + k] - expected) < 1e-6)
                }
            }
        }
    }

    @Test func backgroundsZeroAndGaussian() {
        var config = PatchDataConfig()
        config.sigma = 0
        config.background = .zero
        let (zero, _) = sample(config, count: 50)
        let nonzeroPatches = stride(from: 0, to: zero.x.count, by: config.D).filter { start in
            zero.x[start..<(start + config.D)].contains { $0 != 0 }
        }.count
        #expect(nonzeroPatches == 50)  // only the key patch
        config.background = .gaussian
        config.sigmaB = 2
        let (gauss, _) = sample(config, count: 400)
        var sq = 0.0
        var n = 0
        for e in 0..<gauss.count {
            for i in 0..<config.K where gauss.patternIDs[e * config.K + i] == -1 {
                for k in 0..<config.D {
                    let v = Double(gauss.x[(e * config.K + i) * config.D + k])
                    sq += v * v
                    n += 1
                }
            }
        }
        #expect(abs((sq / Double(n)).squareRoot() - 2) < 0.03)
    }

    @Test func noiseHasTheStatedStandardDeviation() {
        var config = PatchDataConfig()
        config.sigma = 0.3
        config.background = .zero
        let (batch, _) = sample(config, count: 200)
        var sq = 0.0
        var n = 0
        for e in 0..<batch.count {
            let keyPatch = Int(batch.keyPositions[e])
            for i in 0..<config.K where i != keyPatch {
                for k in 0..<config.D {
                    let v = Double(batch.x[(e * config.K + i) * config.D + k])
                    sq += v * v
                    n += 1
                }
            }
        }
        #expect(abs((sq / Double(n)).squareRoot() - 0.3) < 0.005)
    }

    @Test func flipsAtTheStatedRate() {
        var config = PatchDataConfig()
        config.flip = 0.2
        let (batch, _) = sample(config, count: 5000)
        let flipped = (0..<batch.count).filter { batch.labels[$0] != batch.observedLabels[$0] }.count
        // Binomial(5000, 0.2): sd ≈ 28.3.
        #expect(abs(flipped - 1000) < 150)
        let (clean, _) = sample(PatchDataConfig(), count: 500)
        #expect(clean.labels == clean.observedLabels)
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        let (a, _) = sample(PatchDataConfig(), count: 64, seed: 5)
        let (b, _) = sample(PatchDataConfig(), count: 64, seed: 5)
        let (c, _) = sample(PatchDataConfig(), count: 64, seed: 6)
        #expect(a.x == b.x && a.labels == b.labels && a.patternIDs == b.patternIDs)
        #expect(a.x != c.x)
    }

    @Test func commonPatternsCarryNoLabelInformation() {
        var config = PatchDataConfig()
        config.P = 6
        let (batch, _) = sample(config, count: 6000)
        // Each common pattern appears in positive and negative examples at the same rate.
        for c in config.commonIndices {
            var counts = [Int32: Int]()
            for n in 0..<batch.count {
                for i in 0..<config.K where batch.patternIDs[n * config.K + i] == Int32(c) {
                    counts[batch.labels[n], default: 0] += 1
                }
            }
            let pos = Double(counts[1] ?? 0)
            let neg = Double(counts[-1] ?? 0)
            #expect(abs(pos - neg) / (pos + neg) < 0.05)
        }
    }

    /// The psi preset's data: keys {0, 1} / {2, 3}, commons 4…31, S = the first half (4…17).
    static func psiData(bias: Double) -> PatchDataConfig {
        var config = PatchDataConfig()
        config.keyPos = [0, 1]
        config.keyNeg = [2, 3]
        config.spuriousBias = bias
        return config
    }

    @Test func spuriousShareFollowsTheBias() throws {
        let config = Self.psiData(bias: 0.2)
        try config.validate()
        let S = Set(config.spuriousIndices)
        #expect(S == Set(4...17))
        let (batch, _) = sample(config, count: 2000)
        var inS: [Int32: Int] = [:]
        var total: [Int32: Int] = [:]
        var seen = Set<Int>()
        for n in 0..<batch.count {
            let y = batch.labels[n]
            for i in 0..<config.K where i != Int(batch.keyPositions[n]) {
                let c = Int(batch.patternIDs[n * config.K + i])
                #expect(config.commonIndices.contains(c))
                seen.insert(c)
                total[y, default: 0] += 1
                if S.contains(c) { inS[y, default: 0] += 1 }
            }
        }
        // Each background patch is in S with probability ½ + y·0.2, independently given y: the
        // share among class +1's ≈ 15,000 patches is Binomial/n with s.d. √(0.7·0.3/15000) ≈ 0.0037.
        // Allow 5 s.d. (0.019) on each side; 0.7 and 0.3 are 100 s.d. apart from the unbiased ½.
        for (y, expected) in [(Int32(1), 0.7), (-1, 0.3)] {
            let n = Double(total[y] ?? 0)
            #expect(n > 13_000)
            let share = Double(inS[y] ?? 0) / n
            let sd = (expected * (1 - expected) / n).squareRoot()
            #expect(abs(share - expected) < 5 * sd, "class \(y): share \(share), expected \(expected) ± \(5 * sd)")
        }
        #expect(seen == Set(config.commonIndices))
    }

    /// Replays the documented order of draws (with σ = 0 and no flip, so no Gaussian or flip draws)
    /// from a fresh stream and returns the background pattern of every patch, [N × K].
    func replayPatternIDs(_ config: PatchDataConfig, count: Int, seed: UInt64 = 1) -> [Int32] {
        var rng = RandomStream(seed: seed, purpose: .train)
        var scratch: [Int] = []
        var ids = [Int32](repeating: -1, count: count * config.K)
        let S = config.spuriousIndices
        let R = config.commonIndices.filter { !S.contains($0) }
        for n in 0..<count {
            let y: Int32 = rng.nextUniform() < 0.5 ? 1 : -1
            let keySet = y == 1 ? config.keyPos : config.keyNeg
            let position = rng.distinctIndices(1, below: config.K, scratch: &scratch).first!
            ids[n * config.K + position] = Int32(
                keySet.count == 1 ? keySet[0] : keySet[rng.nextIndex(below: keySet.count)])
            for i in 0..<config.K where i != position {
                var group = config.commonIndices
                if config.spuriousBias > 0 {
                    group = rng.nextUniform() < 0.5 + Double(y) * config.spuriousBias ? S : R
                }
                ids[n * config.K + i] = Int32(group[rng.nextIndex(below: group.count)])
            }
        }
        return ids
    }

    @Test(arguments: [0.0, 0.2])
    func drawsFollowTheDocumentedOrder(_ bias: Double) {
        var config = Self.psiData(bias: bias)
        config.sigma = 0
        let (batch, _) = sample(config, count: 300)
        #expect(batch.patternIDs == replayPatternIDs(config, count: 300))
    }

    @Test func zeroBiasDrawsExactlyAsAConfigWithoutTheFields() throws {
        // A config written before spuriousBias and spuriousSet existed …
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(PatchDataConfig())) as! [String: Any]
        json["spuriousBias"] = nil
        json["spuriousSet"] = nil
        let old = try JSONDecoder().decode(
            PatchDataConfig.self, from: JSONSerialization.data(withJSONObject: json))
        // … and one that sets them, with bias 0 (the set is then unused).
        var explicit = PatchDataConfig()
        explicit.spuriousBias = 0
        explicit.spuriousSet = .indices([2, 3, 4])
        let (a, _) = sample(old, count: 200)
        let (b, _) = sample(explicit, count: 200)
        #expect(a.x == b.x && a.labels == b.labels && a.patternIDs == b.patternIDs)
        // A positive bias changes the draws (a second random number per background patch).
        explicit.spuriousBias = 0.1
        explicit.spuriousSet = .firstHalf
        let (c, _) = sample(explicit, count: 200)
        #expect(c.patternIDs != a.patternIDs)
    }
}
