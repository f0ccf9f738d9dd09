import Datasets
import Networks
import Tensors
import Testing
import _TestSupport

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
        if network.config.bias.isTrainable {
            for i in network.biases.indices { network.biases[i] -= biasStep * g.biases[i] }
        }
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

    /// A fixed set of `count` random examples (Gaussian patches, random ±1 labels) and a network
    /// on it, for the signal-noise networks (Karp et al. 2021: K = 100, D = 10).
    static func randomSet(
        count: Int, K: Int, D: Int, network net: NetworkConfig, seed: UInt64
    ) -> (PatchBatch, PatchCNN) {
        var rng = RandomStream(seed: seed)
        var set = PatchBatch(count: count, K: K, D: D, keysPerExample: 1)
        for i in 0..<(count * K * D) { set.x[i] = Float(rng.nextGaussian()) }
        for n in 0..<count {
            set.labels[n] = rng.nextUniform() < 0.5 ? 1 : -1
            set.observedLabels[n] = set.labels[n]
        }
        var initRNG = RandomStream(seed: seed, purpose: .initialization)
        return (set, PatchCNN(config: net, inputDimension: D, using: &initRNG))
    }

    /// SGD with symThreshold, a shared bias and biasGradScale 1/K (Karp et al. 2021) against the
    /// steps written out by hand from the float32 reference pass: w ← w − η·∇_w, b ← b − η/K·∇_b
    /// (and A ← A − η·∇_A when trained), on the same batches (two chunks of the trainer's each).
    /// The trainer's sums run in another order, so the two agree to float32 rounding, not in bits.
    @Test(arguments: [
        (Loss.hinge, Readout.fixedSign(.inverseM), BiasMode.shared), (.logistic, .trainable(0.5), .shared),
        (.logistic, .trainable(0.5), .frozen(-0.5)), (.hinge, .fixedSign(.inverseM), .frozen(0)),
    ])
    func symThresholdStepsEqualTheReferenceStepsByHand(loss: Loss, readout: Readout, bias: BiasMode) {
        let (K, D, count) = (100, 10, 40)
        var net = NetworkConfig()
        net.M = 4
        net.activation = .symThreshold
        net.pooling = .sum
        net.readout = readout
        net.bias = bias
        net.biasGradScale = 1 / Double(K)
        net.`init` = .gaussian(0.3)
        let (set, network) = Self.randomSet(count: count, K: K, D: D, network: net, seed: 8)
        var config = TrainingConfig()
        config.loss = loss
        config.batchSize = count
        config.learningRate = 0.5
        let stream = TrainingData.fixed(set, shuffle: RandomStream(seed: 8, purpose: .shuffle))
        let trainer = Trainer(network: network, config: config, data: stream, K: K, D: D, threads: 2)
        var byHand = network.parameters(as: Float.self)
        var handData = stream
        var batch = PatchBatch(count: count, K: K, D: D, keysPerExample: 1)
        let eta = Float(config.learningRate)
        let biasEta = Float(config.learningRate * net.biasGradScale)
        for step in 1...4 {
            trainer.takeStep()
            handData.next(count, into: &batch)
            let g = PatchCNNReference.pass(
                byHand, config: net, loss: loss, x: Array(batch.x[0..<(count * K * D)]),
                labels: Array(batch.observedLabels[0..<count]), count: count, patches: K, dimension: D, outputs: 1
            ).gradients
            for i in byHand.filters.indices { byHand.filters[i] -= eta * g.filters[i] }
            if bias.isTrainable { for i in byHand.biases.indices { byHand.biases[i] -= biasEta * g.biases[i] } }
            if readout.isTrainable { for i in byHand.readout.indices { byHand.readout[i] -= eta * g.readout[i] } }
            let t = trainer.network
            for (name, a, b) in [
                ("filters", t.filters, byHand.filters), ("biases", t.biases, byHand.biases),
                ("readout", t.readout, byHand.readout),
            ] {
                let c = closeness(a, b, rtol: 1e-4, atol: 1e-6)
                #expect(c.isClose, "\(bias.text) \(loss.rawValue) step \(step) \(name): \(c)")
            }
        }
        // The steps moved the filters and the trained bias; a frozen bias kept its bits.
        #expect(trainer.network.filters != network.filters)
        if bias.isTrainable {
            #expect(network.biases == [0], "a shared bias starts at 0")
            #expect(trainer.network.biases != network.biases)
        } else {
            #expect(trainer.network.biases.map(\.bitPattern) == network.biases.map(\.bitPattern))
        }
    }

    /// A shared bias starts at 0, so after one step it is −η·s·∇_b exactly; doubling s (a power of
    /// two) doubles that step in every bit and leaves the filters' step unchanged.
    @Test(arguments: [Activation.symThreshold, .relu], [BiasMode.shared, .perFilter])
    func biasGradScaleScalesTheBiasStepExactly(activation: Activation, bias: BiasMode) {
        let (K, D, count) = (100, 10, 8)
        var steps: [PatchCNN] = []
        for scale in [1 / Double(K), 2 / Double(K)] {
            var net = NetworkConfig()
            net.M = 4
            net.activation = activation
            net.pooling = .sum
            net.bias = bias
            net.biasGradScale = scale
            net.`init` = .gaussian(0.3)
            let (set, network) = Self.randomSet(count: count, K: K, D: D, network: net, seed: 9)
            #expect(network.biases.allSatisfy { $0 == 0 } && !network.biases.isEmpty, "trained biases start at 0")
            var config = TrainingConfig()
            config.loss = .logistic
            config.batchSize = count
            let stream = TrainingData.fixed(set, shuffle: RandomStream(seed: 9, purpose: .shuffle))
            let trainer = Trainer(network: network, config: config, data: stream, K: K, D: D)
            trainer.takeStep()
            steps.append(trainer.network)
        }
        #expect(steps[0].biases.contains { $0 != 0 })
        #expect(steps[1].biases.map(\.bitPattern) == steps[0].biases.map { (2 * $0).bitPattern })
        #expect(steps[1].filters.map(\.bitPattern) == steps[0].filters.map(\.bitPattern))
    }

    /// frozen(v): the bias is v for every filter and no step changes it, whatever its gradient.
    @Test(arguments: [Activation.symThreshold, .relu])
    func frozenBiasIsNeverTrained(activation: Activation) {
        var net = NetworkConfig()
        net.M = 4
        net.activation = activation
        net.pooling = .mean
        net.bias = .frozen(-0.5)
        net.biasGradScale = 3
        net.`init` = .gaussian(0.3)
        let (set, network) = Self.randomSet(count: 20, K: 5, D: 6, network: net, seed: 10)
        #expect(network.biases == [-0.5])
        var config = TrainingConfig()
        config.loss = .logistic
        config.batchSize = 5
        let stream = TrainingData.fixed(set, shuffle: RandomStream(seed: 10, purpose: .shuffle))
        let trainer = Trainer(network: network, config: config, data: stream, K: 5, D: 6)
        for _ in 0..<12 { trainer.takeStep() }
        #expect(trainer.network.biases == [-0.5])
        #expect(trainer.network.filters != network.filters)
        // Its gradient is not zero: the bias would have moved had it been trained.
        let g = PatchCNNReference.pass(
            trainer.network.parameters(as: Double.self), config: net, loss: .logistic, x: set.x.map(Double.init),
            labels: set.observedLabels, count: 20, patches: 5, dimension: 6, outputs: 1
        ).gradients
        #expect(g.biases.count == 1 && g.biases[0] != 0)
    }

    /// φ_0(s) = ReLU(s) − ReLU(−s) = s exactly, so symThreshold with frozen(0) trains bit for bit
    /// like the linear activation without a bias, under every pooling.
    @Test(arguments: [Pooling.max, .mean, .sum])
    func symThresholdAtFrozenZeroIsTheLinearNetwork(pooling: Pooling) {
        var trained: [[UInt32]] = []
        for (activation, bias) in [(Activation.symThreshold, BiasMode.frozen(0)), (.linear, .none)] {
            var net = NetworkConfig()
            net.M = 6
            net.activation = activation
            net.pooling = pooling
            net.bias = bias
            net.readout = .trainable(0.3)
            net.`init` = .gaussian(0.3)
            let (set, network) = Self.randomSet(count: 48, K: 7, D: 5, network: net, seed: 12)
            var config = TrainingConfig()
            config.loss = .logistic
            config.batchSize = 48
            config.learningRate = 0.1
            let stream = TrainingData.fixed(set, shuffle: RandomStream(seed: 12, purpose: .shuffle))
            let trainer = Trainer(network: network, config: config, data: stream, K: 7, D: 5)
            for _ in 0..<5 { trainer.takeStep() }
            #expect(trainer.network.filters != network.filters)
            trained.append((trainer.network.filters + trainer.network.readout).map(\.bitPattern))
        }
        #expect(trained[0] == trained[1])
    }
}

/// The per-step divergence check: any ±∞ or NaN, in the sixteen-lane part or the rest.
@Suite struct FiniteParameterTests {
    @Test func allFiniteFindsEveryNonFiniteValue() {
        for count in [0, 1, 15, 16, 17, 40] {
            let values = (0..<count).map { Float($0) * (($0 % 2 == 0) ? 7e36 : -1) }
            #expect(allFinite(values), "\(count)")
            for i in 0..<count {
                for bad in [Float.infinity, -Float.infinity, Float.nan] {
                    var v = values
                    v[i] = bad
                    #expect(!allFinite(v), "\(count) \(i) \(bad)")
                }
            }
        }
        #expect(allFinite([Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude]))
    }
}
