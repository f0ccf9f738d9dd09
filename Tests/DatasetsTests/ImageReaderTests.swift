import Foundation
import Tensors
import Testing
import _TestSupport

@testable import Datasets

@Suite struct ImageReaderTests {
    let dir = temporaryDirectory("idx")

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = "\(dir)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch { return "\(error)" }
    }

    @Test func readsRawAndGzipIDX() throws {
        let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        let raw = try write(idxBytes(dimensions: [2, 3, 4], data: pixels), "img")
        let images = try IDX.readImages(raw)
        #expect(images.count == 2 && images.rows == 3 && images.cols == 4 && images.pixels == pixels)
        try writeGzip(idxBytes(dimensions: [3], data: [7, 0, 9]), to: "\(dir)/lab.gz")
        #expect(try IDX.readLabels("\(dir)/lab.gz") == [7, 0, 9])
    }

    @Test func corruptIDXFilesAreNamedWithTheirProblem() throws {
        let good = idxBytes(dimensions: [2, 3, 4], data: Array(repeating: 1, count: 24))
        var badMagic = good
        badMagic[2] = 0x0D
        #expect(message { _ = try IDX.readImages(try write(badMagic, "magic")) }.contains("magic number 0x00000d03"))
        let labels = try write(idxBytes(dimensions: [2], data: [1, 2]), "labels")
        #expect(message { _ = try IDX.readImages(labels) }.contains("1 dimensions, expected images (IDX3) with 3"))
        let truncated = try write(Array(good.dropLast(5)), "trunc")
        #expect(
            message { _ = try IDX.readImages(truncated) }.contains(
                "is truncated: the header promises 2×3×4 = 24 bytes of data, the file holds 19"))
        let extra = try write(good + [0, 0], "extra")
        #expect(message { _ = try IDX.readImages(extra) }.contains("has 2 bytes after the 24 bytes"))
        let short = try write([0, 0], "short")
        #expect(message { _ = try IDX.readImages(short) }.contains("too short"))
        #expect(message { _ = try IDX.readImages("\(dir)/missing") }.contains("cannot be opened"))
        // A gzip stream cut in the middle.
        try writeGzip(good + Array(repeating: 3, count: 4000), to: "\(dir)/full.gz")
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/full.gz")))
        let cut = try write(Array(compressed.prefix(compressed.count / 2)), "cut.gz")
        #expect(message { _ = try IDX.readImages(cut) }.contains("truncated"))
    }

    @Test func cifarBatches() throws {
        var record = [UInt8](repeating: 5, count: CIFAR10.recordSize)
        record[0] = 3
        let batch = try CIFAR10.readBatch(try write(record + record, "batch.bin"))
        #expect(batch.labels == [3, 3] && batch.pixels.count == 2 * 3072)
        #expect(
            message { _ = try CIFAR10.readBatch(try write(Array(record.dropLast()), "short.bin")) }.contains(
                "not a whole number of 3073-byte CIFAR-10 records"))
        record[0] = 12
        #expect(message { _ = try CIFAR10.readBatch(try write(record, "label.bin")) }.contains("record 0 has label 12"))
    }

    @Test func loaderFiltersClassesSubsetsAndNormalises() throws {
        try writeTinyIDXDataset(to: "\(dir)/tiny", train: 100, test: 40)
        var config = ImageDataConfig()
        config.dataDir = "\(dir)/tiny"
        config.patchSize = 3
        let all = try ImageLoader.load(config)
        #expect(all.train.count == 100 && all.test.count == 40 && all.train.channels == 1)
        #expect(all.train.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        config.classes = [3, 7]
        config.trainSize = 15
        let binary = try ImageLoader.load(config)
        #expect(binary.train.count == 15 && binary.test.count == 8)
        #expect(Set(binary.train.labels) == [1, -1])
        config.classes = [2, 4, 6]
        config.trainSize = 0
        config.normalization = .perChannel
        let three = try ImageLoader.load(config)
        #expect(Set(three.train.labels) == [0, 1, 2])
        let mean = three.train.pixels.reduce(0.0) { $0 + Double($1) } / Double(three.train.pixels.count)
        let variance =
            three.train.pixels.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(three.train.pixels.count) - mean
            * mean
        #expect(abs(mean) < 1e-4 && abs(variance - 1) < 1e-3)
    }

    @Test func missingDataSaysHowToObtainIt() throws {
        var config = ImageDataConfig()
        config.dataDir = "\(dir)/nothing-here"
        let m = message { _ = try ImageLoader.load(config) }
        #expect(
            m.contains("does not hold the fashion-mnist files") && m.contains("apt-get install dataset-fashion-mnist"))
        try writeTinyIDXDataset(to: "\(dir)/mismatch", train: 20, test: 10)
        try Data(idxBytes(dimensions: [19], data: Array(repeating: 1, count: 19))).write(
            to: URL(fileURLWithPath: "\(dir)/mismatch/train-labels-idx1-ubyte"))
        config.dataDir = "\(dir)/mismatch"
        #expect(message { _ = try ImageLoader.load(config) }.contains("holds 19 labels but"))
    }

    @Test(arguments: [(1, 7, 9, 3, 1), (3, 6, 5, 2, 2), (2, 5, 5, 5, 1), (1, 8, 8, 3, 3)])
    func patchesMatchDirectIndexing(_ shape: (Int, Int, Int, Int, Int)) {
        let (channels, h, w, r, stride) = shape
        var rng = RandomStream(seed: 2)
        let pixels = (0..<(2 * channels * h * w)).map { _ in Float(rng.nextUniform()) }
        let set = ImageSet(
            channels: channels, height: h, width: w, pixels: pixels, labels: [0, 1], patchSize: r, stride: stride)
        var batch = PatchBatch(count: 2, K: set.K, D: set.D, keysPerExample: 1)
        set.fill(&batch, with: [1, 0][...])
        #expect(set.K == ((h - r) / stride + 1) * ((w - r) / stride + 1))
        for (slot, image) in [(0, 1), (1, 0)] {
            for oy in 0..<set.outputHeight {
                for ox in 0..<set.outputWidth {
                    for c in 0..<channels {
                        for dy in 0..<r {
                            for dx in 0..<r {
                                let expected = pixels[
                                    ((image * channels + c) * h + oy * stride + dy) * w + ox * stride + dx]
                                let got = batch.x[
                                    (slot * set.K + oy * set.outputWidth + ox) * set.D + (c * r + dy) * r + dx]
                                #expect(got == expected)
                            }
                        }
                    }
                }
            }
        }
        #expect(batch.labels == [1, 0])
    }

    @Test func gridRegionsCoverTheOutputInBlocks() {
        let set = ImageSet(
            channels: 1, height: 6, width: 6, pixels: Array(repeating: 0, count: 36), labels: [0], patchSize: 2,
            stride: 1)
        // 5×5 positions into a 2×2 grid: rows 0–2 → 0, 3–4 → 1 (row·2/5), likewise columns.
        let regions = set.gridRegions(2)
        #expect(
            regions[0] == 0 && regions[4] == 1 && regions[2 * 5 + 2] == 0 && regions[3 * 5 + 1] == 2 && regions[24] == 3
        )
        #expect(Set(regions) == [0, 1, 2, 3])
    }
}
