import Datasets
import Experiments
import Foundation
import Testing
import _TestSupport

@Suite struct ImageExperimentTests {
    func tinyConfig(_ dir: String, _ extra: [String] = []) throws -> ExperimentConfig {
        try ConfigResolver.resolve(
            preset: "fmnist-practical",
            overrides: [
                "images.dataDir=\"\(dir)\"", "patchSize=3", "M=16", "batchSize=10", "steps=300", "schedule=every(100)",
                "learningRate=0.5",
            ] + extra)
    }

    @Test func tinyImageRunLearnsAndWritesItsFiles() throws {
        let data = temporaryDirectory("tiny-images")
        let out = temporaryDirectory("tiny-image-run")
        defer { for p in [data, out] { try? FileManager.default.removeItem(atPath: p) } }
        try writeTinyIDXDataset(to: data, train: 200, test: 100)
        let summary = try Experiment(try tinyConfig(data)).run(in: RunDirectory.create(at: out, overwrite: false))
        // Ten classes, each its own motif: far above the 10% of chance (0.73 measured).
        #expect(summary.testAccuracy > 0.5, "test accuracy \(summary.testAccuracy)")
        let images = try #require(summary.images)
        #expect(
            images.filterCount == 16 && images.topShare[4] != nil && images.ablation[8] != nil
                && images.ablation[16] == nil)
        #expect(images.topShare[4]! >= 0.25 - 1e-12)  // the 4 largest of 16 hold at least a quarter
        for name in [
            "config.json", "metrics.jsonl", "filters.jsonl", "summary.json", "selectivity.json", "top-patches.json",
            "top-patches.png", "filters/step-0000000.png", "filters/step-0000300.png",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(name)"), "missing \(name)")
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: "\(out)/filters/step-0000300.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let line = try JSONValue.parse(
            String(contentsOfFile: "\(out)/metrics.jsonl", encoding: .utf8).split(separator: "\n").last.map(String.init)
                ?? "")
        #expect(line["top4Share"] != nil && line["gini"] != nil && line["sortedNorms"]?.arrayValue?.count == 16)
        #expect(
            try RunSummary(json: JSONValue.parse(String(contentsOfFile: "\(out)/summary.json", encoding: .utf8)))
                == summary)
    }

    @Test func binarySubsetAndGridPooling() throws {
        let data = temporaryDirectory("tiny-images-2")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try writeTinyIDXDataset(to: data, train: 200, test: 100)
        let binary = try tinyConfig(
            data,
            ["images.classes=[1,8]", "readout=fixedSign(1)", "loss=hinge", "pooling=maxGrid(2)", "learningRate=0.1"])
        #expect(binary.outputs == 1)
        let summary = try Experiment(binary).run()
        #expect(summary.testAccuracy > 0.9, "binary test accuracy \(summary.testAccuracy)")
    }

    @Test func sameSeedSameBytes() throws {
        let data = temporaryDirectory("tiny-images-3")
        let a = temporaryDirectory("img-a")
        let b = temporaryDirectory("img-b")
        defer { for p in [data, a, b] { try? FileManager.default.removeItem(atPath: p) } }
        try writeTinyIDXDataset(to: data, train: 100, test: 50)
        let config = try tinyConfig(data, ["steps=20"])
        try Experiment(config).run(in: RunDirectory.create(at: a, overwrite: false))
        try Experiment(config).run(in: RunDirectory.create(at: b, overwrite: false))
        for name in [
            "metrics.jsonl", "filters.jsonl", "summary.json", "filters/step-0000020.png", "top-patches.png",
            "selectivity.json",
        ] {
            #expect(
                FileManager.default.contents(atPath: "\(a)/\(name)")
                    == FileManager.default.contents(atPath: "\(b)/\(name)"), "\(name) differs")
        }
    }

    @Test func imageConfigErrorsNameTheField() throws {
        func message(_ o: [String]) -> String {
            do {
                _ = try ConfigResolver.resolve(preset: "fmnist-practical", overrides: o)
                return ""
            } catch { return "\(error)" }
        }
        #expect(message(["loss=hinge"]).contains("10 classes need crossEntropy"))
        #expect(message(["images.classes=[3]"]).contains("images.classes"))
        #expect(message(["images.classes=[1,2]", "loss=crossEntropy"]).contains("two classes"))
        #expect(message(["readout=fixedSign(1)"]).contains("network.readout"))
        #expect(message(["patchSize=0"]).contains("images.patchSize"))
        let synthetic = { (o: [String]) -> String in
            do {
                _ = try ConfigResolver.resolve(preset: "kp-bench", overrides: o)
                return ""
            } catch { return "\(error)" }
        }
        #expect(synthetic(["pooling=maxGrid(2)"]).contains("grid pooling needs the spatial layout of images"))
        #expect(synthetic(["images.dataset=mnist"]).contains("unknown config field"))
    }

    /// Real Fashion-MNIST (the Debian package dataset-fashion-mnist, which CI installs and checks
    /// for before the tests): 3,000 training images, 150 steps at η = 0.3, far above the 10% of
    /// chance (0.54 measured with seeds 0 and 1).
    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")))
    func realFashionMNIST() throws {
        let config = try ConfigResolver.resolve(
            preset: "fmnist-practical",
            overrides: [
                "images.trainSize=3000", "images.testSize=1000", "steps=150", "schedule=every(150)",
                "filterDynamics=false", "learningRate=0.3",
            ])
        let summary = try Experiment(config).run()
        #expect(summary.testAccuracy > 0.35, "Fashion-MNIST test accuracy \(summary.testAccuracy)")
        #expect(summary.images!.topShare[8]! > 8.0 / 32.0)
    }
}

@Suite struct ThreadCountTests {
    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let data = temporaryDirectory("threads-data")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try writeTinyIDXDataset(to: data, train: 150, test: 70)
        let image = try ConfigResolver.resolve(
            preset: "fmnist-practical",
            overrides: [
                "images.dataDir=\"\(data)\"", "patchSize=3", "M=8", "batchSize=70", "steps=6", "schedule=every(3)",
            ])
        let synthetic = try ConfigResolver.resolve(
            preset: "kp-bench", overrides: ["batchSize=100", "steps=5", "nTest=300", "schedule=every(5)"])
        for config in [image, synthetic] {
            var files: [[String: Data?]] = []
            for threads in [1, 2, 3] {
                let out = temporaryDirectory("threads-\(threads)")
                defer { try? FileManager.default.removeItem(atPath: out) }
                try Experiment(config).run(in: RunDirectory.create(at: out, overwrite: false), threads: threads)
                files.append(
                    Dictionary(
                        uniqueKeysWithValues: ["metrics.jsonl", "filters.jsonl", "summary.json"].map {
                            ($0, FileManager.default.contents(atPath: "\(out)/\($0)"))
                        }))
            }
            #expect(
                files[0] == files[1] && files[0] == files[2],
                "\(config.preset): results differ between 1, 2 and 3 threads")
            #expect(files[0]["metrics.jsonl"]! != nil)
        }
    }

    /// Batches large enough to be cut into windows inside the parallel chunks (28×28 images,
    /// 5×5 windows, 32 filters, batch 64) give the same bytes on 1 and 2 threads.
    @Test func imageWindowsCutInsideChunksDoNotDependOnThreads() throws {
        let data = temporaryDirectory("threads-28")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try writeTinyIDXDataset(to: data, train: 128, test: 40, side: 28)
        let config = try ConfigResolver.resolve(
            preset: "fmnist-practical",
            overrides: [
                "images.dataDir=\"\(data)\"", "steps=3", "schedule=every(3)",
            ])
        var summaries: [Data?] = []
        for threads in [1, 2] {
            let out = temporaryDirectory("threads28-\(threads)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            try Experiment(config).run(in: RunDirectory.create(at: out, overwrite: false), threads: threads)
            summaries.append(FileManager.default.contents(atPath: "\(out)/metrics.jsonl"))
        }
        #expect(summaries[0] != nil && summaries[0] == summaries[1])
    }
}
