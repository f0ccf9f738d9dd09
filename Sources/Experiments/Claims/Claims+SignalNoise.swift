// Claims of the benign-overfitting line of work (SPEC §7, D1 and D2: Kou, Chen, Chen & Gu 2023; Cao,
// Chen, Belkin & Gu 2022), with their thresholds. The figures measured when they were set are in
// Docs/Claims.md.

extension Claim {
    /// The figures and conditions shared by D1 and D2 (signalNoise runs).
    public enum SignalNoise {
        /// The final clean test error, 1 − accuracy against the true labels y, rounded to 12
        /// decimals (so 1 − 0.97 is 0.03, not 0.030000000000000027).
        public static let cleanError = RunCondition.Figure("clean test error") {
            ((1 - $0.testAccuracy) * 1e12).rounded() / 1e12
        }
        /// SA/NA at the end (`SignalNoiseMeasures`).
        public static let ratio = RunCondition.Figure("SA/NA") {
            $0.section(SignalNoiseMeasures.self)?.signalNoiseRatio ?? .nan
        }
        /// The noisy training labels ỹ fitted: final accuracy on the whole training set against ỹ is 1.
        public static let fitted = RunCondition("train accuracy (against ỹ)", Threshold(.atLeast, 1)) {
            $0.trainAccuracy
        }
        /// The share of runs a per-run statement needs ("in ≥ 95% of runs"; point estimate, as
        /// B2h: 100/100 has a Wilson lower bound of 0.963).
        public static let share = Threshold(.atLeast, 0.95)

        /// Clean test error compared with `threshold`.
        public static func error(_ threshold: Threshold) -> RunCondition {
            RunCondition("clean test error", threshold) { cleanError.value($0) }
        }

        /// The variant "muS" of a signalNoise preset: keyScale = ‖μ‖ = S.
        static func variant(_ norm: Double, series: String) -> ClaimVariant {
            let s = Threshold.format(norm)
            return ClaimVariant("mu\(s)", "‖μ‖ = \(s)", point: (series, norm)) { $0.data.keyScale = norm }
        }
    }

    /// D1's thresholds (kou-relu at D = 400, ‖μ‖ ∈ {0.5, 1, 2, 3, 5}; Kou, Chen, Chen & Gu 2023).
    public enum D1 {
        /// ‖μ‖ = 5: clean test error at most this, with ỹ fitted, in ≥ 95% of runs.
        public static let benignError = Threshold(.atMost, 0.03)
        /// ‖μ‖ = 0.5: clean test error at least this, with ỹ fitted, in ≥ 95% of runs.
        public static let harmfulError = Threshold(.atLeast, 0.35)
        /// The signal norms run; 0.5 and 5 are judged, the others drawn on the curve.
        public static let norms = [0.5, 1, 2, 3, 5]
        /// √(n/D) = √(20/400) ≈ 0.224 (shown, not judged): the noise memorised on a training
        /// point ξ_i meets a fresh test point's noise with ⟨ξ_i, ξ⟩/‖ξ_i‖² ~ 1/√D, summed over n
        /// points ~ √n/√D, so a fresh point is classified by the signal when SA/NA ≫ √(n/D), not 1.
        public static let freshNoiseScale = Threshold(.above, (20.0 / 400).squareRoot())
    }

    /// D1 (Kou, Chen, Chen & Gu 2023, kou-relu at D = 400): benign against harmful overfitting of a
    /// two-layer ReLU CNN on signal-plus-noise data with 10% flipped labels. At ‖μ‖ = 5, ≥ 95% of
    /// runs fit the noisy training labels and have clean test error ≤ 0.03; at ‖μ‖ = 0.5, ≥ 95% fit
    /// them with clean test error ≥ 0.35 (point estimates); the median SA/NA is > 1 in the benign
    /// cell and < 1 in the harmful one (the bound of its 95% interval on the unfavourable side).
    public static let d1 = Claim(
        id: "D1",
        title: "kou-relu: ReLU CNNs overfit noisy labels benignly when the signal is strong, harmfully when weak",
        preset: .kouRelu, finalOnly: true,
        statements: [
            ClaimStatement.proportion(
                "D1a", "‖μ‖ = 5: runs with clean test error ≤ 0.03 that fit the noisy labels (train error 0)",
                [SignalNoise.error(D1.benignError), SignalNoise.fitted], SignalNoise.share
            ).on("mu5"),
            ClaimStatement.proportion(
                "D1b", "‖μ‖ = 0.5: runs with clean test error ≥ 0.35 that fit the noisy labels (train error 0)",
                [SignalNoise.error(D1.harmfulError), SignalNoise.fitted], SignalNoise.share
            ).on("mu0.5"),
            ClaimStatement.median(
                "D1c", "‖μ‖ = 5 (benign): median SA/NA", SignalNoise.ratio, Threshold(.above, 1), rule: .intervalBound
            ).on("mu5"),
            ClaimStatement.median(
                "D1d", "‖μ‖ = 0.5 (harmful): median SA/NA", SignalNoise.ratio, Threshold(.below, 1),
                rule: .intervalBound
            ).on("mu0.5"),
            ClaimStatement.median(
                "D1e",
                "‖μ‖ = 5: median SA/NA against √(n/D) = 0.224, the factor by which memorised noise meets "
                    + "a fresh point's", SignalNoise.ratio, D1.freshNoiseScale, rule: .intervalBound
            ).on("mu5").measuredOnly(),
            ClaimStatement.median(
                "D1f", "‖μ‖ = 0.5: median SA/NA against √(n/D) = 0.224", SignalNoise.ratio,
                Threshold(.below, D1.freshNoiseScale.value), rule: .intervalBound
            ).on("mu0.5").measuredOnly(),
        ]
            + [1.0, 2, 3].enumerated().map { i, norm in
                ClaimStatement.mean(
                    "D1\(["g", "h", "i"][i])",
                    "‖μ‖ = \(Threshold.format(norm)): mean clean test error (the transition)",
                    SignalNoise.cleanError, D1.benignError
                ).on("mu\(Threshold.format(norm))").measuredOnly()
            },
        variants: D1.norms.map { SignalNoise.variant($0, series: "kou-relu") },
        curve: ClaimCurve(xLabel: "signal norm ‖μ‖", figure: SignalNoise.cleanError, also: [SignalNoise.ratio]))
}

extension Claim {
    /// D2's thresholds (cao-poly at ‖μ‖ ∈ {1, 2, 3, 5, 10}; Cao, Chen, Belkin & Gu 2022).
    public enum D2 {
        /// ‖μ‖ = 1: clean test error at least this, with the training set fitted, in ≥ 95% of runs.
        public static let harmfulError = Threshold(.atLeast, 0.4)
        /// ‖μ‖ = 10: clean test error at most this, with the training set fitted, in ≥ 95% of runs.
        public static let benignError = Threshold(.atMost, 0.15)
        /// The signal norms run; 1 and 10 are judged, the others drawn on the curve.
        public static let norms = [1.0, 2, 3, 5, 10]
    }

    /// D2 (Cao, Chen, Belkin & Gu 2022, cao-poly): a polyReLU(3) CNN fits its training set at any
    /// signal norm, but generalises only when the signal is strong: ≥ 95% of runs fit the training
    /// set with clean test error ≥ 0.4 at ‖μ‖ = 1, and with ≤ 0.15 at ‖μ‖ = 10 (point estimates).
    public static let d2 = Claim(
        id: "D2",
        title: "cao-poly: polyReLU CNNs fit the training set at any signal norm, generalise only with a strong signal",
        preset: .caoPoly, finalOnly: true,
        statements: [
            ClaimStatement.proportion(
                "D2a", "‖μ‖ = 1: runs with clean test error ≥ 0.4 that fit the training set (train error 0)",
                [SignalNoise.error(D2.harmfulError), SignalNoise.fitted], SignalNoise.share
            ).on("mu1"),
            ClaimStatement.proportion(
                "D2b", "‖μ‖ = 10: runs with clean test error ≤ 0.15 that fit the training set (train error 0)",
                [SignalNoise.error(D2.benignError), SignalNoise.fitted], SignalNoise.share
            ).on("mu10"),
            ClaimStatement.median(
                "D2c", "‖μ‖ = 1: median SA/NA (noise memorisation dominates)", SignalNoise.ratio,
                Threshold(.below, 1), rule: .intervalBound
            ).on("mu1").measuredOnly(),
            ClaimStatement.median(
                "D2d", "‖μ‖ = 10: median SA/NA (signal learning dominates)", SignalNoise.ratio,
                Threshold(.above, 1), rule: .intervalBound
            ).on("mu10").measuredOnly(),
        ]
            + [2.0, 3, 5].enumerated().map { i, norm in
                ClaimStatement.mean(
                    "D2\(["e", "f", "g"][i])",
                    "‖μ‖ = \(Threshold.format(norm)): mean clean test error (the transition)",
                    SignalNoise.cleanError, D2.benignError
                ).on("mu\(Threshold.format(norm))").measuredOnly()
            },
        variants: D2.norms.map { SignalNoise.variant($0, series: "cao-poly") },
        curve: ClaimCurve(xLabel: "signal norm ‖μ‖", figure: SignalNoise.cleanError, also: [SignalNoise.ratio]))
}
