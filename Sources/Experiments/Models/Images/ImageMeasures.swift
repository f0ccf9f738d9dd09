import Analysis

/// Norm concentration on real images (SPEC §3 item 14; the practical claim of Yu, Zhang & Zhu
/// 2019): how much of Σ‖w_j‖² the largest filters hold, and whether they matter most.
public enum ImageMeasures: MeasurementFamily {
    /// Shown by the report's own sections (Reporting).
    public static let hasOwnReportSections = true

    /// "images", for messages.
    public static let name = "images"

    /// The k of the top-k figures: top-k share of Σ‖w_j‖² and the keep-k ablation (k < M only).
    public static let topKs = [4, 8, 16]

    /// The fields of one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// Gini coefficient of the norms n_j = ‖w_j‖, Σ_i Σ_j |n_i − n_j| / (2 M² mean n), in [0, 1):
        /// 0 for equal (or all-zero) norms, towards 1 when one filter holds all of it
        /// (`NormConcentration.gini`).
        public var gini: Double
        /// ‖w_j‖ sorted in decreasing order, [M].
        public var sortedNorms: [Double]
        /// Σ of the 4 largest ‖w_j‖² / Σ_j ‖w_j‖², in [4/M, 1] (0 if all are 0); nil unless 4 < M.
        public var top4Share: Double?
        /// Σ of the 8 largest ‖w_j‖² / Σ_j ‖w_j‖², in [8/M, 1] (0 if all are 0); nil unless 8 < M;
        /// claim H1.
        public var top8Share: Double?
        /// Σ of the 16 largest ‖w_j‖² / Σ_j ‖w_j‖², in [16/M, 1] (0 if all are 0); nil unless 16 < M.
        public var top16Share: Double?

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case gini, sortedNorms, top4Share, top8Share, top16Share
        }

        init(norms: [Double]) {
            gini = NormConcentration.gini(norms)
            sortedNorms = norms.sorted(by: >)
            func share(_ k: Int) -> Double? { k < norms.count ? NormConcentration.topShare(norms, k: k) : nil }
            top4Share = share(4)
            top8Share = share(8)
            top16Share = share(16)
        }
    }

    /// `ImageSummary`: top-k shares, Gini and the keep-k ablation at the end of the run.
    public typealias Summary = ImageSummary

    /// True for image runs (the config has an `images` section).
    public static func records(_ config: ExperimentConfig) -> Bool { config.images != nil }

    /// top-8 share (with a sparkline) and Gini over training; the final Gini and top-8 share.
    public static let figures: [Figure] = [
        top8Share, gini,
        Figure(ImageSummary.CodingKeys.gini, label: "Gini", source: .summary),
        Figure(entry: 8, of: ImageSummary.CodingKeys.topShare, label: "top-8 share", column: Line.CodingKeys.top8Share),
    ]

    /// The top-8 share over training (metrics.jsonl).
    public static let top8Share = Figure(
        Line.CodingKeys.top8Share, label: "top-8 share", shortLabel: "top-8", range: 0...1, sparkline: true)
    /// The Gini coefficient of the norms over training.
    public static let gini = Figure(Line.CodingKeys.gini, label: "Gini", shortLabel: "Gini", range: 0...1)
    /// The field name of the sorted norms [M] of a metrics line.
    public static let sortedNormsField = Line.CodingKeys.sortedNorms.stringValue

    /// Throws a `SchemaError` unless `sortedNorms` has M entries and `gini` and `top8Share` lie in
    /// 0…1 (NaN passes).
    public static func validate(_ line: Line, config: ExperimentConfig) throws {
        let M = config.network.M
        guard line.sortedNorms.count == M else {
            throw SchemaError(field: "sortedNorms", "has \(line.sortedNorms.count) entries, not M = \(M)")
        }
        for (name, v) in [("gini", line.gini), ("top8Share", line.top8Share ?? 0)]
        where !v.isNaN && !(0...1).contains(v) {
            throw SchemaError(field: name, "is \(v), outside 0…1")
        }
    }
}

/// Norm concentration and the filter ablation at the end of an image run (SPEC §3 item 14): the
/// `summary.json` fields of `ImageMeasures`.
public struct ImageSummary: Codable, Sendable, Equatable {
    /// k → Σ of the k largest ‖w_j‖² / Σ_j ‖w_j‖².
    public var topShare: [Int: Double]
    /// Gini coefficient of the final filter norms, Σ_i Σ_j |n_i − n_j| / (2 M² mean n).
    public var gini: Double
    /// M, the number of filters (the uniform top-k share is k/M).
    public var filterCount: Int
    /// k → clean test accuracy keeping only the top-k filters by norm, k random filters (mean of
    /// 10 draws) and the bottom-k, for k = 4, 8, 16 below M.
    public var ablation: [Int: FilterAblation]

    /// The JSON field names.
    public enum CodingKeys: String, CodingKey {
        case topShare, gini, filterCount, ablation
    }
}

/// Clean test accuracy, in [0, 1], when only k filters feed the read-out (the others' pooled
/// activations dropped, output biases kept; SPEC §3 item 14).
public struct FilterAblation: Codable, Sendable, Equatable {
    /// Keeping the k largest filters by norm.
    public var top: Double
    /// Keeping k random filters: the mean over 10 draws of k distinct filters (`evaluation` stream).
    public var random: Double
    /// The sample standard deviation (n − 1 = 9) of the 10 random-k accuracies.
    public var randomStd: Double
    /// Keeping the k smallest filters by norm.
    public var bottom: Double
}
