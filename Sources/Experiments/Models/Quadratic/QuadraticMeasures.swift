import Foundation
import Networks

/// The conservation law and the learning curve of a two-layer quadratic network (SPEC §3 item 12,
/// Docs/Metrics.md "Quadratic networks"; Tan & Chen 2021). With f(x) = Σ_j a_j (w_jᵀx)², gradient
/// flow on any loss conserves I_j = ‖w_j‖² − 2a_j² for every filter; SGD with step η moves it by
/// O(η) over a fixed time η·t. All figures are computed in Double from the float32 weights.
public enum QuadraticMeasures: MeasurementFamily {
    /// "quadratic network", for messages.
    public static let name = "quadratic network"

    /// ε in the per-filter relative drift |I_j(t) − I_j(0)| / (|I_j(0)| + ε) of SPEC §3 item 12.
    public static let epsilon = 1e-12
    /// A plateau spans at least this many decades of step (log10 s_end − log10 s_start).
    public static let plateauSpan = 1.0
    /// Within a plateau the test loss changes by less than this fraction: max/min < 1 + tolerance.
    public static let plateauTolerance = 0.1
    /// The first drop: the first evaluation whose test loss is ≤ this fraction of the step-0 loss.
    public static let dropFraction = 0.5
    /// A plateau comes "before the first drop" when it ends at most this many decades of step
    /// before it (the loss then falls from within 10% of the plateau to half its start quickly).
    public static let dropWithin = 0.5

    /// The fields of one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// I_j = ‖w_j‖² − 2a_j² for every filter, [M].
        public var invariants: [Double]
        /// a_j for every filter, [M].
        public var readoutWeights: [Double]
        /// ‖P_U w_j‖ / ‖w_j‖ for every filter, [M]: the share of w_j in the teacher's span (0 for w_j = 0).
        public var alignments: [Double]
        /// SPEC §3 item 12 as written: max_j |I_j(t) − I_j(0)| / (|I_j(0)| + ε).
        public var invariantDrift: Double
        /// The well-posed drift: max_j |I_j(t) − I_j(0)| / max_j (‖w_j(0)‖² + 2a_j(0)²).
        public var invariantDriftScaled: Double
        /// max_j |‖w_j(t)‖ − ‖w_j(0)‖| / ‖w_j(0)‖: the largest relative change of a filter norm.
        public var normChange: Double
        /// (1/M) Σ_j ‖P_U w_j‖ / ‖w_j‖.
        public var meanAlignment: Double
        /// Test loss over the step-0 test loss.
        public var testLossRatio: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case invariants, readoutWeights, alignments, invariantDrift, invariantDriftScaled, normChange
            case meanAlignment, testLossRatio
        }
    }

    /// The figures at the end of a run.
    public struct Summary: Codable, Sendable, Equatable {
        /// The largest `invariantDriftScaled` over the evaluations.
        public var invariantDriftMax: Double
        /// The largest SPEC-form `invariantDrift` over the evaluations.
        public var invariantDriftRelativeMax: Double
        /// `normChange` at the end.
        public var normChange: Double
        /// `meanAlignment` at the end.
        public var meanAlignment: Double
        /// Final test loss over the step-0 test loss.
        public var testLossRatio: Double
        /// max_j I_j(0): negative when every filter starts with ‖w_j‖² < 2a_j².
        public var initialInvariantMax: Double
        /// The number of filters whose a_j has a different sign at the end than at step 0.
        public var readoutSignChanges: Int
        /// The first evaluated step whose test loss is ≤ `dropFraction` of the step-0 loss; nil if none.
        public var firstDropStep: Int?
        /// The plateaus of the test-loss curve, [[first step, last step]] (Docs/Metrics.md).
        public var plateaus: [[Int]]
        /// Whether a plateau ends at most `dropWithin` decades before the first drop.
        public var plateauBeforeDrop: Bool

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case invariantDriftMax, invariantDriftRelativeMax, normChange, meanAlignment, testLossRatio
            case initialInvariantMax, readoutSignChanges, firstDropStep, plateaus, plateauBeforeDrop
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(invariantDriftMax, forKey: .invariantDriftMax)
            try c.encode(invariantDriftRelativeMax, forKey: .invariantDriftRelativeMax)
            try c.encode(normChange, forKey: .normChange)
            try c.encode(meanAlignment, forKey: .meanAlignment)
            try c.encode(testLossRatio, forKey: .testLossRatio)
            try c.encode(initialInvariantMax, forKey: .initialInvariantMax)
            try c.encode(readoutSignChanges, forKey: .readoutSignChanges)
            // Written as null when the loss never drops, so that every summary has the field.
            if let firstDropStep {
                try c.encode(firstDropStep, forKey: .firstDropStep)
            } else {
                try c.encodeNil(forKey: .firstDropStep)
            }
            try c.encode(plateaus, forKey: .plateaus)
            try c.encode(plateauBeforeDrop, forKey: .plateauBeforeDrop)
        }
    }

    /// True for synthetic runs of the `gaussianTeacher` model.
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .gaussianTeacher
    }

    /// The figure of `invariantDriftScaled` per evaluation.
    public static let drift = Figure(
        Line.CodingKeys.invariantDriftScaled, label: "max_j |ΔI_j| / max_j(‖w_j(0)‖²+2a_j(0)²)", shortLabel: "ΔI",
        format: "%.2e", sparkline: true)
    /// The figure of the test-loss ratio per evaluation.
    public static let lossRatio = Figure(
        Line.CodingKeys.testLossRatio, label: "test loss / step-0 test loss", shortLabel: "L/L0", format: "%.2e",
        sparkline: true)

    /// The drift, norm change, alignment and loss ratio over training and at the end.
    public static let figures: [Figure] = [
        drift, lossRatio,
        Figure(Line.CodingKeys.invariantDrift, label: "max_j |ΔI_j| / (|I_j(0)|+ε) (SPEC form)", format: "%.2e"),
        Figure(Line.CodingKeys.normChange, label: "max_j |Δ‖w_j‖| / ‖w_j(0)‖", shortLabel: "Δ‖w‖"),
        Figure(Line.CodingKeys.meanAlignment, label: "mean alignment ‖P_U w_j‖/‖w_j‖", range: 0...1),
        Figure(
            Summary.CodingKeys.invariantDriftMax, label: "largest scaled invariant drift", format: "%.2e",
            source: .summary),
        Figure(
            Summary.CodingKeys.invariantDriftRelativeMax, label: "largest SPEC-form invariant drift",
            format: "%.2e", source: .summary),
        Figure(Summary.CodingKeys.normChange, label: "largest relative change of ‖w_j‖", source: .summary),
        Figure(Summary.CodingKeys.testLossRatio, label: "final / initial test loss", format: "%.2e", source: .summary),
        Figure(Summary.CodingKeys.firstDropStep, label: "first drop (step)", format: "%.0f", source: .summary),
        Figure(Summary.CodingKeys.initialInvariantMax, label: "max_j I_j(0)", format: "%.4f", source: .summary),
        Figure(
            Summary.CodingKeys.readoutSignChanges, label: "read-outs that changed sign", format: "%.0f",
            source: .summary),
    ]

    /// Throws a `SchemaError` when a per-filter list does not have M entries or an alignment is
    /// outside [0, 1] (beyond rounding).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        let M = config.network.M
        for (name, list) in [
            ("invariants", line.invariants), ("readoutWeights", line.readoutWeights), ("alignments", line.alignments),
        ] where list.count != M {
            throw SchemaError(field: name, "has \(list.count) entries, not M = \(M)")
        }
        if let bad = line.alignments.first(where: { !$0.isNaN && !(-1e-9...(1 + 1e-9)).contains($0) }) {
            throw SchemaError(field: "alignments", "holds \(bad), outside 0…1")
        }
    }

    /// ‖w_j‖² for every filter, in Double, [M].
    static func squaredNorms(_ network: PatchCNN) -> [Double] {
        (0..<network.M).map { j in network.filter(j).reduce(0) { $0 + Double($1) * Double($1) } }
    }

    /// The line of `network` against its step-0 state `initial`, with teacher directions `teacher`
    /// [R × D] (orthonormal rows) and the test loss ratio `lossRatio`.
    static func line(network: PatchCNN, initial: PatchCNN, teacher: [Double], lossRatio: Double) -> Line {
        let M = network.M
        let D = network.D
        let R = teacher.count / max(D, 1)
        let norms2 = squaredNorms(network)
        let norms02 = squaredNorms(initial)
        let a = (0..<M).map { Double(network.readout[$0]) }
        let a0 = (0..<M).map { Double(initial.readout[$0]) }
        let invariants = (0..<M).map { norms2[$0] - 2 * a[$0] * a[$0] }
        let invariants0 = (0..<M).map { norms02[$0] - 2 * a0[$0] * a0[$0] }
        let scale = (0..<M).map { norms02[$0] + 2 * a0[$0] * a0[$0] }.max() ?? 0
        var drift = 0.0
        var driftScaled = 0.0
        var normChange = 0.0
        var alignments = [Double](repeating: 0, count: M)
        for j in 0..<M {
            let change = abs(invariants[j] - invariants0[j])
            drift = max(drift, change / (abs(invariants0[j]) + epsilon))
            driftScaled = max(driftScaled, scale > 0 ? change / scale : .nan)
            let n0 = norms02[j].squareRoot()
            normChange = max(normChange, n0 > 0 ? abs(norms2[j].squareRoot() - n0) / n0 : .infinity)
            // ‖P_U w‖² = Σ_r (u_rᵀw)² for orthonormal u_r.
            var inSpan = 0.0
            let w = network.filter(j)
            for r in 0..<R {
                var dot = 0.0
                for k in 0..<D { dot += teacher[r * D + k] * Double(w[w.startIndex + k]) }
                inSpan += dot * dot
            }
            alignments[j] = norms2[j] > 0 ? min(1, (inSpan / norms2[j]).squareRoot()) : 0
        }
        return Line(
            invariants: invariants, readoutWeights: a, alignments: alignments, invariantDrift: drift,
            invariantDriftScaled: driftScaled, normChange: normChange,
            meanAlignment: alignments.reduce(0, +) / Double(max(M, 1)), testLossRatio: lossRatio)
    }

    /// The plateaus of a learning curve (Docs/Metrics.md): scanning the evaluations at steps ≥ 1
    /// from the left, a window grows from its first evaluation while max/min of the loss inside
    /// stays below 1 + `plateauTolerance`; a window spanning ≥ `plateauSpan` decades of step is a
    /// plateau, and the scan resumes after it (otherwise at the window's second evaluation).
    /// Returns [first step, last step] of each plateau.
    public static func plateaus(steps: [Int], losses: [Double]) -> [[Int]] {
        precondition(steps.count == losses.count, "plateaus: \(steps.count) steps for \(losses.count) losses")
        let points = zip(steps, losses).filter { $0.0 >= 1 && $0.1.isFinite && $0.1 > 0 }
        var result: [[Int]] = []
        var a = 0
        while a < points.count {
            var low = points[a].1
            var high = points[a].1
            var b = a
            while b + 1 < points.count {
                let v = points[b + 1].1
                if max(high, v) / min(low, v) >= 1 + plateauTolerance { break }
                low = min(low, v)
                high = max(high, v)
                b += 1
            }
            if log10(Double(points[b].0)) - log10(Double(points[a].0)) >= plateauSpan {
                result.append([points[a].0, points[b].0])
                a = b + 1
            } else {
                a += 1
            }
        }
        return result
    }

    /// The first evaluated step whose loss is ≤ `dropFraction` of the first (step-0) loss.
    public static func firstDrop(steps: [Int], losses: [Double]) -> Int? {
        guard let start = losses.first else { return nil }
        return zip(steps, losses).first { $0.1 <= dropFraction * start }?.0
    }

    /// Whether some plateau ends at or before `drop` and within `dropWithin` decades of it.
    public static func plateauBeforeDrop(_ plateaus: [[Int]], drop: Int?) -> Bool {
        guard let drop else { return false }
        return plateaus.contains { p in
            p[1] <= drop && log10(Double(drop)) - log10(Double(p[1])) <= dropWithin
        }
    }
}
