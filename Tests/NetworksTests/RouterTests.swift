import Tensors
import Testing
import _TestSupport

@testable import Networks

/// Patch-level routing (pMoE): the top-l selection, the gradients of the routed network in Double,
/// and the batched kernels against the reference.
@Suite struct RouterTests {
    /// A routed network config: E experts of F filters, top-l.
    static func routed(
        experts E: Int, filters F: Int, top l: Int, activation: Activation = .relu, pooling: Pooling = .mean,
        bias: BiasMode = .none
    ) -> NetworkConfig {
        var net = NetworkConfig()
        var router = RouterConfig()
        router.experts = E
        router.filtersPerExpert = F
        router.topPatches = l
        net.router = router
        net.M = E * F
        net.activation = activation
        net.pooling = pooling
        net.bias = bias
        net.readout = .fixedSign(.value(0.5))
        return net
    }

    /// Hand example, D = 2, K = 4, two experts, top-2. r_0 = (1, 0) scores the patches
    /// (3, 1, 3, 2) → the two largest are 3 at positions 0 and 2 (the tie at 3 is not broken by
    /// the third score); r_1 = (0, 1) scores (1, 1, 1, 1), a four-way tie → the lowest positions 0
    /// and 1. Example 2 has scores r_0: (0, 5, 4, 5) → 1 and 3; r_1: (−1, 0, 2, −3) → 2 and 1 → sorted 1, 2.
    @Test func selectionTakesTheTopPatchesWithTiesToTheLowestIndex() {
        let net = Self.routed(experts: 2, filters: 1, top: 2)
        var rng = RandomStream(seed: 1)
        var network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        network.routers = [1, 0, 0, 1]
        let x: [Float] = [3, 1, 1, 1, 3, 1, 2, 1, 0, -1, 5, 0, 4, 2, 5, -3]
        let picks = network.routedPatches(x, count: 2, patches: 4)
        #expect(picks == [0, 2, 0, 1, 1, 3, 1, 2])
        // top-1 and top-K: the single largest (first of ties), and every patch.
        var one = net
        one.router!.topPatches = 1
        var n1 = PatchCNN(config: one, inputDimension: 2, using: &rng)
        n1.routers = network.routers
        #expect(n1.routedPatches(x, count: 2, patches: 4) == [0, 0, 1, 2])
        var all = net
        all.router!.topPatches = 4
        var n4 = PatchCNN(config: all, inputDimension: 2, using: &rng)
        n4.routers = network.routers
        #expect(n4.routedPatches(x, count: 1, patches: 4) == [0, 1, 2, 3, 0, 1, 2, 3])
    }

    /// The routed forward by hand: expert 0 (filter 0, a = +½) sees patches 0 and 2 of the example
    /// above, expert 1 (filter 1, a = −½) patches 0 and 1. w_0 = (1, 0): relu scores 3, 3 → mean 3;
    /// w_1 = (1, 1): patches (3, 1) and (1, 1) score 4 and 2 → mean 3; f = ½·3 − ½·3 = 0. The plain
    /// CNN would pool w_0 over all four patches (3, 1, 3, 2)/4 = 2.25 and w_1 over (4, 2, 4, 3)/4 = 3.25.
    @Test func routedForwardByHand() {
        let net = Self.routed(experts: 2, filters: 1, top: 2)
        var rng = RandomStream(seed: 1)
        var network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        network.routers = [1, 0, 0, 1]
        network.filters = [1, 0, 1, 1]
        let x: [Float] = [3, 1, 1, 1, 3, 1, 2, 1]
        let ws = PatchCNNWorkspace(capacity: 1, patches: 4, for: network)
        network.forward(x, offset: 0, count: 1, workspace: ws)
        #expect(ws.pooledActivation(example: 0, filter: 0) == 3)
        #expect(ws.pooledActivation(example: 0, filter: 1) == 3)
        #expect(ws.outputs[0] == 0)
        let ref = PatchCNNReference.pass(
            network.parameters(as: Double.self), config: net, loss: .logistic, x: x.map(Double.init), labels: [1],
            count: 1, patches: 4, dimension: 2, outputs: 1)
        #expect(ref.outputs == [0])
        var plain = net
        plain.router = nil
        var cnn = PatchCNN(config: plain, inputDimension: 2, using: &rng)
        cnn.filters = network.filters
        let cws = PatchCNNWorkspace(capacity: 1, patches: 4, for: cnn)
        cnn.forward(x, offset: 0, count: 1, workspace: cws)
        #expect(cws.pooledActivation(example: 0, filter: 0) == 2.25)
        #expect(cws.pooledActivation(example: 0, filter: 1) == 3.25)
    }

    /// Finite differences of the routed reference in Double: the filters' and biases' gradients
    /// (the routing does not depend on them, so the loss is smooth in them away from kinks), and
    /// the routers' gradient, zero as the hard selection is locally constant in the routers.
    @Test(arguments: [Pooling.mean, .sum, .max])
    func routedGradientMatchesFiniteDifferences(_ pooling: Pooling) {
        for activation in [Activation.leakyRelu(0.1), .polyRelu(3), .relu] {
            for loss in [Loss.logistic, .linear, .square] {
                let net = Self.routed(
                    experts: 2, filters: 2, top: 2, activation: activation, pooling: pooling, bias: .perFilter)
                let (N, K, D) = (3, 5, 4)
                var rng = RandomStream(seed: 23)
                var network = PatchCNN(config: net, inputDimension: D, using: &rng)
                network.drawRouters(using: &rng)
                var p = network.parameters(as: Double.self)
                for i in 0..<p.filters.count { p.filters[i] = 0.6 * rng.nextGaussian() }
                for i in 0..<p.biases.count { p.biases[i] = 0.1 * rng.nextGaussian() }
                let x = (0..<(N * K * D)).map { _ in rng.nextGaussian() }
                let labels: [Int32] = [1, -1, 1]
                func pass(_ q: PatchCNNParameters<Double>) -> ReferencePass<Double> {
                    PatchCNNReference.pass(
                        q, config: net, loss: loss, x: x, labels: labels, count: N, patches: K, dimension: D,
                        outputs: 1)
                }
                let analytic = pass(p).gradients
                let h = 1e-6
                for (name, path) in [
                    ("filters", \PatchCNNParameters<Double>.filters), ("biases", \.biases), ("routers", \.routers),
                ] {
                    let numeric = (0..<p[keyPath: path].count).map { i in
                        var plus = p
                        var minus = p
                        plus[keyPath: path][i] += h
                        minus[keyPath: path][i] -= h
                        return (pass(plus).loss - pass(minus).loss) / (2 * h)
                    }
                    let result = closeness(analytic[keyPath: path], numeric, rtol: 1e-5, atol: 1e-7)
                    #expect(result.isClose, "\(activation.text) \(pooling.text) \(loss.rawValue) d\(name): \(result)")
                }
                #expect(p.routers.count == 2 * D && analytic.routers.allSatisfy { $0 == 0 })
                // Routing matters: some filter's gradient differs from the unrouted network's.
                var plain = net
                plain.router = nil
                let unrouted = PatchCNNReference.pass(
                    p, config: plain, loss: loss, x: x, labels: labels, count: N, patches: K, dimension: D, outputs: 1)
                #expect(unrouted.gradients.filters != analytic.filters)
            }
        }
    }

    struct Shape: Sendable, CustomTestStringConvertible {
        var N: Int, K: Int, D: Int, E: Int, F: Int, l: Int
        var testDescription: String { "N\(N) K\(K) D\(D) E\(E) F\(F) l\(l)" }
    }

    static let shapes: [Shape] = [
        Shape(N: 1, K: 2, D: 1, E: 2, F: 1, l: 1), Shape(N: 3, K: 16, D: 64, E: 2, F: 4, l: 2),
        Shape(N: 5, K: 7, D: 9, E: 4, F: 3, l: 3), Shape(N: 2, K: 5, D: 17, E: 2, F: 8, l: 5),
        Shape(N: 40, K: 16, D: 8, E: 2, F: 4, l: 2),
    ]

    /// The batched float32 passes (through `trainChunk` in chunks of 32 and `forward`) against the
    /// float32 reference, for every pooling a router allows and several activations and biases.
    @Test(arguments: shapes)
    func batchedMatchesReference(_ s: Shape) {
        let variants: [(Activation, Pooling, BiasMode, Loss)] = [
            (.relu, .mean, .none, .logistic), (.relu, .max, .none, .hinge),
            (.leakyRelu(0.1), .sum, .perFilter, .square),
            (.polyRelu(3), .mean, .shared, .logistic), (.symThreshold, .mean, .perFilter, .logistic),
            (.symThreshold, .max, .shared, .hinge), (.relu, .mean, .frozen(-0.1), .linear),
        ]
        for (activation, pooling, bias, loss) in variants {
            var net = Self.routed(
                experts: s.E, filters: s.F, top: s.l, activation: activation, pooling: pooling, bias: bias)
            net.`init` = .gaussian(0.4)
            var rng = RandomStream(seed: UInt64(s.N * 100 + s.K))
            var network = PatchCNN(config: net, inputDimension: s.D, using: &rng)
            network.drawRouters(using: &rng)
            let biasScale = activation == .symThreshold ? 0.5 : 0.1
            for i in 0..<network.biases.count { network.biases[i] = Float(biasScale * rng.nextGaussian()) }
            let x = (0..<(s.N * s.K * s.D)).map { _ in Float(rng.nextGaussian()) }
            let labels: [Int32] = (0..<s.N).map { $0 % 3 == 0 ? 1 : -1 }
            let chunk = 32
            let ws = PatchCNNWorkspace(capacity: min(chunk, s.N), patches: s.K, for: network)
            var total = network.zeroGradients()
            var grads = network.zeroGradients()
            var outputs: [Float] = []
            var start = 0
            while start < s.N {
                let m = min(chunk, s.N - start)
                _ = network.trainChunk(
                    x, offset: start * s.K * s.D, count: m, labels: labels, from: start, of: s.N, loss: loss,
                    workspace: ws, into: &grads)
                outputs += ws.outputs[0..<m]
                for i in total.filters.indices { total.filters[i] += grads.filters[i] }
                for i in total.biases.indices { total.biases[i] += grads.biases[i] }
                start += m
            }
            let ref = PatchCNNReference.pass(
                network.parameters(as: Float.self), config: net, loss: loss, x: x, labels: labels, count: s.N,
                patches: s.K, dimension: s.D, outputs: 1)
            let label = "\(s.testDescription) \(activation.text) \(pooling.text) \(bias.text) \(loss.rawValue)"
            let atol = 1e-5 * Double(s.D * s.K)
            let f = closeness(outputs, ref.outputs, rtol: 1e-4, atol: atol)
            #expect(f.isClose, "\(label) outputs: \(f)")
            let dw = closeness(total.filters, ref.gradients.filters, rtol: 1e-4, atol: atol)
            #expect(dw.isClose, "\(label) dFilters: \(dw)")
            let db = closeness(total.biases, ref.gradients.biases, rtol: 1e-4, atol: atol)
            #expect(db.isClose, "\(label) dBiases: \(db)")
            #expect(grads.routers.allSatisfy { $0 == 0 })
        }
    }

    /// The plain network's passes are untouched by the router code: a config without a router
    /// allocates no routing buffers and gives the same outputs as before (spot check on one shape).
    @Test func unroutedNetworkAllocatesNoRoutingBuffers() {
        var net = NetworkConfig()
        net.M = 4
        var rng = RandomStream(seed: 3)
        let network = PatchCNN(config: net, inputDimension: 3, using: &rng)
        #expect(network.routers.isEmpty)
        let ws = PatchCNNWorkspace(capacity: 2, patches: 4, for: network)
        network.forward((0..<24).map { Float($0) * 0.1 }, offset: 0, count: 2, workspace: ws)
        #expect(ws.selected.isEmpty && ws.routerScores.isEmpty)
        #expect(network.routedPatches([0, 0, 0], count: 1, patches: 1).isEmpty)
    }
}
