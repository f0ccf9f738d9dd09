import Datasets
import Networks
import Tensors

/// Loss, accuracy and margins of a network on a fixed set of examples (SPEC §3 items 1 and 10,
/// Docs/Metrics.md "Loss and accuracy"); a test accuracy of exactly 1 is claim 3 of Yu, Zhang &
/// Zhu 2019 (arXiv 1905.10157). ŷ = +1 iff f > 0 for one output, the arg max otherwise.
public struct SetEvaluation: Sendable, Equatable {
    /// Mean loss (1/N) Σ_i ℓ(f(x_i), ỹ_i) against the observed labels ỹ.
    public var loss: Double
    /// Fraction with prediction ŷ_i = ỹ_i.
    public var accuracy: Double
    /// Mean loss (1/N) Σ_i ℓ(f(x_i), y_i) against the true labels y.
    public var cleanLoss: Double
    /// Fraction with prediction ŷ_i = y_i.
    public var cleanAccuracy: Double
    /// min_i ỹ_i f(x_i) (binary networks; NaN otherwise).
    public var minMargin: Double
    /// max_i ỹ_i f(x_i) (binary networks; NaN otherwise).
    public var maxMargin: Double

    /// An evaluation from its values.
    public init(
        loss: Double, accuracy: Double, cleanLoss: Double, cleanAccuracy: Double, minMargin: Double, maxMargin: Double
    ) {
        self.loss = loss
        self.accuracy = accuracy
        self.cleanLoss = cleanLoss
        self.cleanAccuracy = cleanAccuracy
        self.minMargin = minMargin
        self.maxMargin = maxMargin
    }
}

/// Evaluates networks on sets in chunks of `chunk` examples, on up to `threads` threads with one
/// workspace and one chunk buffer per thread. Each chunk's sums are kept apart and added in chunk
/// order, so the result never depends on the number of threads.
public final class Evaluator {
    private let workspaces: [PatchCNNWorkspace]
    private let buffers: [BatchBuffer]
    private let chunk: Int
    /// Threads an evaluation may use.
    public let threads: Int
    /// Whether images' windows are read in place by the products rather than copied out.
    private let windowsInPlace: Bool

    /// An evaluator for `network`'s shape on examples of K patches of dimension D.
    public convenience init(network: PatchCNN, patches K: Int, dimension D: Int, chunk: Int = 256, threads: Int = 1) {
        self.init(
            network: network, patches: K, dimension: D, chunk: chunk, threads: threads, windowsInPlace: CPU.avx512)
    }

    /// `windowsInPlace`: as the public initialiser does where the AVX-512 products run (the same
    /// bits either way). Tests set it to cover both paths on every processor.
    package init(network: PatchCNN, patches K: Int, dimension D: Int, chunk: Int, threads: Int, windowsInPlace: Bool) {
        self.windowsInPlace = windowsInPlace
        self.chunk = chunk
        self.threads = max(1, threads)
        workspaces = (0..<self.threads).map { _ in PatchCNNWorkspace(capacity: chunk, patches: K, for: network) }
        buffers = (0..<self.threads).map { _ in BatchBuffer(capacity: chunk, K: K, D: D) }
    }

    /// Runs the forward pass of chunk `k` of `set` with worker `w`'s buffers; returns its size.
    private func forward(_ network: PatchCNN, on set: any ExampleSet, chunk k: Int, worker w: Int) -> Int {
        let start = k * chunk
        let n = min(chunk, set.count - start)
        if let batch = set as? PatchBatch {
            network.forward(batch.x, offset: start * batch.K * batch.D, count: n, workspace: workspaces[w])
        } else if let images = set as? ImageSet, windowsInPlace {
            // The windows read in place by the products: the same bits as copying them out.
            network.forward(
                windows: buffers[w].windows(for: images), images: start..<(start + n), pixels: images.pixels,
                workspace: workspaces[w])
        } else {
            let buffer = buffers[w]
            buffer.prepareBatch()
            buffer.value.setCount(n)
            set.fill(&buffer.value, with: Array(start..<(start + n))[...])
            network.forward(buffer.value.x, offset: 0, count: n, workspace: workspaces[w])
        }
        return n
    }

    /// Calls `body(start, n, workspace)` after a forward pass over each chunk of `set`, in order,
    /// on the calling thread.
    package func forEachChunk(
        _ network: PatchCNN, on set: any ExampleSet, _ body: (Int, Int, PatchCNNWorkspace) -> Void
    ) {
        let chunks = (set.count + chunk - 1) / chunk
        for k in 0..<chunks {
            let n = forward(network, on: set, chunk: k, worker: 0)
            body(k * chunk, n, workspaces[0])
        }
    }

    /// Loss, accuracy and margins of `network` on `set` (SPEC §3 items 1 and 10): the means over the examples of
    /// ℓ(f(x_i), ỹ_i) and 1[ŷ_i = ỹ_i] (and against y_i), and min_i, max_i ỹ_i f(x_i) for a binary network
    /// (NaN otherwise), with ŷ = +1 iff f > 0 for one output and the arg max otherwise. On a set with
    /// regression targets both losses are the mean of ½(f − t)² and the accuracies and margins are NaN.
    public func evaluate(_ network: PatchCNN, on set: any ExampleSet, loss: Loss) -> SetEvaluation {
        let C = network.C
        let chunks = (set.count + chunk - 1) / chunk
        let parts = EvaluationParts(count: chunks)
        let observedLabels = set.observedLabels
        let labels = set.labels
        let targets = set.targets
        concurrentChunks(chunks, threads: threads) { k, w in
            let n = forward(network, on: set, chunk: k, worker: w)
            let start = k * chunk
            let p = workspaces[w].tally(
                count: n, observed: observedLabels, truth: labels, targets: targets, from: start, loss: loss)
            parts.set(k, p)
        }
        let t = parts.total()
        let count = Double(max(set.count, 1))
        if !targets.isEmpty {
            return SetEvaluation(
                loss: t.loss / count, accuracy: .nan, cleanLoss: t.cleanLoss / count, cleanAccuracy: .nan,
                minMargin: .nan, maxMargin: .nan)
        }
        return SetEvaluation(
            loss: t.loss / count, accuracy: Double(t.correct) / count,
            cleanLoss: t.cleanLoss / count, cleanAccuracy: Double(t.cleanCorrect) / count,
            minMargin: C == 1 ? t.minMargin : .nan, maxMargin: C == 1 ? t.maxMargin : .nan)
    }
}

/// One worker's room for a chunk of examples, made on first use: a batch to copy examples into,
/// or the windows of images read in place.
final class BatchBuffer {
    let capacity: Int, K: Int, D: Int
    var value: PatchBatch
    private var imageWindows: ImageWindows? = nil

    init(capacity: Int, K: Int, D: Int) {
        self.capacity = capacity
        self.K = K
        self.D = D
        value = PatchBatch(count: 0, K: K, D: D, keysPerExample: 1)
    }

    func prepareBatch() {
        if value.x.count < capacity * K * D { value = PatchBatch(count: capacity, K: K, D: D, keysPerExample: 1) }
    }

    func windows(for set: ImageSet) -> ImageWindows {
        if let imageWindows, imageWindows.fits(set, count: capacity) { return imageWindows }
        let made = ImageWindows(capacity: capacity, of: set)
        imageWindows = made
        return made
    }
}

/// Per-chunk sums of an evaluation, added in chunk order.
final class EvaluationParts {
    typealias Part = OutputTally
    private let parts: ChunkSlots<Part>
    init(count: Int) { parts = ChunkSlots(count: count, initial: Part()) }
    func set(_ k: Int, _ p: Part) { parts[k] = p }
    func total() -> Part {
        var t = Part()
        for k in 0..<parts.count {
            let p = parts[k]
            t.loss += p.loss
            t.cleanLoss += p.cleanLoss
            t.correct += p.correct
            t.cleanCorrect += p.cleanCorrect
            t.minMargin = min(t.minMargin, p.minMargin)
            t.maxMargin = max(t.maxMargin, p.maxMargin)
        }
        return t
    }
}
