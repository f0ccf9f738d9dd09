import Tensors
import Testing
import _TestSupport

@testable import Networks

/// The batched float32 forward and backward against the plain-loop reference in float32.
@Suite struct BatchedKernelTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var N: Int, K: Int, D: Int, M: Int, C: Int
        var testDescription: String { "N\(N) K\(K) D\(D) M\(M) C\(C)" }
    }

    static let shapes: [Shape] = [
        Shape(N: 1, K: 1, D: 1, M: 2, C: 1), Shape(N: 1, K: 16, D: 64, M: 32, C: 1),
        Shape(N: 3, K: 5, D: 7, M: 6, C: 1), Shape(N: 4, K: 3, D: 9, M: 2, C: 3),
        Shape(N: 2, K: 7, D: 17, M: 10, C: 1), Shape(N: 5, K: 2, D: 8, M: 4, C: 2),
    ]

    static let variants: [(Activation, Pooling, Readout, BiasMode, Loss)] = [
        (.relu, .max, .fixedSign(.inverseM), .none, .hinge),
        (.leakyRelu(0.1), .max, .fixedSign(.value(1)), .perFilter, .logistic),
        (.relu, .mean, .fixedSign(.inverseM), .shared, .hinge),
        (.polyRelu(3), .mean, .trainable(0.3), .none, .logistic),
        (.square, .sum, .trainable(0.3), .perFilter, .square),
        (.linear, .sum, .fixedSign(.value(0.5)), .shared, .linear),
        (.relu, .maxGrid(2), .fixedSign(.value(1)), .none, .hinge),
        (.leakyRelu(0.2), .meanGrid(2), .trainable(0.3), .perFilter, .logistic),
        (.symThreshold, .max, .fixedSign(.inverseM), .perFilter, .hinge),
        (.symThreshold, .sum, .trainable(0.3), .shared, .logistic),
        (.symThreshold, .mean, .fixedSign(.value(1)), .frozen(-0.2), .hinge),
        (.symThreshold, .maxGrid(2), .trainable(0.3), .shared, .logistic),
        (.symThreshold, .meanGrid(2), .fixedSign(.value(1)), .perFilter, .square),
        (.polyRelu(3), .sum, .trainable(0.3), .frozen(0.1), .logistic),
        (.relu, .max, .fixedSign(.inverseM), .frozen(-0.5), .hinge),
    ]

    @Test(arguments: shapes)
    func batchedMatchesReference(_ s: Shape) {
        for (activation, pooling, readout, bias, binaryLoss) in Self.variants {
            var net = NetworkConfig()
            net.M = s.M
            net.activation = activation
            net.pooling = pooling
            net.readout = readout
            net.bias = bias
            let loss = s.C > 1 ? Loss.crossEntropy : binaryLoss
            if s.C > 1 { net.readout = .trainable(0.3) }
            var rng = RandomStream(seed: UInt64(s.N * 1000 + s.D))
            net.`init` = .gaussian(0.4)
            // Grid pooling: positions dealt round-robin to min(K, 3) regions.
            let G = pooling.grid > 1 ? min(s.K, 3) : 1
            let regions = G > 1 ? PoolingRegions(count: G, of: (0..<s.K).map { Int32($0 % G) }) : .global
            var network = PatchCNN(config: net, inputDimension: s.D, outputs: s.C, regions: regions, using: &rng)
            // symThreshold's biases are thresholds on scores of size ~1: larger, so that both of its
            // regions (|s| below and above |b|) occur.
            let biasScale = activation == .symThreshold ? 0.5 : 0.1
            for i in 0..<network.biases.count { network.biases[i] = Float(biasScale * rng.nextGaussian()) }
            let x = (0..<(s.N * s.K * s.D)).map { _ in Float(rng.nextGaussian()) }
            let labels: [Int32] = (0..<s.N).map { n in s.C > 1 ? Int32(n % s.C) : (n % 2 == 0 ? 1 : -1) }

            let ws = PatchCNNWorkspace(capacity: s.N + 2, patches: s.K, for: network)
            var grads = network.zeroGradients()
            var lossSum = 0.0
            x.withUnsafeBufferPointer { xp in
                labels.withUnsafeBufferPointer { yp in
                    network.forward(xp.baseAddress!, count: s.N, workspace: ws)
                    lossSum =
                        network.lossGradient(labels: yp.baseAddress!, count: s.N, loss: loss, workspace: ws).lossSum
                    network.backward(xp.baseAddress!, count: s.N, workspace: ws, into: &grads)
                }
            }
            let ref = PatchCNNReference.pass(
                network.parameters(as: Float.self), config: net, loss: loss, regions: regions, x: x, labels: labels,
                count: s.N, patches: s.K, dimension: s.D, outputs: s.C)
            let label = "\(s.testDescription) \(activation.text) \(pooling.text) \(bias.text) \(loss.rawValue)"
            let tol = 1e-4
            let atol = 1e-5 * Double(s.D * s.K)
            let outputs = closeness(Array(ws.outputs[0..<(s.N * s.C)]), ref.outputs, rtol: tol, atol: atol)
            #expect(outputs.isClose, "\(label) outputs: \(outputs)")
            #expect(
                abs(lossSum / Double(s.N) - Double(ref.loss)) <= 1e-4 * max(1, abs(Double(ref.loss))), "\(label) loss")
            let dw = closeness(grads.filters, ref.gradients.filters, rtol: tol, atol: atol)
            #expect(dw.isClose, "\(label) dFilters: \(dw)")
            let db = closeness(grads.biases, ref.gradients.biases, rtol: tol, atol: atol)
            #expect(db.isClose, "\(label) dBiases: \(db)")
            if net.readout.isTrainable {
                let da = closeness(grads.readout, ref.gradients.readout, rtol: tol, atol: atol)
                #expect(da.isClose, "\(label) dReadout: \(da)")
            }
            let dbeta = closeness(grads.outputBias, ref.gradients.outputBias, rtol: tol, atol: atol)
            #expect(dbeta.isClose, "\(label) dOutputBias: \(dbeta)")
        }
    }

    /// The chunked entry points (`trainChunk`, chunks of 32 of a batch of 70 with the mean over the
    /// whole batch, their gradients added in chunk order, as the trainer does; `forward` at an
    /// offset, as the evaluator does) against the reference on the whole batch, under symThreshold.
    @Test(arguments: [Pooling.max, .mean, .sum])
    func chunkedPassesMatchTheReference(_ pooling: Pooling) {
        for (bias, readout, loss) in [
            (BiasMode.perFilter, Readout.trainable(0.3), Loss.logistic), (.shared, .fixedSign(.inverseM), .hinge),
            (.frozen(-0.3), .trainable(0.3), .hinge),
        ] {
            let (N, K, D) = (70, 6, 5)
            var net = NetworkConfig()
            net.M = 8
            net.activation = .symThreshold
            net.pooling = pooling
            net.bias = bias
            net.readout = readout
            net.`init` = .gaussian(0.4)
            var rng = RandomStream(seed: 31)
            var network = PatchCNN(config: net, inputDimension: D, using: &rng)
            if bias.isTrainable {
                for i in 0..<network.biases.count { network.biases[i] = Float(0.5 * rng.nextGaussian()) }
            }
            let x = (0..<(N * K * D)).map { _ in Float(rng.nextGaussian()) }
            let labels: [Int32] = (0..<N).map { _ in rng.nextUniform() < 0.5 ? 1 : -1 }
            var total = network.zeroGradients()
            var lossSum = 0.0
            var outputs: [Float] = []
            for start in stride(from: 0, to: N, by: 32) {
                let m = min(32, N - start)
                let ws = PatchCNNWorkspace(capacity: 32, patches: K, for: network)
                var g = network.zeroGradients()
                lossSum +=
                    network.trainChunk(
                        x, offset: start * K * D, count: m, labels: labels, from: start, of: N, loss: loss,
                        workspace: ws, into: &g
                    ).lossSum
                for i in g.filters.indices { total.filters[i] += g.filters[i] }
                for i in g.biases.indices { total.biases[i] += g.biases[i] }
                for i in g.readout.indices { total.readout[i] += g.readout[i] }
                let eval = PatchCNNWorkspace(capacity: 32, patches: K, for: network)
                network.forward(x, offset: start * K * D, count: m, workspace: eval)
                outputs += eval.outputs[0..<m]
            }
            let ref = PatchCNNReference.pass(
                network.parameters(as: Float.self), config: net, loss: loss, x: x, labels: labels, count: N,
                patches: K, dimension: D, outputs: 1)
            let label = "\(pooling.text) \(bias.text) \(loss.rawValue)"
            let tol = 1e-4
            let atol = 1e-5 * Double(D * K)
            let f = closeness(outputs, ref.outputs, rtol: tol, atol: atol)
            #expect(f.isClose, "\(label) outputs: \(f)")
            #expect(
                abs(lossSum / Double(N) - Double(ref.loss)) <= 1e-4 * max(1, abs(Double(ref.loss))), "\(label) loss")
            let dw = closeness(total.filters, ref.gradients.filters, rtol: tol, atol: atol)
            #expect(dw.isClose, "\(label) dFilters: \(dw)")
            let db = closeness(total.biases, ref.gradients.biases, rtol: tol, atol: atol)
            #expect(db.isClose, "\(label) dBiases: \(db)")
            #expect(ref.gradients.biases.contains { $0 != 0 }, "\(label): the bias gradient is zero")
            if readout.isTrainable {
                let da = closeness(total.readout, ref.gradients.readout, rtol: tol, atol: atol)
                #expect(da.isClose, "\(label) dReadout: \(da)")
            }
        }
    }

    /// Under symThreshold the scores hold ⟨w_j, x_i⟩ without the bias (a threshold inside φ), and
    /// the pooled features are φ_b of them; under every other activation the bias is added.
    @Test func symThresholdKeepsTheBiasOutOfTheScores() {
        // Filters e_0 and e_1 with biases 0.5 and −0.5, sum pooling; two patches (0.25, 2) and
        // (−1, 0.25): scores s_0 = (0.25, −1), s_1 = (2, 0.25).
        let x: [Float] = [0.25, 2, -1, 0.25]
        for (activation, scores, pooled) in [
            // relu(s + b): filter 0: relu(0.75) + relu(−0.5) = 0.75; filter 1: relu(1.5) + relu(−0.25) = 1.5.
            (Activation.relu, [0.75, 1.5, -0.5, -0.25], [0.75, 1.5]),
            // φ_b(s): filter 0 (b = 0.5): 0.5 (slope 2 inside |s| < b) + (0 − 1.5); filter 1 (b = −0.5):
            // (2 − 0.5) + 0 (dead inside |s| < 0.5).
            (.symThreshold, [0.25, 2, -1, 0.25], [-1, 1.5]),
        ] as [(Activation, [Float], [Float])] {
            var net = NetworkConfig()
            net.M = 2
            net.activation = activation
            net.pooling = .sum
            net.bias = .perFilter
            net.readout = .fixedSign(.value(1))
            var rng = RandomStream(seed: 1)
            var network = PatchCNN(config: net, inputDimension: 2, using: &rng)
            network.filters = [1, 0, 0, 1]
            network.biases = [0.5, -0.5]
            let ws = PatchCNNWorkspace(capacity: 1, patches: 2, for: network)
            network.forward(x, offset: 0, count: 1, workspace: ws)
            #expect(Array(ws.scores[0..<4]) == scores, "\(activation.text) scores")
            #expect([ws.pooledActivation(example: 0, filter: 0), ws.pooledActivation(example: 0, filter: 1)] == pooled)
        }
    }

    @Test func initialisationsHaveTheirStatedScale() {
        var net = NetworkConfig()
        net.M = 200
        var rng = RandomStream(seed: 3)
        net.`init` = .sphere(2)
        let sphere = PatchCNN(config: net, inputDimension: 10, using: &rng)
        for j in 0..<200 {
            let norm = sphere.filter(j).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 2) < 1e-5)
        }
        net.`init` = .kaimingUniform
        let kaiming = PatchCNN(config: net, inputDimension: 16, using: &rng)
        #expect(kaiming.filters.allSatisfy { abs($0) <= 0.25 })
        #expect(kaiming.filters.contains { abs($0) > 0.24 })
        net.`init` = .gaussian(0.01)
        let gauss = PatchCNN(config: net, inputDimension: 64, using: &rng)
        let rms = (gauss.filters.reduce(0) { $0 + Double($1) * Double($1) } / Double(gauss.filters.count)).squareRoot()
        #expect(abs(rms - 0.01) < 0.0003)
        #expect(gauss.readout[0] == 1 / 200 && gauss.readout[199] == -1 / 200)
    }
}

/// SIMD max pooling against its plain loops, bit for bit, ties and all-negative columns included.
@Suite struct PoolMaxTests {
    @Test func simdPoolingEqualsPlainLoops() {
        var rng = RandomStream(seed: 21)
        for K in [1, 2, 5, 16] {
            for M in [1, 7, 8, 9, 32, 33] {
                // Values rounded to quarters so that ties occur; a third negative, so ReLU gives zeros.
                let s = (0..<(K * M)).map { _ in Float((rng.nextGaussian() * 4).rounded() / 4) - 0.3 }
                var h = [Float](repeating: .nan, count: M)
                var hRef = h
                var best = [Int32](repeating: -1, count: M)
                var bestRef = best
                s.withUnsafeBufferPointer { sp in
                    poolMax(.relu, sp.baseAddress!, &h, &best, K: K, M: M)
                    poolMaxReference(.relu, sp.baseAddress!, &hRef, &bestRef, K: K, M: M)
                }
                #expect(h.map(\.bitPattern) == hRef.map(\.bitPattern), "K \(K) M \(M)")
                #expect(best == bestRef, "K \(K) M \(M)")
            }
        }
    }

    @Test func simdSumPoolingEqualsPlainLoops() {
        var rng = RandomStream(seed: 22)
        for K in [1, 2, 5, 16] {
            for M in [1, 7, 8, 9, 32, 33, 41, 64] {
                for scale: Float in [1, 1 / Float(K)] {
                    let s = (0..<(K * M)).map { _ in Float(rng.nextGaussian()) - 0.3 }
                    var h = [Float](repeating: .nan, count: M)
                    var hRef = h
                    s.withUnsafeBufferPointer { sp in
                        poolSum(.relu, sp.baseAddress!, &h, K: K, M: M, scale: scale)
                        poolSumReference(.relu, sp.baseAddress!, &hRef, K: K, M: M, scale: scale)
                    }
                    #expect(h.map(\.bitPattern) == hRef.map(\.bitPattern), "K \(K) M \(M) scale \(scale)")
                }
            }
        }
    }
}
