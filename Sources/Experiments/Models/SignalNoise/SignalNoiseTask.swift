import Analysis
import Datasets
import Networks
import Tensors
import Training

/// Signal-and-noise data (SPEC §1, `labelModel: signalNoise`; Cao, Chen, Belkin & Gu 2022, Kou,
/// Chen, Chen & Gu 2023) measured by `SignalNoiseMeasures`: signal learning against noise
/// memorisation. The test set (`nTest` points from the test stream) carries the flipped labels
/// ỹ as observed labels, so the common record's testAccuracy is the clean one (true y) and
/// testAccuracyNoisy the one against ỹ; training figures are against ỹ. filters.jsonl projects the
/// filters on the one pattern μ/‖μ‖.
struct SignalNoiseTask: ExperimentTask {
    let config: ExperimentConfig
    let network: PatchCNN
    let trainingData: TrainingData
    let testSet: any ExampleSet
    /// The signal μ, [D].
    let mu: [Float]
    /// μ/‖μ‖ as a one-pattern basis.
    let basis: PatternBasis
    /// ξ_i, the sum of each training example's noise patches, [nTrain × D] (empty when online).
    let noise: [Double]
    /// ỹ of the training examples, [nTrain].
    let observed: [Int32]
    var K: Int { config.data.K }
    var D: Int { config.data.D }
    var keysPerExample: Int { 1 }
    /// The filters at the last evaluation, [M × D] (w(0) is `network.filters`).
    private(set) var lastFilters: [Float] = []
    private var lastLine: SignalNoiseMeasures.Line? = nil

    static func handles(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .signalNoise
    }

    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) throws -> Self {
        guard config.network.architecture == .cnn else {
            throw ConfigurationError(
                field: "network.architecture", value: config.network.architecture.rawValue,
                allowed: "signalNoise runs use the CNN of Cao et al. 2022 and Kou et al. 2023 (cnn)")
        }
        return Self(config)
    }

    init(_ c: ExperimentConfig) {
        config = c
        let seed = UInt64(c.seed)
        var initRNG = RandomStream(seed: seed, purpose: .initialization)
        var testRNG = RandomStream(seed: seed, purpose: .test)
        var trainRNG = RandomStream(seed: seed, purpose: .train)
        var sampler = SignalNoiseSampler(config: c.data)
        mu = sampler.mu
        basis = SignalNoiseSampler.signalBasis(c.data)
        network = PatchCNN(config: c.network, inputDimension: c.data.D, using: &initRNG)
        testSet = sampler.sample(c.data.nTest, using: &testRNG)
        if c.data.nTrain > 0 {
            let train = sampler.sample(c.data.nTrain, using: &trainRNG)
            noise = SignalNoiseMeasures.noise(of: train)
            observed = train.observedLabels
            trainingData = .fixed(train, shuffle: RandomStream(seed: seed, purpose: .shuffle))
        } else {
            noise = []
            observed = []
            trainingData = .online(sampler, train: trainRNG)
        }
    }

    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    ) {
        let values = SignalNoiseMeasures.values(
            network: network, initial: self.network.filters, mu: mu, noise: noise, observed: observed)
        lastLine = values.line
        lastFilters = network.filters
        let s = FilterSnapshot(network: network, basis: basis)
        var fields = MeasurementFamilies.fields(of: values.line)
        fields.merge(MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: s.norms))) { a, _ in a }
        return (fields, config.evaluation.filterDynamics ? filtersLine(step: step, s) : nil)
    }

    /// One line of `filters.jsonl`: norms [M], projection and cosine [M][1] on μ/‖μ‖ and the
    /// read-out signs [M].
    func filtersLine(step: Int, _ s: FilterSnapshot) -> FiltersLine {
        FiltersLine(
            step: step, norms: s.norms, cosines: s.cosines.map { [$0] }, projections: s.projections.map { [$0] },
            signs: s.signs)
    }

    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
    {
        MeasurementFamilies.fields(of: lastLine!)
    }
}
