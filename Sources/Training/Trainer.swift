import Tensors
import Datasets
import Networks

/// What one optimisation step saw, measured before its update.
public struct StepStatistics: Sendable {
    public var lossSum: Double
    public var correct: Int
    public var count: Int
}

/// Plain SGD on a `PatchCNN`: w ← w − η · mean over the batch of ∂ℓ/∂w for every trained
/// parameter, with the bias gradient multiplied by `biasGradScale`.
public final class Trainer {
    public private(set) var network: PatchCNN
    public let config: TrainingConfig
    public private(set) var data: TrainingData
    public private(set) var step = 0
    private let workspace: PatchCNNWorkspace
    private var gradients: PatchCNNParameters<Float>
    private var batch: PatchBatch

    /// A trainer on examples of K patches of dimension D (`keysPerExample` only sizes the
    /// bookkeeping of synthetic batches).
    public init(network: PatchCNN, config: TrainingConfig, data: TrainingData, K: Int, D: Int, keysPerExample: Int = 1) {
        self.network = network
        self.config = config
        self.data = data
        workspace = PatchCNNWorkspace(capacity: config.batchSize, patches: K, for: network)
        gradients = network.zeroGradients()
        batch = PatchBatch(count: config.batchSize, K: K, D: D, keysPerExample: keysPerExample)
    }

    /// Draws the next batch and takes one SGD step; returns the batch's loss and accuracy under the
    /// weights before the update.
    @discardableResult
    public func takeStep() -> StepStatistics {
        data.next(config.batchSize, into: &batch)
        let n = batch.count
        let stats: (lossSum: Double, correct: Int) = batch.x.withUnsafeBufferPointer { x in
            batch.observedLabels.withUnsafeBufferPointer { y in
                network.forward(x.baseAddress!, count: n, workspace: workspace)
                let r = network.lossGradient(labels: y.baseAddress!, count: n, loss: config.loss, workspace: workspace)
                network.backward(x.baseAddress!, count: n, workspace: workspace, into: &gradients)
                return r
            }
        }
        applyUpdate()
        step += 1
        return StepStatistics(lossSum: stats.lossSum, correct: stats.correct, count: n)
    }

    private func applyUpdate() {
        let eta = Float(config.learningRate)
        gradients.filters.withUnsafeBufferPointer { g in
            network.filters.withUnsafeMutableBufferPointer { w in
                MatMul.axpy(-eta, g.baseAddress!, w.baseAddress!, count: w.count)
            }
        }
        let biasStep = Float(config.learningRate * network.config.biasGradScale)
        for i in 0..<network.biases.count { network.biases[i] -= biasStep * gradients.biases[i] }
        if network.config.readout.isTrainable {
            for i in 0..<network.readout.count { network.readout[i] -= eta * gradients.readout[i] }
        }
        for i in 0..<network.outputBias.count { network.outputBias[i] -= eta * gradients.outputBias[i] }
    }
}
