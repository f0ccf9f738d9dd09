// Claims as data (SPEC §7): each claim is declared once — preset, statements, thresholds, the
// interval and how PASS is decided — and `convdyn verify`, the demo and the reports read the same
// declarations (Claims+MainPaper.swift).

/// How a measured value is compared with its threshold.
public enum Comparison: String, Sendable, Equatable {
    case atLeast = "≥"
    case above = ">"
    case atMost = "≤"
    case below = "<"

    /// Whether `value` passes against `threshold`; NaN never does.
    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .atLeast: return value >= threshold
        case .above: return value > threshold
        case .atMost: return value <= threshold
        case .below: return value < threshold
        }
    }

    /// True when larger values are better (≥, >).
    public var isLowerBound: Bool { self == .atLeast || self == .above }
}

/// A comparison with a number, e.g. "≥ 0.85".
public struct Threshold: Sendable, Equatable {
    /// Which side of `value` passes.
    public var comparison: Comparison
    /// The number compared with: a proportion, a median or a step count.
    public var value: Double

    /// `comparison` against `value`.
    public init(_ comparison: Comparison, _ value: Double) {
        self.comparison = comparison
        self.value = value
    }

    /// Whether `x` passes.
    public func holds(_ x: Double) -> Bool { comparison.holds(x, value) }

    /// "≥ 0.85".
    public var text: String { "\(comparison.rawValue) \(Threshold.format(value))" }

    /// Up to three significant decimals, no trailing zeros: 0.85, 2, 0.375.
    public static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        var s = String(format: "%.3f", x)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}

/// A condition one run meets or not, on a figure of its summary.
public struct RunCondition: Sendable {
    /// What is compared, in words ("keyShare", "T₁₀₀").
    public var label: String
    /// What the run's value must satisfy.
    public var threshold: Threshold
    /// The run's value of the figure (NaN or ±∞ when undefined; NaN for a diverged run, whose
    /// figures are not results).
    public let value: @Sendable (RunSummary) -> Double

    /// A condition on `label`'s value.
    public init(_ label: String, _ threshold: Threshold, value: @escaping @Sendable (RunSummary) -> Double) {
        self.label = label
        self.threshold = threshold
        self.value = { $0.status == .diverged ? .nan : value($0) }
    }

    /// A condition on a summary figure of a measurement family.
    public init(_ figure: Experiments.Figure, _ threshold: Threshold) {
        self.init(figure.label, threshold) { figure.value(in: $0) }
    }

    /// T₁₀₀ ≤ `steps` (a run that never reaches test accuracy 1 has T₁₀₀ = ∞).
    public static func stepsTo100(atMost steps: Int) -> RunCondition {
        RunCondition("T₁₀₀", Threshold(.atMost, Double(steps))) { $0.stepsTo100.map(Double.init) ?? .infinity }
    }

    /// Whether `run` meets the condition; a diverged run meets none.
    public func holds(_ run: RunSummary) -> Bool { run.status != .diverged && threshold.holds(value(run)) }

    /// "keyShare ≥ 0.85".
    public var text: String { "\(label) \(threshold.text)" }
}

/// One checked statement of a claim: what is measured over the runs, the threshold on it, and
/// whether PASS uses the point estimate or the 95% interval's conservative bound.
public struct ClaimStatement: Sendable {
    /// What is measured over the runs.
    public enum Measure: Sendable {
        /// The share of runs meeting every condition, with its Wilson 95% interval.
        case proportion([RunCondition])
        /// The median over runs of a figure, with its order-statistics 95% interval.
        case median(RunCondition.Figure)
        /// Runs paired by seed with the runs of variant `against` (runs with the same seed share
        /// their data): the share of pairs whose difference figure(run) − figure(paired run) meets
        /// `difference`, with its Wilson 95% interval; pairs with a NaN value count as not meeting it.
        case paired(RunCondition.Figure, against: String, difference: Threshold)
        /// The mean over runs of a figure, with its Student-t 95% interval (NaN values left out).
        case mean(RunCondition.Figure)
        /// The mean of a figure over these runs minus its mean over the runs of variant `against`
        /// (not paired), with the Welch 95% interval of the difference (NaN values left out).
        case meanDifference(RunCondition.Figure, against: String)
        /// The median of a figure over these runs minus its median over the runs of variant
        /// `against` (not paired), with the interval from the two medians' order-statistics 95%
        /// intervals (lower minus upper, upper minus lower: coverage ≥ 90%).
        case medianDifference(RunCondition.Figure, against: String)
    }

    /// What PASS compares with the threshold.
    public enum PassRule: String, Sendable {
        /// The measured proportion or median.
        case pointEstimate = "point estimate"
        /// The 95% interval's bound on the unfavourable side (lower for ≥, upper for ≤).
        case intervalBound = "interval bound"
    }

    /// The statement's id in the verify table ("A1a", "A3c").
    public var id: String
    /// The statement in words, shown in the verify table.
    public var statement: String
    /// What is measured over the runs: the share meeting conditions, or the median of a figure.
    public var measure: Measure
    /// The threshold on the proportion or median.
    public var target: Threshold
    /// Whether PASS compares the point estimate or the 95% interval's unfavourable bound.
    public var rule: PassRule
    /// The claim whose runs this statement reads; nil for the claim's own.
    public var runsOf: String?
    /// The variant of the claim whose runs this statement reads (`Claim.variants`); nil for the
    /// preset unchanged.
    public var variant: String?
    /// False for a measured contrast reported beside the claim but not judged.
    public var judged: Bool
    /// False for a row shown without a threshold (a measured figure with no value to compare it
    /// with); its threshold reads "–".
    public var showsThreshold = true

    /// A judged statement on the claim's own runs.
    init(_ id: String, _ statement: String, _ measure: Measure, _ target: Threshold, _ rule: PassRule) {
        self.id = id
        self.statement = statement
        self.measure = measure
        self.target = target
        self.rule = rule
        runsOf = nil
        variant = nil
        judged = true
    }

    /// A proportion statement: the share of runs meeting `conditions` against `target`.
    public static func proportion(
        _ id: String, _ statement: String, _ conditions: [RunCondition], _ target: Threshold,
        rule: PassRule = .pointEstimate
    ) -> ClaimStatement {
        ClaimStatement(id, statement, .proportion(conditions), target, rule)
    }

    /// A median statement: the median over runs of `figure` against `target`.
    public static func median(
        _ id: String, _ statement: String, _ figure: RunCondition.Figure, _ target: Threshold,
        rule: PassRule = .pointEstimate
    ) -> ClaimStatement {
        ClaimStatement(id, statement, .median(figure), target, rule)
    }

    /// A paired statement: the share of seeds whose figure on this statement's runs minus the
    /// figure on variant `against`'s run of the same seed meets `difference`, against `target`.
    public static func paired(
        _ id: String, _ statement: String, _ figure: RunCondition.Figure, against: String, difference: Threshold,
        _ target: Threshold, rule: PassRule = .pointEstimate
    ) -> ClaimStatement {
        ClaimStatement(id, statement, .paired(figure, against: against, difference: difference), target, rule)
    }

    /// A mean statement: the mean over runs of `figure` against `target`.
    public static func mean(
        _ id: String, _ statement: String, _ figure: RunCondition.Figure, _ target: Threshold,
        rule: PassRule = .pointEstimate
    ) -> ClaimStatement {
        ClaimStatement(id, statement, .mean(figure), target, rule)
    }

    /// A difference-of-means statement: mean of `figure` over this statement's runs minus its mean
    /// over variant `against`'s runs, against `target`.
    public static func meanDifference(
        _ id: String, _ statement: String, _ figure: RunCondition.Figure, against: String, _ target: Threshold,
        rule: PassRule = .pointEstimate
    ) -> ClaimStatement {
        ClaimStatement(id, statement, .meanDifference(figure, against: against), target, rule)
    }

    /// A difference-of-medians statement: median of `figure` over this statement's runs minus its
    /// median over variant `against`'s runs, against `target`.
    public static func medianDifference(
        _ id: String, _ statement: String, _ figure: RunCondition.Figure, against: String, _ target: Threshold,
        rule: PassRule = .pointEstimate
    ) -> ClaimStatement {
        ClaimStatement(id, statement, .medianDifference(figure, against: against), target, rule)
    }

    /// The variant a paired or difference statement compares with (nil for the other measures).
    public var pairedVariant: String? {
        switch measure {
        case .paired(_, let against, _), .meanDifference(_, let against), .medianDifference(_, let against):
            return against
        default: return nil
        }
    }

    /// The same statement on the runs of the claim's variant `name`.
    public func on(_ name: String) -> ClaimStatement {
        var s = self
        s.variant = name
        return s
    }

    /// The same statement shown with its measured value but not judged (a row that shows a trend
    /// beside the judged ones); without `threshold`, its threshold is not shown either.
    public func measuredOnly(threshold: Bool = true) -> ClaimStatement {
        var s = self
        s.judged = false
        s.showsThreshold = threshold
        return s
    }

    /// The same statement reported as a measured contrast on the runs of claim `id`, not judged.
    public func contrast(onRunsOf id: String) -> ClaimStatement {
        var s = self
        s.runsOf = id
        s.judged = false
        return s
    }

    /// The verdict row for `runs`; a paired statement pairs them by seed with `pairedRuns` (the
    /// runs of its `against` variant).
    public func judge(_ runs: [RunSummary], pairedRuns: [RunSummary] = []) -> ClaimRow {
        let value: Double
        let interval: ClosedRange<Double>
        let method: String
        let detail: String
        switch measure {
        case .proportion(let conditions):
            let k = runs.filter { r in conditions.allSatisfy { $0.holds(r) } }.count
            let n = runs.count
            value = n > 0 ? Double(k) / Double(n) : .nan
            interval = wilsonInterval(successes: k, trials: n)
            method = "Wilson 95%"
            detail = "\(k)/\(n) runs"
        case .median(let figure):
            let values = runs.map(figure.value)
            value = quantile(values, 0.5)
            interval = medianInterval(values)
            method = "order statistics 95%"
            detail = "median of \(values.filter { !$0.isNaN }.count) runs"
        case .paired(let figure, _, let difference):
            var other: [Int: Double] = [:]
            for r in pairedRuns { other[r.seed] = figure.value(r) }
            let differences = runs.compactMap { r in other[r.seed].map { figure.value(r) - $0 } }
            let k = differences.filter { difference.holds($0) }.count
            let n = differences.count
            value = n > 0 ? Double(k) / Double(n) : .nan
            interval = wilsonInterval(successes: k, trials: n)
            method = "Wilson 95%"
            detail = "\(k)/\(n) seeds"
        case .mean(let figure):
            let values = runs.map(figure.value).filter { !$0.isNaN }
            let m = meanInterval(values)
            value = m.mean
            interval = m.interval
            method = "Student t 95%"
            detail = "mean of \(values.count) runs"
        case .meanDifference(let figure, _):
            let a = runs.map(figure.value).filter { !$0.isNaN }
            let b = pairedRuns.map(figure.value).filter { !$0.isNaN }
            let d = meanDifferenceInterval(a, b)
            value = d.difference
            interval = d.interval
            method = "Welch 95%"
            detail = "\(a.count) vs \(b.count) runs"
        case .medianDifference(let figure, _):
            let a = runs.map(figure.value)
            let b = pairedRuns.map(figure.value)
            let ia = medianInterval(a)
            let ib = medianInterval(b)
            value = quantile(a, 0.5) - quantile(b, 0.5)
            interval = (ia.lowerBound - ib.upperBound)...(ia.upperBound - ib.lowerBound)
            method = "order statistics, ≥ 90%"
            detail = "medians of \(a.filter { !$0.isNaN }.count) vs \(b.filter { !$0.isNaN }.count) runs"
        }
        let judgedValue: Double
        switch rule {
        case .pointEstimate: judgedValue = value
        case .intervalBound: judgedValue = target.comparison.isLowerBound ? interval.lowerBound : interval.upperBound
        }
        return ClaimRow(
            id: id, statement: statement, value: value, interval: interval, method: method,
            threshold: showsThreshold ? target.text : "–", rule: rule.rawValue, judged: judged,
            passed: !runs.isEmpty && target.holds(judgedValue), detail: detail)
    }
}

extension RunCondition {
    /// A figure of a run summary, for median statements.
    public struct Figure: Sendable {
        /// The figure's name in the verify table ("keyShare").
        public var label: String
        /// The run's value of the figure; NaN when the run lacks it or diverged (the median leaves
        /// NaN out).
        public let value: @Sendable (RunSummary) -> Double

        /// The figure called `label`.
        public init(_ label: String, value: @escaping @Sendable (RunSummary) -> Double) {
            self.label = label
            self.value = { $0.status == .diverged ? .nan : value($0) }
        }

        /// A summary figure of a measurement family.
        public init(_ figure: Experiments.Figure) {
            self.init(figure.label) { figure.value(in: $0) }
        }
    }
}

/// One verdict of `convdyn verify`: the measured value with its 95% interval, the threshold, how
/// PASS was decided and the verdict.
public struct ClaimRow: Sendable, Equatable, Codable {
    /// The statement's id ("A1a").
    public var id: String
    /// The statement in words.
    public var statement: String
    /// The measured value (a proportion or a median).
    public var value: Double
    /// The 95% interval around `value`: Wilson for a proportion, order statistics for a median;
    /// written to JSON as [lower, upper].
    public var interval: ClosedRange<Double>
    /// How the interval was obtained.
    public var method: String
    /// The threshold as text, e.g. "≥ 0.95".
    public var threshold: String
    /// What PASS compares with the threshold: "point estimate" or "interval bound".
    public var rule: String
    /// False for a measured contrast (shown, not part of the verdict).
    public var judged: Bool
    /// Whether the judged value (point estimate or interval bound, per `rule`) meets the threshold;
    /// false when there were no runs.
    public var passed: Bool
    /// Extra text shown with the value, e.g. "98/100 runs".
    public var detail: String

    /// The verdict word: PASS, FAIL, or "info" for a contrast.
    public var verdict: String { judged ? (passed ? "PASS" : "FAIL") : "info" }

    enum CodingKeys: String, CodingKey {
        case id, statement, value, interval, method, threshold, rule, judged, passed, detail
    }

    /// A verdict row with every field given (`ClaimStatement.judge` builds them from runs).
    public init(
        id: String, statement: String, value: Double, interval: ClosedRange<Double>, method: String,
        threshold: String, rule: String, judged: Bool, passed: Bool, detail: String
    ) {
        self.id = id
        self.statement = statement
        self.value = value
        self.interval = interval
        self.method = method
        self.threshold = threshold
        self.rule = rule
        self.judged = judged
        self.passed = passed
        self.detail = detail
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        statement = try c.decode(String.self, forKey: .statement)
        value = try c.decode(Double.self, forKey: .value)
        let bounds = try c.decode([Double].self, forKey: .interval)
        guard bounds.count == 2, bounds[0] <= bounds[1] else {
            throw SchemaError(field: "interval", "is not [lower, upper]")
        }
        interval = bounds[0]...bounds[1]
        method = try c.decode(String.self, forKey: .method)
        threshold = try c.decode(String.self, forKey: .threshold)
        rule = try c.decode(String.self, forKey: .rule)
        judged = try c.decode(Bool.self, forKey: .judged)
        passed = try c.decode(Bool.self, forKey: .passed)
        detail = try c.decode(String.self, forKey: .detail)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(statement, forKey: .statement)
        try c.encode(value, forKey: .value)
        try c.encode([interval.lowerBound, interval.upperBound], forKey: .interval)
        try c.encode(method, forKey: .method)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(rule, forKey: .rule)
        try c.encode(judged, forKey: .judged)
        try c.encode(passed, forKey: .passed)
        try c.encode(detail, forKey: .detail)
    }
}

/// A config a claim runs beside its preset: the preset changed by `configure` (a sweep of one
/// field, say M ∈ {2, 32}); its runs go to CLAIM/NAME/seed-S.
public struct ClaimVariant: Sendable {
    /// A directory name, e.g. "M2".
    public var name: String
    /// What the variant changes, in words, e.g. "M = 2".
    public var label: String
    /// Applies the change to a copy of the preset's config.
    public let configure: @Sendable (inout ExperimentConfig) -> Void
    /// Where the variant stands on the claim's curve (`Claim.curve`): the series it belongs to and
    /// its x value; nil when the claim draws no curve.
    public var point: (series: String, x: Double)?

    /// A variant called `name`, described by `label`, drawn at `point` on the claim's curve.
    public init(
        _ name: String, _ label: String, point: (series: String, x: Double)? = nil,
        configure: @escaping @Sendable (inout ExperimentConfig) -> Void
    ) {
        self.name = name
        self.label = label
        self.point = point
        self.configure = configure
    }

    /// The variant's config for `preset`, its derived fields (e.g. M from k) following the change.
    public func config(from preset: ExperimentConfig) -> ExperimentConfig {
        var c = preset
        configure(&c)
        c.deriveFields()
        return c
    }
}

/// The figure a claim with variants draws in the verify report: a run figure's median and
/// interquartile range over seeds against the variants' x values, one line per series (e.g. test
/// error against n for the CNN and the FC net).
public struct ClaimCurve: Sendable {
    /// The x axis, e.g. "training-set size n".
    public var xLabel: String
    /// The figure on the y axis.
    public var figure: RunCondition.Figure
    /// Further figures drawn against the same x, one plot each (e.g. detection beside error).
    public var also: [RunCondition.Figure]

    /// True to draw the mean over seeds with its 95% interval instead of the median and quartiles.
    public var mean: Bool

    /// A curve of `figure` against `xLabel`, and one of each figure in `also`; `mean` draws means.
    public init(xLabel: String, figure: RunCondition.Figure, also: [RunCondition.Figure] = [], mean: Bool = false) {
        self.xLabel = xLabel
        self.figure = figure
        self.also = also
        self.mean = mean
    }

    /// `figure`, then `also`.
    public var figures: [RunCondition.Figure] { [figure] + also }
}

/// A claim of SPEC §7: the preset it runs and its statements.
public struct Claim: Sendable {
    /// The claim's id in SPEC §7 ("A1", "H1"), as `convdyn verify --claim` takes it.
    public var id: String
    /// One line saying what the claim asserts, shown above its rows.
    public var title: String
    /// The preset every run of the claim trains, one run per seed.
    public var preset: Preset
    /// The claim whose runs this claim is judged on when both are verified (A5 on A3's runs).
    public var sharesRunsWith: String?
    /// True when only the final figures matter, so the runs evaluate at step 0 and the end only.
    public var finalOnly = false
    /// The statements checked, in the order of the verify table.
    public var statements: [ClaimStatement]
    /// Configs run instead of the preset unchanged, when the claim compares several (empty: the
    /// preset alone).
    public var variants: [ClaimVariant] = []
    /// The curve the verify report draws over the variants, if any.
    public var curve: ClaimCurve? = nil
    /// The seeds `convdyn verify` runs when no --seeds is given; nil for `Claim.standardSeeds`.
    /// Set for claims whose runs are long (F1's η/10 variant, G1's ten variants), so that the default
    /// check stays short.
    public var defaultSeeds: Int? = nil

    /// The seed count of a verification without --seeds, for claims that set none.
    public static let standardSeeds = 100

    /// The seeds to run: `requested` when given, else the claim's default.
    public func seeds(_ requested: Int?) -> Int { requested ?? defaultSeeds ?? Claim.standardSeeds }

    /// Verdict rows for this claim's `runs` (the preset's) and `variantRuns` (by variant name);
    /// statements on another claim's runs read `others` (by claim id). A statement whose runs are
    /// not there is left out.
    public func judge(
        _ runs: [RunSummary], variantRuns: [String: [RunSummary]] = [:], others: [String: [RunSummary]] = [:]
    ) -> [ClaimRow] {
        statements.compactMap { s in
            if let other = s.runsOf { return others[other].map { s.judge($0) } }
            if let variant = s.variant {
                guard let runs = variantRuns[variant] else { return nil }
                guard let against = s.pairedVariant else { return s.judge(runs) }
                return variantRuns[against].map { s.judge(runs, pairedRuns: $0) }
            }
            return s.judge(runs)
        }
    }

    /// The claim called `id` (case-insensitive), or nil.
    public static func named(_ id: String) -> Claim? { all.first { $0.id.lowercased() == id.lowercased() } }
}
