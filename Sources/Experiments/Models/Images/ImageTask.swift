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
        // The filters in their index order, the same at every step, so that one can be followed.
        if let directory, norms.allSatisfy(\.isFinite) {
            let order = Array(norms.indices)
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
        let names = images.classNames
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

    /// `top-patches.json` and `top-patches.png`: the nine test windows that excite each of the
    /// four largest filters most. A row per filter: the filter as a picture (scaled by its largest
    /// |weight|, mid-grey 0), then the nine test images, each whole and contrast-stretched, with the
    /// window outlined in orange.
    func writeTopPatches(
        _ best: [[(value: Float, image: Int, position: Int)]], watched: [Int], into directory: RunDirectory
    ) throws {
        let (picture, json) = topPatches(best, watched: watched)
        try picture.write(to: directory.file("top-patches.png"))
        try directory.writeAtomically("top-patches.json", json.prettyText)
    }

    /// The picture (RGB) and JSON of `writeTopPatches`. Row w (from 0) shows the w-th watched filter
    /// at x = 4, then its p-th image (from 0) at x = 10 + (p + 1)(2·width + 4), y = 4 + w(2·height + 4),
    /// two pixels a pixel, the window's outline one pixel outside it.
    func topPatches(_ best: [[(value: Float, image: Int, position: Int)]], watched: [Int]) -> (
        picture: Picture, json: JSONValue
    ) {
        let r = images.patchSize
        let ch = test.channels
        let cell = 2
        let tileW = test.width * cell
        let tileH = test.height * cell
        let gap = 4
        let filterCell = max(1, min(tileW, tileH) / r)
        var picture = Picture(
            width: 10 * (tileW + gap) + gap + 6, height: watched.count * (tileH + gap) + gap, channels: 3)
        var rows: [JSONValue] = []
        let imageSize = ch * test.height * test.width
        for (w, j) in watched.enumerated() {
            let y0 = gap + w * (tileH + gap)
            let filter = Array(network.filters[(j * test.D)..<((j + 1) * test.D)])
            let scale = max(filter.map(abs).max() ?? 1, 1e-12)
            picture.drawTile(
                filter.map { $0 / scale }, rows: r, cols: r, valueChannels: ch, at: gap, y0, cell: filterCell)
            var entries: [JSONValue] = []
            for (p, hit) in best[w].enumerated() {
                let pixels = test.pixels[(hit.image * imageSize)..<((hit.image + 1) * imageSize)]
                let lo = pixels.min() ?? 0
                let hi = pixels.max() ?? 1
                let shown = pixels.map { hi > lo ? 2 * ($0 - lo) / (hi - lo) - 1 : 0 }
                let x0 = gap + 6 + (p + 1) * (tileW + gap)
                picture.drawTile(
                    shown, rows: test.height, cols: test.width, valueChannels: ch, at: x0, y0, cell: cell)
                let row = hit.position / test.outputWidth * test.stride
                let column = hit.position % test.outputWidth * test.stride
                picture.outline(
                    x: x0 + column * cell - 1, y: y0 + row * cell - 1, width: r * cell + 2, height: r * cell + 2,
                    within: (x0, y0, tileW, tileH), color: (255, 127, 0))
                let label = Int(test.labels[hit.image])
                entries.append(
                    .object([
                        "image": .int(hit.image), "row": .int(row), "column": .int(column), "label": .int(label),
                        "className": .string(images.className(label: label)), "activation": .double(Double(hit.value)),
                    ]))
            }
            rows.append(.object(["filter": .int(j), "patches": .array(entries)]))
        }
        return (picture, JSONValue.object(["filters": .array(rows)]))
    }
}

extension Picture {
    /// Draws the 1-pixel outline of the rectangle at (`x`, `y`) of `width`×`height` pixels in an
    /// RGB `color` (grey pictures get its mean), leaving out what lies outside `within`.
    mutating func outline(
        x: Int, y: Int, width w: Int, height h: Int, within box: (x: Int, y: Int, width: Int, height: Int),
        color: (UInt8, UInt8, UInt8)
    ) {
        let rgb = [color.0, color.1, color.2]
        func set(_ px: Int, _ py: Int) {
            guard px >= box.x, px < box.x + box.width, py >= box.y, py < box.y + box.height, px < width, py < height
            else { return }
            for c in 0..<channels {
                pixels[(py * width + px) * channels + c] =
                    channels == 3 ? rgb[c] : UInt8((Int(color.0) + Int(color.1) + Int(color.2)) / 3)
            }
        }
        for dx in 0..<w {
            set(x + dx, y)
            set(x + dx, y + h - 1)
        }
        for dy in 0..<h {
            set(x, y + dy)
            set(x + w - 1, y + dy)
        }
    }
}
