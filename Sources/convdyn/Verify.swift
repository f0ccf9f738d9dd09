import ArgumentParser
import Experiments
import Foundation
import Studies
import Tensors

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the claims of the papers over many seeds, with 95% intervals and PASS/FAIL verdicts.",
        discussion: """
            Claims (SPEC §7): A1 kp-bench, A2 kp-clean-max, A3 kp-clean-avg, A4 kp-leaky-logistic, \
            A5 growth shape (judged on the kp-bench runs), H1 fmnist-practical (skipped without the \
            Fashion-MNIST files). Writes verify.json and report.html into the output directory; exits \
            with 0 only if every row of every claim run passed. Thresholds: Docs/Claims.md.
            """)

    @Argument(help: "Claims to check (default: all): A1 A2 A3 A4 A5 H1.")
    var claims: [String] = []

    @Option(help: "Seeds per claim, from 1.")
    var seeds = 100

    @Option(help: "First seed.")
    var firstSeed = 0

    @Option(help: "Parallel runs (default: every core).")
    var jobs: Int?

    @Option(help: "Output directory (default: runs/verify, numbered if taken).")
    var out: String?

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be ≥ 1, got \(seeds)") }
        guard firstSeed >= 0 else { throw ValidationError("--first-seed must be ≥ 0, got \(firstSeed)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
        for name in claims where Claim.named(name) == nil {
            throw ValidationError("unknown claim '\(name)'; claims are \(Claim.all.map(\.id).joined(separator: ", "))")
        }
    }

    func run() throws {
        var selected = claims.isEmpty ? Claim.all : claims.compactMap(Claim.named)
        // A5 is judged on A1's runs when both are asked for: keep A1 first.
        selected.sort { a, b in Claim.all.firstIndex { $0.id == a.id }! < Claim.all.firstIndex { $0.id == b.id }! }
        let root = out ?? freePath("runs/verify")
        let log = LineLog()
        print(
            "Checking \(selected.map(\.id).joined(separator: ", ")) over \(seeds) seeds each, runs in \(root)/CLAIM/seed-N\n"
        )
        fflush(nil)
        let result = try Verifier.run(
            selected, seeds: seeds, firstSeed: firstSeed, root: root, workers: jobs ?? availableCores
        ) { log.line($0) }
        print(result.table)
        print(
            String(
                format: "\n%@ in %.1f s. verify.json and report.html in %@",
                result.passed ? "All claims PASS" : "Some claims FAIL", result.seconds, root))
        if !result.passed { throw ExitCode(1) }
    }
}
