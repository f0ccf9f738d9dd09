import Tensors

/// A source of synthetic examples: each label model implements one.
public protocol ExampleSampler: Sendable {
    /// Fills `count` examples starting at slot `start` of `batch`.
    mutating func fill(_ batch: inout PatchBatch, from start: Int, count: Int, using rng: inout RandomStream)
}

extension ExampleSampler {
    /// A new batch of `count` examples shaped like `config`.
    public mutating func sample(_ count: Int, like config: PatchDataConfig, using rng: inout RandomStream) -> PatchBatch
    {
        var batch = PatchBatch(count: count, K: config.K, D: config.D, keysPerExample: config.keysPerExample)
        fill(&batch, from: 0, count: count, using: &rng)
        return batch
    }
}

/// Draws examples of the `key` label model (SPEC §1).
///
/// For each example, in this order of random draws: y ~ U{±1}; `keysPerExample` distinct
/// positions; for each of them a key c uniform in the key set of y, placed as keyScale·p_c; each
/// other patch, in patch order, per the background (a uniform common pattern, N(0, σ_b² I), or
/// zero); N(0, σ²) added to every coordinate of every patch (patch by patch, coordinate by
/// coordinate); then the observed label is flipped with probability `flip`.
///
/// With `spuriousBias` > 0 (PSI, Brutzkus & Globerson 2020) a common background patch takes two
/// draws instead of one: u = `nextUniform()`, the group S = `spuriousIndices` if u < ½ + y·bias
/// (the true label y), else R = the other common patterns (in `commonIndices` order); then a
/// pattern uniform in the group (`nextIndex`). With `spuriousBias` = 0 it is the one draw
/// `nextIndex` over all common patterns, exactly as before the field existed.
public struct KeyPatternSampler: ExampleSampler {
    /// The data model it draws from.
    public let config: PatchDataConfig
    /// The patterns it places.
    public let basis: PatternBasis
    private let commons: [Int]
    /// S: the common patterns favoured in class +1 (PSI); empty when `spuriousBias` = 0.
    private let spurious: [Int]
    /// R: the other common patterns (PSI); empty when `spuriousBias` = 0.
    private let rest: [Int]
    private var positionScratch: [Int] = []
    private var isKey: [Bool]

    /// A sampler of `config`'s examples built from `basis`.
    public init(config: PatchDataConfig, basis: PatternBasis) {
        self.config = config
        self.basis = basis
        commons = config.commonIndices
        if config.spuriousBias > 0 {
            let s = config.spuriousIndices
            let inS = Set(s)
            spurious = s
            rest = commons.filter { !inS.contains($0) }
        } else {
            spurious = []
            rest = []
        }
        isKey = Array(repeating: false, count: config.K)
    }

    /// Fills `count` examples starting at slot `start` of `batch`.
    public mutating func fill(_ batch: inout PatchBatch, from start: Int, count: Int, using rng: inout RandomStream) {
        for n in start..<(start + count) { fillExample(&batch, at: n, using: &rng) }
    }

    /// A new batch of `count` examples.
    public mutating func sample(_ count: Int, using rng: inout RandomStream) -> PatchBatch {
        sample(count, like: config, using: &rng)
    }

    private mutating func fillExample(_ batch: inout PatchBatch, at n: Int, using rng: inout RandomStream) {
        let K = config.K
        let D = config.D
        let keysPer = config.keysPerExample
        let y: Int32 = rng.nextUniform() < 0.5 ? 1 : -1
        let keySet = y == 1 ? config.keyPos : config.keyNeg
        let positions = rng.distinctIndices(keysPer, below: K, scratch: &positionScratch)
        for i in 0..<K { isKey[i] = false }
        let scale = Float(config.keyScale)
        let sigmaB = config.sigmaB
        let sigma = config.sigma
        let bias = config.spuriousBias
        // P(group S) for this example's background patches: ½ + y·bias.
        let spuriousProbability = 0.5 + Double(y) * bias
        let base = n * K * D
        batch.x.setAll(to: 0, in: base..<(base + K * D))
        for (slot, i) in positions.enumerated() {
            let c = keySet.count == 1 ? keySet[0] : keySet[rng.nextIndex(below: keySet.count)]
            place(c, scale: scale, into: &batch.x, at: base + i * D)
            isKey[i] = true
            batch.patternIDs[n * K + i] = Int32(c)
            batch.keyPositions[n * keysPer + slot] = Int32(i)
        }
        for i in 0..<K where !isKey[i] {
            switch config.background {
            case .common:
                let c: Int
                if bias > 0 {
                    let group = rng.nextUniform() < spuriousProbability ? spurious : rest
                    c = group[rng.nextIndex(below: group.count)]
                } else {
                    c = commons[rng.nextIndex(below: commons.count)]
                }
                place(c, scale: 1, into: &batch.x, at: base + i * D)
                batch.patternIDs[n * K + i] = Int32(c)
            case .gaussian:
                rng.fillGaussians(&batch.x, from: base + i * D, count: D, scale: sigmaB, add: false)
                batch.patternIDs[n * K + i] = -1
            case .zero:
                batch.patternIDs[n * K + i] = -1
            }
        }
        if sigma > 0 {
            rng.fillGaussians(&batch.x, from: base, count: K * D, scale: sigma, add: true)
        }
        batch.labels[n] = y
        batch.observedLabels[n] = config.flip > 0 && rng.nextBool(probability: config.flip) ? -y : y
    }

    /// Writes scale·p_c into the patch of `x` starting at element `start`.
    @inline(__always)
    private func place(_ c: Int, scale: Float, into x: inout [Float], at start: Int) {
        let D = config.D
        if basis.isOneHot {
            x[start + c] = scale
        } else {
            x.assign(D, at: start, from: basis.patterns, at: c * D, scaledBy: scale)
        }
    }
}
