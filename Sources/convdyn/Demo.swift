import ArgumentParser
import Foundation
import Experiments
import Tensors
import Reporting

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run kp-bench over several seeds and show the main paper's claims in numbers.")

    @Option(help: "Number of seeds (runs), from 1.")
    var seeds = 8

    @Option(help: "First seed.")
    var firstSeed = 0

    @Option(help: "Parallel workers (default: every core).")
    var jobs: Int?

    @Option(help: "Directory for the runs (default: runs/demo, numbered if taken).")
    var out: String?

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be ≥ 1, got \(seeds)") }
        guard firstSeed >= 0 else { throw ValidationError("--first-seed must be ≥ 0, got \(firstSeed)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
    }

    func run() throws {
        let root = out ?? freePath("runs/demo")
        let workers = jobs ?? availableCores
        let preset = Preset.kpBench
        print("Yu, Zhang & Zhu (2019) on \(preset.name): \(preset.summary)")
        print("\(seeds) seeds on \(min(workers, seeds)) worker(s), runs in \(root)/seed-N\n")
        let start = Date()
        let log = LineLog()
        let results = try DemoRunner.run(preset: preset, seeds: Array(firstSeed..<(firstSeed + seeds)), root: root, workers: workers) { summary in
            log.line("seed \(summary.seed) done: T100 \(summary.stepsTo100.map(String.init) ?? "never"), best-key cosine \(String(format: "%.3f", summary.bestKeyCosine))")
        }
        let seconds = Date().timeIntervalSince(start)
        print(DemoRunner.table(results))
        print(DemoRunner.claims(results, config: preset.config))
        print(String(format: "\n%d runs of %d steps in %.1f s on %d worker(s).", results.count, preset.config.training.steps, seconds, min(workers, seeds)))
        let report = try Report.build(root)
        print("Report: \(try report.write(to: root))  (terminal view: convdyn show \(root))")
    }
}
