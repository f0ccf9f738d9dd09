import Datasets
import Tensors
import Testing

@Suite struct PatternBasisTests {
    func gramDeviation(_ b: PatternBasis) -> Double {
        var worst = 0.0
        for p in 0..<b.P {
            for q in 0..<b.P {
                var dot = 0.0
                for k in 0..<b.D { dot += Double(b.patterns[p * b.D + k]) * Double(b.patterns[q * b.D + k]) }
                worst = max(worst, abs(dot - (p == q ? 1 : 0)))
            }
        }
        return worst
    }

    @Test(arguments: [(4, 4), (32, 64), (1, 9), (7, 7)])
    func orthoRandomIsOrthonormal(_ shape: (Int, Int)) {
        var config = PatchDataConfig()
        config.basis = .orthoRandom
        config.P = shape.0
        config.D = shape.1
        var rng = RandomStream(seed: 1, purpose: .patterns)
        let basis = PatternBasis(config, using: &rng)
        #expect(!basis.isOneHot)
        #expect(gramDeviation(basis) < 1e-6)
    }

    @Test func onehotIsTheStandardBasis() {
        var rng = RandomStream(seed: 1, purpose: .patterns)
        let basis = PatternBasis(PatchDataConfig(), using: &rng)
        #expect(basis.isOneHot)
        #expect(gramDeviation(basis) == 0)
        #expect(basis.pattern(3)[3 + 3 * basis.D] == 1)
    }

    @Test func orthoRandomDependsOnTheSeed() {
        var config = PatchDataConfig()
        config.basis = .orthoRandom
        var a = RandomStream(seed: 1, purpose: .patterns)
        var b = RandomStream(seed: 2, purpose: .patterns)
        var a2 = RandomStream(seed: 1, purpose: .patterns)
        #expect(PatternBasis(config, using: &a).patterns != PatternBasis(config, using: &b).patterns)
        var a3 = RandomStream(seed: 1, purpose: .patterns)
        #expect(PatternBasis(config, using: &a2).patterns == PatternBasis(config, using: &a3).patterns)
    }
}
