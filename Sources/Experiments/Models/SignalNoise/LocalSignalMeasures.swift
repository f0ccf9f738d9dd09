import Datasets
import Networks

/// Local signal adaptivity (SPEC §3 item 11, Docs/Metrics.md "Local signal adaptivity"; Karp,
/// Winston, Li & Singh 2021): how one symThreshold filter splits into the signal direction and the
/// rest, and how its threshold sits against the signal and the noise.
///
/// With the unit signal direction w* = μ/‖μ‖, the one filter w, its read-out a and the shared
/// bias b: the filter as the read-out uses it is w̃ = sign(a)·w (φ_b is odd in the score, so
/// a·φ_b(⟨w, x⟩) = |a|·φ_b(⟨w̃, x⟩); the fixed read-out of one filter is a = +A, so then w̃ = w,
/// but a trained read-out may turn negative), and
/// - c = ⟨w̃, w*⟩, the signal component (> 0 when the filter votes for the class whose signal it
///   matches);
/// - o = ‖w̃ − c·w*‖ = ‖w − ⟨w, w*⟩w*‖, the norm of the rest;
/// - b, and the threshold relative to the signal −b/c (the signal patch passes φ_b iff
///   ‖μ‖·|c| > −b, i.e. −b/c < ‖μ‖ for c > 0);
/// - the active-noise fraction: over every noise patch ξ (each patch but the signal patch) of every
///   example of the fixed test set, the share with |⟨w, ξ⟩| > −b, those that pass the threshold
///   (φ_b(s) ≠ 0 exactly when |s| > −b for b ≤ 0; for b > 0 every patch counts).
///
/// Recorded by `signalNoise` runs of one symThreshold filter (M = 1), the network of Karp et al.
public enum LocalSignalMeasures: MeasurementFamily {
    /// "local signal adaptivity", for messages.
    public static let name = "local signal adaptivity"

    /// The fields of one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// c = ⟨sign(a)·w, w*⟩.
        public var signalProjection: Double
        /// o = ‖w − ⟨w, w*⟩w*‖.
        public var offSignalNorm: Double
        /// b, the shared (or frozen) bias.
        public var thresholdBias: Double
        /// −b/c (0 when b = 0; ±∞ or NaN when c = 0).
        public var thresholdRatio: Double
        /// The share in [0, 1] of the test set's noise patches ξ with |⟨w, ξ⟩| > −b.
        public var activeNoiseFraction: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case signalProjection, offSignalNorm, thresholdBias, thresholdRatio, activeNoiseFraction
        }
    }

    /// The same five figures at the last evaluation.
    public typealias Summary = Line

    /// True for synthetic `signalNoise` runs of one symThreshold filter (M = 1).
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .signalNoise && config.network.M == 1
            && config.network.activation == .symThreshold
    }

    /// c, o, b, −b/c and the active-noise fraction over training and at the end.
    public static let figures: [Figure] = [
        Figure(Line.CodingKeys.signalProjection, label: "signal component c", shortLabel: "c", sparkline: true),
        Figure(Line.CodingKeys.offSignalNorm, label: "off-signal norm o", shortLabel: "o"),
        Figure(Line.CodingKeys.thresholdBias, label: "bias b", shortLabel: "b", sparkline: true),
        Figure(Line.CodingKeys.thresholdRatio, label: "threshold −b/c", shortLabel: "-b/c"),
        Figure(
            Line.CodingKeys.activeNoiseFraction, label: "active noise patches", shortLabel: "active", range: 0...1,
            sparkline: true),
        Figure(Line.CodingKeys.signalProjection, label: "signal component c", source: .summary),
        Figure(Line.CodingKeys.offSignalNorm, label: "off-signal norm o", source: .summary),
        Figure(Line.CodingKeys.thresholdBias, label: "bias b", source: .summary),
        Figure(Line.CodingKeys.thresholdRatio, label: "threshold −b/c", source: .summary),
        Figure(Line.CodingKeys.activeNoiseFraction, label: "active noise patches", source: .summary),
    ]

    /// Throws a `SchemaError` when o is negative or the active-noise fraction is outside [0, 1]
    /// (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        if !line.offSignalNorm.isNaN && line.offSignalNorm < 0 {
            throw SchemaError(field: "offSignalNorm", "is negative (\(line.offSignalNorm))")
        }
        if !line.activeNoiseFraction.isNaN && !(0...1).contains(line.activeNoiseFraction) {
            throw SchemaError(field: "activeNoiseFraction", "is \(line.activeNoiseFraction), outside 0…1")
        }
    }

    /// The figures of filter 0 of `network` for the unit signal direction `direction` [D] and the
    /// noise patches of `test` (every patch but the one at `keyPositions`), all in Double.
    static func line(network: PatchCNN, direction: ArraySlice<Float>, test: PatchBatch) -> Line {
        let D = network.D
        precondition(
            direction.count == D, "LocalSignalMeasures: direction has \(direction.count) entries, not D = \(D)")
        precondition(test.D == D, "LocalSignalMeasures: test patches have D = \(test.D), the network D = \(D)")
        let w = network.filter(0).map(Double.init)
        let u = direction.map(Double.init)
        let a = network.readout[0]
        let sign: Double = a < 0 ? -1 : 1
        var projection = 0.0
        for k in 0..<D { projection += w[k] * u[k] }
        var rest = 0.0
        for k in 0..<D {
            let r = w[k] - projection * u[k]
            rest += r * r
        }
        let b = Double(network.bias(of: 0))
        let c = sign * projection
        // Adding 0 turns the −0 of b = 0 into 0.
        let ratio = -b / c + 0
        var active = 0
        var total = 0
        for n in 0..<test.count {
            let signal = Int(test.keyPositions[n * test.keysPerExample])
            for i in 0..<test.K where i != signal {
                let start = (n * test.K + i) * D
                var s = 0.0
                for k in 0..<D { s += w[k] * Double(test.x[start + k]) }
                total += 1
                if abs(s) > -b { active += 1 }
            }
        }
        return Line(
            signalProjection: c, offSignalNorm: rest.squareRoot(), thresholdBias: b, thresholdRatio: ratio,
            activeNoiseFraction: total > 0 ? Double(active) / Double(total) : .nan)
    }
}
