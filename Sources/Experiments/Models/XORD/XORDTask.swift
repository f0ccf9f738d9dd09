import Analysis
import Datasets
import Networks
import Tensors
import Training

/// XOR detection data (SPEC §1, `labelModel: xord`; Brutzkus & Globerson 2019) measured by
/// `XORDMeasures`: detection of the four xor2 patterns and the error on diverse and unrestricted
/// test points. The test stream draws `nTest` points of the training distribution (diverse when
/// `diverseOnly`) — the run's main test set — then `nTest` of the other kind.
struct XORDTask: ExperimentTask {
    let config: ExperimentConfig
    let network: PatchCNN
    let trainingData: TrainingData
    let testSet: any ExampleSet
    let diverseTest: PatchBatch
    let unrestrictedTest: PatchBatch
    let basis: PatternBasis
    var K: Int { config.data.K }
    var D: Int { config.data.D }
    var keysPerExample: Int { config.data.keysPerExample }
    private let evaluator: Evaluator
    private var lastLine: XORDMeasures.Line? = nil
    private var lastSnapshot: FilterSnapshot? = nil

    static func handles(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .xord
    }

    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) -> Self {
        Self(config)
    }

    init(_ c: ExperimentConfig) {
        config = c
        var streams = RunStreams(seed: c.seed)
        basis = PatternBasis(c.data, using: &streams.patterns)
        var sampler = XORDSampler(config: c.data)
        var other = XORDSampler(config: c.data, diverse: !c.data.diverseOnly)
        network = PatchCNN(config: c.network, inputDimension: c.data.D, using: &streams.initialization)
        let main = sampler.sample(c.data.nTest, using: &streams.test)
        let second = other.sample(c.data.nTest, using: &streams.test)
        diverseTest = c.data.diverseOnly ? main : second
        unrestrictedTest = c.data.diverseOnly ? second : main
        testSet = main
        if c.data.nTrain > 0 {
            trainingData = .fixed(
                sampler.sample(c.data.nTrain, using: &streams.train), shuffle: streams.shuffle)
        } else {
            trainingData = .online(sampler, train: streams.train)
        }
        evaluator = Evaluator(network: network, patches: c.data.K, dimension: c.data.D)
    }

    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    ) {
        let s = FilterSnapshot(network: network, basis: basis)
        let detected = XORDMeasures.detected(s, theta: config.evaluation.theta)
        let loss = config.training.loss
        let line = XORDMeasures.Line(
            diverseTestError: 1 - evaluator.evaluate(network, on: diverseTest, loss: loss).cleanAccuracy,
            unrestrictedTestError: 1 - evaluator.evaluate(network, on: unrestrictedTest, loss: loss).cleanAccuracy,
            positivePatternsDetected: detected[0..<2].filter { $0 }.count,
            negativePatternsDetected: detected[2..<4].filter { $0 }.count)
        lastLine = line
        lastSnapshot = s
        var fields = MeasurementFamilies.fields(of: line)
        fields.merge(MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: s.norms))) { a, _ in a }
        return (fields, config.evaluation.filterDynamics ? FiltersLine(step: step, s) : nil)
    }

    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
    {
        let line = lastLine!
        let s = lastSnapshot!
        let detected = XORDMeasures.detected(s, theta: config.evaluation.theta)
        func byPattern<T>(_ values: [T]) -> [Int: T] {
            Dictionary(uniqueKeysWithValues: values.enumerated().map { ($0.offset, $0.element) })
        }
        let summary = XORDSummary(
            diverseTestError: line.diverseTestError, unrestrictedTestError: line.unrestrictedTestError,
            patternDetected: byPattern(detected),
            positivePatternsDetected: line.positivePatternsDetected,
            negativePatternsDetected: line.negativePatternsDetected,
            bothPositiveDetected: detected[0] && detected[1],
            positiveFilterClusters: byPattern(XORDMeasures.clusterSizes(s, sign: 1)),
            negativeFilterClusters: byPattern(XORDMeasures.clusterSizes(s, sign: -1)))
        return MeasurementFamilies.fields(of: summary)
    }
}
