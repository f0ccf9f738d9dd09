import Datasets
import Foundation
import Tensors

/// Runs many experiments on up to `workers` cores: each config into its own directory, `workers`
/// runs at a time, the cores left over (when there are fewer runs) serving each run's batches. Image data are loaded once per distinct
/// `images` section and shared. Results come back in input order and do not depend on `workers`.
public enum RunBatch {
    /// `threadsPerRun` (default: the cores of min(workers, cores) left to each run in flight) is for
    /// benchmarks that pin a run to one core.
    public static func run(
        _ configs: [ExperimentConfig], into directories: [String?], workers: Int, threadsPerRun: Int? = nil,
        finished: (@Sendable (Int, RunSummary) -> Void)? = nil
    ) throws -> [RunSummary] {
        precondition(
            configs.count == directories.count,
            "RunBatch: \(configs.count) configs for \(directories.count) directories")
        // Validate everything, load image data once per distinct images section, and create every
        // directory, before any training starts.
        for config in configs { _ = try Experiment(config) }
        var loaded: [(config: ImageDataConfig, sets: (train: ImageSet, test: ImageSet))] = []
        for images in configs.compactMap(\.images) where !loaded.contains(where: { $0.config == images }) {
            loaded.append((images, try ImageLoader.load(images)))
        }
        let runDirectories = try directories.map { path in
            try path.map { try RunDirectory.create(at: $0, overwrite: false) }
        }
        let shared = loaded
        let threads = threadsPerRun ?? Tensors.threadsPerRun(workers: workers, runs: configs.count)
        return try parallelMap(configs.count, workers: workers) { i in
            let images = configs[i].images.flatMap { wanted in shared.first { $0.config == wanted }?.sets }
            let summary = try PreparedExperiment(configs[i], images: images).run(
                in: runDirectories[i], threads: threads)
            finished?(i, summary)
            return summary
        }
    }
}
