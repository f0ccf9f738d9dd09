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
/// filters on the one pattern μ/‖μ‖. Runs of one symThreshold filter also record
/// `LocalSignalMeasures` (Karp et al. 2021) over the test set's noise patches.
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
    /// The biases at the last evaluation (w(0)'s are `network.biases`).
    private(set) var lastBiases: [Float] = []
    private var lastLine: SignalNoiseMeasures.Line? = nil
    /// The local-signal figures of the last evaluation, when the run records them.
    private var lastLocal: LocalSignalMeasures.Line? = nil

    static func handles(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .signalNoise
    }

    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) -> Self {
        Self(config)
    }

    init(_ c: ExperimentConfig) {
        config = c
        var streams = RunStreams(seed: c.seed)
        var sampler = SignalNoiseSampler(config: c.data)
        mu = sampler.mu
        basis = SignalNoiseSampler.signalBasis(c.data)
        network = PatchCNN(config: c.network, inputDimension: c.data.D, using: &streams.initialization)
        testSet = sampler.sample(c.data.nTest, using: &streams.test)
        if c.data.nTrain > 0 {
            let train = sampler.sample(c.data.nTrain, using: &streams.train)
            noise = SignalNoiseMeasures.noise(of: train)
            observed = train.observedLabels
            trainingData = .fixed(train, shuffle: streams.shuffle)
        } else {
            noise = []
            observed = []
            trainingData = .online(sampler, train: streams.train)
        }
    }

    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    ) {
        let values = SignalNoiseMeasures.values(
            network: network, initial: self.network.filters, mu: mu, noise: noise, observed: observed)
        lastLine = values.line
        lastFilters = network.filters
        lastBiases = network.biases
        let s = FilterSnapshot(network: network, basis: basis)
        var fields = MeasurementFamilies.fields(of: values.line)
        if LocalSignalMeasures.records(config), let test = testSet as? PatchBatch {
            let local = LocalSignalMeasures.line(network: network, direction: basis.pattern(0), test: test)
            lastLocal = local
            fields.merge(MeasurementFamilies.fields(of: local)) { a, _ in a }
        }
        fields.merge(MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: s.norms))) { a, _ in a }
        return (fields, config.evaluation.filterDynamics ? FiltersLine(step: step, s) : nil)
    }

    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
    {
        var fields = MeasurementFamilies.fields(of: lastLine!)
        if let lastLocal { fields.merge(MeasurementFamilies.fields(of: lastLocal)) { a, _ in a } }
        return fields
    }
}
