import Experiments
import Foundation
import _TestSupport

/// Trains a tiny Fashion-MNIST-format run into `out` — 60 training and 30 test images of 12×12 written to
/// `data`, 3×3 patches, M = 16, B = 10, 30 steps evaluated every 10 — with `extra` overrides after those.
func trainTinyImageRun(data: String, out: String, overrides extra: [String] = []) throws {
    try writeTinyIDXDataset(to: data, train: 60, test: 30)
    let config = try ConfigResolver.resolve(
        preset: "fmnist-practical",
        overrides: [
            "images.dataDir=\"\(data)\"", "patchSize=3", "M=16", "batchSize=10", "steps=30", "schedule=every(10)",
        ] + extra)
    try Experiment(config).run(in: RunDirectory.create(at: out, overwrite: false))
}
