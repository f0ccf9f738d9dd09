/// The mean and largest filter norm (SPEC §3 item 2), recorded by every run.
public enum FilterNormMeasures: MeasurementFamily {
    public static let name = "filter norms"

    /// mean_j ‖w_j‖ and max_j ‖w_j‖ at one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        public var meanFilterNorm: Double
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

    public static func records(_ config: ExperimentConfig) -> Bool { true }

    public static let figures: [Figure] = []

    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        for (name, v) in [("meanFilterNorm", line.meanFilterNorm), ("maxFilterNorm", line.maxFilterNorm)]
        where !v.isNaN && v < 0 {
            throw SchemaError(field: name, "is negative (\(v))")
        }
    }
}
