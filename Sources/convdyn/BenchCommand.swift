import ArgumentParser
import Foundation
import Studies
import Tensors

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the performance workloads W1–W7 and the kernels at their shapes (release builds).",
        discussion: "Workload definitions and the comparison with numpy, PyTorch and JAX: Docs/Performance.md.\n\n"
            + ExitStatus.text(failure: "a workload that cannot run (W3 without its data is skipped, not failed)"))

    @Argument(help: "Workloads to run (default: all).")
    var workloads: [Workload] = []

    @Option(help: "Threads within a run (default: every core).")
    var threads: Int?

    @Option(help: "Directory with the Fashion-MNIST files for W3 (default: the standard locations).")
    var dataDir: String?

    @Flag(
        help:
            "Shorter runs (W1 5,000 steps, W2 1,000 steps, W4 32 seeds, W5 2 runs, W6 2 seeds, W7 5,000 steps), for a quick look."
    )
    var quick = false

    @Flag(help: "Print one JSON object per result (for Benchmarks/peers/compare.py).")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
    }

    func run() throws {
        #if DEBUG
            print("note: this is a debug build; benchmark with `swift run -c release convdyn bench`")
        #endif
        let selected = workloads.isEmpty ? Workload.allCases : workloads
        let threads = self.threads ?? availableCores
        if !json { print("convdyn bench on \(availableCores) cores, \(threads) thread(s) per run\n") }
        func show(_ r: Bench.Result) {
            if json {
                print(r.json.text)
            } else {
                print(r.line)
            }
            fflush(nil)
        }
        if selected.contains(.w1) {
            let steps = quick ? 5_000 : 20_000
            show(Bench.synthetic(batch: 1, steps: steps, pregenerated: true, threads: threads))
            show(Bench.synthetic(batch: 1, steps: steps, pregenerated: false, threads: threads))
        }
        if selected.contains(.w2) {
            let steps = quick ? 1_000 : 5_000
            show(Bench.synthetic(batch: 64, steps: steps, pregenerated: true, threads: threads))
            show(Bench.synthetic(batch: 64, steps: steps, pregenerated: false, threads: threads))
        }
        if selected.contains(.w3) {
            do { for r in try Bench.fashionEpoch(threads: threads, dataDir: dataDir ?? "") { show(r) } } catch {
                print("W3 skipped: \(error)")
            }
        }
        if selected.contains(.w4) {
            let count = quick ? 32 : 256
            // The same runs on one core and on all of them.
            let one = try Bench.manySeeds(count: count, workers: 1)
            let all = try Bench.manySeeds(count: count, workers: availableCores)
            show(one)
            show(all)
            if !json {
                print(
                    String(
                        format: "W4 scaling: %.2f× on %d cores (%.0f%% of perfect)", all.value / one.value,
                        availableCores,
                        100 * all.value / one.value / Double(availableCores)))
            }
        }
        if selected.contains(.w5) {
            show(Bench.xordFullBatch(steps: 2_000, repetitions: quick ? 2 : 20, threads: threads))
        }
        if selected.contains(.w6) {
            show(try Bench.kouGrid(seeds: quick ? 2 : 10, workers: availableCores))
        }
        if selected.contains(.w7) {
            let steps = quick ? 5_000 : 20_000
            show(Bench.quadratic(steps: steps, pregenerated: true, threads: threads))
            show(Bench.quadratic(steps: steps / 4, pregenerated: false, threads: threads))
        }
        if selected.contains(.kernels) {
            let peak = Bench.kernel("our product on 1024³ (no cache blocking)", rows: 1024, depth: 1024, filters: 1024)
            let shapes: [(String, Int, Int, Int, Bool)] = [
                ("W1 forward S = X·W (16×64·64×32)", 16, 64, 32, false),
                ("W2 forward (1024×64·64×32)", 1024, 64, 32, false),
                ("W3 conv forward (36864×25·25×32)", 36864, 25, 32, false),
                ("W3 conv filter gradient", 36864, 25, 32, true),
            ]
            let both = availableCores
            show(peak)
            for (name, r, d, m, g) in shapes {
                let k = Bench.kernel(name, rows: r, depth: d, filters: m, gradient: g)
                show(k)
                if r > 1000 && both > 1 {
                    show(
                        Bench.kernel(
                            name + ", \(both) threads", rows: r, depth: d, filters: m, gradient: g, threads: both))
                }
            }
        }
    }
}
