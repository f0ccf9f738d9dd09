import Analysis

/// Key filters and norm dominance on key-pattern data (SPEC §3 items 4–7; Yu, Zhang & Zhu 2019):
/// which filters learned a key, how much of Σ‖w_j‖² they hold, and how their projections grow.
public enum KeyPatternMeasures: MeasurementFamily {
    /// Shown by the report's own sections (Reporting).
    public static let hasOwnReportSections = true

    /// "key patterns", for messages.
    public static let name = "key patterns"

    /// The fields of one evaluation (formulas: `KeyMeasures` in Analysis, Docs/Metrics.md).
    public struct Line: Codable, Sendable, Equatable {
        /// keyShare = Σ_{j∈K} ‖w_j‖² / Σ_j ‖w_j‖², K = K⁺ ∪ K⁻.
        public var keyShare: Double
        /// normRatio = mean_{j∈K} ‖w_j‖ / mean_{j∉K} ‖w_j‖ (NaN when K or its complement is empty).
        public var normRatio: Double
        /// min over the keys of max over filters of the key's sign of C[j, key].
        public var bestKeyCosine: Double
        /// keyMass = Σ_j Σ_{p key} ⟨w_j, p⟩² / Σ_j ‖w_j‖².
        public var keyMass: Double
        /// |K|.
        public var keyFilterCount: Int
        /// K⁺ = {j : a_j > 0, C[j, key⁺] > θ}, ascending.
        public var positiveKeyFilters: [Int]
        /// K⁻ = {j : a_j < 0, C[j, key⁻] > θ}, ascending.
        public var negativeKeyFilters: [Int]
        /// mean over j ∈ K of the own-key projection ⟨w_j, p_key⟩ (SPEC §3 item 6).
        public var keyProjection: Double
        /// mean over j ∈ K of max over common c of |⟨w_j, c⟩|.
        public var maxCommonProjection: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case keyShare, normRatio, bestKeyCosine, keyMass, keyFilterCount, positiveKeyFilters
            case negativeKeyFilters, keyProjection, maxCommonProjection
        }

        init(_ k: KeyMeasures) {
            keyShare = k.keyShare
            normRatio = k.normRatio
            bestKeyCosine = k.bestKeyCosine
            keyMass = k.keyMass
            keyFilterCount = k.keyFilters.count
            positiveKeyFilters = k.positiveKeyFilters
            negativeKeyFilters = k.negativeKeyFilters
            keyProjection = k.keyProjection
            maxCommonProjection = k.maxCommonProjection
        }
    }

    /// `KeySummary`: the final key figures, the growth shape and the exploration counts.
    public typealias Summary = KeySummary

    /// True for synthetic runs with the `key` label model and the CNN (the fully-connected
    /// baseline's K·D-dimensional filters have no pattern cosines).
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .key && config.network.architecture == .cnn
    }

    /// best-key cosine, keyShare (with a sparkline) and normRatio over training; their final values,
    /// the key filter count and the two projection growths at the end.
    public static let figures: [Figure] = [
        bestKeyCosine, keyShare, normRatio,
        Figure(KeySummary.CodingKeys.bestKeyCosine, label: "best-key cosine", source: .summary),
        Figure(KeySummary.CodingKeys.keyShare, label: "keyShare", source: .summary),
        Figure(KeySummary.CodingKeys.normRatio, label: "normRatio", source: .summary),
        Figure(KeySummary.CodingKeys.keyFilterCount, label: "key filters", format: "%.0f", source: .summary),
        Figure(KeySummary.CodingKeys.keyProjectionGrowth, label: "key projection growth", source: .summary),
        Figure(KeySummary.CodingKeys.commonProjectionGrowth, label: "common projection growth", source: .summary),
    ]

    /// Best-key cosine over training (metrics.jsonl).
    public static let bestKeyCosine = Figure(
        Line.CodingKeys.bestKeyCosine, label: "best-key cosine", shortLabel: "best-cos", range: -1...1)
    /// keyShare over training.
    public static let keyShare = Figure(
        Line.CodingKeys.keyShare, label: "keyShare", shortLabel: "keyShare", range: 0...1, sparkline: true)
    /// normRatio over training.
    public static let normRatio = Figure(Line.CodingKeys.normRatio, label: "normRatio")
    /// keyMass over training (plotted, not tabulated).
    public static let keyMass = Figure(Line.CodingKeys.keyMass, label: "keyMass", range: 0...1)
    /// The key filters' mean own-key projection over training (plotted).
    public static let keyProjection = Figure(Line.CodingKeys.keyProjection, label: "key projection")
    /// The key filters' mean largest |common projection| over training (plotted).
    public static let maxCommonProjection = Figure(
        Line.CodingKeys.maxCommonProjection, label: "largest |common projection|")
    /// The field name of the key-filter list K⁺ of a metrics line.
    public static let positiveKeyFiltersField = Line.CodingKeys.positiveKeyFilters.stringValue
    /// The field name of the key-filter list K⁻ of a metrics line.
    public static let negativeKeyFiltersField = Line.CodingKeys.negativeKeyFilters.stringValue

    /// Throws a `SchemaError` for a key filter index outside 0..<M, a `keyFilterCount` other than
    /// |K⁺| + |K⁻|, or keyShare, keyMass (0…1) or bestKeyCosine (−1…1) out of range (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        let M = config.network.M
        for (name, list) in [
            ("positiveKeyFilters", line.positiveKeyFilters), ("negativeKeyFilters", line.negativeKeyFilters),
        ] {
            if let bad = list.firstIndex(where: { !(0..<M).contains($0) }) {
                throw SchemaError(field: "\(name)[\(bad)]", "is \(list[bad]), not a filter index 0…\(M - 1)")
            }
        }
        guard line.keyFilterCount == line.positiveKeyFilters.count + line.negativeKeyFilters.count else {
            throw SchemaError(
                field: "keyFilterCount", "is \(line.keyFilterCount), not the number of key filters listed")
        }
        for (name, v, range) in [
            ("keyShare", line.keyShare, 0.0...1.0), ("keyMass", line.keyMass, 0.0...1.0),
            ("bestKeyCosine", line.bestKeyCosine, -1.0...1.0),
        ] where !v.isNaN && !range.contains(v) {
            throw SchemaError(field: name, "is \(v), outside \(range.lowerBound)…\(range.upperBound)")
        }
    }
}

/// Key filters, norm dominance, growth shape and exploration at the end of a key-pattern run
/// (SPEC §3 items 4–7; Yu, Zhang & Zhu 2019): the `summary.json` fields of `KeyPatternMeasures`
/// (Docs/Metrics.md). K = K⁺ ∪ K⁻ are the key filters at the last evaluation; θ = `evaluation.theta`.
public struct KeySummary: Codable, Sendable, Equatable {
    /// min over the key patterns p (both classes) of max over the filters j whose read-out sign is
    /// p's class of C[j, p], in [−1, 1], at the last evaluation.
    public var bestKeyCosine: Double
    /// Σ_{j∈K} ‖w_j‖² / Σ_j ‖w_j‖² at the last evaluation, in [0, 1] (0 when K is empty).
    public var keyShare: Double
    /// mean_{j∈K} ‖w_j‖ / mean_{j∉K} ‖w_j‖ at the last evaluation (NaN when K or its complement is
    /// empty).
    public var normRatio: Double
    /// Σ_j Σ_{p key} ⟨w_j, p⟩² / Σ_j ‖w_j‖² at the last evaluation, in [0, 1].
    public var keyMass: Double
    /// |K| = |K⁺| + |K⁻|.
    public var keyFilterCount: Int
    /// |K⁺|: filters with a_j > 0 and C[j, p] > θ for a key p of class +1.
    public var positiveKeyFilterCount: Int
    /// |K⁻|: filters with a_j < 0 and C[j, p] > θ for a key p of class −1.
    public var negativeKeyFilterCount: Int
    /// Key pattern → filters of the matching sign with a positive cosine at step 0.
    public var explorationAtInit: [Int: Int]
    /// Key pattern → whether some filter of the matching sign ends with cosine > θ.
    public var keysLearned: [Int: Bool]
    /// mean_{j∈K} [max_{own keys p} ⟨w_j, p⟩(T) − max_{own keys p} ⟨w_j, p⟩(t_½)], t_½ the first
    /// evaluated step with 2·t_½ ≥ T, the last step (SPEC §3 item 6); NaN when K is empty.
    public var keyProjectionGrowth: Double
    /// mean_{j∈K} [max_c |⟨w_j, c⟩|(T) − max_c |⟨w_j, c⟩|(t_½)] over the common patterns c, between
    /// the same steps; NaN when K is empty.
    public var commonProjectionGrowth: Double
    /// max over non-key filters of ‖w_j(T)‖ / ‖w_j(0)‖ (∞ for a filter that starts at 0; NaN when
    /// every filter is a key filter).
    public var nonKeyNormGrowth: Double
    /// median over non-key filters of ‖w_j(T)‖ / ‖w_j(0)‖ (NaN when every filter is a key filter).
    public var nonKeyNormGrowthMedian: Double

    /// The JSON field names.
    public enum CodingKeys: String, CodingKey {
        case bestKeyCosine, keyShare, normRatio, keyMass, keyFilterCount, positiveKeyFilterCount
        case negativeKeyFilterCount, explorationAtInit, keysLearned, keyProjectionGrowth, commonProjectionGrowth
        case nonKeyNormGrowth, nonKeyNormGrowthMedian
    }

    /// Stands in for a run without key measurements (every figure undefined).
    static let missing = KeySummary(
        bestKeyCosine: .nan, keyShare: .nan, normRatio: .nan, keyMass: .nan, keyFilterCount: 0,
        positiveKeyFilterCount: 0, negativeKeyFilterCount: 0, explorationAtInit: [:], keysLearned: [:],
        keyProjectionGrowth: .nan, commonProjectionGrowth: .nan, nonKeyNormGrowth: .nan,
        nonKeyNormGrowthMedian: .nan)
}
