import Networks
import Tensors
import Testing
import _TestSupport

/// Finite-difference checks of the reference gradients, in Double, on tiny networks.
@Suite struct GradientCheckTests {
    static let activations: [Activation] = [.relu, .leakyRelu(0.1), .polyRelu(3), .square, .linear]
    static let poolings: [Pooling] = Pooling.examples
    static let binaryLosses: [Loss] = [.hinge, .logistic, .square, .linear]
    static let readouts: [Readout] = [.fixedSign(.value(0.7)), .trainable(0.5)]

    struct Case: CustomTestStringConvertible, Sendable {
        var activation: Activation, pooling: Pooling, loss: Loss, readout: Readout, bias: BiasMode
        var testDescription: String {
            "\(activation.text) \(pooling.text) \(loss.rawValue) \(readout.text) bias \(bias.rawValue)"
        }
    }

    static let cases: [Case] = {
        var all: [Case] = []
        for a in activations {
            for p in poolings {
                for l in binaryLosses {
                    for r in readouts {
                        all.append(Case(activation: a, pooling: p, loss: l, readout: r, bias: .perFilter))
                    }
                }
            }
        }
        for a in activations {
            for p in poolings {
                all.append(
                    Case(activation: a, pooling: p, loss: .crossEntropy, readout: .trainable(0.5), bias: .shared))
                all.append(Case(activation: a, pooling: p, loss: .logistic, readout: .trainable(0.5), bias: .none))
            }
        }
        return all
    }()

    /// The mean loss as a function of all parameters flattened in the order filters, biases,
    /// read-out, output bias.
    func check(_ c: Case, patches K: Int = 4, dimension D: Int = 4) {
        var net = NetworkConfig()
        net.M = 4
        net.activation = c.activation
        net.pooling = c.pooling
        net.readout = c.readout
        net.bias = c.bias
        let N = 3
        let C = c.loss == .crossEntropy ? 3 : 1
        // Grid pooling: two regions of two positions each, interleaved.
        let regions = c.pooling.grid > 1 ? PoolingRegions(count: 2, of: [0, 1, 1, 0]) : .global
        var rng = RandomStream(seed: 17)
        let network = PatchCNN(config: net, inputDimension: D, outputs: C, regions: regions, using: &rng)
        var p = network.parameters(as: Double.self)
        // Filters of norm ~1 so every activation is well away from its kinks; biases non-zero.
        for i in 0..<p.filters.count { p.filters[i] = rng.nextGaussian() * 0.6 }
        for i in 0..<p.biases.count { p.biases[i] = 0.1 * rng.nextGaussian() }
        for i in 0..<p.outputBias.count { p.outputBias[i] = 0.1 * rng.nextGaussian() }
        let x = (0..<(N * K * D)).map { _ in rng.nextGaussian() }
        let labels: [Int32] = C == 1 ? [1, -1, 1] : [0, 2, 1]
        func loss(_ q: PatchCNNParameters<Double>) -> Double {
            PatchCNNReference.pass(
                q, config: net, loss: c.loss, regions: regions, x: x, labels: labels, count: N, patches: K,
                dimension: D, outputs: C
            ).loss
        }
        let analytic = PatchCNNReference.pass(
            p, config: net, loss: c.loss, regions: regions, x: x, labels: labels, count: N, patches: K, dimension: D,
            outputs: C
        ).gradients
        let h = 1e-6
        func numeric(_ path: WritableKeyPath<PatchCNNParameters<Double>, [Double]>) -> [Double] {
            (0..<p[keyPath: path].count).map { i in
                var plus = p
                var minus = p
                plus[keyPath: path][i] += h
                minus[keyPath: path][i] -= h
                return (loss(plus) - loss(minus)) / (2 * h)
            }
        }
        for (name, path) in [
            ("filters", \PatchCNNParameters<Double>.filters), ("biases", \.biases),
            ("readout", \.readout), ("outputBias", \.outputBias),
        ] {
            let result = closeness(analytic[keyPath: path], numeric(path), rtol: 1e-5, atol: 1e-7)
            #expect(result.isClose, "\(c.testDescription) d\(name): \(result)")
        }
    }

    @Test(arguments: cases)
    func referenceGradientMatchesFiniteDifferences(_ c: Case) { check(c) }

    /// `architecture: fc` is this network on one patch of dimension K·D (here K = 4, D = 4).
    @Test(arguments: activations)
    func fullyConnectedGradientMatchesFiniteDifferences(_ a: Activation) {
        for loss in [Loss.hinge, .logistic] {
            check(
                Case(activation: a, pooling: .max, loss: loss, readout: .fixedSign(.value(0.7)), bias: .none),
                patches: 1, dimension: 16)
        }
    }

    @Test func deadReluFilterGetsNoGradient() {
        var net = NetworkConfig()
        net.M = 2
        var rng = RandomStream(seed: 1)
        let network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        var p = network.parameters(as: Double.self)
        p.filters = [-1, -1, 1, 1]  // filter 0 is negative on the positive inputs below
        let x: [Double] = [1, 0, 0, 1]
        let pass = PatchCNNReference.pass(
            p, config: net, loss: .hinge, x: x, labels: [1], count: 1, patches: 2, dimension: 2, outputs: 1)
        #expect(pass.gradients.filters[0] == 0 && pass.gradients.filters[1] == 0)
        #expect(pass.gradients.filters[2] != 0 || pass.gradients.filters[3] != 0)
    }

    @Test func maxPoolingTieSendsGradientToTheFirstPatch() {
        // w_0 = (1, 0) scores 1 on both patch 0 = (1, 0) and patch 1 = (1, 5): a tie, which goes to
        // patch 0, so the gradient holds patch 0's entries (patch 1 would put 5 in the second).
        var net = NetworkConfig()
        net.M = 2
        net.readout = .fixedSign(.value(1))
        var rng = RandomStream(seed: 1)
        let network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        var p = network.parameters(as: Double.self)
        p.filters = [1, 0, 0, 0]
        let x: [Double] = [1, 0, 1, 5]
        // f = 1·relu(1) − 1·relu(0) = 1; with y = −1 the hinge 1 − yf = 2 is active, ∂ℓ/∂f = −y = 1.
        let neg = PatchCNNReference.pass(
            p, config: net, loss: .hinge, x: x, labels: [-1], count: 1, patches: 2, dimension: 2, outputs: 1)
        #expect(neg.outputs == [1] && neg.loss == 2)
        // ∂ℓ/∂w_0 = 1 · a_0 · relu′(1) · x_{i*} = (1, 0) for i* = 0, counted once.
        #expect(neg.gradients.filters[0] == 1)
        #expect(neg.gradients.filters[1] == 0)
    }

    @Test func handWorkedForward() {
        // One filter pair on D = 2, K = 2: w_0 = (1, 2), w_1 = (0, −1), a = (+½, −½), ReLU, max.
        // x = [(1, 1), (2, −1)]: s_0 = (3, 0) → h_0 = 3; s_1 = (−1, 1) → h_1 = 1; f = ½·3 − ½·1 = 1.
        var net = NetworkConfig()
        net.M = 2
        net.readout = .fixedSign(.value(0.5))
        var rng = RandomStream(seed: 1)
        let network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        var p = network.parameters(as: Double.self)
        p.filters = [1, 2, 0, -1]
        let pass = PatchCNNReference.pass(
            p, config: net, loss: .hinge, x: [1, 1, 2, -1], labels: [1], count: 1, patches: 2, dimension: 2, outputs: 1)
        #expect(pass.outputs == [1])
        #expect(pass.loss == 0)  // yf = 1 is not < 1
        net.pooling = .mean
        // Mean: h_0 = (3 + 0)/2 = 1.5, h_1 = (0 + 1)/2 = 0.5, f = 0.75 − 0.25 = 0.5; hinge = 0.5.
        let mean = PatchCNNReference.pass(
            p, config: net, loss: .hinge, x: [1, 1, 2, -1], labels: [1], count: 1, patches: 2, dimension: 2, outputs: 1)
        #expect(mean.outputs == [0.5])
        #expect(mean.loss == 0.5)
    }

    @Test func logisticLossIsStableForLargeMargins() {
        let big = Loss.logistic.binary(output: 800, label: -1)
        #expect(big.value == 800 && big.derivative == 1)
        let small = Loss.logistic.binary(output: 800, label: 1)
        #expect(small.value == 0 && small.derivative == 0)
    }
}
