import Experiments
import Foundation
import Reporting

/// One checked statement of a claim: the measured value with its 95% interval, the threshold and
/// the verdict.
public struct ClaimRow: Sendable, Equatable {
    public var id: String
    public var statement: String
    /// The measured value (a proportion or a median).
    public var value: Double
    public var interval: ClosedRange<Double>
    /// How the interval was obtained.
    public var method: String
    public var threshold: String
    public var passed: Bool
    /// Extra text shown with the value, e.g. "98/100".
    public var detail: String

    var json: JSONValue {
        .object([
            "id": .string(id), "statement": .string(statement), "value": .double(value),
            "interval": .array([.double(interval.lowerBound), .double(interval.upperBound)]), "method": .string(method),
            "threshold": .string(threshold), "passed": .bool(passed), "detail": .string(detail),
        ])
    }
}

/// A claim of SPEC §7: which preset it runs and how its rows are judged from the run summaries.
public struct Claim: Sendable {
    public var id: String
    public var title: String
    public var preset: Preset
    /// The runs of another claim whose summaries this claim reads (A5 reads A1's kp-bench runs).
    public var sharesRunsWith: String?
    /// True when only the final figures matter, so the runs evaluate at step 0 and the end only.
    public var finalOnly = false
    /// Turns the runs' summaries into verdict rows.
    public let judge: @Sendable ([RunSummary]) -> [ClaimRow]

    /// Every claim, in order.
    public static let all: [Claim] = [a1, a2, a3, a4, a5, h1]

    public static func named(_ id: String) -> Claim? { all.first { $0.id.lowercased() == id.lowercased() } }

    /// A proportion row: `k` of `n` runs satisfy the statement; passes when k/n ≥ `atLeast`.
    static func proportion(
        _ id: String, _ statement: String, _ runs: [RunSummary], atLeast: Double,
        _ holds: (RunSummary) -> Bool
    ) -> ClaimRow {
        let k = runs.filter(holds).count
        let n = runs.count
        let p = n > 0 ? Double(k) / Double(n) : .nan
        return ClaimRow(
            id: id, statement: statement, value: p, interval: wilsonInterval(successes: k, trials: n),
            method: "Wilson 95%", threshold: "≥ \(formatThreshold(atLeast))", passed: n > 0 && p >= atLeast,
            detail: "\(k)/\(n) runs")
    }

    /// A median row: passes when the median satisfies `test`.
    static func median(
        _ id: String, _ statement: String, _ values: [Double], threshold: String, _ test: (Double) -> Bool
    ) -> ClaimRow {
        let m = quantile(values, 0.5)
        return ClaimRow(
            id: id, statement: statement, value: m, interval: medianInterval(values), method: "order statistics 95%",
            threshold: threshold, passed: !m.isNaN && test(m),
            detail: "median of \(values.filter { !$0.isNaN }.count) runs")
    }

    static func formatThreshold(_ x: Double) -> String { x == 1 ? "1" : String(format: "%.2f", x) }

    static let a1 = Claim(
        id: "A1", title: "kp-bench: filters learn the keys, their norms dominate, 100% accuracy by step 500",
        preset: .kpBench, sharesRunsWith: nil
    ) { runs in
        [
            proportion("A1a", "test accuracy reaches 1 by step 500", runs, atLeast: 0.95) {
                ($0.stepsTo100 ?? .max) <= 500
            },
            proportion("A1b", "best-key cosine > 0.9 for both keys", runs, atLeast: 0.95) {
                ($0.keys?.bestKeyCosine ?? -1) > 0.9
            },
            proportion("A1c", "keyShare ≥ 0.85 and normRatio ≥ 2", runs, atLeast: 0.95) {
                ($0.keys?.keyShare ?? 0) >= 0.85 && ($0.keys?.normRatio ?? 0) >= 2
            },
        ]
    }

    static let a2 = Claim(
        id: "A2", title: "kp-clean-max: every run reaches 100% test accuracy within 1000 steps",
        preset: .kpCleanMax, sharesRunsWith: nil
    ) { runs in
        [proportion("A2", "test accuracy reaches 1 within 1000 steps", runs, atLeast: 1) { $0.stepsTo100 != nil }]
    }

    static let a3 = Claim(
        id: "A3", title: "kp-clean-avg: mean pooling reaches 100%, key filters hold the norm",
        preset: .kpCleanAvg, sharesRunsWith: nil
    ) { runs in
        let t100 = runs.map(\.stepsTo100)
        let steps = Set(t100.compactMap { $0 }).sorted()
        let curve = steps.map { T in t100.filter { ($0 ?? .max) <= T }.count }
        let monotone = zip(curve, curve.dropFirst()).allSatisfy { $0 <= $1 }
        return [
            proportion("A3a", "test accuracy reaches 1 within 4000 steps", runs, atLeast: 0.95) {
                $0.stepsTo100 != nil
            },
            median("A3b", "keyShare at the end", runs.map { $0.keys?.keyShare ?? .nan }, threshold: "≥ 0.95") {
                $0 >= 0.95
            },
            ClaimRow(
                id: "A3c", statement: "empirical P(T₁₀₀ ≤ T) is non-decreasing in T (plotted in the report)",
                value: monotone ? 1 : 0, interval: (monotone ? 1 : 0)...(monotone ? 1 : 0), method: "exact",
                threshold: "non-decreasing", passed: monotone, detail: "\(steps.count) distinct T₁₀₀ values"),
        ]
    }

    static let a4 = Claim(
        id: "A4", title: "kp-leaky-logistic: the smooth variant also learns",
        preset: .kpLeakyLogistic, sharesRunsWith: nil
    ) { runs in
        [
            proportion("A4a", "test accuracy reaches 1 within 3000 steps", runs, atLeast: 0.85) {
                $0.stepsTo100 != nil
            },
            median(
                "A4b", "best-key cosine at the end", runs.map { $0.keys?.bestKeyCosine ?? .nan }, threshold: "> 0.95"
            ) { $0 > 0.95 },
        ]
    }

    static let a5 = Claim(
        id: "A5", title: "growth shape (kp-bench runs): key projections grow, common ones and non-key filters do not",
        preset: .kpBench, sharesRunsWith: "A1"
    ) { runs in
        [
            proportion(
                "A5a", "second half: key projection growth ≥ 3 × largest-common-projection growth", runs, atLeast: 0.95
            ) { r in
                guard let k = r.keys, k.keyProjectionGrowth.isFinite, k.keyProjectionGrowth > 0 else { return false }
                return k.keyProjectionGrowth >= 3 * max(k.commonProjectionGrowth, 0)
            },
            proportion("A5b", "median non-key filter norm ≤ 10 × its initial norm", runs, atLeast: 0.95) {
                ($0.keys?.nonKeyNormGrowthMedian ?? .infinity) <= 10
            },
        ]
    }

    static let h1 = Claim(
        id: "H1", title: "fmnist-practical: a few filters dominate the norm and matter most",
        preset: .fmnistPractical, sharesRunsWith: nil, finalOnly: true
    ) { runs in
        let uniform = 8 / Double(Preset.fmnistPractical.config.network.M)
        return [
            median(
                "H1a", "top-8 share of Σ‖w‖² (uniform: \(formatThreshold(uniform)))",
                runs.map { $0.images?.topShare[8] ?? .nan },
                threshold: "≥ 1.5 × uniform = \(formatThreshold(1.5 * uniform))"
            ) { $0 >= 1.5 * uniform },
            proportion("H1b", "keeping the top-8 filters by norm beats a random 8 (mean of 10)", runs, atLeast: 0.9) {
                r in
                guard let a = r.images?.ablation[8] else { return false }
                return a.top > a.random
            },
        ]
    }
}

/// A distribution-free 95% interval for the median from order statistics (normal approximation
/// of the binomial ranks: n/2 ∓ 0.98·√n, 1-based).
public func medianInterval(_ values: [Double]) -> ClosedRange<Double> {
    let s = values.filter { !$0.isNaN }.sorted()
    guard !s.isEmpty else { return 0...0 }
    let n = Double(s.count)
    let lo = max(1, Int((n / 2 - 0.98 * n.squareRoot()).rounded(.down)))
    let hi = min(s.count, Int((n / 2 + 1 + 0.98 * n.squareRoot()).rounded(.up)))
    return s[lo - 1]...s[hi - 1]
}
