import Analysis
import Datasets
import Networks
import Tensors
import Testing

@Suite struct FilterMeasuresTests {
    /// D = P = 4 one-hot patterns; keys 0 (class +1) and 1 (class −1); commons 2, 3.
    /// Filters (M = 4, first two positive): w_0 = (3, 0, 0, 0), w_1 = (0, 0, 1, 0),
    /// w_2 = (0, 2, 0, 0), w_3 = (0, 0, 0, 1).
    func handNetwork() -> (PatchCNN, PatternRoles) {
        var data = PatchDataConfig()
        data.D = 4
        data.P = 4
        data.K = 2
        var net = NetworkConfig()
        net.M = 4
        var rng = RandomStream(seed: 0)
        var network = PatchCNN(config: net, inputDimension: 4, using: &rng)
        network.filters = [3, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 1]
        let basis = PatternBasis(data, using: &rng)
        return (network, PatternRoles(basis: basis, config: data))
    }

    @Test func handWorkedValues() {
        let (network, roles) = handNetwork()
        let s = FilterSnapshot(network: network, basis: roles.basis)
        #expect(s.norms == [3, 1, 2, 1])
        #expect(s.signs == [1, 1, -1, -1])
        #expect(s.cosine(0, 0) == 1 && s.cosine(1, 0) == 0 && s.projection(2, 1) == 2)
        let k = KeyMeasures(s, roles: roles, theta: 0.9)
        #expect(k.positiveKeyFilters == [0])
        #expect(k.negativeKeyFilters == [2])
        // bestKeyCosine = min(max_{+} C[j,0], max_{−} C[j,1]) = min(1, 1) = 1.
        #expect(k.bestKeyCosine == 1)
        // keyShare = (9 + 4) / (9 + 1 + 4 + 1) = 13/15.
        #expect(abs(k.keyShare - 13.0 / 15.0) < 1e-12)
        // normRatio = mean(3, 2) / mean(1, 1) = 2.5.
        #expect(k.normRatio == 2.5)
        // keyMass = (⟨w_0,p_0⟩² + ⟨w_2,p_1⟩²) / 15 = 13/15.
        #expect(abs(k.keyMass - 13.0 / 15.0) < 1e-12)
        // Key projections: (3 + 2)/2; their largest |common projection| is 0.
        #expect(k.keyProjection == 2.5 && k.maxCommonProjection == 0)
        #expect(explorationCounts(s, roles: roles) == [0: 1, 1: 1])
        #expect(learnedKeys(s, roles: roles, theta: 0.9) == [0: true, 1: true])
    }

    @Test func noKeyFilterGivesNaNRatioAndZeroShare() {
        var (network, roles) = handNetwork()
        network.filters = [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0]
        let k = KeyMeasures(FilterSnapshot(network: network, basis: roles.basis), roles: roles, theta: 0.9)
        #expect(k.keyFilters.isEmpty)
        #expect(k.keyShare == 0)
        #expect(k.normRatio.isNaN)
        // Negative filters are (0, 0, 1, 1)/√2 and (1, 0, 0, 0): the best cosine to key 1 is 0.
        #expect(k.bestKeyCosine == 0)
    }

    @Test func cosinesAreBoundedAndScaleInvariant() {
        var data = PatchDataConfig()
        data.basis = .orthoRandom
        var rng = RandomStream(seed: 4)
        let basis = PatternBasis(data, using: &rng)
        var net = NetworkConfig()
        net.`init` = .gaussian(1)
        var network = PatchCNN(config: net, inputDimension: 64, using: &rng)
        let roles = PatternRoles(basis: basis, config: data)
        let a = FilterSnapshot(network: network, basis: basis)
        #expect(a.cosines.allSatisfy { $0 >= -1 && $0 <= 1 })
        let ka = KeyMeasures(a, roles: roles, theta: 0.1)
        for i in 0..<network.filters.count { network.filters[i] *= 8 }  // exact in binary floating point
        let b = FilterSnapshot(network: network, basis: basis)
        #expect(zip(a.cosines, b.cosines).allSatisfy { abs($0 - $1) < 1e-12 })
        let kb = KeyMeasures(b, roles: roles, theta: 0.1)
        #expect(ka.keyFilters == kb.keyFilters && abs(ka.keyShare - kb.keyShare) < 1e-12)
    }

    @Test func permutingFiltersWithinASignGroupPermutesTheMeasures() {
        var (network, roles) = handNetwork()
        let before = FilterSnapshot(network: network, basis: roles.basis)
        // Swap filters 0 and 1 (both positive).
        let w = network.filters
        network.filters = Array(w[4..<8]) + Array(w[0..<4]) + Array(w[8...])
        let after = FilterSnapshot(network: network, basis: roles.basis)
        #expect(after.norms == [before.norms[1], before.norms[0]] + before.norms[2...])
        let kb = KeyMeasures(before, roles: roles, theta: 0.9)
        let ka = KeyMeasures(after, roles: roles, theta: 0.9)
        #expect(ka.positiveKeyFilters == [1])
        #expect(ka.keyShare == kb.keyShare && ka.normRatio == kb.normRatio && ka.bestKeyCosine == kb.bestKeyCosine)
    }
}

@Suite struct EvaluatorTests {
    @Test func accuracyLossAndMarginsOnAHandSet() {
        // Network f(x) = ½ relu(x_0) − ½ relu(x_1) on D = 2, K = 1 (filters e_0, e_1, A = ½).
        var net = NetworkConfig()
        net.M = 2
        net.readout = .fixedSign(.value(0.5))
        var rng = RandomStream(seed: 0)
        var network = PatchCNN(config: net, inputDimension: 2, using: &rng)
        network.filters = [1, 0, 0, 1]
        var set = PatchBatch(count: 3, K: 1, D: 2, keysPerExample: 1)
        // f = 2, −1, 0.5 for x = (4,0), (0,2), (1,0); labels +1, −1, −1 (the last one wrong).
        set.x = [4, 0, 0, 2, 1, 0]
        set.labels = [1, -1, -1]
        set.observedLabels = [1, -1, 1]
        let e = Evaluator(network: network, patches: 1, dimension: 2, chunk: 2).evaluate(network, on: set, loss: .hinge)
        #expect(e.cleanAccuracy == 2.0 / 3.0)
        #expect(e.accuracy == 1)
        // Hinge vs true labels: max(0, 1−2) + max(0, 1−1) + max(0, 1+0.5) = 1.5 → mean 0.5.
        #expect(e.cleanLoss == 0.5)
        // Margins ỹf: 2, 1, 0.5.
        #expect(e.minMargin == 0.5 && e.maxMargin == 2)
    }

    /// An image set evaluated in place (windows read by the products, with AVX-512) gives the
    /// bits of the same windows cut out into a batch; with 2 threads and chunks that split the set.
    @Test func imageSetEqualsItsWindowsCutOut() {
        var rng = RandomStream(seed: 8)
        let count = 37
        let h = 10
        let w = 9
        let pixels = (0..<(count * 2 * h * w)).map { _ in Float(rng.nextGaussian()) }
        let images = ImageSet(
            channels: 2, height: h, width: w, pixels: pixels, labels: (0..<count).map { Int32($0 % 4) }, patchSize: 3,
            stride: 2)
        var batch = PatchBatch(count: count, K: images.K, D: images.D, keysPerExample: 1)
        images.fill(&batch, with: Array(0..<count)[...])
        var net = NetworkConfig()
        net.M = 20
        net.pooling = .mean
        net.readout = .trainable(0.5)
        let network = PatchCNN(config: net, inputDimension: images.D, outputs: 4, using: &rng)
        let evaluator = Evaluator(network: network, patches: images.K, dimension: images.D, chunk: 8, threads: 2)
        let inPlace = evaluator.evaluate(network, on: images, loss: .crossEntropy)
        let cut = evaluator.evaluate(network, on: batch, loss: .crossEntropy)
        #expect(
            inPlace.loss.bitPattern == cut.loss.bitPattern && inPlace.accuracy == cut.accuracy, "\(inPlace) vs \(cut)")
    }
}
