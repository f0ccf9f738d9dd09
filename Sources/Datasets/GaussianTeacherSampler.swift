import Tensors

/// Draws examples of the `gaussianTeacher` model (SPEC §1; Tan & Chen 2021, a two-layer quadratic
/// network learning a quadratic teacher): one patch x ~ N(0, I_D) and the real target
/// t = Σ_{r<R} v_r (u_rᵀx)².
///
/// The teacher directions u_0 … u_{R−1} are orthonormal: R·D Gaussians drawn row by row from the
/// `patterns` stream (`nextGaussian`), orthonormalised by modified Gram–Schmidt in Double. Each
/// example takes the next D Gaussians of its stream (a batch is one `fillGaussians` over its
/// N·D coordinates, the same values as example by example); the target is computed in Double
/// from the float32 x that the network sees, then stored as float32. Labels are +1, pattern IDs
/// −1 and the key position 0: nothing else is drawn.
public struct GaussianTeacherSampler: ExampleSampler {
    /// The data model it draws from.
    public let config: PatchDataConfig
    /// The teacher directions U [R × D], row r is u_r, orthonormal (Double).
    public let teacher: [Double]
    /// The teacher's weights v [R].
    public let weights: [Double]

    /// A sampler of `config`'s examples whose teacher directions are drawn from `patterns`.
    public init(config: PatchDataConfig, using patterns: inout RandomStream) {
        self.config = config
        teacher = Self.orthonormalRows(config.teacherRank, dimension: config.D, using: &patterns)
        weights = config.resolvedTeacherWeights
    }

    /// R orthonormal rows of dimension D (R ≤ D): Gaussian rows orthonormalised by modified
    /// Gram–Schmidt in Double. A row left with norm below 1e-9 after the projections (probability
    /// zero in exact arithmetic) is drawn again.
    public static func orthonormalRows(_ R: Int, dimension D: Int, using rng: inout RandomStream) -> [Double] {
        precondition(R >= 0 && R <= D, "orthonormalRows: \(R) orthonormal rows do not fit dimension \(D)")
        var rows = [Double](repeating: 0, count: R * D)
        var r = 0
        while r < R {
            var v = (0..<D).map { _ in rng.nextGaussian() }
            for q in 0..<r {
                var dot = 0.0
                for k in 0..<D { dot += v[k] * rows[q * D + k] }
                for k in 0..<D { v[k] -= dot * rows[q * D + k] }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 1e-9 else { continue }
            for k in 0..<D { rows[r * D + k] = v[k] / norm }
            r += 1
        }
        return rows
    }

    /// The teacher directions as a pattern basis of R patterns (what filters are projected on).
    public var teacherBasis: PatternBasis {
        PatternBasis(rows: teacher.map { Float($0) }, P: config.teacherRank, D: config.D)
    }

    /// t = Σ_r v_r (u_rᵀx)² for the D coordinates of `x` starting at `start`, in Double.
    @inline(__always)
    public func target(of x: [Float], at start: Int) -> Double {
        let D = config.D
        var t = 0.0
        for r in 0..<weights.count {
            var dot = 0.0
            for k in 0..<D { dot += teacher[r * D + k] * Double(x[start + k]) }
            t += weights[r] * dot * dot
        }
        return t
    }

    /// Fills `count` examples starting at slot `start` of `batch` (K = 1, patches of dimension D).
    public mutating func fill(_ batch: inout PatchBatch, from start: Int, count: Int, using rng: inout RandomStream) {
        let D = config.D
        precondition(batch.K == 1 && batch.D == D, "GaussianTeacherSampler: the batch must hold one patch of \(D)")
        batch.reserveTargets()
        rng.fillGaussians(&batch.x, from: start * D, count: count * D, scale: 1, add: false)
        let range = start..<(start + count)
        batch.labels.setAll(to: 1, in: range)
        batch.observedLabels.setAll(to: 1, in: range)
        batch.patternIDs.setAll(to: -1, in: range)
        batch.keyPositions.setAll(to: 0, in: (start * batch.keysPerExample)..<((start + count) * batch.keysPerExample))
        // The targets filled in a local array (moved out of the batch and back), so that the loop
        // checks its uniqueness once rather than at every element.
        var targets = batch.targets
        batch.targets = []
        let x = batch.x
        for n in range { targets[n] = Float(target(of: x, at: n * D)) }
        batch.targets = targets
    }

    /// A new batch of `count` examples, with its targets.
    public mutating func sample(_ count: Int, using rng: inout RandomStream) -> PatchBatch {
        var batch = PatchBatch(count: count, K: 1, D: config.D, keysPerExample: 1)
        batch.reserveTargets()
        fill(&batch, from: 0, count: count, using: &rng)
        return batch
    }
}
