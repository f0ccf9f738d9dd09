import ArgumentParser
import Experiments
import Foundation
import Studies
import Tensors

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the claims of the papers over many seeds, with confidence intervals and PASS/FAIL verdicts.",
        discussion: """
            Checks the claims of SPEC §7, each over --seeds runs of its preset (a claim on image data is \
            skipped without its data files). Writes verify.json and report.html into the output \
            directory. Thresholds: Docs/Claims.md.
            """ + "\n\n"
                + ExitStatus.text(
                    success: "when every claim checked passes",
                    failure: "a claim that fails (any row of a claim that ran), or runs or outputs that cannot be made")
    )

    @Argument(help: "Claims to check (default: all).")
    var claims: [ClaimID] = []

    @Option(help: "Seeds per claim, from 1 (default: each claim's own, 100 for most; Docs/Claims.md).")
    var seeds: Int?

    @Option(help: "First seed.")
    var firstSeed = 0

    @Option(help: "Parallel runs, and the most cores they use together (default: every core).")
    var jobs: Int?

    @Option(help: "Output directory (default: runs/verify, numbered if taken).")
    var out: String?

    @Flag(help: ProgressOption.help(" Counts claims: the runs of a claim finish together."))
    var progress = false

    func validate() throws {
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be ≥ 1, got \(seeds)") }
        guard firstSeed >= 0 else { throw ValidationError("--first-seed must be ≥ 0, got \(firstSeed)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be ≥ 1, got \(jobs)") }
        // Every run keeps its summary in memory and its directory on disk, as in a sweep: the same bound.
        let selected = claims.isEmpty ? Claim.all : Claim.all.filter { c in claims.contains { $0.id == c.id } }
        let runs = selected.reduce(0) { total, claim in
            let perSeed = max(1, claim.variants.count)
            let (n, overflow) = claim.seeds(seeds).multipliedReportingOverflow(by: perSeed)
            return overflow ? Int.max : total.addingReportingOverflow(n).overflow ? Int.max : total + n
        }
        guard runs <= SweepSpec.maxRuns else {
            throw ValidationError(
                "--seeds \(seeds ?? 0) makes \(runs) runs over the claims asked for; at most \(SweepSpec.maxRuns) "
                    + "(the sweep bound, Docs/Sweeps.md): check fewer claims or lower --seeds")
        }
        let largest = selected.map { $0.seeds(seeds) }.max() ?? 1
        guard firstSeed <= Int.max - largest else {
            throw ValidationError(
                "--first-seed \(firstSeed) + \(largest) seeds passes the largest seed \(Int.max); lower --first-seed")
        }
    }

    func run() throws {
        // In the registry's order: A5 is judged on A1's runs when both are asked for, so A1 comes first.
        let selected = claims.isEmpty ? Claim.all : Claim.all.filter { c in claims.contains { $0.id == c.id } }
        let root = out ?? freePath("runs/verify")
        let log = LineLog()
        print(
            "Checking \(selected.map(\.id).joined(separator: ", ")) over "
                + (seeds.map { "\($0) seeds each" }
                    ?? selected.map { "\($0.id): \($0.seeds(nil))" }.joined(separator: ", ") + " seeds")
                + ", runs in \(root)/CLAIM/seed-N\n"
        )
        fflush(nil)
        let bar = progress ? ProgressDisplay(label: "verify", unit: "claims", total: selected.count) : nil
        let ids = selected.map(\.id)
        let result = try Verifier.run(
            selected, seeds: seeds, firstSeed: firstSeed, root: root, workers: jobs ?? availableCores
        ) { line in
            guard let bar else { return log.line(line) }
            bar.log(line)
            // The Verifier checks the claims in order and each of its lines starts with the claim's id:
            // the claims before the one named are done.
            if let k = Self.claimIndex(of: line, in: ids) { bar.update(k) }
        }
        bar?.update(selected.count)
        bar?.finish()
        print(result.table)
        print(
            String(
                format: "\n%@ in %.1f s. verify.json and report.html in %@",
                result.passed ? "All claims PASS" : "Some claims FAIL", result.seconds, root))
        if !result.passed { throw ExitCode(1) }
    }

    /// The index in `ids` of the claim a line of the Verifier's log is about (it starts with
    /// "ID:" or "ID,").
    static func claimIndex(of line: String, in ids: [String]) -> Int? {
        ids.firstIndex { line.hasPrefix($0 + ":") || line.hasPrefix($0 + ",") }
    }
}
