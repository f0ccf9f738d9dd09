import Tensors

/// A set of examples stored contiguously.
///
/// Layout: `x` is [N × K × D] row-major float32 (example, patch, coordinate); `labels` and
/// `observedLabels` are [N] (±1 for binary models, 0..<C for classes); `patternIDs` is [N × K],
/// the pattern placed in each patch or −1 where none was (Gaussian or zero background);
/// `keyPositions` is [N × keysPerExample], the patches that hold the class key; `targets` is [N],
/// the real-valued targets of a regression model (`gaussianTeacher`), and empty for classification.
public struct PatchBatch: Sendable {
    /// Patches per example.
    public let K: Int
    /// Patch dimension.
    public let D: Int
    /// Key positions recorded per example.
    public let keysPerExample: Int
    /// Examples in use (at most the capacity).
    public private(set) var count: Int
    /// Patches [N × K × D].
    public var x: [Float]
    /// True labels [N].
    public var labels: [Int32]
    /// Observed labels [N] (the true ones, flipped with probability `flip`).
    public var observedLabels: [Int32]
    /// The pattern in each patch, [N × K], −1 where none was placed.
    public var patternIDs: [Int32]
    /// The patches holding the class key, [N × keysPerExample].
    public var keyPositions: [Int32]
    /// Real-valued regression targets t [N]; empty for classification (labels only).
    public var targets: [Float] = []

    /// An empty batch with room for `count` examples.
    public init(count: Int, K: Int, D: Int, keysPerExample: Int) {
        self.K = K
        self.D = D
        self.keysPerExample = keysPerExample
        self.count = count
        x = Array(repeating: 0, count: count * K * D)
        labels = Array(repeating: 0, count: count)
        observedLabels = Array(repeating: 0, count: count)
        patternIDs = Array(repeating: -1, count: count * K)
        keyPositions = Array(repeating: -1, count: count * keysPerExample)
    }

    /// The patches of example `n` as a [K × D] slice of `x`.
    public func patches(of n: Int) -> ArraySlice<Float> {
        x[(n * K * D)..<((n + 1) * K * D)]
    }

    /// Copies example `source` of `other` into slot `n` (shapes must agree).
    public mutating func copyExample(_ source: Int, of other: PatchBatch, to n: Int) {
        precondition(
            other.K == K && other.D == D && other.keysPerExample == keysPerExample,
            "copyExample: batch shapes differ (K \(other.K) vs \(K), D \(other.D) vs \(D))")
        let size = K * D
        x.overwrite(size, at: n * size, from: other.x, at: source * size)
        labels[n] = other.labels[source]
        observedLabels[n] = other.observedLabels[source]
        for i in 0..<K { patternIDs[n * K + i] = other.patternIDs[source * K + i] }
        for i in 0..<keysPerExample {
            keyPositions[n * keysPerExample + i] = other.keyPositions[source * keysPerExample + i]
        }
        if !other.targets.isEmpty {
            reserveTargets()
            targets[n] = other.targets[source]
        }
    }

    /// The number of examples the batch has room for.
    public var capacity: Int { K * D > 0 ? x.count / (K * D) : labels.count }

    /// Gives `targets` room for `capacity` examples (once; later calls allocate nothing).
    public mutating func reserveTargets() {
        if targets.count < capacity { targets = Array(repeating: 0, count: capacity) }
    }

    /// Restricts the batch to its first `n` examples without freeing storage (n ≤ capacity).
    public mutating func setCount(_ n: Int) {
        precondition(
            n >= 0 && n * K * D <= x.count, "setCount: \(n) examples exceed the capacity \(x.count / max(1, K * D))")
        count = n
    }
}

extension PatchBatch {
    /// The same examples as one patch of dimension K·D each: `x` is shared unchanged (the layout
    /// [N × K × D] is [N × 1 × K·D]), the labels are the same, `patternIDs` is −1 (no single
    /// pattern fills the one patch) and every key position is 0.
    public func flattened() -> PatchBatch {
        let size = K * D
        var b = PatchBatch(count: 0, K: 1, D: size, keysPerExample: keysPerExample)
        let capacity = size > 0 ? x.count / size : 0
        b.x = x
        b.labels = labels
        b.observedLabels = observedLabels
        b.patternIDs = Array(repeating: -1, count: capacity)
        b.keyPositions = Array(repeating: 0, count: capacity * keysPerExample)
        b.targets = targets
        b.setCount(count)
        return b
    }
}

/// A sampler whose examples are those of `base` flattened to one patch of dimension K·D
/// (`PatchBatch.flattened`): it draws exactly what `base` draws from the same stream.
public struct FlattenedSampler: ExampleSampler {
    private var base: any ExampleSampler
    private var scratch: PatchBatch

    /// Flattens the examples `base` draws, which have `K` patches of dimension `D`.
    public init(_ base: any ExampleSampler, K: Int, D: Int, keysPerExample: Int) {
        self.base = base
        scratch = PatchBatch(count: 0, K: K, D: D, keysPerExample: keysPerExample)
    }

    /// Draws `count` examples from `base` and writes them, flattened, into slots `start…` of `batch`
    /// (one patch of dimension K·D each).
    public mutating func fill(_ batch: inout PatchBatch, from start: Int, count: Int, using rng: inout RandomStream) {
        let size = scratch.K * scratch.D
        precondition(
            batch.K == 1 && batch.D == size && batch.keysPerExample == scratch.keysPerExample,
            "FlattenedSampler: the batch must hold one patch of dimension \(size)")
        if scratch.x.count < count * size {
            scratch = PatchBatch(count: count, K: scratch.K, D: scratch.D, keysPerExample: scratch.keysPerExample)
        }
        scratch.setCount(count)
        base.fill(&scratch, from: 0, count: count, using: &rng)
        batch.x.overwrite(count * size, at: start * size, from: scratch.x, at: 0)
        for n in 0..<count {
            batch.labels[start + n] = scratch.labels[n]
            batch.observedLabels[start + n] = scratch.observedLabels[n]
            batch.patternIDs[start + n] = -1
            for i in 0..<scratch.keysPerExample { batch.keyPositions[(start + n) * scratch.keysPerExample + i] = 0 }
        }
    }
}
