import Analysis
import Datasets
import Networks
import Tensors
import Training

/// Key-pattern data (SPEC §1, `labelModel: key`) measured against its patterns (SPEC §3 items 2–7).
/// With `architecture: fc` the network is the CNN on the examples flattened to one patch of
/// dimension K·D (the same sampled data), and only the filter norms are measured.
struct KeyPatternTask: ExperimentTask {
    let config: ExperimentConfig
    let network: PatchCNN
    let trainingData: TrainingData
    let testSet: any ExampleSet
    let basis: PatternBasis
    let roles: PatternRoles
    /// The training set's pattern counts (PSI, `PatternStatistics`); nil for online streams and
    /// the fully-connected baseline.
    let patternCounts: PatternStatistics.PatternCounts?
    /// True for the fully-connected baseline.
    var isFC: Bool { config.network.architecture == .fc }
    var K: Int { isFC ? 1 : config.data.K }
    var D: Int { isFC ? config.data.K * config.data.D : config.data.D }
    /// The fully-connected baseline writes no filters.jsonl: its K·D-dimensional filters have no
    /// pattern cosines or projections (its norms are in metrics.jsonl).
    var recordsFilters: Bool { !isFC }
    var keysPerExample: Int { config.data.keysPerExample }
    var snapshots: [(step: Int, snapshot: FilterSnapshot)] = []
    var lastKeys: KeyMeasures? = nil
    /// The last routing accuracy and the routers it was measured with (frozen while the experts
    /// train, so it is computed once).
    var lastRouting: (routers: [Float], accuracy: Double)? = nil
    /// Seconds of router pre-training (pMoE); nil without a router or a fixed training set.
    let pretrainingSeconds: Double?

    static func handles(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .key
    }

    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) -> Self {
        Self(config)
    }

    init(_ c: ExperimentConfig) {
        config = c
        var streams = RunStreams(seed: c.seed)
        basis = PatternBasis(c.data, using: &streams.patterns)
        var sampler = KeyPatternSampler(config: c.data, basis: basis)
        roles = PatternRoles(basis: basis, config: c.data)
        let fc = c.network.architecture == .fc
        var network = PatchCNN(
            config: c.network, inputDimension: fc ? c.data.K * c.data.D : c.data.D, using: &streams.initialization)
        network.drawRouters(using: &streams.router)
        let test = sampler.sample(c.data.nTest, using: &streams.test)
        testSet = fc ? test.flattened() : test
        if c.data.nTrain > 0 {
            let train = sampler.sample(c.data.nTrain, using: &streams.train)
            // pMoE: the routers are pre-trained on the training set before the experts train.
            let time = ContinuousClock().measure { RouterPretraining.pretrain(&network, on: train) }
            pretrainingSeconds =
                c.network.router == nil
                ? nil : Double(time.components.seconds) + Double(time.components.attoseconds) * 1e-18
            patternCounts = fc ? nil : PatternStatistics.PatternCounts(train, patterns: basis.P)
            trainingData = .fixed(fc ? train.flattened() : train, shuffle: streams.shuffle)
        } else {
            patternCounts = nil
            pretrainingSeconds = nil
            trainingData = .online(
                fc
                    ? FlattenedSampler(sampler, K: c.data.K, D: c.data.D, keysPerExample: c.data.keysPerExample)
                    : sampler,
                train: streams.train)
        }
        self.network = network
    }

    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    ) {
        if isFC {
            let norms = FilterNormMeasures.norms(of: network)
            return (MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: norms)), nil)
        }
        let snapshot = FilterSnapshot(network: network, basis: basis)
        let keys = KeyMeasures(snapshot, roles: roles, theta: config.evaluation.theta)
        snapshots.append((step, snapshot))
        lastKeys = keys
        var fields = MeasurementFamilies.fields(of: KeyPatternMeasures.Line(keys))
        fields.merge(MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: snapshot.norms))) { a, _ in a }
        if let patternCounts {
            let psi = PatternStatistics.line(snapshot, counts: patternCounts, common: roles.common)
            fields.merge(MeasurementFamilies.fields(of: psi)) { a, _ in a }
        }
        if config.network.router != nil, let test = testSet as? PatchBatch {
            if lastRouting?.routers != network.routers {
                lastRouting = (network.routers, RoutingMeasures.routingAccuracy(network: network, test: test))
            }
            fields.merge(MeasurementFamilies.fields(of: RoutingMeasures.Line(routingAccuracy: lastRouting!.accuracy))) {
                a, _ in a
            }
        }
        return (fields, config.evaluation.filterDynamics ? FiltersLine(step: step, snapshot) : nil)
    }

    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
    {
        if isFC { return [:] }
        let last = lastKeys!
        let first = snapshots.first!.snapshot
        let final = snapshots.last!.snapshot
        let key = last.keyFilters
        let keySet = Set(key)
        // Growth over the second half of the evaluated steps, for the final key filters.
        let lastStep = snapshots.last!.step
        let mid = snapshots.first { $0.step * 2 >= lastStep }!.snapshot
        let roles = self.roles
        func ownKey(_ s: FilterSnapshot, _ j: Int) -> Double {
            (s.signs[j] > 0 ? roles.keyPos : roles.keyNeg).map { s.projection(j, $0) }.max()!
        }
        func maxCommon(_ s: FilterSnapshot, _ j: Int) -> Double {
            roles.common.map { abs(s.projection(j, $0)) }.max() ?? 0
        }
        let keyGrowth =
            key.isEmpty ? .nan : key.map { ownKey(final, $0) - ownKey(mid, $0) }.reduce(0, +) / Double(key.count)
        let commonGrowth =
            key.isEmpty ? .nan : key.map { maxCommon(final, $0) - maxCommon(mid, $0) }.reduce(0, +) / Double(key.count)
        let others = (0..<final.M).filter { !keySet.contains($0) }
        let growths = others.map { first.norms[$0] > 0 ? final.norms[$0] / first.norms[$0] : .infinity }.sorted()
        let nonKeyGrowth = growths.last ?? .nan
        let nonKeyGrowthMedian = median(growths)
        let summary = KeySummary(
            bestKeyCosine: last.bestKeyCosine, keyShare: last.keyShare, normRatio: last.normRatio,
            keyMass: last.keyMass,
            keyFilterCount: key.count, positiveKeyFilterCount: last.positiveKeyFilters.count,
            negativeKeyFilterCount: last.negativeKeyFilters.count,
            explorationAtInit: explorationCounts(first, roles: roles),
            keysLearned: learnedKeys(final, roles: roles, theta: config.evaluation.theta),
            keyProjectionGrowth: keyGrowth, commonProjectionGrowth: commonGrowth, nonKeyNormGrowth: nonKeyGrowth,
            nonKeyNormGrowthMedian: nonKeyGrowthMedian)
        var fields = MeasurementFamilies.fields(of: summary)
        if let patternCounts {
            let psi = PatternStatistics.Summary(final, counts: patternCounts, common: roles.common)
            fields.merge(MeasurementFamilies.fields(of: psi)) { a, _ in a }
        }
        if let routing = lastRouting {
            fields.merge(MeasurementFamilies.fields(of: RoutingMeasures.Line(routingAccuracy: routing.accuracy))) {
                a, _ in a
            }
        }
        return fields
    }
}
