/// A family of measurements of SPEC §3 that some runs record: its per-evaluation fields (flattened
/// into each `metrics.jsonl` line), its end-of-run fields (flattened into `summary.json`) and the
/// figures that `show`, `report`, the sweep CSV and the claims display.
///
/// Registering a family in `MeasurementFamilies.all` is all it takes for those readers to pick up
/// its figures; see Docs/Architecture.md for the worked example.
public protocol MeasurementFamily: Sendable {
    /// The fields one evaluation adds to its `metrics.jsonl` line.
    associatedtype Line: Codable & Sendable
    /// The fields the family adds to `summary.json`.
    associatedtype Summary: Codable & Sendable

    /// A short name for messages.
    static var name: String { get }
    /// Whether runs of `config` record this family.
    static func records(_ config: ExperimentConfig) -> Bool
    /// The figures shown over training (metrics.jsonl fields) and at the end (summary fields).
    static var figures: [Figure] { get }
    /// Checks the shapes and ranges of a decoded line against the run's config.
    static func validate(_ line: Line, config: ExperimentConfig) throws
    /// True when the report has sections written for this family; otherwise it shows the
    /// family's figures in a generic section (a plot per series, a table of end figures).
    static var hasOwnReportSections: Bool { get }
}

extension MeasurementFamily {
    /// No checks beyond the field types.
    public static func validate(_ line: Line, config: ExperimentConfig) throws {}
    /// A new family is shown in the report's generic section.
    public static var hasOwnReportSections: Bool { false }
}

/// One figure of a measurement family: a scalar field of its metrics line (shown as a series
/// and as the final value) or of its summary.
public struct Figure: Sendable, Equatable {
    /// Where the figure is read.
    public enum Source: Sendable, Equatable {
        /// A scalar field of each metrics.jsonl line.
        case metrics
        /// A scalar field of summary.json.
        case summary
        /// An entry of a summary.json object keyed by an integer (e.g. `topShare` at k = 8).
        case summaryEntry(Int)
    }

    /// The JSON field name.
    public var field: String
    /// The label in tables and plots.
    public var label: String
    /// The label in narrow terminal tables (at most 8 characters); nil keeps it out of them.
    public var shortLabel: String?
    /// Whether `convdyn show` draws the figure as a sparkline.
    public var sparkline: Bool
    /// How the value is printed (a `String(format:)` pattern).
    public var format: String
    /// The range of the plotted axis, when the figure has a natural one.
    public var range: ClosedRange<Double>?
    /// Whether the figure is read from each metrics line or from the summary (and which entry).
    public var source: Source

    /// A figure read from `field` of the given coding key.
    public init(
        _ key: some CodingKey, label: String, shortLabel: String? = nil, format: String = "%.3f",
        range: ClosedRange<Double>? = nil, sparkline: Bool = false, source: Source = .metrics
    ) {
        field = key.stringValue
        self.label = label
        self.shortLabel = shortLabel
        self.sparkline = sparkline
        self.format = format
        self.range = range
        self.source = source
    }

    /// Entry `k` of the summary object `key`, shown in sweep_summary.csv as `column`.
    public init(entry k: Int, of key: some CodingKey, label: String, column: some CodingKey) {
        self.init(key, label: label, source: .summaryEntry(k))
        entryColumn = column.stringValue
    }

    /// The column name in sweep_summary.csv: the field, or for an entry of an object the name given.
    public var column: String { entryColumn ?? field }
    /// The CSV column of a `.summaryEntry` figure.
    var entryColumn: String?

    /// The value in a metrics line, NaN when absent.
    public func value(in line: JSONValue) -> Double { line[field]?.doubleValue ?? .nan }

    /// The value in a summary, NaN when absent.
    public func value(in summary: RunSummary) -> Double {
        switch source {
        case .metrics, .summary: return summary.measures[field]?.doubleValue ?? .nan
        case .summaryEntry(let k): return summary.measures[field]?[String(k)]?.doubleValue ?? .nan
        }
    }
}

/// Every measurement family, in display order.
public enum MeasurementFamilies {
    /// The registry: add a family here and every reader shows its figures.
    public static let all: [any MeasurementFamily.Type] = [
        KeyPatternMeasures.self, ImageMeasures.self, FilterNormMeasures.self, XORDMeasures.self,
        PatternStatistics.self, SignalNoiseMeasures.self, LocalSignalMeasures.self, QuadraticMeasures.self,
        RoutingMeasures.self,
    ]

    /// The families that runs of `config` record.
    public static func recorded(by config: ExperimentConfig) -> [any MeasurementFamily.Type] {
        all.filter { $0.records(config) }
    }

    /// The figures of the families that runs of `config` record.
    public static func figures(for config: ExperimentConfig) -> [Figure] {
        recorded(by: config).flatMap { $0.figures }
    }

    /// Decodes and checks one metrics line of a run of `config`: the common record and each family's
    /// fields.
    public static func validate(line: JSONValue, config: ExperimentConfig) throws {
        _ = try EvaluationRecord(validating: line)
        for family in recorded(by: config) { try validate(line, family, config) }
    }

    static func validate<F: MeasurementFamily>(_ line: JSONValue, _ family: F.Type, _ config: ExperimentConfig) throws {
        try F.validate(line.decode(F.Line.self), config: config)
    }

    /// Checks that a summary holds each recorded family's section.
    public static func validate(summary: RunSummary, config: ExperimentConfig) throws {
        for family in recorded(by: config) { try validate(summary, family) }
    }

    static func validate<F: MeasurementFamily>(_ summary: RunSummary, _ family: F.Type) throws {
        _ = try JSONValue.object(summary.measures).decode(F.Summary.self)
    }

    /// The JSON fields of a family record, for merging into a metrics line or a summary.
    static func fields(of record: some Encodable) -> [String: JSONValue] {
        // Encoding a record of plain values cannot fail.
        (try? JSONValue(encoding: record))?.objectValue ?? [:]
    }
}
