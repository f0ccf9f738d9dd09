import ArgumentParser
import Experiments
import Foundation
import Studies
import Tensors

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a grid of configs × seeds in parallel, resumably, here or on a Slurm cluster.",
        discussion: """
            convdyn sweep SPEC.yaml [--out DIR] runs every run of the grid that is not done yet; run \
            it again after an interruption to finish. Spec format and cluster use: Docs/Sweeps.md.
            """ + "\n\n" + ExitStatus.text(failure: Start.failure),
        subcommands: [Start.self, RunOne.self, Slurm.self, Status.self, Summarize.self],
        defaultSubcommand: Start.self)

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract:
                "Create the sweep directory (or reopen it) and run every run not done yet (the default subcommand).",
            discussion: ExitStatus.text(failure: failure))

        static let failure =
            "a sweep spec that cannot be read or does not make valid configs, an --out that holds something else "
            + "or is not writable, a failed run"

        @Argument(help: "The sweep spec (YAML or JSON): preset, seeds, set, grid, success.")
        var spec: String

        @Option(help: "The sweep directory (default: sweeps/<spec name>).")
        var out: String?

        @Option(help: "Parallel runs, and the most cores they use together (default: every core).")
        var jobs: Int?

        @Flag(help: "Only create the directory and its manifest (e.g. before `convdyn sweep slurm`).")
        var noRun = false

        @Flag(help: ProgressOption.help())
        var progress = false

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
        }

        func run() throws {
            let spec = try SweepSpec.load(self.spec)
            let name = URL(fileURLWithPath: self.spec).deletingPathExtension().lastPathComponent
            let sweep = try SweepDirectory.create(at: out ?? "sweeps/\(name)", spec: spec)
            print(
                "sweep \(sweep.path): \(spec.runCount) runs (\(spec.combinationCount) grid points × "
                    + "\(spec.seeds.count) seeds) of \(spec.preset)"
            )
            if noRun {
                print("manifest written: \(sweep.path)/sweep.json")
                return
            }
            let start = Date()
            let log = LineLog()
            let pending = spec.runCount - (sweep.counts()[.done] ?? 0)
            let bar = progress && pending > 0 ? ProgressDisplay(label: "sweep", unit: "runs", total: pending) : nil
            fflush(nil)
            let counts = try sweep.runPending(workers: jobs ?? availableCores) { line in
                if let bar {
                    bar.log(line)
                    bar.advance()
                } else {
                    log.line(line)
                }
            }
            bar?.finish()
            let missing = try sweep.summarize()
            print(
                String(
                    format: "ran %d, already done %d, in %.1f s; not done: %d", counts.ran, counts.skipped,
                    Date().timeIntervalSince(start), missing))
            if counts.elsewhere > 0 {
                print(
                    "left \(counts.elsewhere) runs to other processes that hold them; "
                        + "`convdyn sweep status \(sweep.path)` shows when they are done")
            }
            print(
                "summary: \(sweep.path)/sweep_summary.csv, phase diagram: \(sweep.path)/phase.svg, "
                    + "report: \(sweep.path)/report.html"
            )
        }
    }

    struct RunOne: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run one entry of a sweep (for job arrays: --index $SLURM_ARRAY_TASK_ID).",
            discussion: ExitStatus.text(failure: "a directory that is not a sweep, an index outside it, a failed run"))

        @Argument(help: "The sweep directory.")
        var directory: String

        @Option(help: "The run index, 0 ≤ I < number of runs.")
        var index: Int

        @Option(help: "Threads for this run.")
        var threads = 1

        func validate() throws {
            guard index >= 0 else { throw ValidationError("--index must be ≥ 0, got \(index)") }
            guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        }

        func run() throws {
            let sweep = try SweepDirectory.open(directory)
            switch try sweep.run(index: index, threads: threads) {
            case .ran: print("run \(index) done: \(sweep.runPath(index))")
            case .alreadyDone: print("run \(index) was already done: \(sweep.runPath(index))")
            case .heldElsewhere:
                print("run \(index) is running in another process (\(sweep.lockPath(index))): left to it")
            }
        }
    }

    struct Slurm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write sbatch scripts: a job array over the sweep and an aggregation job that depends on it "
                + "(afterany).",
            discussion: ExitStatus.text(
                failure: "a directory that is not a sweep or scripts that cannot be written (with --submit, a "
                    + "failing submit.sh's own status)"))

        @Argument(help: "The sweep directory (create it with `convdyn sweep SPEC.yaml --out DIR --no-run`).")
        var directory: String

        @Option(help: "At most K array tasks at once (%K).")
        var maxParallel: Int?

        @Option(help: "The Slurm partition.")
        var partition: String?

        @Option(help: "The time limit of each task, in Slurm's format (e.g. 00:10:00).")
        var time: String?

        @Flag(help: "Submit at once (runs slurm/submit.sh).")
        var submit = false

        func validate() throws {
            if let maxParallel, maxParallel < 1 {
                throw ValidationError("--max-parallel must be ≥ 1, got \(maxParallel)")
            }
            for (option, value) in [("--partition", partition), ("--time", time)] {
                if let value, let problem = SlurmScripts.problem(option: option, value: value) {
                    throw ValidationError(problem)
                }
            }
            let path = URL(fileURLWithPath: directory).standardizedFileURL.path
            if let problem = SlurmScripts.problem(directory: path) { throw ValidationError(problem) }
        }

        func run() throws {
            let sweep = try SweepDirectory.open(directory)
            let script = try SlurmScripts.write(
                for: sweep, executable: SlurmScripts.currentExecutable, maxParallel: maxParallel,
                partition: partition, time: time)
            print("wrote \(script) and the array and aggregation scripts beside it")
            guard submit else {
                print("submit with: \(script)")
                return
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [script]
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the runs of a sweep that are done, running, failed and missing.",
            discussion: ExitStatus.text(failure: "a directory that is not a sweep"))

        @Argument(help: "The sweep directory.")
        var directory: String

        func run() throws {
            let sweep = try SweepDirectory.open(directory)
            let c = sweep.counts()
            print(
                "\(sweep.path): \(sweep.spec.runCount) runs — done \(c[.done]!), running \(c[.running]!), "
                    + "failed \(c[.failed]!), missing \(c[.missing]!)"
            )
        }
    }

    struct Summarize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write sweep_summary.csv, phase.svg, report.html and plots/ from the runs done so far.",
            discussion: ExitStatus.text(failure: "a directory that is not a sweep, outputs that cannot be written"))

        @Argument(help: "The sweep directory.")
        var directory: String

        func run() throws {
            let sweep = try SweepDirectory.open(directory)
            let missing = try sweep.summarize()
            print(
                "summary: \(sweep.path)/sweep_summary.csv "
                    + "(\(sweep.spec.runCount - missing) of \(sweep.spec.runCount) runs done), phase.svg, report.html, plots/"
            )
        }
    }
}
