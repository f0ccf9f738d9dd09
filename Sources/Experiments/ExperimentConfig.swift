import Datasets
import Foundation
import Networks
import Tensors
import Training

/// When measurements are taken: every N steps, or at N log-spaced steps; step 0 and the last
/// step always.
public enum EvaluationSchedule: Equatable, Sendable, CallSyntaxCodable {
    /// Steps 0, N, 2N, … up to the budget, and the last step.
    case every(Int)
    /// Step 0 and N − 1 steps spaced evenly in log10 from 1 to the budget, rounded (duplicates
    /// merged, so possibly fewer), and the last step.
    case log(Int)

    /// The accepted spellings, quoted in the error for any other.
    public static let allowedForms = "every(N) with N ≥ 1, log(N) with N ≥ 2"

    /// The spelling in a config: "every(10)", "log(50)".
    public var text: String {
        switch self {
        case .every(let n): return "every(\(n))"
        case .log(let n): return "log(\(n))"
        }
    }

    /// Parses "every(N)" with N ≥ 1 or "log(N)" with N ≥ 2; throws for anything else.
    public init(text: String) throws {
        guard let c = CallSyntax(text), c.arguments.count == 1, let n = Int(c.arguments[0]) else { throw UnknownForm() }
        switch c.name {
        case "every" where n >= 1: self = .every(n)
        case "log" where n >= 2: self = .log(n)
        default: throw UnknownForm()
        }
    }

    /// The evaluated steps for a budget of `steps`, ascending, starting at 0 and ending at `steps`.
    public func steps(upTo steps: Int) -> [Int] {
        var result: [Int]
        switch self {
        case .every(let n):
            result = Array(stride(from: 0, through: steps, by: n))
        case .log(let n):
            // 0, then n−1 points spaced evenly in log10 between 1 and `steps`, rounded.
            var set = Set([0])
            let top = Foundation.log10(Double(max(steps, 1)))
            for k in 0..<(n - 1) {
                let t = n > 2 ? Double(k) / Double(n - 2) : 1
                let point = Foundation.pow(10, top * t).rounded()
                set.insert(point >= Double(steps) ? steps : Int(point))
            }
            result = set.filter { $0 <= steps }.sorted()
        }
        if result.last != steps { result.append(steps) }
        return result
    }
}

/// What is measured and recorded.
public struct EvaluationConfig: Codable, Equatable, Sendable {
    /// When evaluations happen; default every(10).
    public var schedule: EvaluationSchedule = .every(10)
    /// Cosine threshold θ above which a filter counts as having learned a key.
    public var theta = 0.9
    /// Record every filter at each evaluation (`filters.jsonl`; image runs also `filters/*.png`).
    public var filterDynamics = true
    /// With a fixed training set, measure train loss and accuracy on the whole set at each
    /// evaluation; otherwise (and always for online streams) over the batches trained on since
    /// the previous evaluation.
    public var fullTrainSet = true

    /// The defaults: every 10 steps, θ = 0.9, filter dynamics recorded, train figures on the whole
    /// fixed training set.
    public init() {}

    /// Throws a `ConfigurationError` unless θ is finite and in (−1, 1).
    public func validate() throws {
        guard theta.isFinite, theta > -1, theta < 1 else {
            throw ConfigurationError(field: "evaluation.theta", value: "\(theta)", allowed: "must be in (−1, 1)")
        }
    }
}

/// A complete experiment: data (synthetic patches or images), network, optimiser, measurements
/// and seed. Synthetic experiments have a `data` section; image experiments an `images` section
/// instead, and only the section in use is written.
public struct ExperimentConfig: Codable, Equatable, Sendable {
    /// The preset this config started from (informational).
    public var preset: String
    /// The experiment seed; every random stream derives from it and a purpose.
    public var seed: Int
    /// The synthetic data model (SPEC §1); unused, and not written, when `images` is set.
    public var data: PatchDataConfig
    /// Present for image experiments.
    public var images: ImageDataConfig?
    /// The network (SPEC §2): filter count M, activation, pooling, read-out, bias and init.
    public var network: NetworkConfig
    /// Loss, batch size, learning rate and step budget of SGD (SPEC §2).
    public var training: TrainingConfig
    /// When evaluations happen and what they record (SPEC §3).
    public var evaluation: EvaluationConfig

    /// A config with the canonical values (those of kp-bench, SPEC §5) in every section not given.
    public init(
        preset: String, seed: Int = 0, data: PatchDataConfig = .init(), images: ImageDataConfig? = nil,
        network: NetworkConfig = .init(), training: TrainingConfig = .init(), evaluation: EvaluationConfig = .init()
    ) {
        self.preset = preset
        self.seed = seed
        self.data = data
        self.images = images
        self.network = network
        self.training = training
        self.evaluation = evaluation
    }

    enum CodingKeys: String, CodingKey { case preset, seed, data, images, network, training, evaluation }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preset = try c.decode(String.self, forKey: .preset)
        seed = try c.decode(Int.self, forKey: .seed)
        images = try c.decodeIfPresent(ImageDataConfig.self, forKey: .images)
        data = try images == nil ? c.decode(PatchDataConfig.self, forKey: .data) : PatchDataConfig()
        network = try c.decode(NetworkConfig.self, forKey: .network)
        training = try c.decode(TrainingConfig.self, forKey: .training)
        evaluation = try c.decode(EvaluationConfig.self, forKey: .evaluation)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(preset, forKey: .preset)
        try c.encode(seed, forKey: .seed)
        if let images { try c.encode(images, forKey: .images) } else { try c.encode(data, forKey: .data) }
        try c.encode(network, forKey: .network)
        try c.encode(training, forKey: .training)
        try c.encode(evaluation, forKey: .evaluation)
    }

    /// The number of network outputs: 1 for two classes (±1 labels), else the class count.
    public var outputs: Int {
        guard let images else { return 1 }
        return images.isBinary ? 1 : images.classCount
    }

    /// Throws a `ConfigurationError` naming the first field that is out of range.
    public func validate() throws {
        // First, so that no later check allocates for sizes that do not fit.
        try checkLimits()
        guard seed >= 0 else {
            throw ConfigurationError(field: "seed", value: "\(seed)", allowed: "must be an integer ≥ 0")
        }
        try network.validate()
        try evaluation.validate()
        try validateRouter()
        if let images {
            if network.architecture == .fc {
                throw ConfigurationError(
                    field: "network.architecture", value: "fc",
                    allowed: "the fully-connected baseline is for the key-pattern data; image runs use cnn")
            }
            try images.validate()
            try training.validate(nTrain: images.trainSize)
            if images.isBinary && !training.loss.isBinary {
                throw ConfigurationError(
                    field: "training.loss", value: training.loss.rawValue,
                    allowed:
                        "two classes (images.classes = \(images.classes)) train one output; "
                        + "use hinge, logistic, square or linear"
                )
            }
            if !images.isBinary && training.loss != .crossEntropy {
                throw ConfigurationError(
                    field: "training.loss", value: training.loss.rawValue,
                    allowed:
                        "\(images.classCount) classes need crossEntropy "
                        + "(or keep two classes with images.classes = [a, b])"
                )
            }
            if !images.isBinary, case .fixedSign = network.readout {
                throw ConfigurationError(
                    field: "network.readout", value: network.readout.text,
                    allowed: "a fixed-sign read-out has one output; \(images.classCount) classes need trainable(σ_a)")
            }
        } else {
            try data.validate()
            try training.validate(nTrain: data.nTrain)
            try checkDerivedFields()
            if network.architecture == .fc && data.labelModel != .key {
                throw ConfigurationError(
                    field: "network.architecture", value: "fc",
                    allowed: "the fully-connected baseline is for the key-pattern data; \(data.labelModel.rawValue) "
                        + "runs use cnn")
            }
            if data.labelModel.isRegression {
                try validateRegression()
            } else if !data.teacherWeights.isEmpty || data.teacherRank != PatchDataConfig().teacherRank {
                let rank = data.teacherWeights.isEmpty
                throw ConfigurationError(
                    field: rank ? "data.teacherRank" : "data.teacherWeights",
                    value: rank ? "\(data.teacherRank)" : "\(data.teacherWeights)",
                    allowed: "is for labelModel gaussianTeacher only (the quadratic teacher); leave the default, "
                        + (rank ? "teacherRank = \(PatchDataConfig().teacherRank)" : "teacherWeights = []"))
            }
            if !training.loss.isBinary {
                throw ConfigurationError(
                    field: "training.loss", value: training.loss.rawValue,
                    allowed: "the synthetic data models have two classes; use hinge, logistic, square or linear")
            }
            if network.pooling.grid > 1 {
                throw ConfigurationError(
                    field: "network.pooling", value: network.pooling.text,
                    allowed: "grid pooling needs the spatial layout of images; synthetic patches use max, mean or sum")
            }
        }
    }

    /// The router's checks that involve the data: routing needs the key-pattern data's patches
    /// (it is implemented for `labelModel: key` only, where the routing accuracy is defined), l ≤ K,
    /// and a fixed training set to pre-train the routers on.
    func validateRouter() throws {
        guard let router = network.router else { return }
        if images != nil {
            throw ConfigurationError(
                field: "network.router", value: "experts \(router.experts)",
                allowed: "routing is implemented for the synthetic key-pattern data only; set network.router=null "
                    + "for image runs")
        }
        guard data.labelModel == .key else {
            throw ConfigurationError(
                field: "network.router", value: "experts \(router.experts)",
                allowed: "routing is implemented for labelModel key only (its routing accuracy needs the key "
                    + "patch); set network.router=null for \(data.labelModel.rawValue) runs")
        }
        guard data.K >= 2 else {
            throw ConfigurationError(
                field: "network.router", value: "experts \(router.experts)",
                allowed: "routing chooses among patches: data.K = \(data.K) needs to be ≥ 2")
        }
        guard router.topPatches <= data.K else {
            throw ConfigurationError(
                field: "network.router.topPatches", value: "\(router.topPatches)",
                allowed: "each expert sees at most the K = \(data.K) patches of an example: use 1…\(data.K)")
        }
        if router.pretrainSteps > 0 && data.nTrain == 0 {
            throw ConfigurationError(
                field: "network.router.pretrainSteps", value: "\(router.pretrainSteps)",
                allowed: "router pre-training is full-batch on a fixed training set: set data.nTrain > 0 (or "
                    + "pretrainSteps = 0)")
        }
    }

    /// A regression model (`gaussianTeacher`) has real targets t and one output f: it trains the
    /// square loss ½(f − t)², on the patch CNN (one patch, so any pooling is the identity up to
    /// sum/mean), without the hinge stop rule.
    private func validateRegression() throws {
        if training.loss != .square {
            throw ConfigurationError(
                field: "training.loss", value: training.loss.rawValue,
                allowed: "\(data.labelModel.rawValue) is a regression model with real targets t; use square, ½(f − t)²")
        }
        if training.stopAtMarginOne {
            throw ConfigurationError(
                field: "training.stopAtMarginOne", value: "true",
                allowed: "margins need labels; \(data.labelModel.rawValue) is a regression model, use false")
        }
    }

    /// Sets the fields that presets derive from others (Docs/Configuration.md, "Derived fields"):
    /// with `network.k`, M = 2k and init gaussian(η√2 / (16 k^1.5)) (Brutzkus & Globerson 2019's
    /// width and init scale, η the learning rate); with `training.fullBatch`, B = nTrain; with
    /// `training.epochs`, steps = epochs · ⌈nTrain / B⌉.
    public mutating func deriveFields() {
        if let k = network.k {
            network.M = k <= Int.max / 2 ? 2 * k : Int.max
            network.`init` = .gaussian(Self.xordInitScale(k: k, learningRate: training.learningRate))
        }
        if training.fullBatch == true, images == nil, data.nTrain > 0 { training.batchSize = data.nTrain }
        if let epochs = training.epochs, images == nil, data.nTrain > 0, training.batchSize >= 1 {
            let (steps, overflow) = epochs.multipliedReportingOverflow(
                by: (data.nTrain - 1) / training.batchSize + 1)
            training.steps = overflow ? Int.max : steps
        }
    }

    /// η√2 / (16 k^1.5): the init scale of Brutzkus & Globerson 2019 for k filters per sign.
    public static func xordInitScale(k: Int, learningRate: Double) -> Double {
        learningRate * 2.0.squareRoot() / (16 * Foundation.pow(Double(k), 1.5))
    }

    /// Throws a `ConfigurationError` for a derived field that does not hold its derived value.
    func checkDerivedFields() throws {
        var derived = self
        derived.deriveFields()
        if derived.network.M != network.M {
            throw ConfigurationError(
                field: "network.M", value: "\(network.M)",
                allowed: "network.k = \(network.k!) sets M = 2k = \(derived.network.M); change k, or set k=null to "
                    + "choose M and init yourself")
        }
        if derived.network.`init` != network.`init` {
            throw ConfigurationError(
                field: "network.init", value: network.`init`.text,
                allowed: "network.k = \(network.k!) sets init \(derived.network.`init`.text) (η√2/(16k^1.5)); "
                    + "set k=null to choose M and init yourself")
        }
        if derived.training.batchSize != training.batchSize {
            throw ConfigurationError(
                field: "training.batchSize", value: "\(training.batchSize)",
                allowed: "training.fullBatch sets B = nTrain = \(derived.training.batchSize); set fullBatch=null "
                    + "to choose B yourself")
        }
        if derived.training.steps != training.steps {
            throw ConfigurationError(
                field: "training.steps", value: "\(training.steps)",
                allowed: "training.epochs = \(training.epochs!) sets steps = epochs·⌈nTrain/B⌉ = "
                    + "\(derived.training.steps); change epochs, or set epochs=null to give steps yourself")
        }
    }

    /// The config as a JSON value (every field present).
    public var json: JSONValue {
        // Encoding these plain value types cannot fail; a failure would be a programming error.
        let data = try! JSONEncoder().encode(self)
        return try! JSONValue.parse(String(decoding: data, as: UTF8.self))
    }

    /// Decodes a JSON value, turning decoding failures into messages that name the field and its
    /// value. Decoded directly from the value (not from its text through `JSONDecoder`, which names no
    /// field for a number such as 2.5 given to an integer field); non-finite numbers decode, so that
    /// `validate` says what range the field needs.
    public static func decode(_ value: JSONValue) throws -> ExperimentConfig {
        do {
            return try ExperimentConfig(from: JSONValueDecoder(value: value, codingPath: []))
        } catch let error as DecodingError {
            throw ConfigLoadError(decoding: error, in: value)
        }
    }
}
