import Analysis

// The records a run directory holds (config.json aside, which is `ExperimentConfig`): one Codable
// type per file or line, shared by the writer (`PreparedExperiment.run`) and every reader
// (report, show, sweep summary, verify, demo). A field name is spelled once: in these types, or in
// the measurement family that adds it (Schema/MeasurementFamily.swift).

/// How a run ended: the `status` of `summary.json`; `partial` only for a run without one.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    /// Trained to its step budget or stop rule.
    case completed
    /// Stopped at the first step with a non-finite loss, weight, filter norm or measurement; its
    /// figures (those of its last finite evaluation) are not results.
    case diverged
    /// No summary.json yet: still running, or interrupted. Never written into a summary.
    case partial
}

/// The figures every evaluation records, whatever the model: one line of `metrics.jsonl` holds
/// these and the fields of the model's measurement families (SPEC §3 item 1).
public struct EvaluationRecord: Codable, Sendable, Equatable {
    /// Training steps taken before this evaluation.
    public var step: Int
    /// Mean loss against the observed labels ỹ over the whole fixed training set with the current
    /// weights, or, for online data, over the stream examples since the last evaluation, each with
    /// the weights before its update (NaN at step 0).
    public var trainLoss: Double
    /// Fraction in [0, 1] of the same examples as `trainLoss` with ŷ = ỹ (NaN at step 0 online).
    public var trainAccuracy: Double
    /// min_i ỹ_i f(x_i) over a fixed training set (SPEC §3 item 10; NaN for online data).
    public var trainMinMargin: Double
    /// max_i ỹ_i f(x_i) over a fixed training set (NaN for online data).
    public var trainMaxMargin: Double
    /// Mean loss ℓ(f(x), y) over the fixed test set against the true labels y (clean).
    public var testLoss: Double
    /// Fraction in [0, 1] of the fixed test set with ŷ = y, the true label; T₁₀₀ reads this.
    public var testAccuracy: Double
    /// Mean test loss against the observed (possibly flipped) labels ỹ.
    public var testLossNoisy: Double
    /// Test accuracy against ỹ; equals `testAccuracy` when `data.flip` = 0.
    public var testAccuracyNoisy: Double

    /// True for a regression model (`gaussianTeacher`): there are no labels, so the accuracies and
    /// margins are written as null (read back as NaN) and only the losses, ½(f − t)², are figures.
    public var regression = false

    /// The JSON field names.
    public enum CodingKeys: String, CodingKey {
        case step, trainLoss, trainAccuracy, trainMinMargin, trainMaxMargin, testLoss, testAccuracy
        case testLossNoisy, testAccuracyNoisy
    }

    /// Decodes a line; a null accuracy or margin (a regression run) reads as NaN, and a null
    /// test accuracy marks the record as a regression one.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        step = try c.decode(Int.self, forKey: .step)
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        testLoss = try c.decode(Double.self, forKey: .testLoss)
        testLossNoisy = try c.decode(Double.self, forKey: .testLossNoisy)
        trainAccuracy = try number(.trainAccuracy)
        trainMinMargin = try number(.trainMinMargin)
        trainMaxMargin = try number(.trainMaxMargin)
        testAccuracy = try number(.testAccuracy)
        testAccuracyNoisy = try number(.testAccuracyNoisy)
        regression = (try? c.decodeNil(forKey: .testAccuracy)) ?? false
    }

    /// Encodes every field; a regression record writes its accuracies and margins as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encode(testLoss, forKey: .testLoss)
        try c.encode(testLossNoisy, forKey: .testLossNoisy)
        let labelled: [(CodingKeys, Double)] = [
            (.trainAccuracy, trainAccuracy), (.trainMinMargin, trainMinMargin), (.trainMaxMargin, trainMaxMargin),
            (.testAccuracy, testAccuracy), (.testAccuracyNoisy, testAccuracyNoisy),
        ]
        for (key, value) in labelled {
            if regression { try c.encodeNil(forKey: key) } else { try c.encode(value, forKey: key) }
        }
    }

    /// Reads the common figures of a metrics line and checks their ranges.
    public init(validating line: JSONValue) throws {
        self = try line.decode(Self.self)
        guard step >= 0 else { throw SchemaError(field: "step", "is negative (\(step))") }
        for (name, v) in [("trainAccuracy", trainAccuracy), ("testAccuracy", testAccuracy)]
        where !v.isNaN && !(0...1).contains(v) {
            throw SchemaError(field: name, "is \(v), outside 0…1")
        }
    }

    init(
        step: Int, train: (loss: Double, accuracy: Double, minMargin: Double, maxMargin: Double),
        test: (loss: Double, accuracy: Double, lossNoisy: Double, accuracyNoisy: Double), regression: Bool = false
    ) {
        self.step = step
        self.regression = regression
        (trainLoss, trainAccuracy, trainMinMargin, trainMaxMargin) = train
        (testLoss, testAccuracy, testLossNoisy, testAccuracyNoisy) = test
    }
}

/// The figures of `EvaluationRecord` that readers show for every run.
public enum CommonFigures {
    /// The evaluated step, printed as an integer.
    public static let step = Figure(EvaluationRecord.CodingKeys.step, label: "step", format: "%.0f")
    /// Clean test accuracy, on a 0…1 axis.
    public static let testAccuracy = Figure(
        EvaluationRecord.CodingKeys.testAccuracy, label: "test accuracy", range: 0...1)
    /// Clean test loss.
    public static let testLoss = Figure(EvaluationRecord.CodingKeys.testLoss, label: "test loss")
    /// Train accuracy (fixed set, or the stream since the last evaluation), on a 0…1 axis.
    public static let trainAccuracy = Figure(
        EvaluationRecord.CodingKeys.trainAccuracy, label: "train accuracy", range: 0...1)
    /// Train loss (fixed set, or the stream since the last evaluation).
    public static let trainLoss = Figure(EvaluationRecord.CodingKeys.trainLoss, label: "train loss")
    /// max_j ‖w_j‖ (`FilterNormMeasures`).
    public static let maxFilterNorm = Figure(
        FilterNormMeasures.Line.CodingKeys.maxFilterNorm, label: "max ‖w‖", format: "%.3f")
    /// (1/M) Σ_j ‖w_j‖ (`FilterNormMeasures`).
    public static let meanFilterNorm = Figure(
        FilterNormMeasures.Line.CodingKeys.meanFilterNorm, label: "mean ‖w‖", format: "%.3f")
}

/// One line of `filters.jsonl`: the filters at one evaluation (SPEC §3 items 2–3), numbers as
/// float32 text. Synthetic runs record cosines, projections and read-out signs; image runs the
/// weights themselves.
public struct FiltersLine: Codable, Sendable, Equatable {
    /// The evaluated step this line records.
    public var step: Int
    /// ‖w_j‖ for each filter, [M].
    public var norms: [Double]
    /// C[j, p] = ⟨w_j, p⟩ / (‖w_j‖‖p‖), [M][P] (synthetic runs).
    public var cosines: [[Double]]?
    /// ⟨w_j, p⟩, [M][P] (synthetic runs).
    public var projections: [[Double]]?
    /// sign(a_j), [M] (synthetic runs).
    public var signs: [Int]?
    /// w_j, [M][D] (image runs).
    public var weights: [[Double]]?

    /// A line of a synthetic run or, with `weights`, of an image run.
    public init(
        step: Int, norms: [Double], cosines: [[Double]]? = nil, projections: [[Double]]? = nil,
        signs: [Int]? = nil, weights: [[Double]]? = nil
    ) {
        self.step = step
        self.norms = norms
        self.cosines = cosines
        self.projections = projections
        self.signs = signs
        self.weights = weights
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(norms.map(Float.init), forKey: .norms)
        try c.encodeIfPresent(cosines?.map { $0.map(Float.init) }, forKey: .cosines)
        try c.encodeIfPresent(projections?.map { $0.map(Float.init) }, forKey: .projections)
        try c.encodeIfPresent(signs, forKey: .signs)
        try c.encodeIfPresent(weights?.map { $0.map(Float.init) }, forKey: .weights)
    }

    /// Reads a line and checks its shapes against M filters and P patterns (synthetic runs), or
    /// that it holds M rows of weights of one length (image runs).
    public init(validating line: JSONValue, filters M: Int, patterns P: Int?, weights: Bool) throws {
        self = try line.decode(Self.self)
        guard norms.count == M else { throw SchemaError(field: "norms", "has \(norms.count) entries, not M = \(M)") }
        func check(_ rows: [[Double]]?, _ name: String, columns: Int?, required: Bool) throws {
            guard let rows else {
                if required { throw SchemaError(field: name, "is missing") }
                return
            }
            guard rows.count == M else { throw SchemaError(field: name, "has \(rows.count) rows, not M = \(M)") }
            if let columns, let bad = rows.firstIndex(where: { $0.count != columns }) {
                throw SchemaError(field: "\(name)[\(bad)]", "has \(rows[bad].count) entries, not \(columns)")
            }
        }
        try check(cosines, "cosines", columns: P, required: P != nil)
        try check(projections, "projections", columns: P, required: P != nil)
        try check(self.weights, "weights", columns: self.weights?.first?.count, required: weights)
        if let signs {
            guard signs.count == M else {
                throw SchemaError(field: "signs", "has \(signs.count) entries, not M = \(M)")
            }
            if let bad = signs.firstIndex(where: { ![-1, 0, 1].contains($0) }) {
                throw SchemaError(field: "signs[\(bad)]", "is \(signs[bad]), not −1, 0 or 1")
            }
        }
    }
}

/// The figures of a finished (or diverged) run: `summary.json`.
///
/// Every run has the common figures below; the run's measurement families add theirs at the top
/// level of the same object (`keys`, `images`, or any registered family through `section(_:)`).
public struct RunSummary: Codable, Sendable, Equatable {
    /// How the run ended: completed or diverged (a written summary is never partial).
    public var status: RunStatus
    /// The preset the run's config started from.
    public var preset: String
    /// The experiment seed.
    public var seed: Int
    /// Steps taken.
    public var steps: Int
    /// Clean test accuracy (against the true labels) at the last evaluation.
    public var testAccuracy: Double
    /// Test accuracy against the observed (possibly flipped) labels.
    public var testAccuracyNoisy: Double
    /// Clean test loss at the last evaluation.
    public var testLoss: Double
    /// Train accuracy at the last evaluation (`EvaluationRecord.trainAccuracy`).
    public var trainAccuracy: Double
    /// Train loss at the last evaluation (`EvaluationRecord.trainLoss`).
    public var trainLoss: Double
    /// T₁₀₀: the first evaluated step with clean test accuracy exactly 1, or nil.
    public var stepsTo100: Int?
    /// The number of evaluations recorded (lines of metrics.jsonl), ≥ 1.
    public var evaluations: Int
    /// The fields the measurement families added, by name (decode them with `section(_:)`).
    public var measures: [String: JSONValue]
    /// True for a regression run (`gaussianTeacher`): the accuracies are written as null (read
    /// back as NaN; a null testAccuracy marks a summary as a regression one).
    public var regression = false

    /// The JSON field names.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, preset, seed, steps, testAccuracy, testAccuracyNoisy, testLoss, trainAccuracy, trainLoss
        case stepsTo100, evaluations
    }

    init(
        status: RunStatus, preset: String, seed: Int, steps: Int, testAccuracy: Double, testAccuracyNoisy: Double,
        testLoss: Double, trainAccuracy: Double, trainLoss: Double, stepsTo100: Int?, evaluations: Int,
        measures: [String: JSONValue], regression: Bool = false
    ) {
        self.regression = regression
        self.status = status
        self.preset = preset
        self.seed = seed
        self.steps = steps
        self.testAccuracy = testAccuracy
        self.testAccuracyNoisy = testAccuracyNoisy
        self.testLoss = testLoss
        self.trainAccuracy = trainAccuracy
        self.trainLoss = trainLoss
        self.stepsTo100 = stepsTo100
        self.evaluations = evaluations
        self.measures = measures
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let statusText = try c.decode(String.self, forKey: .status)
        guard let status = RunStatus(rawValue: statusText), status != .partial else {
            throw SchemaError(field: "status", "is \"\(statusText)\"; known: completed, diverged")
        }
        self.status = status
        preset = try c.decode(String.self, forKey: .preset)
        seed = try c.decode(Int.self, forKey: .seed)
        steps = try c.decode(Int.self, forKey: .steps)
        regression = (try? c.decodeNil(forKey: .testAccuracy)) ?? false
        testAccuracy = try c.decodeIfPresent(Double.self, forKey: .testAccuracy) ?? .nan
        testAccuracyNoisy = try c.decodeIfPresent(Double.self, forKey: .testAccuracyNoisy) ?? .nan
        testLoss = try c.decode(Double.self, forKey: .testLoss)
        trainAccuracy = try c.decodeIfPresent(Double.self, forKey: .trainAccuracy) ?? .nan
        trainLoss = try c.decode(Double.self, forKey: .trainLoss)
        stepsTo100 = try c.decodeIfPresent(Int.self, forKey: .stepsTo100)
        evaluations = try c.decode(Int.self, forKey: .evaluations)
        let common = Set(CodingKeys.allCases.map(\.stringValue))
        let all = try JSONValue(from: decoder)
        measures = (all.objectValue ?? [:]).filter { !common.contains($0.key) }
        guard steps >= 0, evaluations >= 1 else {
            throw SchemaError(field: steps < 0 ? "steps" : "evaluations", "is out of range")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(preset, forKey: .preset)
        try c.encode(seed, forKey: .seed)
        try c.encode(steps, forKey: .steps)
        if regression {
            try c.encodeNil(forKey: .testAccuracy)
            try c.encodeNil(forKey: .testAccuracyNoisy)
            try c.encodeNil(forKey: .trainAccuracy)
        } else {
            try c.encode(testAccuracy, forKey: .testAccuracy)
            try c.encode(testAccuracyNoisy, forKey: .testAccuracyNoisy)
            try c.encode(trainAccuracy, forKey: .trainAccuracy)
        }
        try c.encode(testLoss, forKey: .testLoss)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encode(stepsTo100.map(JSONValue.int) ?? .null, forKey: .stepsTo100)
        try c.encode(evaluations, forKey: .evaluations)
        try MergedFields(measures).encode(to: encoder)
    }

    /// The section of a measurement family, or nil when the run has none (or a malformed one;
    /// `RunData.load` reports those).
    public func section<F: MeasurementFamily>(_ family: F.Type) -> F.Summary? {
        try? JSONValue.object(measures).decode(F.Summary.self)
    }

    /// The key-pattern figures (SPEC §3 items 4–7) of a synthetic key-pattern run.
    public var keys: KeySummary? { section(KeyPatternMeasures.self) }
    /// The norm-concentration figures (SPEC §3 item 14) of an image run.
    public var images: ImageSummary? { section(ImageMeasures.self) }

    /// The JSON of summary.json.
    public var json: JSONValue {
        // Encoding these records cannot fail: every field is a plain value.
        (try? JSONValue(encoding: self)) ?? .null
    }

    /// Reads a summary written by `json`; throws a `SchemaError` naming a missing or bad field.
    public init(json: JSONValue) throws { self = try json.decode(Self.self) }
}

/// Extra top-level fields written into the object being encoded.
struct MergedFields: Encodable {
    let fields: [String: JSONValue]
    init(_ fields: [String: JSONValue]) { self.fields = fields }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (k, v) in fields { try c.encode(v, forKey: Key(stringValue: k)) }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if let d = decoder as? JSONValueDecoder {
            self = d.value
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .float(let f): try c.encode(f)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension FiltersLine {
    /// The line of a filter snapshot at `step`: norms [M], projections and cosines [M][P] against
    /// the run's patterns, and the read-out signs [M].
    init(step: Int, _ s: FilterSnapshot) {
        func rows(_ values: [Double]) -> [[Double]] {
            (0..<s.M).map { Array(values[($0 * s.P)..<(($0 + 1) * s.P)]) }
        }
        self.init(
            step: step, norms: s.norms, cosines: rows(s.cosines), projections: rows(s.projections), signs: s.signs)
    }
}
