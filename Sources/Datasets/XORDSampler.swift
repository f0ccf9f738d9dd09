import Tensors

/// Draws examples of the `xord` label model (SPEC §1; Brutzkus & Globerson 2019, "Why do larger
/// models generalize better?").
///
/// Every patch is one of the four `xor2` patterns: 0 = (1,1) and 1 = (−1,−1) (positive), 2 =
/// (1,−1) and 3 = (−1,1) (negative); y = +1 iff some patch is positive. For each example, in this
/// order of random draws: y ~ U{±1}; then the K patterns, patch by patch — uniform over all four
/// for y = +1, uniform over the two negative ones for y = −1 — redrawn as a whole until the point
/// belongs to its class (y = +1: some patch positive) and, when `diverse`, is diverse (y = +1: all
/// four patterns present; y = −1: both negative patterns present); then N(0, σ²) on every
/// coordinate when σ > 0, and the label flip. So each class is uniform over its (diverse) points.
public struct XORDSampler: ExampleSampler {
    /// The data model it draws from.
    public let config: PatchDataConfig
    /// Whether it draws diverse points only.
    public let diverse: Bool
    private var scratch: [Int]

    /// A sampler of `config`'s examples; `diverse` (default `config.diverseOnly`) restricts it to
    /// diverse points.
    public init(config: PatchDataConfig, diverse: Bool? = nil) {
        self.config = config
        self.diverse = diverse ?? config.diverseOnly
        scratch = Array(repeating: 0, count: config.K)
    }

    /// Pattern c of `xor2` as its two coordinates.
    public static func pattern(_ c: Int) -> (Float, Float) {
        switch c {
        case 0: return (1, 1)
        case 1: return (-1, -1)
        case 2: return (1, -1)
        default: return (-1, 1)
        }
    }

    /// Whether a point with these pattern indices is diverse for its class.
    public static func isDiverse<C: Collection<Int>>(_ patterns: C, label: Int32) -> Bool {
        var seen = [false, false, false, false]
        for c in patterns { seen[c] = true }
        return label == 1 ? !seen.contains(false) : seen[2] && seen[3]
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
        let y: Int32 = rng.nextUniform() < 0.5 ? 1 : -1
        while true {
            var positive = false
            for i in 0..<K {
                let c = y == 1 ? rng.nextIndex(below: 4) : 2 + rng.nextIndex(below: 2)
                scratch[i] = c
                if c < 2 { positive = true }
            }
            if y == 1 && !positive { continue }
            if diverse && !Self.isDiverse(scratch, label: y) { continue }
            break
        }
        let base = n * K * 2
        for i in 0..<K {
            let (a, b) = Self.pattern(scratch[i])
            batch.x[base + 2 * i] = a
            batch.x[base + 2 * i + 1] = b
            batch.patternIDs[n * K + i] = Int32(scratch[i])
        }
        if config.sigma > 0 {
            rng.fillGaussians(&batch.x, from: base, count: K * 2, scale: config.sigma, add: true)
        }
        for s in 0..<batch.keysPerExample { batch.keyPositions[n * batch.keysPerExample + s] = -1 }
        batch.labels[n] = y
        batch.observedLabels[n] = config.flip > 0 && rng.nextBool(probability: config.flip) ? -y : y
    }
}
