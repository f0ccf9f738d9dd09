import Foundation
import Tensors

/// A set of examples that can be cut into a `PatchBatch` on demand: synthetic batches held in
/// memory, or images whose patches are extracted per batch.
public protocol ExampleSet: Sendable {
    var count: Int { get }
    /// Patches per example.
    var K: Int { get }
    /// Patch dimension.
    var D: Int { get }
    var labels: [Int32] { get }
    var observedLabels: [Int32] { get }
    /// Real-valued regression targets [count], empty for classification.
    var targets: [Float] { get }
    /// Writes example `indices[b]` into slot b of `batch` (whose count must equal indices.count).
    func fill(_ batch: inout PatchBatch, with indices: ArraySlice<Int>)
}

extension ExampleSet {
    /// No regression targets: the examples are labelled.
    public var targets: [Float] { [] }
}

extension PatchBatch: ExampleSet {
    /// Copies examples `indices` of this batch into slots 0, 1, … of `batch`.
    public func fill(_ batch: inout PatchBatch, with indices: ArraySlice<Int>) {
        for (b, i) in indices.enumerated() { batch.copyExample(i, of: self, to: b) }
    }
}

/// Images [N × channels × height × width] (normalised float32) with labels, cut into all
/// r×r×channels windows at a stride. A patch vector is ordered (channel, row, column) of the
/// window; positions are ordered row by row.
public struct ImageSet: ExampleSet {
    /// Number of images.
    public let count: Int
    /// Channels per image.
    public let channels: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// Pixels [N × channels × height × width], normalised.
    public let pixels: [Float]
    /// Labels [N]: ±1 for a binary task, 0..<C otherwise.
    public let labels: [Int32]
    /// The labels (images have no label noise).
    public var observedLabels: [Int32] { labels }
    /// Window side r.
    public let patchSize: Int
    /// Step between windows, in pixels.
    public let stride: Int

    /// Window rows per image.
    public var outputHeight: Int { (height - patchSize) / stride + 1 }
    /// Window columns per image.
    public var outputWidth: Int { (width - patchSize) / stride + 1 }
    /// Windows (patches) per image.
    public var K: Int { outputHeight * outputWidth }
    /// Elements per window (patch dimension).
    public var D: Int { channels * patchSize * patchSize }

    /// A set of `labels.count` images; `pixels` must hold exactly that many.
    public init(channels: Int, height: Int, width: Int, pixels: [Float], labels: [Int32], patchSize: Int, stride: Int) {
        precondition(
            pixels.count == labels.count * channels * height * width,
            "ImageSet: \(pixels.count) pixels for \(labels.count) images of \(channels)×\(height)×\(width)")
        precondition(
            patchSize <= height && patchSize <= width,
            "ImageSet: patch \(patchSize) larger than the image \(height)×\(width)")
        count = labels.count
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
        self.patchSize = patchSize
        self.stride = stride
    }

    /// Cuts the windows of images `indices` into slots 0, 1, … of `batch`, with their labels.
    public func fill(_ batch: inout PatchBatch, with indices: ArraySlice<Int>) {
        cutWindows(of: indices, into: &batch.x)
        for (b, image) in indices.enumerated() {
            batch.labels[b] = labels[image]
            batch.observedLabels[b] = labels[image]
        }
    }

    /// The shape of these images and of their windows.
    package var windowGeometry: WindowGeometry {
        WindowGeometry(channels: channels, height: height, width: width, patchSize: patchSize, stride: stride)
    }

    /// Writes the windows of the images `indices` as consecutive [K × D] blocks into `x` from
    /// element `start` on.
    package func cutWindows(of indices: ArraySlice<Int>, into x: inout [Float], at start: Int = 0) {
        windowGeometry.cutWindows(of: indices, from: pixels, into: &x, at: start)
    }

    /// The pooling region of each patch position for a g×g grid, [K], row-major regions.
    public func gridRegions(_ g: Int) -> [Int32] {
        var regions = [Int32](repeating: 0, count: K)
        for oy in 0..<outputHeight {
            for ox in 0..<outputWidth {
                regions[oy * outputWidth + ox] = Int32((oy * g / outputHeight) * g + ox * g / outputWidth)
            }
        }
        return regions
    }
}

extension ImageWindows {
    /// Room to read the windows of up to `capacity` images of `set` in place.
    package convenience init(capacity: Int, of set: ImageSet) {
        self.init(capacity: capacity, of: set.windowGeometry)
    }

    /// Whether it can point at `count` images of `set`.
    package func fits(_ set: ImageSet, count: Int) -> Bool { fits(set.windowGeometry, count: count) }
}

/// Loads image datasets from disk with validation.
public enum ImageLoader {
    /// The directory to read `dataset` from: `dataDir`, or the first standard location holding
    /// the files; throws with instructions when there is none.
    public static func locate(_ config: ImageDataConfig) throws -> String {
        let fm = FileManager.default
        func complete(_ dir: String) -> Bool {
            config.dataset.files(train: true).allSatisfy { f in
                fm.fileExists(atPath: "\(dir)/\(f)") || fm.fileExists(atPath: "\(dir)/\(f).gz")
            }
        }
        if !config.dataDir.isEmpty {
            guard complete(config.dataDir) else {
                let missing = (config.dataset.files(train: true) + config.dataset.files(train: false)).filter { f in
                    !fm.fileExists(atPath: "\(config.dataDir)/\(f)")
                        && !fm.fileExists(atPath: "\(config.dataDir)/\(f).gz")
                }
                throw DataFileError(
                    file: config.dataDir,
                    problem:
                        "does not hold the \(config.dataset.rawValue) files "
                        + "(missing: \(missing.joined(separator: ", ")), raw or .gz). "
                        + "To obtain them: \(config.dataset.howToObtain)"
                )
            }
            return config.dataDir
        }
        if let found = config.dataset.standardLocations.first(where: complete) { return found }
        throw DataFileError(
            file: config.dataset.rawValue,
            problem:
                "not found in \(config.dataset.standardLocations.joined(separator: " or ")). "
                + "To obtain it: \(config.dataset.howToObtain)"
        )
    }

    /// The training and test sets of `config`, filtered, subset and normalised (statistics from
    /// the training set).
    public static func load(_ config: ImageDataConfig) throws -> (train: ImageSet, test: ImageSet) {
        let dir = try locate(config)
        // Image sizes are checked from the headers, before any pixels are read: the training images
        // against the windows, the test images against the training images.
        var (train, channels, h, w) = try readSplit(config.dataset, dir: dir, train: true) { c, h, w in
            guard config.patchSize <= h, config.patchSize <= w else {
                throw ConfigurationError(
                    field: "images.patchSize", value: "\(config.patchSize)",
                    allowed: "must be at most the image size \(h)×\(w)")
            }
            try checkWindows(channels: c, height: h, width: w, config: config)
        }
        var test = try readSplit(config.dataset, dir: dir, train: false) { testChannels, testH, testW in
            guard testChannels == channels, testH == h, testW == w else {
                func size(_ c: Int, _ h: Int, _ w: Int) -> String { c == 1 ? "\(h)×\(w)" : "\(c)×\(h)×\(w)" }
                throw DataFileError(
                    file: imagesPath(config.dataset, dir: dir, train: false),
                    problem:
                        "holds images of \(size(testChannels, testH, testW)) pixels, but the training images in "
                        + "\(imagesPath(config.dataset, dir: dir, train: true)) are \(size(channels, h, w)); "
                        + "the training and test images must have the same size")
            }
        }.0
        train = filter(train, config: config, limit: config.trainSize, pixelsPerImage: channels * h * w)
        test = filter(test, config: config, limit: config.testSize, pixelsPerImage: channels * h * w)
        guard !train.labels.isEmpty, !test.labels.isEmpty else {
            throw ConfigurationError(
                field: "images.classes", value: "\(config.classes)",
                allowed: "no example is left after the class filter")
        }
        // A size the data cannot give would be recorded in config.json yet not trained on.
        for (field, limit, count, split) in [
            ("images.trainSize", config.trainSize, train.labels.count, "training"),
            ("images.testSize", config.testSize, test.labels.count, "test"),
        ] where limit > count {
            throw ConfigurationError(
                field: field, value: "\(limit)",
                allowed: "must be at most \(count), the \(split) images "
                    + (config.classes.isEmpty ? "in the dataset" : "of classes \(config.classes)")
                    + " (0 uses them all)")
        }
        // Normalise.
        let plane = h * w
        var trainPixels = train.pixels.map { Float($0) / 255 }
        var testPixels = test.pixels.map { Float($0) / 255 }
        if config.normalization == .perChannel {
            for c in 0..<channels {
                var sum = 0.0
                var sq = 0.0
                var n = 0.0
                for i in 0..<train.labels.count {
                    for k in 0..<plane {
                        let v = Double(trainPixels[(i * channels + c) * plane + k])
                        sum += v
                        sq += v * v
                        n += 1
                    }
                }
                let mean = sum / n
                let std = max((sq / n - mean * mean).squareRoot(), 1e-6)
                for (count, idx) in [(train.labels.count, 0), (test.labels.count, 1)] {
                    for i in 0..<count {
                        for k in 0..<plane {
                            let o = (i * channels + c) * plane + k
                            if idx == 0 {
                                trainPixels[o] = Float((Double(trainPixels[o]) - mean) / std)
                            } else {
                                testPixels[o] = Float((Double(testPixels[o]) - mean) / std)
                            }
                        }
                    }
                }
            }
        }
        func labels(_ raw: [UInt8]) -> [Int32] {
            raw.map { y in
                let cls = config.classes.isEmpty ? Int(y) : config.classes.firstIndex(of: Int(y))!
                return config.isBinary ? (cls == 0 ? 1 : -1) : Int32(cls)
            }
        }
        return (
            ImageSet(
                channels: channels, height: h, width: w, pixels: trainPixels, labels: labels(train.labels),
                patchSize: config.patchSize, stride: config.stride),
            ImageSet(
                channels: channels, height: h, width: w, pixels: testPixels, labels: labels(test.labels),
                patchSize: config.patchSize, stride: config.stride)
        )
    }

    /// Throws unless the windows of one image of this size fit a data set's bound of 2³¹ floats (as for
    /// `data`); `config.patchSize` must be at most the image's sides.
    static func checkWindows(channels: Int, height h: Int, width w: Int, config: ImageDataConfig) throws {
        let windows = ((h - config.patchSize) / config.stride + 1) * ((w - config.patchSize) / config.stride + 1)
        let (d1, o1) = channels.multipliedReportingOverflow(by: config.patchSize)
        let (d2, o2) = d1.multipliedReportingOverflow(by: config.patchSize)
        let (floats, o3) = windows.multipliedReportingOverflow(by: d2)
        guard !o1, !o2, !o3, floats <= 1 << 31 else {
            throw ConfigurationError(
                field: "images.patchSize", value: "\(config.patchSize)",
                allowed:
                    "the \(windows) windows of one \(h)×\(w) image must hold at most 2³¹ floats; "
                    + "use a larger stride or smaller windows")
        }
    }

    typealias Raw = (labels: [UInt8], pixels: [UInt8])

    /// The path of `file` in `dir`: raw when that exists, else with `.gz`.
    static func path(of file: String, in dir: String) -> String {
        FileManager.default.fileExists(atPath: "\(dir)/\(file)") ? "\(dir)/\(file)" : "\(dir)/\(file).gz"
    }

    /// The path of the first images file of a split, as named in messages.
    static func imagesPath(_ dataset: ImageDatasetName, dir: String, train: Bool) -> String {
        path(of: dataset.files(train: train)[0], in: dir)
    }

    /// The labels and pixels of one split, with the images' channels, height and width;
    /// `checkSize(channels, height, width)` may refuse the size before the pixels are read.
    static func readSplit(
        _ dataset: ImageDatasetName, dir: String, train: Bool, checkSize: (Int, Int, Int) throws -> Void
    ) throws -> (Raw, Int, Int, Int) {
        func path(_ f: String) -> String { Self.path(of: f, in: dir) }
        let files = dataset.files(train: train)
        switch dataset {
        case .fashionMNIST, .mnist:
            let images = try IDX.readImages(path(files[0])) { try checkSize(1, $0, $1) }
            let labels = try IDX.readLabels(path(files[1]))
            guard labels.count == images.count else {
                throw DataFileError(
                    file: path(files[1]),
                    problem:
                        "holds \(labels.count) labels but \(path(files[0])) holds \(images.count) images; "
                        + "the files do not belong together"
                )
            }
            if let bad = labels.firstIndex(where: { $0 > 9 }) {
                throw DataFileError(
                    file: path(files[1]), problem: "label \(labels[bad]) at index \(bad) is outside 0…9")
            }
            return ((labels, images.pixels), 1, images.rows, images.cols)
        case .cifar10:
            try checkSize(3, 32, 32)
            var labels: [UInt8] = []
            var pixels: [UInt8] = []
            for f in files {
                let batch = try CIFAR10.readBatch(path(f))
                labels += batch.labels
                pixels += batch.pixels
            }
            return ((labels, pixels), 3, 32, 32)
        }
    }

    static func filter(_ raw: Raw, config: ImageDataConfig, limit: Int, pixelsPerImage: Int) -> Raw {
        var keep = raw.labels.indices.filter { config.classes.isEmpty || config.classes.contains(Int(raw.labels[$0])) }
        if limit > 0 { keep = Array(keep.prefix(limit)) }
        var pixels = [UInt8]()
        pixels.reserveCapacity(keep.count * pixelsPerImage)
        for i in keep { pixels.append(contentsOf: raw.pixels[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)]) }
        return (keep.map { raw.labels[$0] }, pixels)
    }
}
