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
        #expect(!ka.keyFilters.isEmpty)  // so that the comparison below compares something
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

    /// An image set evaluated with its windows read in place by the products (through the AVX-512
    /// kernels where the processor has them, else the AVX2 ones) or copied out gives the bits of
    /// the same windows cut out into a batch; with 2 threads and chunks that split the set.
    @Test(arguments: [false, true])
    func imageSetEqualsItsWindowsCutOut(windowsInPlace: Bool) {
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
        let evaluator = Evaluator(
            network: network, patches: images.K, dimension: images.D, chunk: 8, threads: 2,
            windowsInPlace: windowsInPlace)
        let fromImages = evaluator.evaluate(network, on: images, loss: .crossEntropy)
        let cut = evaluator.evaluate(network, on: batch, loss: .crossEntropy)
        #expect(
            fromImages.loss.bitPattern == cut.loss.bitPattern && fromImages.accuracy == cut.accuracy,
            "\(fromImages) vs \(cut)")
        // Every example's outputs and pooled features, chunk by chunk.
        func passes(_ set: any ExampleSet) -> [UInt32] {
            var bits: [UInt32] = []
            evaluator.forEachChunk(network, on: set) { _, n, ws in
                bits += ws.outputs[0..<(n * network.C)].map(\.bitPattern)
                bits += ws.pooled[0..<(n * network.M)].map(\.bitPattern)
            }
            return bits
        }
        let outputs = passes(images)
        #expect(outputs.count == count * (4 + 20) && outputs == passes(batch))
    }
}

/// Norm concentration, the accuracy of a read-out restricted to some filters, and class
/// selectivity (SPEC §3 item 14), on values worked out by hand.
@Suite struct ImageMeasuresTests {
    @Test func topShareOfHandNorms() {
        // Squares 1, 4, 9, 16 (total 30) in any order: top-1 16/30, top-2 (16 + 9)/30, top-4 30/30.
        let norms: [Double] = [3, 1, 4, 2]
        #expect(NormConcentration.topShare(norms, k: 1) == 16.0 / 30.0)
        #expect(NormConcentration.topShare(norms, k: 2) == 25.0 / 30.0)
        #expect(NormConcentration.topShare(norms, k: 3) == 29.0 / 30.0)
        #expect(NormConcentration.topShare(norms, k: 4) == 1)
        #expect(NormConcentration.topShare(norms, k: 9) == 1)  // k beyond M: every filter
        #expect(NormConcentration.topShare(norms, k: 0) == 0)
        #expect(NormConcentration.topShare([0, 0, 0], k: 1) == 0)  // no norm at all: 0, not NaN
        // Equal norms: k of M hold exactly k/M.
        #expect(NormConcentration.topShare([2, 2, 2, 2], k: 1) == 0.25)
    }

    @Test func giniOfHandNorms() {
        // 1, 2, 3, 4: Σ_i Σ_j |x_i − x_j| = 2·(1 + 2 + 3 + 1 + 2 + 1) = 20; 2·n²·mean = 2·16·2.5 = 80.
        #expect(NormConcentration.gini([4, 1, 3, 2]) == 0.25)
        // One filter holds everything: 2·3·5 / (2·16·1.25) = 30/40 = (n − 1)/n.
        #expect(NormConcentration.gini([0, 5, 0, 0]) == 0.75)
        // 0.5, 1, 2, 3, 4, 5: pair differences sum to 12.5 + 10 + 6 + 3 + 1 = 32.5 (each pair once);
        // 2·32.5 / (2·36·15.5/6) = 65/186.
        #expect(abs(NormConcentration.gini([5, 1, 2, 4, 3, 0.5]) - 65.0 / 186.0) < 1e-15)
        #expect(NormConcentration.gini([2, 2, 2]) == 0)
        #expect(NormConcentration.gini([0, 0]) == 0)  // no norm at all
        #expect(NormConcentration.gini([]) == 0)
    }

    /// Binary: M = 4, a = (1, 1, −1, −1), no output bias; the pooled features are given directly.
    @Test func accuracyKeepingSomeFiltersBinary() {
        var net = NetworkConfig()
        net.M = 4
        net.readout = .fixedSign(.value(1))
        var rng = RandomStream(seed: 0)
        let network = PatchCNN(config: net, inputDimension: 1, using: &rng)
        #expect(network.readout == [1, 1, -1, -1] && network.outputBias.isEmpty)
        // Labels +1, −1, −1; features h = (2, 0, 1, 0), (0, 1, 0, 3), (1, 0, 0, 0.5).
        let pooled = PooledFeatures(
            count: 3, G: 1, M: 4, values: [2, 0, 1, 0, 0, 1, 0, 3, 1, 0, 0, 0.5], labels: [1, -1, -1])
        // All:    f = 2 − 1 = 1 ✓, 1 − 3 = −2 ✓, 1 − 0.5 = 0.5 ✗ → 2/3.
        #expect(pooled.accuracy(of: network, keeping: [0, 1, 2, 3]) == 2.0 / 3.0)
        // {0, 1}: f = 2 ✓, 1 ✗, 1 ✗ → 1/3.
        #expect(pooled.accuracy(of: network, keeping: [0, 1]) == 1.0 / 3.0)
        // {2, 3}: f = −1 ✗, −3 ✓, −0.5 ✓ → 2/3.
        #expect(pooled.accuracy(of: network, keeping: [3, 2]) == 2.0 / 3.0)
        // {0}: f = 2 ✓, 0 (sign 0 → −1) ✓, 1 ✗ → 2/3.
        #expect(pooled.accuracy(of: network, keeping: [0]) == 2.0 / 3.0)
        // {1, 2}: f = −1 ✗, 1 ✗, 0 → −1 ✓ → 1/3.
        #expect(pooled.accuracy(of: network, keeping: [1, 2]) == 1.0 / 3.0)
        // None: f = 0 → −1 everywhere: ✗ ✓ ✓ → 2/3.
        #expect(pooled.accuracy(of: network, keeping: []) == 2.0 / 3.0)
    }

    /// Two classes over two regions: features ordered (region, filter), a kept filter counts in
    /// every region, and the output biases stay.
    @Test func accuracyKeepingSomeFiltersOverRegions() {
        var net = NetworkConfig()
        net.M = 2
        net.readout = .trainable(1)
        var rng = RandomStream(seed: 0)
        var network = PatchCNN(
            config: net, inputDimension: 1, outputs: 2, regions: PoolingRegions(count: 2, of: [0, 1]), using: &rng)
        // Class 0 reads filter 0 in both regions, class 1 filter 1; β = (0, 0.5).
        network.readout = [1, 0, 1, 0, 0, 1, 0, 1]
        network.outputBias = [0, 0.5]
        // Features (r0 f0, r0 f1, r1 f0, r1 f1); labels 0, 1, 1.
        let pooled = PooledFeatures(
            count: 3, G: 2, M: 2, values: [1, 0, 2, 1, 0, 2, 1, 0, 0, 0, 0, 0], labels: [0, 1, 1])
        // All: f = (3, 1.5) → 0 ✓; (1, 2.5) → 1 ✓; (0, 0.5) → 1 ✓.
        #expect(pooled.accuracy(of: network, keeping: [0, 1]) == 1)
        // {0}: f = (3, 0.5) ✓; (1, 0.5) ✗; (0, 0.5) ✓ → 2/3.
        #expect(pooled.accuracy(of: network, keeping: [0]) == 2.0 / 3.0)
        // {1}: f = (0, 1.5) ✗ (region 1's filter 0 dropped too, else 2 > 1.5); (0, 2.5) ✓; (0, 0.5) ✓.
        #expect(pooled.accuracy(of: network, keeping: [1]) == 2.0 / 3.0)
        // None: f = (0, 0.5) → class 1 for all (the bias decides): ✗ ✓ ✓.
        #expect(pooled.accuracy(of: network, keeping: []) == 2.0 / 3.0)
        network.outputBias = [0, 0]
        // Without the bias the tie (0, 0) goes to class 0: ✓ ✗ ✗.
        #expect(pooled.accuracy(of: network, keeping: []) == 1.0 / 3.0)
    }

    @Test func classMeansAverageRegionsAndExamples() {
        // M = 2, G = 2, features (r0 f0, r0 f1, r1 f0, r1 f1); filter j's value = mean over regions.
        // Class 0: (1, 0, 3, 2) → f0 2, f1 1; (2, 4, 2, 0) → f0 2, f1 2. Class 1: (0, 6, 0, 2) → 0, 4.
        // Label 7 is not among the classes and is skipped; class 2 has no example (NaN).
        let pooled = PooledFeatures(
            count: 4, G: 2, M: 2, values: [1, 0, 3, 2, 2, 4, 2, 0, 0, 6, 0, 2, 9, 9, 9, 9], labels: [0, 0, 1, 7])
        let means = pooled.classMeans(classes: [0, 1, 2])
        #expect(means.count == 2 && means[0][0...1] == [2, 0] && means[1][0...1] == [1.5, 4])
        #expect(means[0][2].isNaN && means[1][2].isNaN)
        // Classes in the order given: binary labels +1, −1.
        #expect(pooled.classMeans(classes: [1, 0]) == [[0, 2], [4, 1.5]])
    }

    @Test func selectivityOfHandMeans() {
        // (max − mean of the others) / (max + mean of the others).
        #expect(PooledFeatures.selectivity([2, 0]) == 1)  // (2 − 0)/(2 + 0)
        #expect(PooledFeatures.selectivity([1.5, 4]) == 2.5 / 5.5)  // others: 1.5
        #expect(PooledFeatures.selectivity([1, 3, 2]) == 1.5 / 4.5)  // others: (1 + 2)/2
        #expect(PooledFeatures.selectivity([4, 1, 1, 1]) == 3.0 / 5.0)
        #expect(PooledFeatures.selectivity([1, 1, 1]) == 0)  // no preference
        #expect(PooledFeatures.selectivity([0, 0]) == 0)  // never active: 0, not NaN
        #expect(PooledFeatures.selectivity([5]) == 0)  // one class: nothing to prefer
        #expect(PooledFeatures.selectivity([]) == 0)
    }
}
