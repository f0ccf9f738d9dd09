import Foundation
import Tensors
import Datasets
import Networks
import Training
import Analysis

/// One training run with its measurements: builds data and network from a config, trains, and
/// records every evaluation into an optional run directory.
public struct Experiment: Sendable {
    public let config: ExperimentConfig

    /// Validates `config`; throws a `ConfigurationError` naming the bad field.
    public init(_ config: ExperimentConfig) throws {
        try config.validate()
        self.config = config
    }

    /// Called with (step, total steps) every 1/200 of the budget.
    public typealias Progress = (_ step: Int, _ total: Int) -> Void

    /// Trains and measures. With a directory, writes config, provenance, metrics and filter
    /// dynamics as it goes and `summary.json` last.
    @discardableResult
    public func run(in directory: RunDirectory? = nil, progress: Progress? = nil) throws -> RunSummary {
        let c = config
        let seed = UInt64(c.seed)
        var patternRNG = RandomStream(seed: seed, purpose: .patterns)
        var initRNG = RandomStream(seed: seed, purpose: .initialization)
        var testRNG = RandomStream(seed: seed, purpose: .test)
        let trainRNG = RandomStream(seed: seed, purpose: .train)
        let shuffleRNG = RandomStream(seed: seed, purpose: .shuffle)

        let basis = PatternBasis(c.data, using: &patternRNG)
        var sampler = KeyPatternSampler(config: c.data, basis: basis)
        let roles = PatternRoles(basis: basis, config: c.data)
        let network = PatchCNN(config: c.network, inputDimension: c.data.D, using: &initRNG)
        let testSet = sampler.sample(c.data.nTest, using: &testRNG)
        let data: TrainingData
        if c.data.nTrain > 0 {
            var trainStream = trainRNG
            data = .fixed(sampler.sample(c.data.nTrain, using: &trainStream), shuffle: shuffleRNG)
        } else {
            data = .online(sampler, train: trainRNG)
        }
        let trainer = Trainer(network: network, config: c.training, data: data, dataConfig: c.data)
        let evaluator = Evaluator(network: network, patches: c.data.K)

        var provenance = Provenance.current()
        var metricsFile: LineWriter? = nil
        var filtersFile: LineWriter? = nil
        if let directory {
            try directory.writeAtomically("config.json", c.json.prettyText)
            try directory.writeAtomically("provenance.json", provenance.json.prettyText)
            metricsFile = try directory.lineWriter("metrics.jsonl")
            if c.evaluation.filterDynamics { filtersFile = try directory.lineWriter("filters.jsonl") }
        }

        let schedule = c.evaluation.schedule.steps(upTo: c.training.steps)
        var nextEvaluation = 0
        var snapshots: [(step: Int, snapshot: FilterSnapshot)] = []
        var records: [EvaluationRecord] = []
        var sinceLast = (loss: 0.0, correct: 0, count: 0)
        var status = "completed"
        var trainingSeconds = 0.0
        let progressEvery = max(1, c.training.steps / 200)

        func evaluate(at step: Int) throws {
            let net = trainer.network
            let test = evaluator.evaluate(net, on: testSet, loss: c.training.loss)
            var train: SetEvaluation
            if let set = data.fixedSet {
                train = evaluator.evaluate(net, on: set, loss: c.training.loss)
            } else {
                let n = Double(sinceLast.count)
                train = SetEvaluation(loss: sinceLast.count > 0 ? sinceLast.loss / n : .nan,
                                      accuracy: sinceLast.count > 0 ? Double(sinceLast.correct) / n : .nan,
                                      cleanLoss: .nan, cleanAccuracy: .nan, minMargin: .nan, maxMargin: .nan)
                sinceLast = (0, 0, 0)
            }
            let snapshot = FilterSnapshot(network: net, basis: basis)
            let keys = KeyMeasures(snapshot, roles: roles, theta: c.evaluation.theta)
            let record = EvaluationRecord(step: step, train: train, test: test, keys: keys, snapshot: snapshot)
            records.append(record)
            snapshots.append((step, snapshot))
            try metricsFile?.write(record.json.text)
            try filtersFile?.write(filterLine(step: step, snapshot))
        }

        try evaluate(at: 0)
        nextEvaluation = 1
        var step = 0
        while step < c.training.steps {
            let start = DispatchTime.now().uptimeNanoseconds
            let s = trainer.takeStep()
            trainingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            step += 1
            guard s.lossSum.isFinite else { status = "diverged"; break }
            sinceLast.loss += s.lossSum
            sinceLast.correct += s.correct
            sinceLast.count += s.count
            var stopEarly = false
            if c.training.stopAtMarginOne, let set = data.fixedSet {
                stopEarly = evaluator.evaluate(trainer.network, on: set, loss: c.training.loss).minMargin >= 1
            }
            if nextEvaluation < schedule.count && schedule[nextEvaluation] == step || stopEarly {
                try evaluate(at: step)
                nextEvaluation += 1
            }
            if let progress, step % progressEvery == 0 || step == c.training.steps { progress(step, c.training.steps) }
            if stopEarly { break }
        }

        let summary = makeSummary(status: status, steps: step, records: records, snapshots: snapshots, roles: roles)
        if let directory {
            provenance.endTime = Date()
            provenance.trainingSeconds = trainingSeconds
            provenance.stepsPerSecond = trainingSeconds > 0 ? Double(step) / trainingSeconds : nil
            try directory.writeAtomically("provenance.json", provenance.json.prettyText)
            try directory.writeAtomically("summary.json", summary.json.prettyText)
        }
        return summary
    }

    private func makeSummary(status: String, steps: Int, records: [EvaluationRecord],
                             snapshots: [(step: Int, snapshot: FilterSnapshot)], roles: PatternRoles) -> RunSummary {
        let last = records.last!
        let first = snapshots.first!.snapshot
        let final = snapshots.last!.snapshot
        let theta = config.evaluation.theta
        let key = last.keys.keyFilters
        let keySet = Set(key)
        // Growth over the second half of the evaluated steps, for the final key filters.
        let lastStep = snapshots.last!.step
        let mid = snapshots.first { $0.step * 2 >= lastStep }!.snapshot
        func ownKey(_ s: FilterSnapshot, _ j: Int) -> Double {
            (s.signs[j] > 0 ? roles.keyPos : roles.keyNeg).map { s.projection(j, $0) }.max()!
        }
        func maxCommon(_ s: FilterSnapshot, _ j: Int) -> Double { roles.common.map { abs(s.projection(j, $0)) }.max() ?? 0 }
        let keyGrowth = key.isEmpty ? .nan : key.map { ownKey(final, $0) - ownKey(mid, $0) }.reduce(0, +) / Double(key.count)
        let commonGrowth = key.isEmpty ? .nan : key.map { maxCommon(final, $0) - maxCommon(mid, $0) }.reduce(0, +) / Double(key.count)
        let others = (0..<final.M).filter { !keySet.contains($0) }
        let nonKeyGrowth = others.isEmpty ? .nan : others.map { first.norms[$0] > 0 ? final.norms[$0] / first.norms[$0] : .infinity }.max()!
        return RunSummary(
            status: status, preset: config.preset, seed: config.seed, steps: steps,
            testAccuracy: last.test.cleanAccuracy, testAccuracyNoisy: last.test.accuracy, testLoss: last.test.cleanLoss,
            trainAccuracy: last.train.accuracy, trainLoss: last.train.loss,
            stepsTo100: records.first { $0.test.cleanAccuracy == 1 }?.step,
            bestKeyCosine: last.keys.bestKeyCosine, keyShare: last.keys.keyShare, normRatio: last.keys.normRatio,
            keyMass: last.keys.keyMass, keyFilterCount: key.count,
            positiveKeyFilterCount: last.keys.positiveKeyFilters.count, negativeKeyFilterCount: last.keys.negativeKeyFilters.count,
            explorationAtInit: explorationCounts(first, roles: roles), keysLearned: learnedKeys(final, roles: roles, theta: theta),
            keyProjectionGrowth: keyGrowth, commonProjectionGrowth: commonGrowth, nonKeyNormGrowth: nonKeyGrowth,
            evaluations: records.count)
    }

    /// One line of `filters.jsonl`: step, norms [M], projections and cosines [M][P] as float32 text,
    /// and the read-out signs [M].
    func filterLine(step: Int, _ s: FilterSnapshot) -> String {
        var out = "{\"cosines\":["
        appendMatrix(s.cosines, rows: s.M, cols: s.P, to: &out)
        out += "],\"norms\":["
        appendMatrix(s.norms, rows: 1, cols: s.M, to: &out, nested: false)
        out += "],\"projections\":["
        appendMatrix(s.projections, rows: s.M, cols: s.P, to: &out)
        out += "],\"signs\":[" + s.signs.map(String.init).joined(separator: ",")
        out += "],\"step\":\(step)}"
        return out
    }

    private func appendMatrix(_ values: [Double], rows: Int, cols: Int, to out: inout String, nested: Bool = true) {
        for r in 0..<rows {
            if nested { out += r > 0 ? ",[" : "[" }
            for c in 0..<cols {
                if c > 0 { out += "," }
                let v = Float(values[r * cols + c])
                out += v.isFinite ? v.description : (v.isNaN ? "\"NaN\"" : (v > 0 ? "\"Infinity\"" : "\"-Infinity\""))
            }
            if nested { out += "]" }
        }
    }
}

/// The measurements of one evaluation: a line of `metrics.jsonl`.
struct EvaluationRecord {
    var step: Int
    var train: SetEvaluation
    var test: SetEvaluation
    var keys: KeyMeasures
    var snapshot: FilterSnapshot

    var json: JSONValue {
        let norms = snapshot.norms
        return .object([
            "step": .int(step),
            "trainLoss": .double(train.loss), "trainAccuracy": .double(train.accuracy),
            "trainMinMargin": .double(train.minMargin), "trainMaxMargin": .double(train.maxMargin),
            "testLoss": .double(test.cleanLoss), "testAccuracy": .double(test.cleanAccuracy),
            "testLossNoisy": .double(test.loss), "testAccuracyNoisy": .double(test.accuracy),
            "keyShare": .double(keys.keyShare), "normRatio": .double(keys.normRatio),
            "bestKeyCosine": .double(keys.bestKeyCosine), "keyMass": .double(keys.keyMass),
            "keyFilterCount": .int(keys.keyFilters.count),
            "positiveKeyFilters": .array(keys.positiveKeyFilters.map(JSONValue.int)),
            "negativeKeyFilters": .array(keys.negativeKeyFilters.map(JSONValue.int)),
            "keyProjection": .double(keys.keyProjection), "maxCommonProjection": .double(keys.maxCommonProjection),
            "meanFilterNorm": .double(norms.reduce(0, +) / Double(max(norms.count, 1))),
            "maxFilterNorm": .double(norms.max() ?? 0),
        ])
    }
}
