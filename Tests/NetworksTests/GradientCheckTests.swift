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
        /// When set, every trained bias is this value (alternating in sign across filters for
        /// per-filter biases) instead of a small random one.
        var biasValue: Double? = nil
        var testDescription: String {
            "\(activation.text) \(pooling.text) \(loss.rawValue) \(readout.text) bias \(bias.text)"
                + (biasValue.map { " b \($0)" } ?? "")
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
    /// read-out, output bias. With `initialization` the filters are the ones it draws (checked
    /// separately); otherwise they are redrawn at norm ~1 away from the kinks.
    func check(
        _ c: Case, patches K: Int = 4, dimension D: Int = 4, filters M: Int = 4, initialization: Initialization? = nil
    ) {
        var net = NetworkConfig()
        net.M = M
        if let initialization { net.`init` = initialization }
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
        // Filters of norm ~1 so every activation is well away from its kinks; trained biases
        // non-zero (a frozen one keeps its value).
        if initialization == nil { for i in 0..<p.filters.count { p.filters[i] = rng.nextGaussian() * 0.6 } }
        if c.bias.isTrainable {
            for i in 0..<p.biases.count {
                p.biases[i] = c.biasValue.map { i % 2 == 0 ? $0 : -$0 } ?? 0.1 * rng.nextGaussian()
            }
        }
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

    /// symThreshold (Karp et al. 2021), whose bias is a threshold: φ_b(s) = ReLU(s + b) − ReLU(−s + b),
    /// with shared, per-filter and frozen biases of either sign (b > 0: slope 2 on |s| < b; b < 0:
    /// 0 on |s| < −b), every pooling, a fixed and a trainable read-out.
    static let symThresholdCases: [Case] = {
        var all: [Case] = []
        for p in poolings {
            for b in [0.4, -0.4] {
                for bias in [BiasMode.shared, .perFilter, .frozen(b)] {
                    all.append(
                        Case(
                            activation: .symThreshold, pooling: p, loss: .hinge, readout: .fixedSign(.value(0.7)),
                            bias: bias, biasValue: b))
                    all.append(
                        Case(
                            activation: .symThreshold, pooling: p, loss: .logistic, readout: .trainable(0.5),
                            bias: bias, biasValue: b))
                }
            }
            all.append(
                Case(
                    activation: .symThreshold, pooling: p, loss: .crossEntropy, readout: .trainable(0.5), bias: .shared)
            )
        }
        return all
    }()

    /// Central differences with h = 1e-6 in Double: φ is piecewise linear (polyRelu(3) is C²), so
    /// the truncation error vanishes unless a kink lies within h of a score (a chance of about
    /// 1e-5 for these draws), and the rounding error is about 1e-16/h = 1e-10.
    @Test(arguments: symThresholdCases)
    func symThresholdGradientMatchesFiniteDifferences(_ c: Case) { check(c) }

    /// Karp et al.'s shape: sum pooling over K = 100 patches of dimension D = 10, one filter.
    @Test(arguments: [BiasMode.shared, .perFilter, .frozen(0), .frozen(-0.5)])
    func karpShapeGradientMatchesFiniteDifferences(_ bias: BiasMode) {
        for (activation, b) in [(Activation.symThreshold, 0.5), (.symThreshold, -0.5), (.relu, 0.5)] {
            for readout in [Readout.fixedSign(.value(1)), .trainable(0.5)] {
                check(
                    Case(
                        activation: activation, pooling: .sum, loss: .logistic, readout: readout, bias: bias,
                        biasValue: b),
                    patches: 100, dimension: 10, filters: 1)
            }
        }
    }

    /// Cao et al. 2022 and Kou et al. 2023's shape: mean pooling over K = 2 patches (signal and
    /// noise), polyRelu(3), ReLU and symThreshold, filters from sphere(1) as well as redrawn.
    @Test(arguments: [Activation.polyRelu(3), .relu, .symThreshold])
    func kouShapeGradientMatchesFiniteDifferences(_ activation: Activation) {
        let bias: BiasMode = activation == .symThreshold ? .perFilter : .none
        for loss in [Loss.logistic, .hinge] {
            for readout in [Readout.fixedSign(.inverseM), .trainable(0.5)] {
                let c = Case(
                    activation: activation, pooling: .mean, loss: loss, readout: readout, bias: bias, biasValue: 0.3)
                check(c, patches: 2, dimension: 8, filters: 6)
                check(c, patches: 2, dimension: 8, filters: 6, initialization: .sphere(1))
            }
        }
    }

    /// sphere(r): w_j = r·g/‖g‖ stored in float32, so ‖w_j‖ = r to float precision: each entry
    /// carries a relative rounding error of at most u = 2⁻²⁴, hence |‖w_j‖ − r| ≤ u·r (2u allowed
    /// for the Double arithmetic before the rounding).
    @Test func sphereInitialisationPutsEveryFilterAtNormR() {
        for r in [0.25, 1, 3] {
            for D in [1, 2, 10, 64] {
                var net = NetworkConfig()
                net.M = 20
                net.`init` = .sphere(r)
                var rng = RandomStream(seed: UInt64(D), purpose: .initialization)
                let network = PatchCNN(config: net, inputDimension: D, using: &rng)
                for j in 0..<net.M {
                    let norm = network.filter(j).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                    #expect(abs(norm - r) <= 2 * 0x1p-24 * r, "r \(r) D \(D) filter \(j): ‖w‖ = \(norm)")
                }
                // Directions differ from filter to filter (g is drawn afresh for each).
                #expect(network.filter(0) != network.filter(1) || D == 1)
            }
        }
    }

    /// polyRelu(3): z³ and 3z² for z > 0, 0 for z ≤ 0 (exact in binary floating point here).
    @Test func polyReluThreeIsTheCubeOfTheRelu() {
        let phi = Activation.polyRelu(3)
        for (z, value, slope) in [(2.0, 8.0, 12.0), (0.5, 0.125, 0.75), (1, 1, 3), (0, 0, 0), (-0.5, 0, 0), (-3, 0, 0)]
        {
            #expect(phi.value(z) == value && phi.derivative(z) == slope, "z \(z)")
            #expect(phi.value(Float(z)) == Float(value) && phi.derivative(Float(z)) == Float(slope), "z \(z) (float)")
        }
    }

    /// φ_b(s) = ReLU(s + b) − ReLU(−s + b) and its two partial derivatives, worked by hand.
    @Test func symThresholdHandWorkedValues() {
        // (s, b, φ, ∂φ/∂s, ∂φ/∂b):
        // b = 0.5:  s = 1 → 1.5 − 0 = 1.5 (1, 1); s = 0.25 → 0.75 − 0.25 = 0.5 (2, 0); s = −1 → 0 − 1.5 (1, −1).
        // b = −0.5: s = 0.25 → 0 − 0 (0, 0); s = 1 → 0.5 − 0 (1, 1); s = −1 → 0 − 0.5 (1, −1).
        // Kinks: b = 0.5, s = −0.5 → s + b = 0 counts as off: 0 − 1 = −1 (1, −1); b = −0.5, s = 0.5 → (0, 0).
        let rows: [(Double, Double, Double, Double, Double)] = [
            (1, 0.5, 1.5, 1, 1), (0.25, 0.5, 0.5, 2, 0), (-1, 0.5, -1.5, 1, -1),
            (0.25, -0.5, 0, 0, 0), (1, -0.5, 0.5, 1, 1), (-1, -0.5, -0.5, 1, -1),
            (-0.5, 0.5, -1, 1, -1), (0.5, -0.5, 0, 0, 0),
        ]
        let phi = Activation.symThreshold
        #expect(!phi.addsBiasToScore && Activation.relu.addsBiasToScore)
        for (s, b, value, ds, db) in rows {
            #expect(phi.value(score: s, bias: b) == value, "φ at s \(s) b \(b)")
            let d = phi.derivatives(score: s, bias: b)
            #expect(d.score == ds && d.bias == db, "derivatives at s \(s) b \(b): \(d)")
            let f = phi.value(score: Float(s), bias: Float(b))
            #expect(f == Float(value), "φ at s \(s) b \(b) (float)")
        }
        // Every other activation takes the bias inside: φ(s + b) and both derivatives φ′(s + b).
        #expect(Activation.relu.value(score: 0.25, bias: -0.5) == 0)
        #expect(Activation.square.value(score: 1.5, bias: 0.5) == 4)
        let square = Activation.square.derivatives(score: 1.5, bias: 0.5)
        #expect(square.score == 4 && square.bias == 4)
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
