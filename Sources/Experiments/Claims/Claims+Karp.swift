// Claim E1 of Karp, Winston, Li & Singh 2021 (local signal adaptivity; SPEC §7), with its
// thresholds. The figures measured when the thresholds were set are in Docs/Claims.md.

extension Claim {
    /// E1's figures and thresholds (karp-lsa against karp-lsa-frozen).
    public enum E1 {
        /// The figure compared: final (clean) test accuracy.
        public static let accuracy = RunCondition.Figure("test accuracy") { $0.testAccuracy }
        /// The learned bias's test accuracy exceeds the frozen one's by at least this (paired by seed).
        public static let margin = 0.1
        /// The share of seeds in which it does, and in which b < 0 and c > 0 (point estimates).
        public static let share = Threshold(.atLeast, 0.9)
        /// The threshold is a real one: b < 0 at the end.
        public static let negativeBias = RunCondition("b", Threshold(.below, 0)) {
            $0.section(LocalSignalMeasures.self)?.thresholdBias ?? .nan
        }
        /// The filter votes for the signal: c = ⟨sign(a)·w, w*⟩ > 0 at the end.
        public static let positiveSignal = RunCondition("c", Threshold(.above, 0)) {
            $0.section(LocalSignalMeasures.self)?.signalProjection ?? .nan
        }
        /// −b/c at the end: where the threshold sits, in units of the signal component.
        public static let thresholdRatio = RunCondition.Figure("−b/c") {
            $0.section(LocalSignalMeasures.self)?.thresholdRatio ?? .nan
        }
        /// The share of the test set's noise patches that pass the threshold at the end.
        public static let activeNoise = RunCondition.Figure("active noise patches") {
            $0.section(LocalSignalMeasures.self)?.activeNoiseFraction ?? .nan
        }
    }

    /// E1 (Karp et al. 2021, karp-lsa against karp-lsa-frozen, 4000 steps): a trained threshold
    /// bias lets the one filter ignore the noise patches: with the same data and init (same seed),
    /// its test accuracy exceeds the frozen-bias (linear) network's by ≥ `E1.margin` in at least
    /// `E1.share` of seeds, and in as many b < 0 and c > 0 at the end (point estimates).
    public static let e1 = Claim(
        id: "E1",
        title: "karp-lsa: a learned threshold bias beats the frozen bias by adapting to the local signal",
        preset: .karpLSA, finalOnly: true,
        statements: [
            ClaimStatement.paired(
                "E1a",
                "learned bias: test accuracy above the frozen bias's by ≥ \(Threshold.format(E1.margin)) (same seed)",
                E1.accuracy, against: "frozen", difference: Threshold(.atLeast, E1.margin), E1.share
            ).on("learned"),
            ClaimStatement.proportion("E1b", "learned bias: b < 0 at the end", [E1.negativeBias], E1.share)
                .on("learned"),
            ClaimStatement.proportion("E1c", "learned bias: c > 0 at the end", [E1.positiveSignal], E1.share)
                .on("learned"),
            ClaimStatement.median("E1d", "learned bias: median test accuracy", E1.accuracy, Threshold(.atLeast, 0))
                .on("learned").measuredOnly(threshold: false),
            ClaimStatement.median("E1e", "frozen bias: median test accuracy", E1.accuracy, Threshold(.atLeast, 0))
                .on("frozen").measuredOnly(threshold: false),
            ClaimStatement.median("E1f", "learned bias: median −b/c", E1.thresholdRatio, Threshold(.above, 0))
                .on("learned").measuredOnly(),
            ClaimStatement.median(
                "E1g", "learned bias: median share of noise patches that pass the threshold", E1.activeNoise,
                Threshold(.below, 1)
            ).on("learned").measuredOnly(),
            ClaimStatement.proportion("E1h", "frozen bias: c > 0 at the end", [E1.positiveSignal], E1.share)
                .on("frozen").measuredOnly(),
        ],
        variants: [
            ClaimVariant("learned", "bias shared, trained (karp-lsa)") { _ in },
            ClaimVariant("frozen", "bias frozen at 0 (karp-lsa-frozen)") { $0 = Preset.karpLSAFrozen.config },
        ])
}
