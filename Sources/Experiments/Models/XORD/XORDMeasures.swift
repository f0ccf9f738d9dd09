import Analysis

/// XOR detection (Brutzkus & Globerson 2019; SPEC §3, Docs/Metrics.md "XOR detection"): which of
/// the four xor2 patterns a filter of the matching read-out sign detects, how the filters cluster,
/// and the error on diverse and on unrestricted test points.
public enum XORDMeasures: MeasurementFamily {
    /// "XOR detection", for messages.
    public static let name = "XOR detection"

    /// The fields of one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// 1 − accuracy (true labels) on the diverse test set.
        public var diverseTestError: Double
        /// 1 − accuracy (true labels) on the unrestricted test set.
        public var unrestrictedTestError: Double
        /// How many of the two positive patterns some a_j > 0 filter detects (cosine > θ).
        public var positivePatternsDetected: Int
        /// How many of the two negative patterns some a_j < 0 filter detects (cosine > θ).
        public var negativePatternsDetected: Int

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case diverseTestError, unrestrictedTestError, positivePatternsDetected, negativePatternsDetected
        }
    }

    /// `XORDSummary`: detection, clusters and test errors at the end.
    public typealias Summary = XORDSummary

    /// True for synthetic runs of the `xord` label model.
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .xord
    }

    /// The two test errors and the detection counts over training; their end values.
    public static let figures: [Figure] = [
        Figure(
            Line.CodingKeys.diverseTestError, label: "diverse test error", shortLabel: "div-err", range: 0...1,
            sparkline: true),
        Figure(
            Line.CodingKeys.unrestrictedTestError, label: "unrestricted test error", shortLabel: "unr-err", range: 0...1
        ),
        Figure(
            Line.CodingKeys.positivePatternsDetected, label: "positive patterns detected", shortLabel: "pos-det",
            format: "%.0f", range: 0...2),
        Figure(
            Line.CodingKeys.negativePatternsDetected, label: "negative patterns detected", shortLabel: "neg-det",
            format: "%.0f", range: 0...2),
        Figure(XORDSummary.CodingKeys.diverseTestError, label: "diverse test error", source: .summary),
        Figure(XORDSummary.CodingKeys.unrestrictedTestError, label: "unrestricted test error", source: .summary),
        Figure(
            XORDSummary.CodingKeys.positivePatternsDetected, label: "positive patterns detected", format: "%.0f",
            source: .summary),
        Figure(
            XORDSummary.CodingKeys.negativePatternsDetected, label: "negative patterns detected", format: "%.0f",
            source: .summary),
    ]

    /// Throws a `SchemaError` for an error outside 0…1 or a detection count outside 0…2 (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        for (name, v) in [
            ("diverseTestError", line.diverseTestError), ("unrestrictedTestError", line.unrestrictedTestError),
        ]
        where !v.isNaN && !(0...1).contains(v) {
            throw SchemaError(field: name, "is \(v), outside 0…1")
        }
        for (name, v) in [
            ("positivePatternsDetected", line.positivePatternsDetected),
            ("negativePatternsDetected", line.negativePatternsDetected),
        ] where !(0...2).contains(v) {
            throw SchemaError(field: name, "is \(v), outside 0…2")
        }
    }

    /// Whether some filter of pattern p's class sign has C[j, p] > θ, for p = 0…3 (p < 2 positive).
    static func detected(_ s: FilterSnapshot, theta: Double) -> [Bool] {
        (0..<4).map { p in
            let sign = p < 2 ? 1 : -1
            return (0..<s.M).contains { s.signs[$0] == sign && s.cosine($0, p) > theta }
        }
    }

    /// For p = 0…3: the filters with read-out sign `sign` whose largest projection ⟨w_j, p′⟩ over
    /// the four patterns is at p (the lowest index on ties): Brutzkus & Globerson's clusters W⁺(p),
    /// U⁻(p).
    static func clusterSizes(_ s: FilterSnapshot, sign: Int) -> [Int] {
        var sizes = [0, 0, 0, 0]
        for j in 0..<s.M where s.signs[j] == sign {
            var best = 0
            for p in 1..<4 where s.projection(j, p) > s.projection(j, best) { best = p }
            sizes[best] += 1
        }
        return sizes
    }
}

/// XOR detection at the end of an `xord` run: the `summary.json` fields of `XORDMeasures`
/// (Docs/Metrics.md). Patterns: 0 = (1,1), 1 = (−1,−1) positive; 2 = (1,−1), 3 = (−1,1) negative;
/// θ = `evaluation.theta`.
public struct XORDSummary: Codable, Sendable, Equatable {
    /// 1 − accuracy (true labels) on the diverse test set at the end.
    public var diverseTestError: Double
    /// 1 − accuracy (true labels) on the unrestricted test set at the end.
    public var unrestrictedTestError: Double
    /// Pattern → whether some filter of its class's read-out sign ends with cosine > θ.
    public var patternDetected: [Int: Bool]
    /// How many of patterns 0 and 1 are detected.
    public var positivePatternsDetected: Int
    /// How many of patterns 2 and 3 are detected.
    public var negativePatternsDetected: Int
    /// Both positive patterns detected.
    public var bothPositiveDetected: Bool
    /// Pattern → a_j > 0 filters whose largest projection over the four patterns is at it.
    public var positiveFilterClusters: [Int: Int]
    /// Pattern → a_j < 0 filters whose largest projection over the four patterns is at it.
    public var negativeFilterClusters: [Int: Int]

    /// The JSON field names.
    public enum CodingKeys: String, CodingKey {
        case diverseTestError, unrestrictedTestError, patternDetected, positivePatternsDetected
        case negativePatternsDetected, bothPositiveDetected, positiveFilterClusters, negativeFilterClusters
    }
}
