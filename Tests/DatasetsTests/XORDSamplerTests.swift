import Datasets
import Tensors
import Testing

@Suite struct XORDSamplerTests {
    static func config(diverseOnly: Bool = true, K: Int = 8, sigma: Double = 0) -> PatchDataConfig {
        var c = PatchDataConfig()
        c.labelModel = .xord
        c.basis = .xor2
        c.D = 2
        c.P = 4
        c.K = K
        c.keyPos = [0, 1]
        c.keyNeg = [2, 3]
        c.sigma = sigma
        c.diverseOnly = diverseOnly
        return c
    }

    func sample(_ config: PatchDataConfig, diverse: Bool? = nil, count: Int, seed: UInt64 = 1) -> PatchBatch {
        var sampler = XORDSampler(config: config, diverse: diverse)
        var rng = RandomStream(seed: seed, purpose: .train)
        return sampler.sample(count, using: &rng)
    }

    /// The pattern index of a patch, read from its coordinates (nil when it is none of the four).
    func pattern(_ a: Float, _ b: Float) -> Int? {
        switch (a, b) {
        case (1, 1): return 0
        case (-1, -1): return 1
        case (1, -1): return 2
        case (-1, 1): return 3
        default: return nil
        }
    }

    @Test(arguments: [true, false])
    func labelsFollowTheXORRuleAndPatchesAreThePatterns(_ diverseOnly: Bool) throws {
        let c = Self.config(diverseOnly: diverseOnly)
        let batch = sample(c, count: 2000)
        var nonDiverse = 0
        for n in 0..<batch.count {
            let ids = try (0..<c.K).map { i -> Int in
                let p = try #require(pattern(batch.x[(n * c.K + i) * 2], batch.x[(n * c.K + i) * 2 + 1]))
                #expect(Int(batch.patternIDs[n * c.K + i]) == p)
                return p
            }
            let positive = ids.contains { $0 < 2 }
            #expect(batch.labels[n] == (positive ? 1 : -1))
            #expect(batch.observedLabels[n] == batch.labels[n])
            let diverse = positive ? Set(ids).count == 4 : Set(ids) == [2, 3]
            #expect(XORDSampler.isDiverse(ids, label: batch.labels[n]) == diverse)
            if !diverse { nonDiverse += 1 }
        }
        if diverseOnly {
            #expect(nonDiverse == 0)
        } else {
            // Uniform over each class's points with K = 8: a positive point is diverse with
            // probability 0.6229/(1 − 2⁻⁸) ≈ 0.6254 (inclusion–exclusion over the four patterns), a
            // negative one non-diverse with 2/2⁸; so ≈ 382 of 2000 are not diverse (s.d. ≈ 16).
            #expect(abs(nonDiverse - 382) < 5 * 16)
        }
        let positives = batch.labels.filter { $0 == 1 }.count
        #expect(abs(positives - 1000) < 5 * 23)  // Binomial(2000, ½): s.d. ≈ 22.4
    }

    @Test func classesAreSymmetricInTheirPatterns() {
        // Within each class the sampler is uniform over its points, so (1,1) and (−1,−1) are equally
        // frequent in positive points, and (1,−1) and (−1,1) in both classes.
        let c = Self.config()
        let batch = sample(c, count: 4000, seed: 3)
        var counts = [[Int]](repeating: [0, 0, 0, 0], count: 2)
        for n in 0..<batch.count {
            for i in 0..<c.K { counts[batch.labels[n] == 1 ? 0 : 1][Int(batch.patternIDs[n * c.K + i])] += 1 }
        }
        func close(_ a: Int, _ b: Int) -> Bool { Double(abs(a - b)) < 5 * Double(a + b).squareRoot() }
        #expect(close(counts[0][0], counts[0][1]) && close(counts[0][2], counts[0][3]))
        #expect(close(counts[1][2], counts[1][3]) && counts[1][0] == 0 && counts[1][1] == 0)
    }

    @Test func noiseIsAddedOnlyWhenAsked() {
        let clean = sample(Self.config(), count: 50)
        let noisy = sample(Self.config(sigma: 0.1), count: 50)
        #expect(clean.x.allSatisfy { $0 == 1 || $0 == -1 })
        #expect(noisy.x.contains { $0 != 1 && $0 != -1 })
        // The first example's label and patterns are drawn before its noise.
        #expect(noisy.labels[0] == clean.labels[0] && noisy.patternIDs[0..<8] == clean.patternIDs[0..<8])
    }

    @Test func theConfigNamesWhatIsWrong() {
        func message(_ edit: (inout PatchDataConfig) -> Void) -> String? {
            var c = Self.config()
            edit(&c)
            do {
                try c.validate()
                return nil
            } catch { return "\(error)" }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.basis = .onehot }?.contains("data.basis") == true)
        #expect(message { $0.D = 3 }?.contains("data.D") == true)
        #expect(message { $0.K = 3 }?.contains("diverseOnly") == true)
        #expect(message { $0.keyPos = [1, 0] }?.contains("keyPos") == true)
        #expect(message { $0.labelModel = .key }?.contains("xor2") == true)
        #expect(message { $0.spuriousBias = 0.1 }?.contains("spuriousBias") == true)
    }
}
