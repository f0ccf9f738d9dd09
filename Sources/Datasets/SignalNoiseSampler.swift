import Tensors

/// Draws examples of the `signalNoise` label model (SPEC §1; Cao, Chen, Belkin & Gu 2022, Kou,
/// Chen, Chen & Gu 2023: benign overfitting in two-layer CNNs).
///
/// The signal is μ = keyScale·e_0 (`signal: e0`) or keyScale·(1, …, 1)/√D (`signal: allOnes`).
/// For each example, in this order of random draws: y ~ U{±1} (`nextUniform() < ½` gives +1);
/// the signal position, uniform over the K patches (`nextIndex`), which holds y·μ (the true
/// label); then each other patch in patch order, D Gaussians scaled by σ_b (`fillGaussians`),
/// projected orthogonal to μ when `orthoNoise` (ξ ← ξ − ⟨ξ, μ̂⟩μ̂, computed in Double; no draw);
/// N(0, σ²) added to every coordinate of every patch when σ > 0 (the projection comes before it,
/// so orthogonality needs σ = 0); then the observed label ỹ is −y with probability `flip`
/// (`nextBool`, drawn only when flip > 0). The signal patch's position is recorded in
/// `keyPositions`, its `patternIDs` entry is 0 and the noise patches' −1.
public struct SignalNoiseSampler: ExampleSampler {
    /// The data model it draws from.
    public let config: PatchDataConfig
    /// μ, [D].
    public let mu: [Float]
    /// μ/‖μ‖ in Double, [D].
    private let unit: [Double]

    /// A sampler of `config`'s examples.
    public init(config: PatchDataConfig) {
        self.config = config
        mu = Self.signal(config)
        let norm = mu.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        unit = mu.map { norm > 0 ? Double($0) / norm : 0 }
    }

    /// μ of `config`: keyScale·e_0, or keyScale·(1, …, 1)/√D.
    public static func signal(_ config: PatchDataConfig) -> [Float] {
        var mu = [Float](repeating: 0, count: config.D)
        switch config.signal {
        case .e0: mu[0] = Float(config.keyScale)
        case .allOnes:
            let v = Float(config.keyScale / Double(config.D).squareRoot())
            for k in 0..<config.D { mu[k] = v }
        }
        return mu
    }

    /// The unit signal direction μ/‖μ‖ as a one-pattern basis (what filters are projected on).
    public static func signalBasis(_ config: PatchDataConfig) -> PatternBasis {
        let mu = signal(config)
        let norm = mu.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return PatternBasis(rows: mu.map { Float(Double($0) / norm) }, P: 1, D: config.D)
    }

    /// Fills `count` examples starting at slot `start` of `batch`.
    public mutating func fill(_ batch: inout PatchBatch, from start: Int, count: Int, using rng: inout RandomStream) {
        for n in start..<(start + count) { fillExample(&batch, at: n, using: &rng) }
    }

    /// A new batch of `count` examples.
    public mutating func sample(_ count: Int, using rng: inout RandomStream) -> PatchBatch {
        sample(count, like: config, using: &rng)
    }

    private func fillExample(_ batch: inout PatchBatch, at n: Int, using rng: inout RandomStream) {
        let K = config.K
        let D = config.D
        let y: Int32 = rng.nextUniform() < 0.5 ? 1 : -1
        let position = rng.nextIndex(below: K)
        let base = n * K * D
        let sign = Float(y)
        for i in 0..<K {
            let start = base + i * D
            if i == position {
                for k in 0..<D { batch.x[start + k] = sign * mu[k] }
                batch.patternIDs[n * K + i] = 0
                continue
            }
            rng.fillGaussians(&batch.x, from: start, count: D, scale: config.sigmaB, add: false)
            if config.orthoNoise { projectOut(&batch.x, at: start) }
            batch.patternIDs[n * K + i] = -1
        }
        if config.sigma > 0 {
            rng.fillGaussians(&batch.x, from: base, count: K * D, scale: config.sigma, add: true)
        }
        batch.keyPositions[n] = Int32(position)
        batch.labels[n] = y
        batch.observedLabels[n] = config.flip > 0 && rng.nextBool(probability: config.flip) ? -y : y
    }

    /// ξ ← ξ − ⟨ξ, μ̂⟩μ̂ on the patch of `x` starting at `start`; for μ along e_0 this zeroes
    /// coordinate 0 exactly.
    private func projectOut(_ x: inout [Float], at start: Int) {
        if config.signal == .e0 {
            x[start] = 0
            return
        }
        var dot = 0.0
        for k in 0..<config.D { dot += Double(x[start + k]) * unit[k] }
        for k in 0..<config.D { x[start + k] = Float(Double(x[start + k]) - dot * unit[k]) }
    }
}
