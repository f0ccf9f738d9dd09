import Foundation

// Claims F1 and F2 of Tan & Chen 2021 (two-layer quadratic networks; SPEC §7), with their
// thresholds. The figures measured when the thresholds were set are in Docs/Claims.md.

extension Claim {
    /// The figures of the tc-quadratic runs that F1 and F2 read (`QuadraticMeasures`).
    public enum Quadratic {
        /// max over the evaluations of max_j |I_j(t) − I_j(0)| / max_j(‖w_j(0)‖² + 2a_j(0)²).
        public static let drift = RunCondition.Figure("scaled invariant drift") {
            $0.section(QuadraticMeasures.self)?.invariantDriftMax ?? .nan
        }
        /// log10 of `drift`, for the paired comparison of two learning rates.
        public static let logDrift = RunCondition.Figure("log10 scaled invariant drift") {
            log10($0.section(QuadraticMeasures.self)?.invariantDriftMax ?? .nan)
        }
        /// max over the evaluations of the SPEC-form drift max_j |ΔI_j| / (|I_j(0)| + ε) (shown only).
        public static let relativeDrift = RunCondition.Figure("SPEC-form invariant drift") {
            $0.section(QuadraticMeasures.self)?.invariantDriftRelativeMax ?? .nan
        }
        /// max_j |‖w_j(T)‖ − ‖w_j(0)‖| / ‖w_j(0)‖ at the end.
        public static let normChange = RunCondition.Figure("largest relative change of ‖w_j‖") {
            $0.section(QuadraticMeasures.self)?.normChange ?? .nan
        }
        /// Final test loss over the step-0 test loss.
        public static let lossRatio = RunCondition.Figure("final / initial test loss") {
            $0.section(QuadraticMeasures.self)?.testLossRatio ?? .nan
        }
        /// 1 when the learning curve has a plateau just before its first drop, else 0.
        public static let plateauBeforeDrop = RunCondition("plateau before the first drop", Threshold(.atLeast, 1)) {
            ($0.section(QuadraticMeasures.self)?.plateauBeforeDrop ?? false) ? 1 : 0
        }
        /// The first evaluated step with the test loss at half its start or below (∞ if none).
        public static let firstDrop = RunCondition.Figure("first drop (step)") {
            $0.section(QuadraticMeasures.self).map { $0.firstDropStep.map(Double.init) ?? .infinity } ?? .nan
        }
        /// max_j I_j(0).
        public static let initialInvariantMax = RunCondition.Figure("max_j I_j(0)") {
            $0.section(QuadraticMeasures.self)?.initialInvariantMax ?? .nan
        }
    }

    /// F1's thresholds (tc-quadratic, and the same time η·t at η/10).
    public enum F1 {
        /// Every I_j stays within this fraction of max_j(‖w_j(0)‖² + 2a_j(0)²) over the whole run.
        public static let driftBound = Threshold(.atMost, 0.03)
        /// … while some filter's norm changes by at least 100%.
        public static let normChange = Threshold(.atLeast, 1)
        /// The share of runs that must meet both (point estimate).
        public static let share = Threshold(.atLeast, 0.9)
        /// At η/10 over 10× the steps, log10(drift) − log10(drift at η, same seed) ≤ log10 of this.
        public static let etaRatio = 0.2
        /// The common horizon of the η-scaling comparison, in steps at η: η·t = 5 (a quarter of the
        /// preset's 20, past the first drop; 200,000 steps at η/10 would take 10× a preset run).
        public static let shortSteps = 5000
        /// The seeds `convdyn verify` runs without --seeds (each takes ≈ 3 s of one core in release).
        public static let seeds = 20
    }

    /// F1 (Tan & Chen 2021, tc-quadratic): the conservation law, measured. Gradient flow conserves
    /// I_j = ‖w_j‖² − 2a_j²; SGD at η = 1e-3 keeps every I_j within `F1.driftBound` of the scale
    /// max_j(‖w_j(0)‖² + 2a_j(0)²) over 20,000 steps while a filter norm changes by ≥ 100%, in
    /// ≥ 90% of runs; over a common time η·t = 5 (5000 steps at η, 50,000 at η/10) the drift at η/10
    /// is ≤ `F1.etaRatio` of the same seed's at η in ≥ 90% of seeds: it is a discretisation effect
    /// of order η (point estimates).
    public static let f1 = Claim(
        id: "F1",
        title: "tc-quadratic: ‖w_j‖² − 2a_j² is conserved up to O(η) while the filters grow",
        preset: .tcQuadratic,
        statements: [
            ClaimStatement.proportion(
                "F1a",
                "η = 1e-3: runs whose every I_j drifts by ≤ \(Threshold.format(F1.driftBound.value))·max_j(‖w_j(0)‖² "
                    + "+ 2a_j(0)²) while some ‖w_j‖ changes by ≥ 100%",
                [
                    RunCondition(Quadratic.drift.label, F1.driftBound, value: Quadratic.drift.value),
                    RunCondition(Quadratic.normChange.label, F1.normChange, value: Quadratic.normChange.value),
                ],
                F1.share
            ).on("eta"),
            ClaimStatement.paired(
                "F1b",
                "η·t = 5: seeds whose drift at η/10 is ≤ \(Threshold.format(F1.etaRatio))× the drift at η "
                    + "(log10 difference ≤ \(Threshold.format(log10(F1.etaRatio))))",
                Quadratic.logDrift, against: "short", difference: Threshold(.atMost, log10(F1.etaRatio)), F1.share
            ).on("eta10"),
            ClaimStatement.median("F1g", "η·t = 5, η = 1e-3: median scaled drift", Quadratic.drift, F1.driftBound)
                .on("short").measuredOnly(),
            ClaimStatement.median("F1c", "η = 1e-3: median scaled drift", Quadratic.drift, F1.driftBound)
                .on("eta").measuredOnly(),
            ClaimStatement.median("F1d", "η·t = 5, η/10: median scaled drift", Quadratic.drift, F1.driftBound)
                .on("eta10").measuredOnly(),
            ClaimStatement.median(
                "F1e", "η = 1e-3: median largest relative change of ‖w_j‖", Quadratic.normChange, F1.normChange
            ).on("eta").measuredOnly(),
            ClaimStatement.median(
                "F1f", "η = 1e-3: median SPEC-form drift max_j |ΔI_j|/(|I_j(0)|+ε) (ill-posed when I_j(0) ≈ 0)",
                Quadratic.relativeDrift, Threshold(.atLeast, 0)
            ).on("eta").measuredOnly(threshold: false),
        ],
        variants: [
            ClaimVariant("eta", "η = 1e-3, 20,000 steps (tc-quadratic)") { _ in },
            ClaimVariant("short", "η = 1e-3, 5000 steps (η·t = 5)") { $0.training.steps = F1.shortSteps },
            ClaimVariant("eta10", "η = 1e-4, 50,000 steps (η·t = 5)") {
                $0.training.learningRate /= 10
                $0.training.steps = 10 * F1.shortSteps
            },
        ], defaultSeeds: F1.seeds)
}

extension Claim {
    /// F2's thresholds (tc-quadratic, and the init the conservation law forbids from learning).
    public enum F2 {
        /// The final test loss is at most this fraction of its start (100× below) …
        public static let learned = Threshold(.atMost, 0.01)
        /// … in at least this share of runs (point estimate).
        public static let learnedShare = Threshold(.atLeast, 0.9)
        /// The share of runs whose learning curve has a plateau just before its first drop.
        public static let plateauShare = Threshold(.atLeast, 0.9)
        /// The forbidden init: every read-out starts at this value (a₀ < 0, 2a₀² = 0.5 > ‖w_j(0)‖²).
        public static let forbiddenReadout = -0.5
        /// With it, the final test loss stays at least this fraction of its start …
        public static let stuck = Threshold(.atLeast, 0.5)
        /// … in at least this share of runs, each with every I_j(0) < 0 (point estimate).
        public static let stuckShare = Threshold(.atLeast, 0.95)
        /// The seeds `convdyn verify` runs without --seeds (two runs of ≈ 0.9 s each per seed).
        public static let seeds = 30
    }

    /// F2 (Tan & Chen 2021, tc-quadratic): the loss ends ≥ 100× below its start in ≥ 90% of runs,
    /// and the learning curve has a plateau just before its first drop in ≥ 90% of runs; started
    /// with every a_j = −0.5 (so every I_j(0) < 0 and, the law holding, no a_j can reach 0 and
    /// f ≤ 0 < t), the loss stays ≥ 0.5 of its start in ≥ 95% of runs (point estimates).
    public static let f2 = Claim(
        id: "F2",
        title: "tc-quadratic: the loss falls 100× after a plateau, but not from an init the conservation law forbids",
        preset: .tcQuadratic,
        statements: [
            ClaimStatement.proportion(
                "F2a", "runs whose test loss ends ≥ 100× below its start",
                [RunCondition(Quadratic.lossRatio.label, F2.learned, value: Quadratic.lossRatio.value)],
                F2.learnedShare
            ).on("standard"),
            ClaimStatement.proportion(
                "F2b",
                "runs with a plateau (≥ 1 decade of steps, < 10% change) ending ≤ ½ decade before the first drop "
                    + "(loss ≤ ½ its start)",
                [Quadratic.plateauBeforeDrop], F2.plateauShare
            ).on("standard"),
            ClaimStatement.proportion(
                "F2c", "every a_j(0) = −0.5 (every I_j(0) < 0): runs whose test loss stays ≥ 0.5 of its start",
                [
                    RunCondition(Quadratic.lossRatio.label, F2.stuck, value: Quadratic.lossRatio.value),
                    RunCondition(
                        Quadratic.initialInvariantMax.label, Threshold(.below, 0),
                        value: Quadratic.initialInvariantMax.value),
                ],
                F2.stuckShare
            ).on("forbidden"),
            ClaimStatement.median("F2d", "median final / initial test loss", Quadratic.lossRatio, F2.learned)
                .on("standard").measuredOnly(),
            ClaimStatement.median("F2e", "median first drop (step)", Quadratic.firstDrop, Threshold(.atLeast, 0))
                .on("standard").measuredOnly(threshold: false),
            ClaimStatement.median(
                "F2f", "forbidden init: median final / initial test loss", Quadratic.lossRatio, F2.stuck
            ).on("forbidden").measuredOnly(),
        ],
        variants: [
            ClaimVariant("standard", "a_j ~ N(0, 0.1²) (tc-quadratic)") { _ in },
            ClaimVariant("forbidden", "every a_j(0) = −0.5, so every I_j(0) < 0") {
                $0.network.readout = .trainableFrom(F2.forbiddenReadout)
            },
        ], defaultSeeds: F2.seeds)
}
