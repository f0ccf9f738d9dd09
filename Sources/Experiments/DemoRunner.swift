import Datasets
import Foundation
import Tensors

/// Runs one preset over many seeds in parallel and tells the main paper's story from the summaries.
public enum DemoRunner {
    /// Runs `preset` for each seed into `root/seed-S`, on `workers` threads; the results are in
    /// seed order and do not depend on `workers`.
    public static func run(
        preset: Preset, seeds: [Int], root: String, workers: Int,
        finished: (@Sendable (RunSummary) -> Void)? = nil
    ) throws -> [RunSummary] {
        for seed in seeds where FileManager.default.fileExists(atPath: "\(root)/seed-\(seed)") {
            throw OutputError("\(root)/seed-\(seed) already exists; choose another --out")
        }
        let configs = seeds.map { seed -> ExperimentConfig in
            var config = preset.config
            config.seed = seed
            return config
        }
        return try RunBatch.run(configs, into: seeds.map { "\(root)/seed-\($0)" }, workers: workers) { _, summary in
            finished?(summary)
        }
    }

    /// The per-seed table.
    public static func table(_ results: [RunSummary]) -> String {
        var lines = ["seed   T100   best-key cos   keyShare   normRatio   key filters (+/−)   test acc"]
        for r in results {
            let k = r.keys ?? .missing
            lines.append(
                [
                    pad(String(r.seed), 4), pad(r.stepsTo100.map(String.init) ?? "never", 5),
                    pad(format(k.bestKeyCosine, "%.3f"), 12),
                    pad(format(k.keyShare, "%.3f"), 8), pad(format(k.normRatio, "%.2f"), 9),
                    pad("\(k.positiveKeyFilterCount)/\(k.negativeKeyFilterCount)", 17),
                    pad(format(r.testAccuracy, "%.4f"), 8),
                ].joined(separator: "   "))
        }
        return lines.joined(separator: "\n")
    }

    /// One line per claim of the main paper (SPEC §0), with the measured evidence; the thresholds
    /// are those of claim A1 (`Claim.A1`).
    public static func claims(_ runs: [RunSummary], config: ExperimentConfig) -> String {
        let n = runs.count
        let keys = runs.map { $0.keys ?? .missing }
        func count(_ condition: RunCondition) -> Int { runs.filter(condition.holds).count }
        let d = config.data
        let theta = config.evaluation.theta
        let reached = runs.compactMap(\.stepsTo100)
        let half = config.training.steps / 2
        let share = Claim.A1.keyShare
        let ratio = Claim.A1.normRatio
        let learned = RunCondition("best-key cosine", Threshold(.above, theta)) { $0.keys?.bestKeyCosine ?? .nan }
        return """

            Claims of the main paper, measured:
            1. Key patterns decide the label: each example has \(d.keysPerExample) key patch among \(d.K); \
            \(d.commonIndices.count) common patterns appear equally in both classes.
            2. Filters learn the key patterns: \(learned.text) in \(count(learned))/\(n) runs \
            (median \(format(median(keys.map(\.bestKeyCosine)), "%.3f"))).
            3. Key filters' norms dominate: \(share.text) in \(count(share))/\(n) runs \
            (median \(format(median(keys.map(\.keyShare)), "%.3f"))); \(ratio.text) in \(count(ratio))/\(n) \
            (median \(format(median(keys.map(\.normRatio)), "%.2f"))).
            4. 100% test accuracy: reached in \(reached.count)/\(n) runs, by step \(half) in \
            \(reached.filter { $0 <= half }.count)/\(n) \
            (median T100 \(reached.isEmpty ? "n/a" : format(median(reached.map(Double.init)), "%.0f")) steps).
            5. Practical image classification: see `convdyn demo --images`.
            """
    }

    /// The evidence for claim H1 (SPEC §7): per run and over runs.
    public static func imageEvidence(_ runs: [RunSummary], config: ExperimentConfig) -> String {
        let M = config.network.M
        let k = Claim.H1.k
        let uniform = Double(k) / Double(M)
        var lines = [
            "seed   test acc   top-\(k) share   uniform \(k)/\(M)   Gini    keep top-\(k)   keep random-\(k) (±sd)   "
                + "keep bottom-\(k)"
        ]
        for r in runs {
            let s = r.images
            let a = s?.ablation[k]
            lines.append(
                [
                    pad(String(r.seed), 4), pad(format(r.testAccuracy, "%.4f"), 8),
                    pad(format(s?.topShare[k] ?? .nan, "%.3f"), 11),
                    pad(format(uniform, "%.3f"), 12), pad(format(s?.gini ?? .nan, "%.3f"), 5),
                    pad(format(a?.top ?? .nan, "%.4f"), 10),
                    pad("\(format(a?.random ?? .nan, "%.4f")) (±\(format(a?.randomStd ?? .nan, "%.3f")))", 19),
                    pad(format(a?.bottom ?? .nan, "%.4f"), 13),
                ].joined(separator: "   "))
        }
        let n = runs.count
        let shares = runs.compactMap { $0.images?.topShare[k] }
        let gaps = runs.compactMap { r in r.images?.ablation[k].map { $0.top - $0.random } }
        lines.append("")
        lines.append("Claim H1 (practical image classification), measured:")
        lines.append(
            "- Norm dominance: the \(k) largest of \(M) filters hold more than the uniform share "
                + "\(format(uniform, "%.3f")) of Σ‖w‖² in \(shares.filter { $0 > uniform }.count)/\(n) runs "
                + "(median top-\(k) share \(format(median(shares), "%.3f")))."
        )
        lines.append(
            "- The large filters matter: keeping the top-\(k) by norm beats keeping a random \(k) in "
                + "\(gaps.filter { $0 > 0 }.count)/\(n) runs (median accuracy gain \(format(median(gaps), "%.3f")))."
        )
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    static func format(_ x: Double, _ f: String) -> String { x.isNaN ? "n/a" : String(format: f, x) }
}

/// The median of the values that are not NaN (the mean of the two middle ones for an even count);
/// NaN when there are none.
public func median(_ xs: [Double]) -> Double {
    let s = xs.filter { !$0.isNaN }.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
