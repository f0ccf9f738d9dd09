import Networks
import Tensors
import Testing
import _TestSupport

/// The square loss ½(f − t)² with real targets (a regression model, Tan & Chen 2021): the
/// reference gradients against finite differences in Double, and the batched float32 engine
/// (`trainChunk`, `tally`) against the reference.
@Suite struct RegressionGradientTests {
    /// A tiny quadratic network: square activation, sum pooling over K patches, M filters.
    static func network(
        readout: Readout, patches K: Int, filters M: Int, dimension D: Int, using rng: inout RandomStream
    ) -> (NetworkConfig, PatchCNN) {
        var net = NetworkConfig()
        net.M = M
        net.activation = .square
        net.pooling = .sum
        net.readout = readout
        net.`init` = .gaussian(0.5)
        return (net, PatchCNN(config: net, inputDimension: D, using: &rng))
    }

    /// Central differences with h = 1e-6 in Double: the loss is a polynomial of degree 6 in the
    /// parameters, so the truncation error is O(h²) ≈ 1e-12 and the rounding error ≈ 1e-10.
    @Test(arguments: [Readout.trainable(0.5), .trainableFrom(-0.4), .fixedSign(.value(0.7))], [1, 3])
    func referenceGradientMatchesFiniteDifferences(_ readout: Readout, patches K: Int) {
        let (D, M, N) = (4, 3, 5)
        var rng = RandomStream(seed: 23)
        let (net, network) = Self.network(readout: readout, patches: K, filters: M, dimension: D, using: &rng)
        let p = network.parameters(as: Double.self)
        let x = (0..<(N * K * D)).map { _ in rng.nextGaussian() }
        let targets = (0..<N).map { _ in 2 * rng.nextUniform() }
        let labels = [Int32](repeating: 1, count: N)
        func pass(_ q: PatchCNNParameters<Double>) -> ReferencePass<Double> {
            PatchCNNReference.pass(
                q, config: net, loss: .square, x: x, labels: labels, targets: targets, count: N, patches: K,
                dimension: D, outputs: 1)
        }
        let analytic = pass(p).gradients
        let h = 1e-6
        for (name, path) in [("filters", \PatchCNNParameters<Double>.filters), ("readout", \.readout)] {
            let numeric = (0..<p[keyPath: path].count).map { i in
                var plus = p
                var minus = p
                plus[keyPath: path][i] += h
                minus[keyPath: path][i] -= h
                return (pass(plus).loss - pass(minus).loss) / (2 * h)
            }
            let result = closeness(analytic[keyPath: path], numeric, rtol: 1e-5, atol: 1e-7)
            #expect(result.isClose, "\(readout.text) K \(K) d\(name): \(result)")
        }
        // The loss is the targets' one, not the labels': ½(f − t)² averaged.
        let r = pass(p)
        var expected = 0.0
        for n in 0..<N {
            let residual: Double = r.outputs[n] - targets[n]
            expected += 0.5 * residual * residual / Double(N)
        }
        #expect(abs(r.loss - expected) <= 1e-12 * max(1, expected))
    }

    /// `trainChunk` with targets gives the reference's float32 gradients and loss sum, and counts
    /// nothing as correct; `tally` gives the same loss with no accuracy or margins.
    @Test func batchedRegressionMatchesReference() {
        let (K, D, M, N) = (1, 10, 4, 7)
        var rng = RandomStream(seed: 5)
        let (net, network) = Self.network(readout: .trainable(0.3), patches: K, filters: M, dimension: D, using: &rng)
        let x = (0..<(N * K * D)).map { _ in Float(rng.nextGaussian()) }
        let targets = (0..<N).map { _ in Float(3 * rng.nextUniform()) }
        let labels = [Int32](repeating: 1, count: N)
        let ws = PatchCNNWorkspace(capacity: N, patches: K, for: network)
        var grads = network.zeroGradients()
        let r = network.trainChunk(
            x, offset: 0, count: N, labels: labels, targets: targets, from: 0, of: N, loss: .square, workspace: ws,
            into: &grads)
        let reference = PatchCNNReference.pass(
            network.parameters(as: Double.self), config: net, loss: .square, x: x.map(Double.init), labels: labels,
            targets: targets.map(Double.init), count: N, patches: K, dimension: D, outputs: 1)
        #expect(r.correct == 0)
        #expect(abs(r.lossSum / Double(N) - reference.loss) <= 1e-5 * max(1, reference.loss))
        let filters = closeness(grads.filters, reference.gradients.filters, rtol: 1e-4, atol: 1e-6)
        #expect(filters.isClose, "dfilters: \(filters)")
        let readout = closeness(grads.readout, reference.gradients.readout, rtol: 1e-4, atol: 1e-6)
        #expect(readout.isClose, "dreadout: \(readout)")
        network.forward(x, offset: 0, count: N, workspace: ws)
        let tally = ws.tally(count: N, observed: labels, truth: labels, targets: targets, from: 0, loss: .square)
        #expect(abs(tally.loss / Double(N) - reference.loss) <= 1e-5 * max(1, reference.loss))
        #expect(tally.cleanLoss == tally.loss && tally.correct == 0 && tally.minMargin == .infinity)
    }

    /// trainableFrom(a₀) starts every read-out at a₀ and draws nothing from the init stream: the
    /// filters equal those of a fixed-sign read-out with the same stream.
    @Test func trainableFromStartsAtItsValueAndDrawsNothing() {
        var a = RandomStream(seed: 9, purpose: .initialization)
        var b = RandomStream(seed: 9, purpose: .initialization)
        let (_, from) = Self.network(readout: .trainableFrom(-0.5), patches: 1, filters: 4, dimension: 6, using: &a)
        let (_, fixed) = Self.network(readout: .fixedSign(.value(1)), patches: 1, filters: 4, dimension: 6, using: &b)
        #expect(from.readout == [-0.5, -0.5, -0.5, -0.5])
        #expect(from.filters == fixed.filters)
        #expect(a.nextGaussian() == b.nextGaussian())
        #expect(from.config.readout.isTrainable)
        #expect((try? Readout(text: "trainableFrom(-0.5)")) == .trainableFrom(-0.5))
        #expect(Readout.trainableFrom(-0.5).text == "trainableFrom(-0.5)")
    }
}
