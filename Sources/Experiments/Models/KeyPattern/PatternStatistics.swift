import Analysis
import Datasets

/// Pattern statistics inductive bias (PSI; SPEC §3 item 8; Brutzkus & Globerson 2020, "On the
/// inductive bias of a CNN for orthogonal patterns distributions"): how strongly the filters of
/// each read-out sign detect a pattern, against how much more often the pattern occurs in training
/// points of that sign's class.
///
/// For every pattern p, with the filters w_j and read-out weights a_j:
/// - D₊(p) = max_{j : a_j > 0} ⟨w_j, p⟩ and D₋(p) = max_{j : a_j < 0} ⟨w_j, p⟩ (NaN when no filter
///   has that sign);
/// - count₊(p), count₋(p): the number of training points with observed label +1 (−1) that hold p in
///   at least one patch (points, not patch occurrences: with max pooling a point's gradient reaches
///   a filter through one patch);
/// - ρ₊ = Spearman(D₊(c), count₊(c) − count₋(c)) and ρ₋ = Spearman(D₋(c), count₋(c) − count₊(c))
///   over the common patterns c (`spearman(_:_:)`: average ranks for ties, NaN when a side is
///   constant).
///
/// Recorded by key-pattern CNN runs with a fixed training set (nTrain > 0): ρ₊ and ρ₋ at every
/// evaluation (metrics.jsonl), and at the end ρ₊, ρ₋ with D₊, D₋, count₊ and count₋ for every
/// pattern (summary.json). Docs/Metrics.md, "Pattern statistics".
public enum PatternStatistics: MeasurementFamily {
    /// "pattern statistics", for messages and the report's section.
    public static let name = "pattern statistics"

    /// ρ₊ and ρ₋ at one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// Spearman(D₊(c), count₊(c) − count₋(c)) over the common patterns c, in [−1, 1] or NaN.
        public var psiSpearmanPositive: Double
        /// Spearman(D₋(c), count₋(c) − count₊(c)) over the common patterns c, in [−1, 1] or NaN.
        public var psiSpearmanNegative: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case psiSpearmanPositive, psiSpearmanNegative
        }
    }

    /// The figures at the end of the run (the last evaluation), for every pattern.
    public struct Summary: Codable, Sendable, Equatable {
        /// ρ₊ at the last evaluation.
        public var psiSpearmanPositive: Double
        /// ρ₋ at the last evaluation.
        public var psiSpearmanNegative: Double
        /// D₊(p) = max_{j : a_j > 0} ⟨w_j, p⟩ for p = 0…P−1 (NaN when no filter has a_j > 0).
        public var psiDetectionPositive: [Double]
        /// D₋(p) = max_{j : a_j < 0} ⟨w_j, p⟩ for p = 0…P−1 (NaN when no filter has a_j < 0).
        public var psiDetectionNegative: [Double]
        /// count₊(p): training points with observed label +1 holding p in some patch, p = 0…P−1.
        public var psiCountPositive: [Int]
        /// count₋(p): training points with observed label −1 holding p in some patch, p = 0…P−1.
        public var psiCountNegative: [Int]

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case psiSpearmanPositive, psiSpearmanNegative, psiDetectionPositive, psiDetectionNegative
            case psiCountPositive, psiCountNegative
        }

        /// The figures of `snapshot` against the training set's `counts`; ρ over `common`.
        init(_ snapshot: FilterSnapshot, counts: PatternCounts, common: [Int]) {
            let d = PatternStatistics.detection(snapshot)
            let line = PatternStatistics.line(detection: d, counts: counts, common: common)
            psiSpearmanPositive = line.psiSpearmanPositive
            psiSpearmanNegative = line.psiSpearmanNegative
            psiDetectionPositive = d.positive
            psiDetectionNegative = d.negative
            psiCountPositive = counts.positive
            psiCountNegative = counts.negative
        }

        /// Decodes the fields and checks that the four per-pattern arrays have the same length.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            psiSpearmanPositive = try c.decode(Double.self, forKey: .psiSpearmanPositive)
            psiSpearmanNegative = try c.decode(Double.self, forKey: .psiSpearmanNegative)
            psiDetectionPositive = try c.decode([Double].self, forKey: .psiDetectionPositive)
            psiDetectionNegative = try c.decode([Double].self, forKey: .psiDetectionNegative)
            psiCountPositive = try c.decode([Int].self, forKey: .psiCountPositive)
            psiCountNegative = try c.decode([Int].self, forKey: .psiCountNegative)
            let P = psiDetectionPositive.count
            for (key, n) in [
                (CodingKeys.psiDetectionNegative, psiDetectionNegative.count),
                (.psiCountPositive, psiCountPositive.count), (.psiCountNegative, psiCountNegative.count),
            ] where n != P {
                throw SchemaError(
                    field: key.stringValue, "has \(n) entries, psiDetectionPositive \(P): one per pattern in each")
            }
        }
    }

    /// The pattern counts of a training set: for each pattern, the positive and negative points
    /// (observed labels) that hold it in at least one patch.
    struct PatternCounts: Sendable, Equatable {
        /// count₊(p), [P].
        var positive: [Int]
        /// count₋(p), [P].
        var negative: [Int]

        /// The counts of `batch`'s examples over patterns 0…P−1, read from its `patternIDs` (a
        /// pattern twice in one point counts once; patches without a pattern, −1, count nowhere).
        init(_ batch: PatchBatch, patterns P: Int) {
            positive = Array(repeating: 0, count: P)
            negative = Array(repeating: 0, count: P)
            var seen = [Bool](repeating: false, count: P)
            for n in 0..<batch.count {
                for p in 0..<P { seen[p] = false }
                for i in 0..<batch.K {
                    let id = Int(batch.patternIDs[n * batch.K + i])
                    if id >= 0 && id < P { seen[id] = true }
                }
                let positiveLabel = batch.observedLabels[n] > 0
                for p in 0..<P where seen[p] {
                    if positiveLabel { positive[p] += 1 } else { negative[p] += 1 }
                }
            }
        }
    }

    /// True for synthetic key-pattern runs of the CNN with a fixed training set (nTrain > 0).
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .key && config.network.architecture == .cnn
            && config.data.nTrain > 0
    }

    /// ρ₊ over training (with its short label for terminal tables) and ρ₋; both at the end.
    public static let figures: [Figure] = [
        spearmanPositive, spearmanNegative, finalSpearmanPositive, finalSpearmanNegative,
    ]

    /// ρ₊ at each evaluation (metrics.jsonl).
    public static let spearmanPositive = Figure(
        Line.CodingKeys.psiSpearmanPositive, label: "PSI ρ₊ (D₊ vs count₊ − count₋)", shortLabel: "psi ρ₊",
        range: -1...1)
    /// ρ₋ at each evaluation (metrics.jsonl).
    public static let spearmanNegative = Figure(
        Line.CodingKeys.psiSpearmanNegative, label: "PSI ρ₋ (D₋ vs count₋ − count₊)", range: -1...1)
    /// ρ₊ at the end (summary.json): the figure claim C1 reads.
    public static let finalSpearmanPositive = Figure(
        Summary.CodingKeys.psiSpearmanPositive, label: "PSI ρ₊ (D₊ vs count₊ − count₋)", source: .summary)
    /// ρ₋ at the end (summary.json).
    public static let finalSpearmanNegative = Figure(
        Summary.CodingKeys.psiSpearmanNegative, label: "PSI ρ₋ (D₋ vs count₋ − count₊)", source: .summary)

    /// Throws a `SchemaError` when ρ₊ or ρ₋ is outside [−1, 1] (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        for (name, v) in [
            ("psiSpearmanPositive", line.psiSpearmanPositive), ("psiSpearmanNegative", line.psiSpearmanNegative),
        ]
        where !v.isNaN && !(-1...1).contains(v) {
            throw SchemaError(field: name, "is \(v), outside −1…1")
        }
    }

    /// D₊(p) and D₋(p) for every pattern p of `snapshot` (NaN for a sign without filters).
    static func detection(_ s: FilterSnapshot) -> (positive: [Double], negative: [Double]) {
        func best(sign: Int) -> [Double] {
            let filters = (0..<s.M).filter { s.signs[$0] == sign }
            return (0..<s.P).map { p in filters.map { s.projection($0, p) }.max() ?? .nan }
        }
        return (best(sign: 1), best(sign: -1))
    }

    /// ρ₊ and ρ₋ of detections `d` against `counts`, over the patterns `common`.
    static func line(detection d: (positive: [Double], negative: [Double]), counts: PatternCounts, common: [Int])
        -> Line
    {
        let excess = common.map { Double(counts.positive[$0] - counts.negative[$0]) }
        return Line(
            psiSpearmanPositive: spearman(common.map { d.positive[$0] }, excess),
            psiSpearmanNegative: spearman(common.map { d.negative[$0] }, excess.map { -$0 }))
    }

    /// The line of `snapshot` against the training set's `counts`.
    static func line(_ snapshot: FilterSnapshot, counts: PatternCounts, common: [Int]) -> Line {
        line(detection: detection(snapshot), counts: counts, common: common)
    }

    /// Spearman's rank correlation of `x` and `y` (same length): the Pearson correlation of their
    /// ranks, tied values taking the average of the ranks they span. NaN when fewer than two
    /// pairs, when a value is NaN, or when either side is constant (its ranks have no variance).
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "spearman: \(x.count) values against \(y.count)")
        guard x.count >= 2, !x.contains(where: \.isNaN), !y.contains(where: \.isNaN) else { return .nan }
        let rx = averageRanks(x)
        let ry = averageRanks(y)
        let n = Double(x.count)
        let mx = rx.reduce(0, +) / n
        let my = ry.reduce(0, +) / n
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in x.indices {
            sxy += (rx[i] - mx) * (ry[i] - my)
            sxx += (rx[i] - mx) * (rx[i] - mx)
            syy += (ry[i] - my) * (ry[i] - my)
        }
        guard sxx > 0, syy > 0 else { return .nan }
        return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
    }

    /// The 1-based ranks of `values`, ties sharing the mean of the ranks they span.
    static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            // Positions start…end (0-based) hold equal values: each gets the mean rank.
            let rank = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = rank }
            start = end + 1
        }
        return ranks
    }
}
