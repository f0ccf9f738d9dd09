// Claim G1 of Chowdhury, Zhang, Wang, Liu & Chen 2023 (patch-level routing in mixture-of-experts;
// SPEC §7), with its thresholds. The figures measured when the thresholds were set are in
// Docs/Claims.md.

extension Claim {
    /// G1's figures and thresholds (pmoe against pmoe-cnn at nTrain ∈ {8, 16, 32, 64, 128}).
    public enum G1 {
        /// The figure compared: final (clean) test accuracy.
        public static let accuracy = RunCondition.Figure("test accuracy") { $0.testAccuracy }
        /// Routing accuracy (`RoutingMeasures`): the share of test examples whose key patch reaches
        /// an expert of its label's sign (NaN for the CNN, which has no router).
        public static let routing = RunCondition.Figure("routing accuracy") {
            $0.section(RoutingMeasures.self)?.routingAccuracy ?? .nan
        }
        /// pMoE's median test accuracy exceeds the CNN's by at least this at every judged N (point estimate).
        public static let margin = Threshold(.atLeast, 0.05)
        /// The training-set sizes at which the accuracy gap is judged.
        public static let sizes = [8, 16, 32, 64]
        /// The size beyond the claim, run for the curve and the routing statement.
        public static let largest = 128
        /// The median routing accuracy at N = 128 minus the median at N = 8 is at least this (lower end
        /// of its interval).
        public static let routingRise = Threshold(.atLeast, 0.3)
        /// Seeds `convdyn verify G1` runs by default: ten variants of up to 128 examples each, about a
        /// minute on two cores.
        public static let defaultSeeds = 20
    }

    /// G1 (Chowdhury et al. 2023, pmoe against pmoe-cnn): with the same data, init and budget (same
    /// seed), pMoE's median test accuracy exceeds the CNN's by ≥ 0.05 at every N ≤ 64 (point
    /// estimates), and routing accuracy rises with N: its median at N = 128 is above its median at
    /// N = 8 by ≥ `G1.routingRise` (lower end of the interval).
    public static let g1 = Claim(
        id: "G1",
        title: "pmoe vs pmoe-cnn: patch-level routing learns from fewer examples, and routes better with more",
        preset: .pmoe, finalOnly: true,
        statements: G1.sizes.enumerated().map { i, n in
            ClaimStatement.medianDifference(
                "G1\(["a", "b", "c", "d"][i])",
                "N = \(n): median test accuracy of pMoE minus the CNN's", G1.accuracy, against: "n\(n)-cnn",
                G1.margin
            ).on("n\(n)-pmoe")
        }
            + [
                ClaimStatement.medianDifference(
                    "G1e", "median routing accuracy at N = \(G1.largest) minus at N = \(G1.sizes[0])", G1.routing,
                    against: "n\(G1.sizes[0])-pmoe", G1.routingRise, rule: .intervalBound
                ).on("n\(G1.largest)-pmoe"),
                ClaimStatement.medianDifference(
                    "G1f", "N = \(G1.largest) (beyond the claim): median test accuracy of pMoE minus the CNN's",
                    G1.accuracy, against: "n\(G1.largest)-cnn", G1.margin
                ).on("n\(G1.largest)-pmoe").measuredOnly(),
            ]
            + (G1.sizes + [G1.largest]).enumerated().map { i, n in
                ClaimStatement.median(
                    "G1\(Array("ghijk")[i])", "N = \(n): median routing accuracy (the rise with N)", G1.routing,
                    Threshold(.atLeast, 0)
                ).on("n\(n)-pmoe").measuredOnly(threshold: false)
            },
        variants: (G1.sizes + [G1.largest]).flatMap { n in
            [
                ClaimVariant("n\(n)-pmoe", "N = \(n), pMoE", point: ("pMoE", Double(n))) { $0.data.nTrain = n },
                ClaimVariant("n\(n)-cnn", "N = \(n), CNN (pmoe-cnn)", point: ("CNN", Double(n))) {
                    $0 = Preset.pmoeCNN.config
                    $0.data.nTrain = n
                },
            ]
        },
        curve: ClaimCurve(xLabel: "training-set size N", figure: G1.accuracy, also: [G1.routing]),
        defaultSeeds: G1.defaultSeeds)
}
