import Datasets
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
}
