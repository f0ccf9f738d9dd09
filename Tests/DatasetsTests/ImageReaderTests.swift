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
        #expect(
            message { _ = try IDX.readImages(extra) }.contains(
                "has 2 bytes after the 2 images its header declares (2×3×4 = 24 bytes)"))
        let short = try write([0, 0], "short")
        #expect(message { _ = try IDX.readImages(short) }.contains("too short"))
        #expect(message { _ = try IDX.readImages("\(dir)/missing") }.contains("cannot be opened"))
        // A gzip stream cut in the middle.
        try writeGzip(good + Array(repeating: 3, count: 4000), to: "\(dir)/full.gz")
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/full.gz")))
        let cut = try write(Array(compressed.prefix(compressed.count / 2)), "cut.gz")
        #expect(message { _ = try IDX.readImages(cut) }.contains("truncated"))
    }

    @Test func headersAreCheckedBeforeAnyPayloadIsRead() throws {
        // 1 × (2³²−1) × (2³²−1) overflows 64-bit arithmetic; it must be refused, not trap.
        let overflow = try write(idxBytes(dimensions: [1, 0xFFFF_FFFF, 0xFFFF_FFFF], data: []), "overflow")
        #expect(
            message { _ = try IDX.readImages(overflow) }.contains(
                "declares 1×4294967295×4294967295 bytes of data, a size beyond 64-bit arithmetic"))
        // 2³² bytes of pixels: over the bound, refused from the header of a 16-byte file.
        let huge = try write(idxBytes(dimensions: [1, 65536, 65536], data: []), "huge")
        let hugeMessage = message { _ = try IDX.readImages(huge) }
        #expect(hugeMessage.contains("declares 1×65536×65536 = 4294967296 bytes of data, more than the"))
        #expect(hugeMessage.contains("\(DataFileLimits.maxPixelsPerFile)"))
        #expect(DataFileLimits.maxPixelsPerFile == min(8 << 30, Int(ProcessInfo.processInfo.physicalMemory)) / 6)
        // The same header gzip-compressed: refused from its header too.
        try writeGzip(idxBytes(dimensions: [1, 65536, 65536], data: []), to: "\(dir)/huge.gz")
        #expect(message { _ = try IDX.readImages("\(dir)/huge.gz") }.contains("more than the"))
        let none = try write(idxBytes(dimensions: [0, 28, 28], data: []), "none")
        #expect(message { _ = try IDX.readImages(none) }.contains("holds no images (its header declares 0)"))
        let noLabels = try write(idxBytes(dimensions: [0], data: []), "nolabels")
        #expect(message { _ = try IDX.readLabels(noLabels) }.contains("holds no labels (its header declares 0)"))
        let flat = try write(idxBytes(dimensions: [2, 0, 4], data: []), "flat")
        #expect(message { _ = try IDX.readImages(flat) }.contains("has images of size 0×4"))
        let header = try write([0, 0, 8, 3, 0, 0, 0, 2, 0], "header")
        #expect(message { _ = try IDX.readImages(header) }.contains("is truncated inside its header (9 of 16 bytes)"))
        let empty = try write([], "empty")
        #expect(message { _ = try IDX.readLabels(empty) }.contains("is too short (0 bytes) to be an IDX file"))
        #expect(message { _ = try IDX.readImages(dir) }.contains("cannot be read"))
    }

    @Test func gzipFilesAreReadWholeAndNothingMore() throws {
        let good = idxBytes(dimensions: [2, 3, 4], data: (0..<24).map(UInt8.init))
        try writeGzip(good, to: "\(dir)/good.gz")
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/good.gz")))
        // Two gzip members, as `cat a.gz b.gz` makes: one file.
        try writeGzip(Array(good.prefix(10)), to: "\(dir)/a.gz")
        try writeGzip(Array(good.dropFirst(10)), to: "\(dir)/b.gz")
        let members =
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.gz")))
            + [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.gz")))
        #expect(try IDX.readImages(try write(members, "members.gz")).pixels == Array(good.dropFirst(16)))
        // Bytes after the gzip stream that are not another member.
        let garbage = try write(compressed + [1, 2, 3], "garbage.gz")
        #expect(
            message { _ = try IDX.readImages(garbage) }.contains(
                "has 3 bytes after the end of its gzip stream that are not another gzip member"))
        // Decompressed data after the declared images.
        try writeGzip(good + [9, 9], to: "\(dir)/longer.gz")
        #expect(
            message { _ = try IDX.readImages("\(dir)/longer.gz") }.contains(
                "has 2 bytes after the 2 images its header declares"))
        // A small header before 8 MiB of zeros: counted up to 1 MiB, never held.
        try writeGzip(good + [UInt8](repeating: 0, count: 8 << 20), to: "\(dir)/bomb.gz")
        #expect(
            message { _ = try IDX.readImages("\(dir)/bomb.gz") }.contains(
                "has more than 1048576 bytes after the 2 images its header declares"))
        // A wrong CRC-32 (the trailer's first four bytes), a wrong length (its last four).
        var crc = compressed
        crc[crc.count - 8] ^= 0xFF
        #expect(
            message { _ = try IDX.readImages(try write(crc, "crc.gz")) }.contains(
                "is a corrupt gzip file (zlib: incorrect data check)"))
        var length = compressed
        length[length.count - 1] ^= 0x01
        #expect(
            message { _ = try IDX.readImages(try write(length, "length.gz")) }.contains(
                "is a corrupt gzip file (zlib: incorrect length check)"))
        // A corrupt deflate block right after the 10-byte gzip header.
        var block = compressed
        block[10] = 0xFF
        #expect(message { _ = try IDX.readImages(try write(block, "block.gz")) }.contains("is a corrupt gzip file"))
        // A stream cut anywhere is truncated or (inside the header) too short.
        for cut in [3, 12, compressed.count - 4, compressed.count - 1] {
            let m = message { _ = try IDX.readImages(try write(Array(compressed.prefix(cut)), "cut\(cut).gz")) }
            #expect(m.contains("is a truncated gzip file"), "cut at \(cut): \(m)")
        }
    }

    @Test func endlessFilesEndQuicklyWithAnError() throws {
        let zero = "\(dir)/zero"
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        #expect(message { _ = try IDX.readImages(zero) }.contains("has magic number 0x00000000"))
        // A FIFO with no writer reads as empty instead of waiting for one.
        let fifo = "\(dir)/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(message { _ = try IDX.readImages(fifo) }.contains("is too short (0 bytes) to be an IDX file"))
        #expect(
            message { _ = try CIFAR10.readBatch(zero) }.contains(
                "holds more than 10000 records (30730000 bytes), the most a CIFAR-10 batch holds"))
    }

    @Test func cifarBatches() throws {
        var record = [UInt8](repeating: 5, count: CIFAR10.recordSize)
        record[0] = 3
        let batch = try CIFAR10.readBatch(try write(record + record, "batch.bin"))
        #expect(batch.labels == [3, 3] && batch.pixels.count == 2 * 3072)
        #expect(
            message { _ = try CIFAR10.readBatch(try write(Array(record.dropLast()), "short.bin")) }.contains(
                "not a whole number of 3073-byte CIFAR-10 records"))
        #expect(
            message { _ = try CIFAR10.readBatch(try write(record + record + [1, 2], "trailing.bin")) }.contains(
                "holds 6148 bytes, not a whole number of 3073-byte CIFAR-10 records"))
        #expect(message { _ = try CIFAR10.readBatch(try write([], "empty.bin")) }.contains("holds no images (0 bytes)"))
        try writeGzip(record + record, to: "\(dir)/batch.bin.gz")
        #expect(try CIFAR10.readBatch("\(dir)/batch.bin.gz") == batch)
        try writeGzip(record + [7], to: "\(dir)/odd.bin.gz")
        #expect(
            message { _ = try CIFAR10.readBatch("\(dir)/odd.bin.gz") }.contains(
                "holds 3074 bytes, not a whole number"))
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/batch.bin.gz")))
        #expect(
            message { _ = try CIFAR10.readBatch(try write(compressed + [0], "garbage.bin.gz")) }.contains(
                "has 1 bytes after the end of its gzip stream"))
        let tooMany = [UInt8](repeating: 0, count: (CIFAR10.recordsPerBatch + 1) * CIFAR10.recordSize)
        #expect(
            message { _ = try CIFAR10.readBatch(try write(tooMany, "many.bin")) }.contains(
                "holds more than 10000 records"))
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
        try writeTinyIDXDataset(to: "\(dir)/labels", train: 20, test: 10)
        try Data(idxBytes(dimensions: [20], data: Array(repeating: 1, count: 19) + [12])).write(
            to: URL(fileURLWithPath: "\(dir)/labels/train-labels-idx1-ubyte"))
        config.dataDir = "\(dir)/labels"
        #expect(message { _ = try ImageLoader.load(config) }.contains("label 12 at index 19 is outside 0…9"))
    }

    /// Test images of another size, whole or only a header (the size is refused before pixels are read).
    @Test(arguments: [(10, false), (14, false), (14, true)])
    func testImagesOfAnotherSizeAreRefused(_ side: Int, _ headerOnly: Bool) throws {
        let data = "\(dir)/sizes\(side)\(headerOnly)"
        try writeTinyIDXDataset(to: data, train: 20, test: 10)
        let pixels = [UInt8](repeating: 1, count: headerOnly ? 0 : 10 * side * side)
        try Data(idxBytes(dimensions: [10, side, side], data: pixels)).write(
            to: URL(fileURLWithPath: "\(data)/t10k-images-idx3-ubyte"))
        var config = ImageDataConfig()
        config.dataDir = data
        config.patchSize = 3
        #expect(
            message { _ = try ImageLoader.load(config) }
                == "\(data)/t10k-images-idx3-ubyte: holds images of \(side)×\(side) pixels, but the training images "
                + "in \(data)/train-images-idx3-ubyte are 12×12; the training and test images must have the same size")
    }

    @Test func windowsOfOneImageMustFitTheDataBound() throws {
        // 1 × 16384 × 16384 pixels (256 MiB, within the file bound on a machine with ≥ 1.5 GiB) cut into 3×3
        // windows: 16382² · 9 floats > 2³¹. Checked from sizes alone: the loader is not given the pixels.
        var config = ImageDataConfig()
        config.patchSize = 3
        #expect(
            message { try ImageLoader.checkWindows(channels: 1, height: 16384, width: 16384, config: config) }
                .contains("the 268369924 windows of one 16384×16384 image must hold at most 2³¹ floats"))
        #expect(message { try ImageLoader.checkWindows(channels: 3, height: 32, width: 32, config: config) } == "")
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
