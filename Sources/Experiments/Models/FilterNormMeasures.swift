import Networks

/// The mean and largest filter norm (SPEC §3 item 2), recorded by every run.
public enum FilterNormMeasures: MeasurementFamily {
    /// ‖w_j‖ for every filter, summed in Double in index order.
    static func norms(of network: PatchCNN) -> [Double] {
        (0..<network.M).map { j in network.filter(j).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    }

    /// Shown by the report's own sections (Reporting).
    public static let hasOwnReportSections = true

    /// "filter norms", for messages.
    public static let name = "filter norms"

    /// mean_j ‖w_j‖ and max_j ‖w_j‖ at one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// (1/M) Σ_j ‖w_j‖ over the M filters (0 when M = 0).
        public var meanFilterNorm: Double
        /// max_j ‖w_j‖ (0 when M = 0).
        public var maxFilterNorm: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case meanFilterNorm, maxFilterNorm
        }

        init(norms: [Double]) {
            meanFilterNorm = norms.reduce(0, +) / Double(max(norms.count, 1))
            maxFilterNorm = norms.max() ?? 0
        }
    }

    /// No summary fields.
    public struct Summary: Codable, Sendable {}

    /// True: every run records the filter norms.
    public static func records(_ config: ExperimentConfig) -> Bool { true }

    /// None of its own: `CommonFigures.meanFilterNorm` and `.maxFilterNorm` show these fields.
    public static let figures: [Figure] = []

    /// Throws a `SchemaError` when a norm is negative (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        for (name, v) in [("meanFilterNorm", line.meanFilterNorm), ("maxFilterNorm", line.maxFilterNorm)]
        where !v.isNaN && v < 0 {
            throw SchemaError(field: name, "is negative (\(v))")
        }
    }
}
