// The claims of the main paper (SPEC §7, A1–A5 and H1), with the thresholds the demo and the
// reports also read. The figures measured when these thresholds were set are in Docs/Claims.md.

extension Claim {
    /// Every claim, in the order `convdyn verify` runs them.
    public static let all: [Claim] = [a1, a2, a3, a4, a5, b1, b2, c1, c2, d1, d2, e1, f1, f2, g1, h1]

    /// A1's per-run conditions (kp-bench): learned keys, dominant norms, 100% by step 500.
    public enum A1 {
        /// Test accuracy reaches 1 by step 500.
        public static let reached = RunCondition.stepsTo100(atMost: 500)
        /// Best-key cosine > θ = 0.9 for both keys.
        public static let keyLearned = RunCondition("best-key cosine", Threshold(.above, 0.9)) {
            $0.keys?.bestKeyCosine ?? .nan
        }
        /// keyShare ≥ 0.85.
        public static let keyShare = RunCondition("keyShare", Threshold(.atLeast, 0.85)) { $0.keys?.keyShare ?? .nan }
        /// normRatio ≥ 2.
        public static let normRatio = RunCondition("normRatio", Threshold(.atLeast, 2)) { $0.keys?.normRatio ?? .nan }
        /// The share of runs that must meet each condition.
        public static let share = Threshold(.atLeast, 0.95)
    }

    /// A1 (SPEC §7, kp-bench): in ≥ 95% of runs test accuracy reaches 1 by step 500, in ≥ 95% the
    /// best-key cosine is > 0.9, and in ≥ 95% keyShare ≥ 0.85 and normRatio ≥ 2.
    public static let a1 = Claim(
        id: "A1", title: "kp-bench: filters learn the keys, their norms dominate, 100% accuracy by step 500",
        preset: .kpBench,
        statements: [
            .proportion("A1a", "test accuracy reaches 1 by step 500", [A1.reached], A1.share),
            .proportion("A1b", "best-key cosine > 0.9 for both keys", [A1.keyLearned], A1.share),
            .proportion("A1c", "keyShare ≥ 0.85 and normRatio ≥ 2", [A1.keyShare, A1.normRatio], A1.share),
        ])

    /// A2 (kp-clean-max): every run (share ≥ 1) reaches test accuracy 1 within 1000 steps.
    public static let a2 = Claim(
        id: "A2", title: "kp-clean-max: every run reaches 100% test accuracy within 1000 steps",
        preset: .kpCleanMax,
        statements: [
            .proportion(
                "A2", "test accuracy reaches 1 within 1000 steps", [.stepsTo100(atMost: 1000)],
                Threshold(.atLeast, 1))
        ])

    /// A3's conditions (kp-clean-avg, 4000 steps).
    public enum A3 {
        /// P(T₁₀₀ ≤ 500): mean pooling learns slowly, so at most half the runs are done by step 500 …
        public static let early = RunCondition.stepsTo100(atMost: 500)
        /// At most half the runs have T₁₀₀ ≤ 500, judged on the Wilson interval's upper bound (A3c).
        public static let earlyShare = Threshold(.atMost, 0.5)
        /// … while P(T₁₀₀ ≤ 4000) ≥ 0.95.
        public static let reached = RunCondition.stepsTo100(atMost: 4000)
        /// At least 95% of runs reach test accuracy 1 within 4000 steps (A3a).
        public static let reachedShare = Threshold(.atLeast, 0.95)
    }

    /// A3 (kp-clean-avg, 4000 steps): ≥ 95% of runs reach test accuracy 1, the median final keyShare
    /// is ≥ 0.95, and P(T₁₀₀ ≤ 500) ≤ 0.5 by its interval's upper bound (slow but sure learning).
    public static let a3 = Claim(
        id: "A3", title: "kp-clean-avg: mean pooling reaches 100%, key filters hold the norm",
        preset: .kpCleanAvg,
        statements: [
            .proportion("A3a", "test accuracy reaches 1 within 4000 steps", [A3.reached], A3.reachedShare),
            .median(
                "A3b", "keyShare at the end", RunCondition.Figure("keyShare") { $0.keys?.keyShare ?? .nan },
                Threshold(.atLeast, 0.95)),
            .proportion(
                "A3c", "P(T₁₀₀ ≤ 500) ≤ 0.5: at most half the runs are done by step 500",
                [A3.early], A3.earlyShare, rule: .intervalBound),
        ])

    /// A4 (kp-leaky-logistic): ≥ 85% of runs reach test accuracy 1 within 3000 steps and the median
    /// final best-key cosine is > 0.95.
    public static let a4 = Claim(
        id: "A4", title: "kp-leaky-logistic: the smooth variant also learns",
        preset: .kpLeakyLogistic,
        statements: [
            .proportion(
                "A4a", "test accuracy reaches 1 within 3000 steps", [.stepsTo100(atMost: 3000)],
                Threshold(.atLeast, 0.85)),
            .median(
                "A4b", "best-key cosine at the end",
                RunCondition.Figure("best-key cosine") { $0.keys?.bestKeyCosine ?? .nan }, Threshold(.above, 0.95)),
        ])

    /// A5's conditions (growth shape, judged on kp-clean-avg).
    public enum A5 {
        /// Over the second half, key projection growth ≥ 3 × max(largest common projection growth, 0).
        public static let keyOutgrowsCommon = RunCondition(
            "key / common projection growth", Threshold(.atLeast, 3)
        ) { r in
            guard let k = r.keys, k.keyProjectionGrowth.isFinite, k.keyProjectionGrowth > 0 else { return -.infinity }
            return k.keyProjectionGrowth / max(k.commonProjectionGrowth, 0)
        }
        /// The median non-key filter norm grows at most 10× (one order of magnitude).
        public static let nonKeyStaySmall = RunCondition("median non-key norm growth", Threshold(.atMost, 10)) {
            $0.keys?.nonKeyNormGrowthMedian ?? .infinity
        }
        /// The share of runs that must meet each A5 condition.
        public static let share = Threshold(.atLeast, 0.95)
        /// The same figure as a median, reported on kp-bench (max pooling, σ = 0.05) as a contrast.
        public static let nonKeyGrowth = RunCondition.Figure("median non-key norm growth") {
            $0.keys?.nonKeyNormGrowthMedian ?? .nan
        }
    }

    /// A5 (growth shape, on A3's kp-clean-avg runs): in ≥ 95% of runs the key projection grows ≥ 3×
    /// as much as the largest common projection over the second half, and in ≥ 95% the median
    /// non-key norm grows ≤ 10×; the same median on A1's kp-bench runs is reported, not judged.
    public static let a5 = Claim(
        id: "A5",
        title: "growth shape (kp-clean-avg runs): key projections grow, common ones and non-key filters do not",
        preset: .kpCleanAvg, sharesRunsWith: "A3",
        statements: [
            .proportion(
                "A5a", "second half: key projection growth ≥ 3 × largest-common-projection growth",
                [A5.keyOutgrowsCommon], A5.share),
            .proportion("A5b", "median non-key filter norm ≤ 10 × its initial norm", [A5.nonKeyStaySmall], A5.share),
            ClaimStatement.median(
                "A5c", "contrast, kp-bench runs of A1: median non-key filter norm growth (max pooling with noise)",
                A5.nonKeyGrowth, Threshold(.atMost, 10)
            ).contrast(onRunsOf: "A1"),
        ])

    /// H1's figures (fmnist-practical).
    public enum H1 {
        /// The k of "top-k filters".
        public static let k = 8
        /// The top-k share must exceed this multiple of the uniform share k/M.
        public static let shareFactor = 1.5
        /// Keeping the top-k by norm beats a random k in this share of runs.
        public static let winShare = Threshold(.atLeast, 0.9)
        /// The uniform share k/M of the fmnist-practical network.
        public static var uniform: Double { Double(k) / Double(Preset.fmnistPractical.config.network.M) }
    }

    /// H1 (fmnist-practical, final figures only): the median top-8 share of Σ‖w_j‖² is ≥ 1.5 × 8/M,
    /// and keeping the top-8 filters by norm beats a random 8 (mean of 10 draws) in ≥ 90% of runs.
    public static let h1 = Claim(
        id: "H1", title: "fmnist-practical: a few filters dominate the norm and matter most",
        preset: .fmnistPractical, finalOnly: true,
        statements: [
            .median(
                "H1a", "top-\(H1.k) share of Σ‖w‖² (uniform: \(Threshold.format(H1.uniform)))",
                RunCondition.Figure("top-\(H1.k) share") { $0.images?.topShare[H1.k] ?? .nan },
                Threshold(.atLeast, H1.shareFactor * H1.uniform)),
            .proportion(
                "H1b", "keeping the top-\(H1.k) filters by norm beats a random \(H1.k) (mean of 10)",
                [
                    RunCondition("top-\(H1.k) − random-\(H1.k) accuracy", Threshold(.above, 0)) { r in
                        guard let a = r.images?.ablation[H1.k] else { return .nan }
                        return a.top - a.random
                    }
                ], H1.winShare),
        ])
}
