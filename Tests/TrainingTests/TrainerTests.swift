import Datasets
import Networks
import Tensors
import Testing

@testable import Training

/// The trainer's shortcuts must not change a single bit: steps whose gradient is exactly zero skip
/// the backward pass and the update, and forward passes then reuse their transposed filters.
@Suite struct TrainerTests {
    /// kp-bench's data and network (M = 32, ReLU, max pooling, fixed read-out, hinge).
    static func setup(seed: UInt64) -> (PatchDataConfig, PatchCNN, TrainingData) {
        var data = PatchDataConfig()
        data.sigma = 0.05
        var patterns = RandomStream(seed: seed, purpose: .patterns)
        var initRNG = RandomStream(seed: seed, purpose: .initialization)
        let basis = PatternBasis(data, using: &patterns)
        var net = NetworkConfig()
        net.M = 32
        let network = PatchCNN(config: net, inputDimension: data.D, using: &initRNG)
        return (
            data, network,
            .online(KeyPatternSampler(config: data, basis: basis), train: RandomStream(seed: seed, purpose: .train))
        )
    }

    /// The step written out with no shortcut: forward, loss gradient and backward on every chunk of
    /// 32 with fresh workspaces, the chunks' gradients summed in order, then w ← w + (−η)·g.
    static func plainStep(
        _ network: inout PatchCNN, _ batch: inout PatchBatch, eta: Float, K: Int, D: Int, loss: Loss = .hinge
    ) {
        let n = batch.count
        var total: PatchCNNParameters<Float>? = nil
        let net = network
        batch.x.withUnsafeBufferPointer { xb in
            batch.observedLabels.withUnsafeBufferPointer { yb in
                let x = xb.baseAddress!
                let y = yb.baseAddress!
                for start in stride(from: 0, to: n, by: Trainer.chunkSize) {
                    let m = min(Trainer.chunkSize, n - start)
                    let ws = PatchCNNWorkspace(capacity: m, patches: K, for: net)
                    var grads = net.zeroGradients()
                    net.forward(x + start * K * D, count: m, workspace: ws)
                    _ = net.lossGradient(labels: y + start, count: m, loss: loss, workspace: ws, meanOver: n)
                    net.backward(x + start * K * D, count: m, workspace: ws, into: &grads)
                    if total == nil { total = grads } else { total!.add(grads) }
                }
            }
        }
        let g = total!
        for i in network.filters.indices { network.filters[i] = network.filters[i] + (-eta) * g.filters[i] }
        let biasStep = eta * Float(network.config.biasGradScale)
        for i in network.biases.indices { network.biases[i] -= biasStep * g.biases[i] }
        if network.config.readout.isTrainable {
            for i in network.readout.indices { network.readout[i] -= eta * g.readout[i] }
        }
        for i in network.outputBias.indices { network.outputBias[i] -= eta * g.outputBias[i] }
    }

    static func bits(_ p: PatchCNN) -> [UInt32] {
        (p.filters + p.biases + p.readout + p.outputBias).map(\.bitPattern)
    }

    @Test(arguments: [1, 64])
    func shortcutsLeaveTheTrajectoryUnchanged(batchSize: Int) {
        let (data, network, stream) = Self.setup(seed: 3)
        var config = TrainingConfig()
        config.batchSize = batchSize
        let trainer = Trainer(network: network, config: config, data: stream, K: data.K, D: data.D, threads: 2)
        var plain = network
        var plainData = stream
        var batch = PatchBatch(count: batchSize, K: data.K, D: data.D, keysPerExample: 1)
        let steps = batchSize == 1 ? 600 : 60
        var skipped = 0
        for _ in 0..<steps {
            let before = trainer.network.filters
            trainer.takeStep()
            if trainer.network.filters == before { skipped += 1 }
            plainData.next(batchSize, into: &batch)
            Self.plainStep(&plain, &batch, eta: Float(config.learningRate), K: data.K, D: data.D)
            let same = trainer.network.filters.map(\.bitPattern) == plain.filters.map(\.bitPattern)
            #expect(same, "filters differ after step \(trainer.step)")
            if !same { break }
        }
        // The comparison covers both kinds of step.
        if batchSize == 1 {
            #expect(skipped > 100 && skipped < steps - 10, "\(skipped) of \(steps) steps made no update")
        }
    }

    /// Image batches: the windows cut out, or read in place by the products (through the AVX-512
    /// kernels where the processor has them, else the AVX2 ones), give the bits of the plain step
    /// on windows cut out, for mean and max-grid pooling.
    @Test(arguments: [Pooling.mean, .maxGrid(2)], [false, true])
    func imageStepsEqualThePlainStep(pooling: Pooling, windowsInPlace: Bool) {
        var rng = RandomStream(seed: 5)
        let count = 100
        let h = 12
        let w = 12
        let pixels = (0..<(count * h * w)).map { _ in Float(rng.nextGaussian()) }
        let set = ImageSet(
            channels: 1, height: h, width: w, pixels: pixels, labels: (0..<count).map { Int32($0 % 3) }, patchSize: 5,
            stride: 1)
        var net = NetworkConfig()
        net.M = 8
        net.pooling = pooling
        net.bias = .perFilter
        net.readout = .trainable(0.3)
        net.`init` = .gaussian(0.2)
        let regions = pooling.grid > 1 ? PoolingRegions(count: 4, of: set.gridRegions(2)) : .global
        var initRNG = RandomStream(seed: 6, purpose: .initialization)
        let network = PatchCNN(config: net, inputDimension: set.D, outputs: 3, regions: regions, using: &initRNG)
        var config = TrainingConfig()
        config.batchSize = 64
        config.learningRate = 0.1
        config.loss = .crossEntropy
        let stream = TrainingData.fixed(set, shuffle: RandomStream(seed: 6, purpose: .shuffle))
        let trainer = Trainer(
            network: network, config: config, data: stream, K: set.K, D: set.D, keysPerExample: 1, threads: 2,
            windowsInPlace: windowsInPlace)
        var plain = network
        var plainData = stream
        var batch = PatchBatch(count: 64, K: set.K, D: set.D, keysPerExample: 1)
        for _ in 0..<6 {
            trainer.takeStep()
            plainData.next(64, into: &batch)
            Self.plainStep(&plain, &batch, eta: 0.1, K: set.K, D: set.D, loss: .crossEntropy)
            let same = Self.bits(trainer.network) == Self.bits(plain)
            #expect(same, "parameters differ after step \(trainer.step)")
            if !same { break }
        }
        #expect(Self.bits(trainer.network) != Self.bits(network), "the steps changed nothing")
    }
}
