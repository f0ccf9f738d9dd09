import Analysis
import Datasets
import Networks
import Tensors
import Training

/// Quadratic teacher–student regression (SPEC §1, `labelModel: gaussianTeacher`; Tan & Chen 2021)
/// measured by `QuadraticMeasures`: the conserved I_j = ‖w_j‖² − 2a_j², the alignment of the
/// filters with the teacher's span, and the plateaus of the learning curve. The teacher directions
/// come from the patterns stream, the test set (`nTest` examples) from the test stream, and the
/// training examples from the train stream (online) or, with nTrain > 0, a fixed set reshuffled
/// each epoch. filters.jsonl projects the filters on the R teacher directions u_r.
struct QuadraticTask: ExperimentTask {
    let config: ExperimentConfig
    let network: PatchCNN
    let trainingData: TrainingData
    let testSet: any ExampleSet
    /// The teacher directions U [R × D] (orthonormal rows, Double).
    let teacher: [Double]
    /// The teacher directions as R patterns (filters.jsonl).
    let basis: PatternBasis
    var K: Int { 1 }
    var D: Int { config.data.D }
    var keysPerExample: Int { 1 }
    /// The evaluated steps and test losses so far.
    private var curve: (steps: [Int], losses: [Double]) = ([], [])
    private var lines: [QuadraticMeasures.Line] = []

    static func handles(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .gaussianTeacher
    }

    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) -> Self {
        Self(config)
    }

    init(_ c: ExperimentConfig) {
        config = c
        var streams = RunStreams(seed: c.seed)
        var sampler = GaussianTeacherSampler(config: c.data, using: &streams.patterns)
        teacher = sampler.teacher
        basis = sampler.teacherBasis
        network = PatchCNN(config: c.network, inputDimension: c.data.D, using: &streams.initialization)
        testSet = sampler.sample(c.data.nTest, using: &streams.test)
        if c.data.nTrain > 0 {
            trainingData = .fixed(sampler.sample(c.data.nTrain, using: &streams.train), shuffle: streams.shuffle)
        } else {
            trainingData = .online(sampler, train: streams.train)
        }
    }

    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    ) {
        // The test loss of this evaluation, computed again here (a forward pass over the test set)
        // so that the family does not depend on the order of the common record's fields.
        let evaluator = Evaluator(network: network, patches: 1, dimension: D)
        let loss = evaluator.evaluate(network, on: testSet, loss: config.training.loss).loss
        curve.steps.append(step)
        curve.losses.append(loss)
        let line = QuadraticMeasures.line(
            network: network, initial: self.network, teacher: teacher, lossRatio: loss / curve.losses[0])
        lines.append(line)
        var fields = MeasurementFamilies.fields(of: line)
        let s = FilterSnapshot(network: network, basis: basis)
        fields.merge(MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: s.norms))) { a, _ in a }
        return (fields, config.evaluation.filterDynamics ? FiltersLine(step: step, s) : nil)
    }

    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
    {
        let last = lines.last!
        let first = lines.first!
        let plateaus = QuadraticMeasures.plateaus(steps: curve.steps, losses: curve.losses)
        let drop = QuadraticMeasures.firstDrop(steps: curve.steps, losses: curve.losses)
        let summary = QuadraticMeasures.Summary(
            invariantDriftMax: lines.map(\.invariantDriftScaled).max()!,
            invariantDriftRelativeMax: lines.map(\.invariantDrift).max()!,
            normChange: last.normChange, meanAlignment: last.meanAlignment, testLossRatio: last.testLossRatio,
            initialInvariantMax: first.invariants.max() ?? .nan,
            readoutSignChanges: zip(first.readoutWeights, last.readoutWeights).filter { ($0 < 0) != ($1 < 0) }.count,
            firstDropStep: drop, plateaus: plateaus,
            plateauBeforeDrop: QuadraticMeasures.plateauBeforeDrop(plateaus, drop: drop))
        return MeasurementFamilies.fields(of: summary)
    }
}
