// Claims of the Brutzkus & Globerson line of work (SPEC §7, B1…), with their thresholds. The
// figures measured when the thresholds were set are in Docs/Claims.md.

import Networks

extension Claim {
    /// B1's conditions (kp-small at M ∈ {2, 4, 8, 32}; Brutzkus & Globerson 2019).
    public enum B1 {
        /// Both keys learned: best-key cosine > 0.5 (the smaller of the two classes' best cosines).
        public static let bothKeys = RunCondition("best-key cosine", Threshold(.above, 0.5)) {
            $0.keys?.bestKeyCosine ?? .nan
        }
        /// The task solved: final test accuracy ≥ 0.99.
        public static let solved = RunCondition("test accuracy", Threshold(.atLeast, 0.99)) { $0.testAccuracy }
        /// At M = 2, at most this share of runs learns both keys (upper interval bound).
        public static let smallShare = Threshold(.atMost, 0.6)
        /// At M = 32, at least this share does (point estimate: with 100 seeds the Wilson lower bound
        /// of 100/100 is 0.963).
        public static let largeShare = Threshold(.atLeast, 0.97)
        /// "Most runs" solve the task at every M.
        public static let solvedShare = Threshold(.atLeast, 0.9)
        /// The widths compared.
        public static let widths = [2, 4, 8, 32]
    }

    /// B1 (Brutzkus & Globerson 2019, kp-small at M ∈ {2, 4, 8, 32}): the share of runs that learn both keys
    /// rises with M (≤ 0.6 at M = 2 on the upper bound, ≥ 0.97 at M = 32), while test accuracy is ≥ 0.99 in
    /// at least 90% of runs at every M.
    public static let b1 = Claim(
        id: "B1",
        title: "kp-small: over-parameterisation — wider nets learn both keys, small nets solve the task anyway",
        preset: .kpSmall, finalOnly: true,
        statements: [
            ClaimStatement.proportion(
                "B1a", "M = 2: runs that learn both keys (best-key cosine > 0.5)", [B1.bothKeys], B1.smallShare,
                rule: .intervalBound
            ).on("M2"),
            ClaimStatement.proportion(
                "B1b", "M = 4: runs that learn both keys (the rise with M)", [B1.bothKeys], B1.largeShare
            ).on("M4").measuredOnly(),
            ClaimStatement.proportion(
                "B1c", "M = 8: runs that learn both keys (the rise with M)", [B1.bothKeys], B1.largeShare
            ).on("M8").measuredOnly(),
            ClaimStatement.proportion(
                "B1d", "M = 32: runs that learn both keys", [B1.bothKeys], B1.largeShare
            ).on("M32"),
        ]
            + B1.widths.enumerated().map { i, m in
                ClaimStatement.proportion(
                    "B1\(["e", "f", "g", "h"][i])", "M = \(m): test accuracy ≥ 0.99", [B1.solved], B1.solvedShare
                ).on("M\(m)")
            },
        variants: B1.widths.map { m in
            ClaimVariant("M\(m)", "M = \(m)", point: ("kp-small", Double(m))) { $0.network.M = m }
        },
        curve: ClaimCurve(
            xLabel: "filters M", figure: RunCondition.Figure("best-key cosine") { $0.keys?.bestKeyCosine ?? .nan }))
}

extension Claim {
    /// B2's figures and thresholds (xord at k ∈ {2, 4, 10, 50, 120}; Brutzkus & Globerson 2019).
    public enum B2 {
        /// The final error on the diverse test set.
        public static let diverseError = RunCondition.Figure("diverse test error") {
            $0.section(XORDMeasures.self)?.diverseTestError ?? .nan
        }
        /// The final error on the unrestricted test set.
        public static let unrestrictedError = RunCondition.Figure("unrestricted test error") {
            $0.section(XORDMeasures.self)?.unrestrictedTestError ?? .nan
        }
        /// Both positive patterns detected: some a_j > 0 filter has cosine > θ with (1,1), and one with
        /// (−1,−1).
        public static let bothPositive = RunCondition("both positive patterns detected", Threshold(.atLeast, 1)) {
            ($0.section(XORDMeasures.self)?.bothPositiveDetected ?? false) ? 1 : 0
        }
        /// No error on the diverse test set.
        public static let zeroError = RunCondition("diverse test error", Threshold(.atMost, 0)) {
            $0.section(XORDMeasures.self)?.diverseTestError ?? .nan
        }
        /// At k = 2 the mean diverse-test error is at least this (point estimate).
        public static let smallError = Threshold(.atLeast, 0.04)
        /// At k = 2 at most this share of runs detects both positive patterns (upper interval bound).
        public static let smallDetection = Threshold(.atMost, 0.5)
        /// At k ≥ 50 at least this share of runs has zero diverse-test error and detects both positive
        /// patterns (point estimate, as B1d: 100/100 has a Wilson lower bound of 0.963).
        public static let largeShare = Threshold(.atLeast, 0.95)
        /// The widths compared (filters per read-out sign; M = 2k).
        public static let widths = [2, 4, 10, 50, 120]
    }

    /// B2 (Brutzkus & Globerson 2019, xord at k ∈ {2, 4, 10, 50, 120}): larger networks generalise better on
    /// XOR detection: the mean diverse-test error does not increase from k = 2 to 4, 10, 50 (point estimates);
    /// at k = 2 it is ≥ 0.04 and at most half of the runs detect both positive patterns (upper bound); at
    /// k = 50 and 120 ≥ 95% of runs have zero diverse-test error and detect both positive patterns.
    public static let b2 = Claim(
        id: "B2",
        title: "xord: over-parameterised nets detect every XOR pattern and generalise better",
        preset: .xord, finalOnly: true,
        statements: [
            ClaimStatement.mean("B2a", "k = 2: mean diverse-test error", B2.diverseError, B2.smallError).on("k2"),
            ClaimStatement.proportion(
                "B2b", "k = 2: runs that detect both positive patterns", [B2.bothPositive], B2.smallDetection,
                rule: .intervalBound
            ).on("k2"),
        ]
            + zip(B2.widths.dropFirst().prefix(3), B2.widths.prefix(3)).enumerated().map { i, pair in
                ClaimStatement.meanDifference(
                    "B2\(["c", "d", "e"][i])",
                    "mean diverse-test error at k = \(pair.0) minus at k = \(pair.1) (non-increasing in k)",
                    B2.diverseError, against: "k\(pair.1)", Threshold(.atMost, 0)
                ).on("k\(pair.0)")
            }
            + [
                ClaimStatement.proportion(
                    "B2f", "k = 4: runs that detect both positive patterns (the rise with k)", [B2.bothPositive],
                    B2.largeShare
                ).on("k4").measuredOnly(),
                ClaimStatement.proportion(
                    "B2g", "k = 10: runs that detect both positive patterns (the rise with k)", [B2.bothPositive],
                    B2.largeShare
                ).on("k10").measuredOnly(),
                ClaimStatement.proportion(
                    "B2h", "k = 50: runs with zero diverse-test error that detect both positive patterns",
                    [B2.zeroError, B2.bothPositive], B2.largeShare
                ).on("k50"),
                ClaimStatement.proportion(
                    "B2i", "k = 120: runs with zero diverse-test error that detect both positive patterns",
                    [B2.zeroError, B2.bothPositive], B2.largeShare
                ).on("k120"),
            ]
            + [2, 50].enumerated().map { i, k in
                ClaimStatement.mean(
                    "B2\(["j", "k"][i])", "k = \(k): mean unrestricted-test error (all points, not only diverse)",
                    B2.unrestrictedError, B2.smallError
                ).on("k\(k)").measuredOnly()
            },
        variants: B2.widths.map { k in
            ClaimVariant("k\(k)", "k = \(k)", point: ("xord", Double(k))) { $0.network.k = k }
        },
        curve: ClaimCurve(
            xLabel: "filters per sign k", figure: B2.diverseError,
            also: [
                B2.unrestrictedError,
                RunCondition.Figure("share of runs detecting both positive patterns") {
                    $0.section(XORDMeasures.self).map { $0.bothPositiveDetected ? 1 : 0 } ?? .nan
                },
            ], mean: true))
}

extension Claim {
    /// C1's figure and thresholds (psi at spuriousBias ∈ {0.2, 0.1, 0} and nTrain ∈ {200, 20};
    /// Brutzkus & Globerson 2020).
    public enum C1 {
        /// ρ₊ at the end: Spearman correlation over the common patterns of D₊(p) with
        /// count₊(p) − count₋(p) (`PatternStatistics`).
        public static let spearman = RunCondition.Figure(PatternStatistics.finalSpearmanPositive)
        /// At spuriousBias 0.2 the mean ρ₊ is at least this (lower end of its 95% interval).
        public static let biased = Threshold(.atLeast, 0.4)
        /// … and exceeds the mean at spuriousBias 0 by at least this (lower end of the Welch interval).
        public static let gain = Threshold(.atLeast, 0.3)
        /// Shown for the unbiased rows: chance differences in the counts already correlate.
        public static let positive = Threshold(.above, 0)
    }

    /// C1 (Brutzkus & Globerson 2020, psi with nTrain 200): the filters of the positive class
    /// detect a common pattern the more, the more often it occurs in positive training points: the
    /// mean ρ₊ is ≥ 0.4 at spuriousBias 0.2 and ≥ 0.3 above its mean at spuriousBias 0 (both on the
    /// lower end of the 95% interval); bias 0.1, and nTrain 20 at bias 0, are shown, not judged.
    public static let c1 = Claim(
        id: "C1",
        title: "psi: positive filters detect common patterns in proportion to their excess in positive points",
        preset: .psi, finalOnly: true,
        statements: [
            ClaimStatement.mean(
                "C1a", "spuriousBias 0.2: mean ρ(D₊, count₊ − count₋) over the common patterns", C1.spearman,
                C1.biased, rule: .intervalBound
            ).on("bias0.2"),
            ClaimStatement.meanDifference(
                "C1b", "mean ρ at spuriousBias 0.2 minus mean ρ at spuriousBias 0", C1.spearman, against: "bias0",
                C1.gain, rule: .intervalBound
            ).on("bias0.2"),
            ClaimStatement.mean(
                "C1c", "spuriousBias 0.1: mean ρ (the rise with the bias)", C1.spearman, C1.biased,
                rule: .intervalBound
            ).on("bias0.1").measuredOnly(),
            ClaimStatement.mean(
                "C1d", "spuriousBias 0: mean ρ (chance differences in the counts)", C1.spearman, C1.positive,
                rule: .intervalBound
            ).on("bias0").measuredOnly(),
            ClaimStatement.mean(
                "C1e", "nTrain 20, spuriousBias 0: mean ρ (chance differences, few points)", C1.spearman,
                C1.positive, rule: .intervalBound
            ).on("n20-bias0").measuredOnly(),
        ],
        variants: [0.2, 0.1, 0].map { bias in
            ClaimVariant(
                "bias\(Threshold.format(bias))", "spuriousBias = \(Threshold.format(bias))",
                point: ("nTrain 200", bias)
            ) { $0.data.spuriousBias = bias }
        } + [
            ClaimVariant("n20-bias0", "nTrain = 20, spuriousBias = 0", point: ("nTrain 20", 0)) {
                $0.data.nTrain = 20
                $0.data.spuriousBias = 0
            }
        ],
        curve: ClaimCurve(xLabel: "spuriousBias", figure: C1.spearman))
}

extension Claim {
    /// C2's figures and thresholds (bg-cnn-vs-fc at nTrain ∈ {8, 16, 32, 64}; Brutzkus & Globerson 2021).
    public enum C2 {
        /// The figure compared: final test accuracy (so CNN minus FC accuracy is FC minus CNN test error).
        public static let accuracy = RunCondition.Figure("test accuracy") { $0.testAccuracy }
        /// The training set fitted: final accuracy on the whole training set is 1.
        public static let fitted = RunCondition("train accuracy", Threshold(.atLeast, 1)) { $0.trainAccuracy }
        /// The CNN's test error is below the FC net's by at least this much (paired by seed).
        public static let margin = 0.1
        /// The share of seeds in which it is.
        public static let share = Threshold(.atLeast, 0.9)
        /// The training-set sizes compared.
        public static let sizes = [8, 16, 32, 64]
        /// Larger sizes run for the curve (test error against n up to 256) and shown, not judged.
        public static let largerSizes = [128, 256]
    }

    /// C2 (Brutzkus & Globerson 2021, bg-cnn-vs-fc at nTrain ∈ {8, 16, 32, 64}): with the same data, budget
    /// and init scale, the max-pooling CNN's test error is below the fully-connected net's by ≥ `C2.margin` in at
    /// least `C2.share` of seeds at every n ≤ 64; both fit their training sets.
    public static let c2 = Claim(
        id: "C2",
        title: "bg-cnn-vs-fc: the max-pooling CNN generalises better than a fully-connected net from few examples",
        preset: .bgCNNvsFC, finalOnly: true,
        statements: C2.sizes.enumerated().map { i, n in
            ClaimStatement.paired(
                "C2\(["a", "b", "c", "d"][i])",
                "n = \(n): CNN test error below the FC net's by ≥ \(Threshold.format(C2.margin)) (same seed)",
                C2.accuracy, against: "n\(n)-fc", difference: Threshold(.atLeast, C2.margin), C2.share
            ).on("n\(n)-cnn")
        }
            + C2.sizes.enumerated().flatMap { i, n in
                ["cnn", "fc"].enumerated().map { a, arch in
                    ClaimStatement.proportion(
                        "C2\(Array("efghijkl")[2 * i + a])", "n = \(n), \(arch): the training set is fitted",
                        [C2.fitted], Threshold(.atLeast, 0.9)
                    ).on("n\(n)-\(arch)").measuredOnly()
                }
            }
            + C2.largerSizes.enumerated().map { i, n in
                ClaimStatement.paired(
                    "C2\(["m", "n"][i])",
                    "n = \(n) (beyond the claim, for the curve): CNN test error below the FC net's by ≥ "
                        + "\(Threshold.format(C2.margin))",
                    C2.accuracy, against: "n\(n)-fc", difference: Threshold(.atLeast, C2.margin), C2.share
                ).on("n\(n)-cnn").measuredOnly()
            },
        variants: (C2.sizes + C2.largerSizes).flatMap { n in
            [Architecture.cnn, .fc].map { arch in
                ClaimVariant("n\(n)-\(arch.rawValue)", "n = \(n), \(arch.rawValue)", point: (arch.rawValue, Double(n)))
                {
                    $0.data.nTrain = n
                    $0.network.architecture = arch
                }
            }
        },
        curve: ClaimCurve(
            xLabel: "training-set size n", figure: RunCondition.Figure("test error") { 1 - $0.testAccuracy }))
}
