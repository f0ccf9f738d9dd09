import Networks
import Tensors
import Testing

/// The fused one-patch pass (PatchCNN+Dense.swift, taken by `trainChunk` when K = 1) against the
/// general passes it stands in for — `forward`, `lossGradient` and `backward` — bit for bit.
@Suite struct DensePassTests {
    struct Case: CustomStringConvertible, Sendable {
        var M: Int, D: Int, activation: Activation, pooling: Pooling, readout: Readout, loss: Loss, targets: Bool
        var description: String {
            "M \(M) D \(D) \(activation.text) \(pooling.text) \(readout.text) \(loss.rawValue)\(targets ? " t" : "")"
        }
    }

    static let cases: [Case] = [
        // The narrow pass (M < 8, D ≤ 16): tc-quadratic's shape, and its edges.
        Case(M: 4, D: 10, activation: .square, pooling: .sum, readout: .trainable(0.3), loss: .square, targets: true),
        Case(
            M: 7, D: 16, activation: .relu, pooling: .mean, readout: .fixedSign(.inverseM), loss: .logistic,
            targets: false),
        Case(
            M: 1, D: 3, activation: .linear, pooling: .sum, readout: .trainableFrom(-0.5), loss: .hinge,
            targets: false),
        Case(
            M: 5, D: 9, activation: .square, pooling: .sum, readout: .fixedSign(.value(1)), loss: .square,
            targets: true),
        // The general fused pass: more filters, longer patches, other activations.
        Case(M: 8, D: 10, activation: .relu, pooling: .sum, readout: .trainable(0.3), loss: .logistic, targets: false),
        Case(M: 20, D: 33, activation: .square, pooling: .mean, readout: .trainable(0.2), loss: .square, targets: true),
        Case(
            M: 4, D: 17, activation: .leakyRelu(0.1), pooling: .sum, readout: .fixedSign(.inverseM), loss: .hinge,
            targets: false),
        Case(
            M: 3, D: 6, activation: .polyRelu(3), pooling: .mean, readout: .trainable(0.5), loss: .logistic,
            targets: false),
    ]

    @Test(arguments: cases, [32, 7])
    func fusedPassGivesTheGeneralPassesBits(_ c: Case, count m: Int) {
        var net = NetworkConfig()
        net.M = c.M
        net.activation = c.activation
        net.pooling = c.pooling
        net.readout = c.readout
        net.`init` = .gaussian(0.4)
        var rng = RandomStream(seed: 41)
        let network = PatchCNN(config: net, inputDimension: c.D, using: &rng)
        #expect(network.trainsDense(patches: 1))
        let n = m + 3  // a chunk of a larger batch: the mean is over n
        let x = (0..<(n * c.D)).map { _ in Float(rng.nextGaussian()) }
        let labels: [Int32] = (0..<n).map { _ in rng.nextUniform() < 0.5 ? 1 : -1 }
        let targets: [Float] = c.targets ? (0..<n).map { _ in Float(2 * rng.nextUniform()) } : []
        let start = 2

        // The fused pass, through `trainChunk`.
        let fusedWS = PatchCNNWorkspace(capacity: 32, patches: 1, for: network)
        var fused = network.zeroGradients()
        let r = network.trainChunk(
            x, offset: start * c.D, count: m, labels: labels, targets: targets, from: start, of: n, loss: c.loss,
            workspace: fusedWS, into: &fused)

        // The general passes, called one by one.
        let ws = PatchCNNWorkspace(capacity: 32, patches: 1, for: network)
        var general = network.zeroGradients()
        var expected = (lossSum: 0.0, correct: 0)
        x.withUnsafeBufferPointer { xp in
            let xs = xp.baseAddress! + start * c.D
            network.forward(xs, count: m, workspace: ws)
            labels.withUnsafeBufferPointer { y in
                targets.withUnsafeBufferPointer { t in
                    expected = network.lossGradient(
                        labels: y.baseAddress! + start, targets: c.targets ? t.baseAddress! + start : nil, count: m,
                        loss: c.loss, workspace: ws, meanOver: n)
                }
            }
            network.backward(xs, count: m, workspace: ws, into: &general)
        }
        #expect(r.lossSum.bitPattern == expected.lossSum.bitPattern, "\(c) m \(m): loss \(r.lossSum) vs \(expected)")
        #expect(r.correct == expected.correct, "\(c) m \(m): correct")
        #expect(fusedWS.gradientIsZero == ws.gradientIsZero)
        #expect(fused.filters.map(\.bitPattern) == general.filters.map(\.bitPattern), "\(c) m \(m): dW")
        if c.readout.isTrainable {
            #expect(fused.readout.map(\.bitPattern) == general.readout.map(\.bitPattern), "\(c) m \(m): dA")
        }
        #expect(fused.filters.contains { $0 != 0 }, "\(c) m \(m): the filter gradient is zero")
    }

    /// Networks the fused pass does not take: several patches, max pooling, a bias, classes.
    @Test func onlyOnePatchNetworksWithoutBiasTakeTheFusedPass() {
        var net = NetworkConfig()
        net.M = 4
        net.pooling = .sum
        var rng = RandomStream(seed: 1)
        #expect(PatchCNN(config: net, inputDimension: 5, using: &rng).trainsDense(patches: 1))
        #expect(!PatchCNN(config: net, inputDimension: 5, using: &rng).trainsDense(patches: 2))
        net.pooling = .max
        #expect(!PatchCNN(config: net, inputDimension: 5, using: &rng).trainsDense(patches: 1))
        net.pooling = .sum
        net.bias = .perFilter
        #expect(!PatchCNN(config: net, inputDimension: 5, using: &rng).trainsDense(patches: 1))
    }
}
