import ArgumentParser
import Experiments
import Foundation
import Reporting
import Tensors

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run kp-bench over several seeds and show the main paper's claims in numbers.",
        discussion: ExitStatus.text(
            failure: "an --out directory that already holds runs or is not writable, image data that cannot be read, "
                + "a failed run",
            usage: "an unknown option or choice, a value out of range, image options that do not make a valid config"))

    @Option(help: "Number of seeds (runs), from 1 to 1000 (default: 8, or 1 with --images).")
    var seeds: Int?

    @Flag(help: "Run fmnist-practical (one epoch of Fashion-MNIST) instead and show the evidence for claim H1.")
    var images = false

    @OptionGroup var data: ImageOptions

    @Option(help: "First seed.")
    var firstSeed = 0

    @Option(help: "Parallel runs, and the most cores they use together (default: every core).")
    var jobs: Int?

    @Option(help: "Directory for the runs (default: runs/demo, numbered if taken).")
    var out: String?

    @Flag(help: ProgressOption.help())
    var progress = false

    /// The most runs a demo makes: their metrics and filters are all read back for its report.
    static let maxSeeds = 1_000

    func validate() throws {
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be ≥ 1, got \(seeds)") }
        if !images, data.dataset != nil || data.dataDir != nil || data.classes != nil || data.trainSize != nil {
            throw ValidationError("--dataset, --data-dir, --classes and --train-size apply with --images")
        }
        guard firstSeed >= 0 else { throw ValidationError("--first-seed must be ≥ 0, got \(firstSeed)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
        // Every run keeps its data in memory for the report and its directory on disk.
        if let seeds, seeds > Self.maxSeeds {
            throw ValidationError(
                "--seeds \(seeds) is more than the demo's \(Self.maxSeeds) runs; use convdyn sweep or verify for more")
        }
        guard firstSeed <= Int.max - (seeds ?? 8) else {
            throw ValidationError("--first-seed \(firstSeed) + --seeds passes the largest seed \(Int.max)")
        }
        if images { _ = try imageConfig() }
    }

    /// The config of fmnist-practical with the image options.
    func imageConfig() throws -> ExperimentConfig {
        try resolveConfig(preset: Preset.fmnistPractical.name, file: nil, overrides: data.overrides, seed: nil)
    }

    func run() throws {
        let seeds = self.seeds ?? (images ? 1 : 8)
        let root = out ?? freePath(images ? "runs/demo-images" : "runs/demo")
        let workers = jobs ?? availableCores
        var preset = images ? Preset.fmnistPractical : Preset.kpBench
        if images {
            preset = Preset(name: preset.name, summary: preset.summary, config: try imageConfig())
        }
        print("Yu, Zhang & Zhu (2019) on \(preset.name): \(preset.summary)")
        print("\(seeds) seeds on \(min(workers, seeds)) worker(s), runs in \(root)/seed-N\n")
        let start = Date()
        fflush(nil)
        let log = LineLog()
        let bar = progress ? ProgressDisplay(label: "demo", unit: "runs", total: seeds) : nil
        let results = try DemoRunner.run(
            preset: preset, seeds: Array(firstSeed..<(firstSeed + seeds)), root: root, workers: workers
        ) { summary in
            let line =
                "seed \(summary.seed) done: test accuracy \(String(format: "%.4f", summary.testAccuracy)), "
                + "T100 \(summary.stepsTo100.map(String.init) ?? "never")"
            if let bar {
                bar.log(line)
                bar.advance()
            } else {
                log.line(line)
            }
        }
        bar?.finish()
        let seconds = Date().timeIntervalSince(start)
        if images {
            print(DemoRunner.imageEvidence(results, config: preset.config))
        } else {
            print(DemoRunner.table(results))
            print(DemoRunner.claims(results, config: preset.config))
        }
        print(
            String(
                format: "\n%d runs of %d steps in %.1f s on %d worker(s).", results.count, preset.config.training.steps,
                seconds, min(workers, seeds)))
        // Each run's own report first, so that the page of all runs links to them.
        for directory in runDirectories(in: root) { try Report.build(directory).write(to: directory) }
        let report = try Report.build(root)
        print("Report: \(try report.write(to: root))  (terminal view: convdyn show \(root))")
    }
}
