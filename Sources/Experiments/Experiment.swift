import Analysis
import Datasets
import Foundation
import Networks
import Tensors
import Training

/// One training run with its measurements: builds data and network from a config, trains, and
/// records every evaluation into an optional run directory.
public struct Experiment: Sendable {
    /// The validated config this experiment trains.
    public let config: ExperimentConfig

    /// Validates `config`; throws a `ConfigurationError` naming the bad field.
    public init(_ config: ExperimentConfig) throws {
        try config.validate()
        self.config = config
    }

    /// Called with (step, total steps) every 1/200 of the budget.
    public typealias Progress = (_ step: Int, _ total: Int) -> Void

    /// Loads or draws the data and builds the network; throws on unreadable data, before anything
    /// is written.
    public func prepare() throws -> PreparedExperiment {
        try PreparedExperiment(config)
    }

    /// Prepares, trains and measures (see `PreparedExperiment.run`).
    @discardableResult
    public func run(in directory: RunDirectory? = nil, threads: Int = 1, progress: Progress? = nil) throws -> RunSummary
    {
        try prepare().run(in: directory, threads: threads, progress: progress)
    }
}

/// A data model of SPEC §1 with its network and measurements: what differs between experiments.
/// Each model is one type registered in `DataModels.all`.
protocol ExperimentTask {
    /// Whether this model builds the runs of `config`.
    static func handles(_ config: ExperimentConfig) -> Bool
    /// Draws or loads the data and builds the network; image sets already loaded can be shared.
    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) throws -> Self

    var network: PatchCNN { get }
    var trainingData: TrainingData { get }
    var testSet: any ExampleSet { get }
    var K: Int { get }
    var D: Int { get }
    var keysPerExample: Int { get }
    /// Whether the run writes `filters.jsonl` when `evaluation.filterDynamics` is on.
    var recordsFilters: Bool { get }
    /// Seconds spent pre-training (pMoE's routers) while the task was made; nil when nothing is.
    var pretrainingSeconds: Double? { get }
    /// The families' fields at one evaluation (merged into the metrics.jsonl line) and its
    /// filters.jsonl line.
    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    )
    /// The families' summary fields; may write further files.
    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
}

extension ExperimentTask {
    /// True: a model writes filter dynamics unless it says otherwise.
    var recordsFilters: Bool { true }
    /// Nil: a model pre-trains nothing unless it says otherwise.
    var pretrainingSeconds: Double? { nil }
}

/// A run's random streams (SPEC §4), one per purpose, derived from its seed: the same config and
/// seed draw the same patterns, initial weights, test set and training examples whatever else changes.
struct RunStreams {
    var patterns: RandomStream
    var initialization: RandomStream
    var test: RandomStream
    var train: RandomStream
    let shuffle: RandomStream
    /// The initial router vectors (pMoE); drawn from only by routed networks.
    var router: RandomStream

    init(seed: Int) {
        let s = UInt64(seed)
        patterns = RandomStream(seed: s, purpose: .patterns)
        initialization = RandomStream(seed: s, purpose: .initialization)
        test = RandomStream(seed: s, purpose: .test)
        train = RandomStream(seed: s, purpose: .train)
        shuffle = RandomStream(seed: s, purpose: .shuffle)
        router = RandomStream(seed: s, purpose: .router)
    }
}

/// The registry of data models: the first whose `handles` accepts a config builds its runs.
enum DataModels {
    static var all: [any ExperimentTask.Type] {
        [ImageTask.self, KeyPatternTask.self, XORDTask.self, SignalNoiseTask.self, QuadraticTask.self]
    }

    static func task(
        for config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?
    ) throws -> any ExperimentTask {
        guard let model = all.first(where: { $0.handles(config) }) else {
            throw ConfigurationError(
                field: "data.labelModel", value: config.data.labelModel.rawValue,
                allowed: "no data model is implemented for it yet")
        }
        return try model.make(config, images: images)
    }
}

/// An experiment whose data and network exist, ready to train.
public final class PreparedExperiment {
    /// The validated config whose data and network were built.
    public let config: ExperimentConfig
    var task: any ExperimentTask
    /// Seconds spent in SGD steps (data for the step included, evaluations excluded) by the last run.
    public private(set) var lastTrainingSeconds = 0.0
    /// When preparation began: the first run's provenance starts here, so that its times include
    /// building the data and pre-training.
    private var preparedAt: Date?

    /// Builds the data and network of `config` (validated by `Experiment`); image sets already
    /// loaded for the same `images` section can be passed in and are shared, not copied.
    public init(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)? = nil) throws {
        preparedAt = Date()
        try config.validate()
        self.config = config
        task = try DataModels.task(for: config, images: images)
    }

    /// Seconds spent pre-training while preparing (pMoE's routers, before the experts train; not
    /// part of `lastTrainingSeconds`); nil when the model pre-trains nothing.
    public var pretrainingSeconds: Double? { task.pretrainingSeconds }

    /// Trains and measures on up to `threads` threads (large batches and evaluations are split
    /// into fixed chunks, so the results are the same for any number of threads). With a
    /// directory, writes config, provenance, metrics and filter dynamics as it goes and
    /// `summary.json` last.
    @discardableResult
    public func run(in directory: RunDirectory? = nil, threads: Int = 1, progress: Experiment.Progress? = nil) throws
        -> RunSummary
    {
        let c = config
        let trainer = Trainer(
            network: task.network, config: c.training, data: task.trainingData, K: task.K, D: task.D,
            keysPerExample: task.keysPerExample, threads: threads)
        let evaluator = Evaluator(network: task.network, patches: task.K, dimension: task.D, threads: threads)
        let testSet = task.testSet
        let fullTrain = c.evaluation.fullTrainSet ? task.trainingData.fixedSet : nil

        var provenance = Provenance.current()
        if let preparedAt {
            provenance.startTime = preparedAt
            self.preparedAt = nil
        }
        provenance.pretrainingSeconds = task.pretrainingSeconds
        var metricsFile: LineWriter? = nil
        var filtersFile: LineWriter? = nil
        if let directory {
            try directory.writeAtomically("config.json", c.json.prettyText)
            try directory.writeAtomically("provenance.json", provenance.json.prettyText)
            metricsFile = try directory.lineWriter("metrics.jsonl")
            if c.evaluation.filterDynamics && task.recordsFilters {
                filtersFile = try directory.lineWriter("filters.jsonl")
            }
        }

        // A regression model has no labels: no accuracies or margins (null in the records).
        let regression = c.images == nil && c.data.labelModel.isRegression
        let schedule = c.evaluation.schedule.steps(upTo: c.training.steps)
        var nextEvaluation = 1
        var records: [(step: Int, train: SetEvaluation, test: SetEvaluation)] = []
        var sinceLast = (loss: 0.0, correct: 0, count: 0)
        var status = RunStatus.completed
        var trainingSeconds = 0.0
        let progressEvery = max(1, c.training.steps / 200)
        let epochSteps =
            task.trainingData.fixedSet.map { ($0.count + c.training.batchSize - 1) / c.training.batchSize } ?? 1

        // The network at the last evaluation written: a diverged run's closing measures are taken
        // from it, so that no non-finite value is written as a figure.
        var lastGood = trainer.network

        /// Measures the network at `step` and writes its lines; returns false, writing nothing, when
        /// a loss, a norm or a measurement is not finite (the run diverged at `step`).
        func evaluate(at step: Int) throws -> Bool {
            let net = trainer.network
            let test = evaluator.evaluate(net, on: testSet, loss: c.training.loss)
            var train: SetEvaluation
            if let set = fullTrain {
                train = evaluator.evaluate(net, on: set, loss: c.training.loss)
            } else {
                let n = Double(sinceLast.count)
                train = SetEvaluation(
                    loss: sinceLast.count > 0 ? sinceLast.loss / n : .nan,
                    accuracy: sinceLast.count > 0 && !regression ? Double(sinceLast.correct) / n : .nan,
                    cleanLoss: .nan, cleanAccuracy: .nan, minMargin: .nan, maxMargin: .nan)
                sinceLast = (0, 0, 0)
            }
            // The stream's train loss is NaN by design when no example was seen since the last
            // evaluation; the test losses and a fixed set's train loss are always figures.
            guard test.cleanLoss.isFinite, test.loss.isFinite, !train.loss.isInfinite,
                fullTrain == nil || train.loss.isFinite
            else { return false }
            let (fields, filters) = try task.measure(
                step: step, network: net, directory: c.evaluation.filterDynamics ? directory : nil)
            let record = EvaluationRecord(
                step: step, train: (train.loss, train.accuracy, train.minMargin, train.maxMargin),
                test: (test.cleanLoss, test.cleanAccuracy, test.loss, test.accuracy), regression: regression)
            var line = MeasurementFamilies.fields(of: record)
            line.merge(fields) { a, _ in a }
            let filtersLine = try filters.map { try JSONValue(encoding: $0) }
            // NaN marks a figure that is undefined (no key filter yet, say); an infinity, or a NaN
            // norm, only comes from a diverged network.
            guard !JSONValue.object(line).holdsInfinity, filtersLine?.holdsInfinity != true,
                filters?.norms.allSatisfy(\.isFinite) != false,
                [CommonFigures.maxFilterNorm, CommonFigures.meanFilterNorm].allSatisfy({
                    line[$0.field]?.doubleValue?.isNaN != true
                })
            else { return false }
            records.append((step, train, test))
            lastGood = net
            try metricsFile?.write(JSONValue.object(line).text)
            if let filtersLine { try filtersFile?.write(filtersLine.text) }
            // Flushed to the disk at most once a second, and always before summary.json.
            try metricsFile?.synchronize(every: 1)
            try filtersFile?.synchronize(every: 1)
            return true
        }

        guard try evaluate(at: 0) else {
            throw OutputError(
                "the initial network of this config is not finite: a loss, weight or filter norm at step 0 is "
                    + "±∞ or NaN; lower the scale of network.init (e.g. gaussian(0.01)) or of the data so that every "
                    + "value fits in float32"
            )
        }
        var step = 0
        while step < c.training.steps {
            let start = DispatchTime.now().uptimeNanoseconds
            let s = trainer.takeStep()
            // Diverged: a non-finite loss before this step's update, or a non-finite parameter after
            // it (the check is part of the step's time).
            let finite = s.lossSum.isFinite && trainer.parametersAreFinite
            trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            step += 1
            guard finite else {
                status = .diverged
                break
            }
            sinceLast.loss += s.lossSum
            sinceLast.correct += s.correct
            sinceLast.count += s.count
            // Checked at the end of each epoch: once every margin is ≥ 1 every hinge step is zero, so
            // the weights are those of the first step where that held (see `stopAtMarginOne`).
            var stopEarly = false
            if c.training.stopAtMarginOne, let set = task.trainingData.fixedSet, step % epochSteps == 0 {
                stopEarly = evaluator.evaluate(trainer.network, on: set, loss: c.training.loss).minMargin >= 1
            }
            if nextEvaluation < schedule.count && schedule[nextEvaluation] == step || stopEarly {
                guard try evaluate(at: step) else {
                    status = .diverged
                    break
                }
                nextEvaluation += 1
            }
            if let progress, step % progressEvery == 0 || step == c.training.steps { progress(step, c.training.steps) }
            if stopEarly { break }
        }

        lastTrainingSeconds = trainingSeconds
        // A diverged run's closing measures are those of its last evaluation written.
        let measures = try task.finish(
            network: status == .diverged ? lastGood : trainer.network, evaluator: evaluator, directory: directory)
        let last = records.last!
        let summary = RunSummary(
            status: status, preset: c.preset, seed: c.seed, steps: step,
            testAccuracy: last.test.cleanAccuracy, testAccuracyNoisy: last.test.accuracy, testLoss: last.test.cleanLoss,
            trainAccuracy: last.train.accuracy, trainLoss: last.train.loss,
            stepsTo100: records.first { $0.test.cleanAccuracy == 1 }?.step, evaluations: records.count,
            measures: measures, regression: regression)
        if let directory {
            // Every line the summary refers to is on the disk before the summary is written.
            try metricsFile?.synchronize()
            try filtersFile?.synchronize()
            provenance.endTime = Date()
            provenance.trainingSeconds = trainingSeconds
            provenance.stepsPerSecond = trainingSeconds > 0 ? Double(step) / trainingSeconds : nil
            try directory.writeAtomically("provenance.json", provenance.json.prettyText)
            try directory.writeAtomically("summary.json", summary.json.prettyText)
        }
        return summary
    }
}

extension JSONValue {
    /// Whether any number in the value is ±∞ (written as a string that no reader takes as a figure).
    fileprivate var holdsInfinity: Bool {
        switch self {
        case .double(let d): d.isInfinite
        case .float(let f): f.isInfinite
        case .array(let a): a.contains { $0.holdsInfinity }
        case .object(let o): o.values.contains { $0.holdsInfinity }
        case .null, .bool, .int, .string: false
        }
    }
}
