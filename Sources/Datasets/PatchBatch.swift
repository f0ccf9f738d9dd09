import Tensors

/// A set of examples stored contiguously.
///
/// Layout: `x` is [N × K × D] row-major float32 (example, patch, coordinate); `labels` and
/// `observedLabels` are [N] (±1 for binary models, 0..<C for classes); `patternIDs` is [N × K],
/// the pattern placed in each patch or −1 where none was (Gaussian or zero background);
/// `keyPositions` is [N × keysPerExample], the patches that hold the class key.
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
    }

    /// Restricts the batch to its first `n` examples without freeing storage (n ≤ capacity).
    public mutating func setCount(_ n: Int) {
        precondition(
            n >= 0 && n * K * D <= x.count, "setCount: \(n) examples exceed the capacity \(x.count / max(1, K * D))")
        count = n
    }
}
