import Datasets
import Networks
import Tensors

/// What one optimisation step saw, measured before its update.
public struct StepStatistics: Sendable {
    /// Σ over the batch of ℓ(f(x_i), ỹ_i).
    public var lossSum: Double
    /// Examples with prediction = ỹ.
    public var correct: Int
    /// Examples in the batch.
    public var count: Int
}

/// Plain SGD on a `PatchCNN`: w ← w − η · mean over the batch of ∂ℓ/∂w for every trained
/// parameter, with the bias gradient multiplied by `biasGradScale` (a frozen bias is not trained).
///
/// A batch larger than `chunkSize` is processed in chunks of `chunkSize` examples on up to
/// `threads` threads; the chunks' gradients are added in chunk order, so the result depends on
/// the batch size but never on the number of threads.
public final class Trainer {
    /// Examples per chunk of a large batch.
    public static let chunkSize = 32
    /// The network, updated by every step.
    public private(set) var network: PatchCNN
    /// The optimiser's settings.
    public let config: TrainingConfig
    /// Where batches come from.
    public private(set) var data: TrainingData
    /// Steps taken.
    public private(set) var step = 0
    /// Threads the chunks of a batch may use.
    public let threads: Int
    private let workspaces: [PatchCNNWorkspace]
    private let chunkGradients: [GradientBuffer]
    private let statistics: ChunkStatistics
    /// Chunks go to other threads only when each holds enough work to pay for the hand-off
    /// (≈ 2.5·10⁵ multiply-adds, a few microseconds, against a hand-off of about one); the
    /// chunking, and so the result, is the same either way.
    private let parallelWorthwhile: Bool
    private var gradients: PatchCNNParameters<Float>
    private var batch: PatchBatch
    /// The training images when they are cut into windows inside the chunks' work.
    private let imageSet: ImageSet?
    /// Per chunk, its windows read in place by the products (with AVX-512).
    private let windows: [ImageWindows]?
    /// Per chunk, the room its images' windows are cut into (without AVX-512).
    private let cutBuffers: [WindowBuffer]?
    private let K: Int
    private let D: Int

    /// A trainer on examples of K patches of dimension D (`keysPerExample` only sizes the
    /// bookkeeping of synthetic batches).
    public convenience init(
        network: PatchCNN, config: TrainingConfig, data: TrainingData, K: Int, D: Int, keysPerExample: Int = 1,
        threads: Int = 1
    ) {
        self.init(
            network: network, config: config, data: data, K: K, D: D, keysPerExample: keysPerExample,
            threads: threads, windowsInPlace: CPU.avx512)
    }

    /// `windowsInPlace`: whether images' windows are read in place by the products rather than
    /// cut out (the same bits either way; the public initialiser reads them in place where the
    /// AVX-512 products run). Tests set it to cover both paths on every processor.
    package init(
        network: PatchCNN, config: TrainingConfig, data: TrainingData, K: Int, D: Int, keysPerExample: Int,
        threads: Int, windowsInPlace: Bool
    ) {
        self.network = network
        self.config = config
        self.data = data
        self.K = K
        self.D = D
        self.threads = max(1, threads)
        let chunks = (config.batchSize + Trainer.chunkSize - 1) / Trainer.chunkSize
        let capacity = min(config.batchSize, Trainer.chunkSize)
        workspaces = (0..<chunks).map { _ in PatchCNNWorkspace(capacity: capacity, patches: K, for: network) }
        chunkGradients = (0..<chunks).map { _ in GradientBuffer(network.zeroGradients()) }
        statistics = ChunkStatistics(count: chunks)
        parallelWorthwhile = capacity * K * D * network.M >= 250_000
        gradients = network.zeroGradients()
        batch = PatchBatch(count: config.batchSize, K: K, D: D, keysPerExample: keysPerExample)
        imageSet = parallelWorthwhile ? data.fixedSet as? ImageSet : nil
        windows = imageSet.flatMap { set in
            windowsInPlace ? (0..<chunks).map { _ in ImageWindows(capacity: capacity, of: set) } : nil
        }
        cutBuffers =
            imageSet != nil && windows == nil
            ? (0..<chunks).map { _ in WindowBuffer(count: capacity * K * D) } : nil
    }

    /// Draws the next batch and takes one SGD step; returns the batch's loss and accuracy under the
    /// weights before the update.
    @discardableResult
    public func takeStep() -> StepStatistics {
        // Images' windows are made inside each chunk's work (on its thread): cut out, or pointed
        // at in place; everything else is drawn here.
        var imageIndices: ArraySlice<Int>? = nil
        if let set = imageSet {
            let indices = data.nextIndices(config.batchSize)
            batch.setCount(indices.count)
            for (b, i) in indices.enumerated() { batch.observedLabels[b] = set.labels[i] }
            imageIndices = indices
        } else {
            data.next(config.batchSize, into: &batch)
        }
        let n = batch.count
        let chunks = (n + Trainer.chunkSize - 1) / Trainer.chunkSize
        statistics.reset()
        // One copy of the network for the whole step, lent to every chunk.
        let net = network
        let x = batch.x
        let labels = batch.observedLabels
        let targets = batch.targets
        if chunks == 1 || threads == 1 || !parallelWorthwhile {
            for k in 0..<chunks {
                runChunk(k, of: n, x: x, labels: labels, targets: targets, images: imageIndices, network: net)
            }
        } else {
            concurrentChunks(chunks, threads: threads) { k, _ in
                self.runChunk(k, of: n, x: x, labels: labels, targets: targets, images: imageIndices, network: net)
            }
        }
        if (0..<chunks).allSatisfy({ workspaces[$0].gradientIsZero }) {
            // No update: w − η·0 = w exactly, so the step leaves every parameter's bits as they
            // are, and the workspaces that ran this step may reuse their transposed filters.
            for k in 0..<chunks { workspaces[k].filtersUnchanged = true }
        } else {
            for ws in workspaces { ws.filtersUnchanged = false }
            update(chunks: chunks)
        }
        step += 1
        let total = statistics.total(chunks)
        return StepStatistics(lossSum: total.loss, correct: total.correct, count: n)
    }

    /// Whether every weight, bias and read-out weight is finite (no ±∞, no NaN): false once a step
    /// has diverged. Reads each parameter once (a few microseconds for thousands of them, against a
    /// step of ≳ batch · K times as many multiply-adds) and changes nothing.
    public var parametersAreFinite: Bool {
        allFinite(network.filters) && allFinite(network.biases) && allFinite(network.readout)
            && allFinite(network.outputBias)
    }

    /// Forward, loss gradient and backward of chunk k of a batch of n examples in `x` (regression
    /// `targets` when not empty; when
    /// `images` lists the batch's images, their windows are cut out here first, or read in
    /// place), into the chunk's own workspace, gradient buffer and statistics slot.
    private func runChunk(
        _ k: Int, of n: Int, x: [Float], labels: [Int32], targets: [Float], images: ArraySlice<Int>?,
        network: PatchCNN
    ) {
        let start = k * Trainer.chunkSize
        let m = min(Trainer.chunkSize, n - start)
        let r: (lossSum: Double, correct: Int)
        if let set = imageSet, let images {
            let first = images.startIndex + start
            let chunkImages = images[first..<(first + m)]
            if let windows = windows?[k] {
                // The windows read in place (the AVX-512 products): the same bits as copying them.
                r = network.trainChunk(
                    windows: windows, images: chunkImages, pixels: set.pixels, labels: labels, from: start, of: n,
                    loss: config.loss, workspace: workspaces[k], into: &chunkGradients[k].value)
            } else {
                let buffer = cutBuffers![k]
                set.cutWindows(of: chunkImages, into: &buffer.x)
                r = network.trainChunk(
                    buffer.x, offset: 0, count: m, labels: labels, from: start, of: n, loss: config.loss,
                    workspace: workspaces[k], into: &chunkGradients[k].value)
            }
        } else {
            r = network.trainChunk(
                x, offset: start * K * D, count: m, labels: labels, targets: targets, from: start, of: n,
                loss: config.loss, workspace: workspaces[k], into: &chunkGradients[k].value)
        }
        statistics.set(k, r.lossSum, r.correct)
    }

    /// Applies the step's gradient: the chunks' gradients summed in chunk order, in place.
    private func update(chunks: Int) {
        if chunks == 1 {
            applyUpdate(chunkGradients[0].value)
        } else {
            gradients.assign(chunkGradients[0].value)
            for k in 1..<chunks { gradients.add(chunkGradients[k].value) }
            applyUpdate(gradients)
        }
    }

    private func applyUpdate(_ gradients: PatchCNNParameters<Float>) {
        let eta = Float(config.learningRate)
        MatMul.axpy(-eta, gradients.filters, &network.filters)
        if network.config.bias.isTrainable {
            let biasStep = Float(config.learningRate * network.config.biasGradScale)
            for i in 0..<network.biases.count { network.biases[i] -= biasStep * gradients.biases[i] }
        }
        if network.config.readout.isTrainable {
            for i in 0..<network.readout.count { network.readout[i] -= eta * gradients.readout[i] }
        }
        for i in 0..<network.outputBias.count { network.outputBias[i] -= eta * gradients.outputBias[i] }
    }
}

/// One chunk's gradients, in a class so that chunks on different threads never share storage.
final class GradientBuffer {
    var value: PatchCNNParameters<Float>
    init(_ value: PatchCNNParameters<Float>) { self.value = value }
}

/// The windows of one chunk's images, cut out.
final class WindowBuffer {
    var x: [Float]
    init(count: Int) { x = Array(repeating: 0, count: count) }
}

/// Per-chunk loss sums and correct counts, added in chunk order.
final class ChunkStatistics {
    private let loss: ChunkSlots<Double>
    private let correct: ChunkSlots<Int>
    init(count: Int) {
        loss = ChunkSlots(count: count, initial: 0)
        correct = ChunkSlots(count: count, initial: 0)
    }
    func reset() {
        loss.setAll(to: 0)
        correct.setAll(to: 0)
    }
    func set(_ k: Int, _ l: Double, _ c: Int) {
        loss[k] = l
        correct[k] = c
    }
    /// Sums over the first `count` chunks, in chunk order.
    func total(_ count: Int) -> (loss: Double, correct: Int) {
        var l = 0.0
        var c = 0
        for k in 0..<count {
            l += loss[k]
            c += correct[k]
        }
        return (l, c)
    }
}

extension PatchCNNParameters where T == Float {
    /// Copies `other` elementwise into the existing storage (same shapes).
    mutating func assign(_ other: PatchCNNParameters<Float>) {
        for i in filters.indices { filters[i] = other.filters[i] }
        for i in biases.indices { biases[i] = other.biases[i] }
        for i in readout.indices { readout[i] = other.readout[i] }
        for i in outputBias.indices { outputBias[i] = other.outputBias[i] }
    }

    /// Adds `other` elementwise (same shapes).
    mutating func add(_ other: PatchCNNParameters<Float>) {
        for i in filters.indices { filters[i] += other.filters[i] }
        for i in biases.indices { biases[i] += other.biases[i] }
        for i in readout.indices { readout[i] += other.readout[i] }
        for i in outputBias.indices { outputBias[i] += other.outputBias[i] }
    }
}
