import Datasets
import Networks
import Tensors
import Testing

@testable import Training

/// pMoE's router pre-training: the linear loss moves the routers along ±g, and SGD on the experts
/// then leaves them exactly as they are.
@Suite struct RouterPretrainingTests {
    /// Key data (K = 16, D = 64, σ = 0.15) with a fixed training set of 32 and the pmoe network.
    static func setup(seed: UInt64) -> (PatchBatch, PatchCNN) {
        var data = PatchDataConfig()
        data.sigma = 0.15
        data.nTrain = 32
        var patterns = RandomStream(seed: seed, purpose: .patterns)
        var initRNG = RandomStream(seed: seed, purpose: .initialization)
        var routerRNG = RandomStream(seed: seed, purpose: .router)
        var train = RandomStream(seed: seed, purpose: .train)
        let basis = PatternBasis(data, using: &patterns)
        var sampler = KeyPatternSampler(config: data, basis: basis)
        let set = sampler.sample(32, using: &train)
        var net = NetworkConfig()
        net.M = 8
        net.pooling = .mean
        net.router = RouterConfig()
        var network = PatchCNN(config: net, inputDimension: data.D, using: &initRNG)
        network.drawRouters(using: &routerRNG)
        return (set, network)
    }

    /// g by hand on two examples of K = 2, D = 2: y = +1 with patches (1, 0), (0, 2) and y = −1
    /// with (1, 1), (3, 0): g = ½[(1, 2) − (4, 1)] = (−1.5, 0.5). With η_r = 0.2 and 100 steps each
    /// router moves by 100·0.2·s_e·g = ±(−30, 10): + for expert 0 (read-out +A), − for expert 1.
    @Test func pretrainingMovesEachRouterAlongItsSignTimesG() {
        var set = PatchBatch(count: 2, K: 2, D: 2, keysPerExample: 1)
        set.x = [1, 0, 0, 2, 1, 1, 3, 0]
        set.observedLabels = [1, -1]
        set.labels = [1, -1]
        #expect(RouterPretraining.gradientDirection(of: set) == [-1.5, 0.5])
        var net = NetworkConfig()
        net.M = 2
        var router = RouterConfig()
        router.filtersPerExpert = 1
        net.router = router
        var rng = RandomStream(seed: 5)
        var network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        network.routers = [0, 0, 0, 0]
        #expect(RouterPretraining.expertSigns(of: network) == [1, -1])
        RouterPretraining.pretrain(&network, on: set)
        let expected: [Float] = [-30, 10, 30, -10]
        for i in 0..<4 { #expect(abs(network.routers[i] - expected[i]) <= 1e-4, "router entry \(i)") }
        // No steps: the routers stay where they were drawn.
        var none = network
        none.routers = [1, 2, 3, 4]
        var still = net
        still.router!.pretrainSteps = 0
        var frozen = PatchCNN(config: still, inputDimension: 2, using: &rng)
        frozen.routers = none.routers
        RouterPretraining.pretrain(&frozen, on: set)
        #expect(frozen.routers == [1, 2, 3, 4])
    }

    /// On key data the pre-trained + router scores the class +1 key above the class −1 key, and the
    /// − router the reverse; then 50 full-batch SGD steps of the experts change the filters but
    /// leave every router bit as it was.
    @Test func routersAlignWithTheKeysThenStayFrozenWhileTheExpertsTrain() {
        let (set, drawn) = Self.setup(seed: 4)
        var network = drawn
        RouterPretraining.pretrain(&network, on: set)
        #expect(network.routers != drawn.routers)
        let D = network.D
        // One-hot keys: key + is e_0, key − is e_1.
        #expect(network.routers[0] > network.routers[1])
        #expect(network.routers[D + 1] > network.routers[D + 0])
        let routers = network.routers
        var config = TrainingConfig()
        config.loss = .logistic
        config.batchSize = 32
        config.learningRate = 4
        let trainer = Trainer(
            network: network, config: config, data: .fixed(set, shuffle: RandomStream(seed: 4, purpose: .shuffle)),
            K: 16, D: 64)
        for _ in 0..<50 { trainer.takeStep() }
        #expect(trainer.network.filters != network.filters)
        #expect(trainer.network.routers == routers)
    }
}
