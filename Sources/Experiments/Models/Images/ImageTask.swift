import Analysis
import Datasets
import Foundation
import Networks
import Tensors
import Training

/// Real images cut into patches (SPEC §6) with the image measurements (SPEC §3 item 14).
struct ImageTask: ExperimentTask {
    let config: ExperimentConfig
    let images: ImageDataConfig
    let network: PatchCNN
    let trainingData: TrainingData
    let train: ImageSet
    let test: ImageSet
    var testSet: any ExampleSet { test }
    var K: Int { train.K }
    var D: Int { train.D }
    var keysPerExample: Int { 1 }
    static var topKs: [Int] { ImageMeasures.topKs }

    static func handles(_ config: ExperimentConfig) -> Bool { config.images != nil }

    static func make(_ config: ExperimentConfig, images: (train: ImageSet, test: ImageSet)?) throws -> Self {
        try Self(config, loaded: images)
    }

    init(_ c: ExperimentConfig, loaded: (train: ImageSet, test: ImageSet)?) throws {
        config = c
        images = c.images!
        (train, test) = try loaded ?? ImageLoader.load(images)
        // The config was checked against the standard dataset's image size; a directory of
        // MNIST-format files may hold larger images, so check again with the real sizes.
        try c.checkLimits(
            loaded: .init(
                height: train.height, width: train.width, channels: train.channels, train: train.count,
                test: test.count))
        if c.training.batchSize > train.count {
            throw ConfigurationError(
                field: "training.batchSize", value: "\(c.training.batchSize)",
                allowed: "must be ≤ the \(train.count) training images")
        }
        let g = c.network.pooling.grid
        if g > min(train.outputHeight, train.outputWidth) {
            throw ConfigurationError(
                field: "network.pooling", value: c.network.pooling.text,
                allowed:
                    "a \(g)×\(g) grid needs at least \(g) patch positions per side; "
                    + "there are \(train.outputHeight)×\(train.outputWidth)"
            )
        }
        let regions = g > 1 ? PoolingRegions(count: g * g, of: train.gridRegions(g)) : .global
        var initRNG = RandomStream(seed: UInt64(c.seed), purpose: .initialization)
        network = PatchCNN(
            config: c.network, inputDimension: train.D, outputs: c.outputs, regions: regions, using: &initRNG)
        trainingData = .fixed(train, shuffle: RandomStream(seed: UInt64(c.seed), purpose: .shuffle))
    }

    mutating func measure(step: Int, network: PatchCNN, directory: RunDirectory?) throws -> (
        fields: [String: JSONValue], filters: FiltersLine?
    ) {
        let norms = FilterNormMeasures.norms(of: network)
        var fields = MeasurementFamilies.fields(of: ImageMeasures.Line(norms: norms))
        fields.merge(MeasurementFamilies.fields(of: FilterNormMeasures.Line(norms: norms))) { a, _ in a }
        guard config.evaluation.filterDynamics else { return (fields, nil) }
        // A diverged network (a non-finite norm) gets no picture: the run ends at this step.
        if let directory, norms.allSatisfy(\.isFinite) {
            let order = norms.indices.sorted { norms[$0] > norms[$1] }
            try FileManager.default.createDirectory(
                atPath: directory.file("filters"), withIntermediateDirectories: true)
            try filterGrid(
                network.filters, D: network.D, patchSize: images.patchSize, channels: train.channels, order: order
            )
            .write(to: directory.file(String(format: "filters/step-%07d.png", step)))
        }
        let D = network.D
        let weights = (0..<network.M).map { j in network.filters[(j * D)..<((j + 1) * D)].map(Double.init) }
        return (fields, FiltersLine(step: step, norms: norms, weights: weights))
    }

    mutating func finish(network: PatchCNN, evaluator: Evaluator, directory: RunDirectory?) throws -> [String:
        JSONValue]
    {
        let M = network.M
        let G = network.regions.count
        let F = G * M
        // One pass over the test set: pooled features, and the strongest patch activations of the
        // four largest filters.
        let norms = FilterNormMeasures.norms(of: network)
        let order = norms.indices.sorted { norms[$0] > norms[$1] }
        let watched = Array(order.prefix(4))
        var features = [Float](repeating: 0, count: test.count * F)
        var best = [[(value: Float, image: Int, position: Int)]](repeating: [], count: watched.count)
        let K = test.K
        evaluator.forEachChunk(network, on: test) { start, n, ws in
            for i in 0..<(n * F) { features[start * F + i] = ws.pooled[i] }
            let scores = ws.scores
            do {
                for (w, j) in watched.enumerated() {
                    var list = best[w]
                    for e in 0..<n {
                        for i in 0..<K {
                            let v = scores[(e * K + i) * M + j]
                            if list.count < 9 || v > list[list.count - 1].value {
                                list.append((v, start + e, i))
                                list.sort { $0.value > $1.value }
                                if list.count > 9 { list.removeLast() }
                            }
                        }
                    }
                    best[w] = list
                }
            }
        }
        let pooled = PooledFeatures(count: test.count, G: G, M: M, values: features, labels: test.labels)
        var rng = RandomStream(seed: UInt64(config.seed), purpose: .evaluation)
        var ablation: [Int: FilterAblation] = [:]
        var scratch: [Int] = []
        for k in Self.topKs where k < M {
            let draws = (0..<10).map { _ in
                pooled.accuracy(of: network, keeping: Array(rng.distinctIndices(k, below: M, scratch: &scratch)))
            }
            let mean = draws.reduce(0, +) / 10
            let std = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 9).squareRoot()
            ablation[k] = FilterAblation(
                top: pooled.accuracy(of: network, keeping: Array(order.prefix(k))), random: mean,
                randomStd: std, bottom: pooled.accuracy(of: network, keeping: Array(order.suffix(k))))
        }
        if let directory {
            try writeSelectivity(pooled, order: order, into: directory)
            try writeTopPatches(best, watched: watched, into: directory)
        }
        var shares: [Int: Double] = [:]
        for k in Self.topKs where k < M { shares[k] = NormConcentration.topShare(norms, k: k) }
        return MeasurementFamilies.fields(
            of: ImageSummary(topShare: shares, gini: NormConcentration.gini(norms), filterCount: M, ablation: ablation))
    }

    /// `selectivity.json`: per filter (by norm rank), its class means and selectivity index.
    func writeSelectivity(_ pooled: PooledFeatures, order: [Int], into directory: RunDirectory) throws {
        let classes: [Int32] = config.outputs == 1 ? [1, -1] : (0..<Int32(config.outputs)).map { $0 }
        let means = pooled.classMeans(classes: classes)
        let names = images.classes.isEmpty ? (0..<10).map(String.init) : images.classes.map(String.init)
        let filters: [JSONValue] = order.map { j in
            .object([
                "filter": .int(j), "classMeans": .array(means[j].map(JSONValue.double)),
                "selectivity": .double(PooledFeatures.selectivity(means[j])),
            ])
        }
        let json: JSONValue = .object([
            "classes": .array(names.map(JSONValue.string)), "filtersByNorm": .array(filters),
            "definition": .string(
                "classMeans[c] = mean over test images of class c of the filter's pooled activation "
                    + "(mean over regions); selectivity = (max − mean of others) / (max + mean of others)"
            ),
        ])
        try directory.writeAtomically("selectivity.json", json.prettyText)
    }

    /// `top-patches.json` and `top-patches.png`: the nine test patches that excite each of the
    /// four largest filters most (row: filter as a picture, then its patches).
    func writeTopPatches(
        _ best: [[(value: Float, image: Int, position: Int)]], watched: [Int], into directory: RunDirectory
    ) throws {
        let r = images.patchSize
        let ch = train.channels
        let cell = 6
        let tile = r * cell
        let gap = 3
        var picture = Picture(
            width: 10 * (tile + gap) + gap + 6, height: watched.count * (tile + gap) + gap, channels: ch == 3 ? 3 : 1)
        var rows: [JSONValue] = []
        var buffer = PatchBatch(count: 1, K: test.K, D: test.D, keysPerExample: 1)
        for (w, j) in watched.enumerated() {
            let filter = Array(network.filters[(j * test.D)..<((j + 1) * test.D)])
            let scale = max(filter.map(abs).max() ?? 1, 1e-12)
            picture.drawTile(
                filter.map { $0 / scale }, rows: r, cols: r, valueChannels: ch, at: gap, gap + w * (tile + gap),
                cell: cell)
            var entries: [JSONValue] = []
            for (p, hit) in best[w].enumerated() {
                test.fill(&buffer, with: [hit.image][...])
                let patch = Array(buffer.x[(hit.position * test.D)..<((hit.position + 1) * test.D)])
                let lo = patch.min() ?? 0
                let hi = patch.max() ?? 1
                let shown = patch.map { hi > lo ? 2 * ($0 - lo) / (hi - lo) - 1 : 0 }
                picture.drawTile(
                    shown, rows: r, cols: r, valueChannels: ch, at: gap + 6 + (p + 1) * (tile + gap),
                    gap + w * (tile + gap), cell: cell)
                entries.append(
                    .object([
                        "image": .int(hit.image), "row": .int(hit.position / test.outputWidth * test.stride),
                        "column": .int(hit.position % test.outputWidth * test.stride),
                        "label": .int(Int(test.labels[hit.image])), "activation": .double(Double(hit.value)),
                    ]))
            }
            rows.append(.object(["filter": .int(j), "patches": .array(entries)]))
        }
        try picture.write(to: directory.file("top-patches.png"))
        try directory.writeAtomically("top-patches.json", JSONValue.object(["filters": .array(rows)]).prettyText)
    }
}
