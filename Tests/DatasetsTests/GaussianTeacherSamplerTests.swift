import Datasets
import Tensors
import Testing

/// The `gaussianTeacher` model (Tan & Chen 2021): orthonormal teacher directions, the target
/// formula, the stream discipline and the validation of its fields.
@Suite struct GaussianTeacherSamplerTests {
    static func config(D: Int = 10, rank: Int = 2, weights: [Double] = []) -> PatchDataConfig {
        var c = PatchDataConfig()
        c.labelModel = .gaussianTeacher
        c.K = 1
        c.D = D
        c.P = rank
        c.teacherRank = rank
        c.teacherWeights = weights
        c.sigma = 0
        return c
    }

    @Test(arguments: [(10, 2), (5, 5), (64, 3), (1, 1)])
    func teacherDirectionsAreOrthonormal(_ D: Int, _ R: Int) {
        var rng = RandomStream(seed: 3, purpose: .patterns)
        let sampler = GaussianTeacherSampler(config: Self.config(D: D, rank: R), using: &rng)
        #expect(sampler.teacher.count == R * D)
        for r in 0..<R {
            for q in 0..<R {
                let dot = (0..<D).reduce(0.0) { $0 + sampler.teacher[r * D + $1] * sampler.teacher[q * D + $1] }
                #expect(abs(dot - (r == q ? 1 : 0)) <= 1e-12, "D \(D) R \(R): ⟨u_\(r), u_\(q)⟩ = \(dot)")
            }
        }
    }

    /// t = Σ_r v_r (u_rᵀx)² on a hand example: with u_0 = e_0, u_1 = e_1 (a basis set by hand),
    /// v = (2, −1) and x = (1, 3, 5): t = 2·1² − 1·3² = −7.
    @Test func targetFormulaOnAHandExample() {
        var rng = RandomStream(seed: 1, purpose: .patterns)
        var c = Self.config(D: 3, rank: 2, weights: [2, -1])
        c.P = 2
        let sampler = GaussianTeacherSampler(config: c, using: &rng)
        // The drawn directions, applied by hand.
        let x: [Float] = [1, 3, 5]
        let u = sampler.teacher
        let dots = (0..<2).map { r in (0..<3).reduce(0.0) { $0 + u[r * 3 + $1] * Double(x[$1]) } }
        #expect(abs(sampler.target(of: x, at: 0) - (2 * dots[0] * dots[0] - dots[1] * dots[1])) <= 1e-12)
        // And with the identity directions: the formula itself.
        let identity = [1.0, 0, 0, 0, 1, 0]
        let t = (0..<2).reduce(0.0) { total, r in
            let d = (0..<3).reduce(0.0) { $0 + identity[r * 3 + $1] * Double(x[$1]) }
            return total + [2.0, -1][r] * d * d
        }
        #expect(t == -7)
    }

    /// Each example's target is the formula applied to its own x; x takes the stream's Gaussians in
    /// order, so one batch of n equals two batches of n/2 from the same stream; different
    /// seeds or purposes differ; the patterns stream alone fixes the teacher.
    @Test func examplesFollowTheirStream() {
        let c = Self.config()
        var p1 = RandomStream(seed: 4, purpose: .patterns)
        var p2 = RandomStream(seed: 4, purpose: .patterns)
        var s1 = GaussianTeacherSampler(config: c, using: &p1)
        var s2 = GaussianTeacherSampler(config: c, using: &p2)
        #expect(s1.teacher == s2.teacher)
        var a = RandomStream(seed: 8, purpose: .train)
        var b = RandomStream(seed: 8, purpose: .train)
        let whole = s1.sample(6, using: &a)
        var halves = PatchBatch(count: 6, K: 1, D: 10, keysPerExample: 1)
        s2.fill(&halves, from: 0, count: 3, using: &b)
        s2.fill(&halves, from: 3, count: 3, using: &b)
        #expect(whole.x == halves.x && whole.targets == halves.targets)
        for n in 0..<6 { #expect(whole.targets[n] == Float(s1.target(of: whole.x, at: n * 10))) }
        var g = RandomStream(seed: 8, purpose: .train)
        let gaussians = (0..<60).map { _ in Float(g.nextGaussian()) }
        #expect(whole.x == gaussians)
        var other = RandomStream(seed: 8, purpose: .test)
        #expect(s1.sample(6, using: &other).x != whole.x)
        var p3 = RandomStream(seed: 5, purpose: .patterns)
        #expect(GaussianTeacherSampler(config: c, using: &p3).teacher != s1.teacher)
    }

    /// E[t] = Σ_r v_r (u_rᵀx ~ N(0, 1)): over 20,000 draws of t = (u_1ᵀx)² + (u_2ᵀx)² (χ²₂, mean 2,
    /// variance 4), the mean is within 5 standard errors (5·2/√20000 ≈ 0.07) of 2.
    @Test func targetMeanIsTheSumOfTheWeights() {
        var p = RandomStream(seed: 2, purpose: .patterns)
        var sampler = GaussianTeacherSampler(config: Self.config(), using: &p)
        var rng = RandomStream(seed: 2, purpose: .train)
        let batch = sampler.sample(20_000, using: &rng)
        let mean = batch.targets.reduce(0.0) { $0 + Double($1) } / 20_000
        #expect(abs(mean - 2) <= 5 * 2 / 20_000.0.squareRoot(), "mean target \(mean)")
    }

    /// Copying examples of a set with targets (a fixed training set) carries the targets along.
    @Test func copiedExamplesKeepTheirTargets() {
        var p = RandomStream(seed: 2, purpose: .patterns)
        var sampler = GaussianTeacherSampler(config: Self.config(), using: &p)
        var rng = RandomStream(seed: 2, purpose: .train)
        let set = sampler.sample(5, using: &rng)
        var batch = PatchBatch(count: 2, K: 1, D: 10, keysPerExample: 1)
        set.fill(&batch, with: [4, 1][...])
        #expect(batch.targets == [set.targets[4], set.targets[1]])
        #expect(PatchBatch(count: 2, K: 1, D: 10, keysPerExample: 1).targets.isEmpty)
    }

    @Test func badFieldsAreNamed() {
        func field(_ change: (inout PatchDataConfig) -> Void) -> String? {
            var c = Self.config()
            change(&c)
            do { try c.validate() } catch let e as ConfigurationError { return e.field } catch { return "?" }
            return nil
        }
        #expect(field { _ in } == nil)
        #expect(field { $0.teacherRank = 11 } == "data.teacherRank")
        #expect(field { $0.teacherRank = 0 } == "data.teacherRank")
        #expect(field { $0.teacherWeights = [1, 2, 3] } == "data.teacherWeights")
        #expect(field { $0.teacherWeights = [1, .nan] } == "data.teacherWeights")
        #expect(field { $0.K = 2 } == "data.K")
        #expect(field { $0.P = 3 } == "data.P")
        #expect(field { $0.flip = 0.1 } == "data.flip")
        #expect(field { $0.sigma = 0.1 } == "data.sigma")
        #expect(field { $0.nTest = 0 } == "data.nTest")
    }
}
