import Networks
import Tensors

/// The optimiser and its budget (SPEC §2, "Optimiser").
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// The loss ℓ(f, y).
    public var loss: Loss = .hinge
    /// Examples per step, from 1 to nTrain (B = nTrain is full-batch gradient descent).
    public var batchSize = 1
    /// η in w ← w − η · mean over the batch of ∂ℓ/∂w.
    public var learningRate = 0.5
    /// The step budget.
    public var steps = 1000
    /// Full-batch gradient descent on a fixed training set: when true, `batchSize` = nTrain
    /// (`ExperimentConfig.deriveFields`); nil otherwise.
    public var fullBatch: Bool? = nil
    /// Epochs over a fixed training set: when set, `steps` = epochs · ⌈nTrain / B⌉
    /// (`ExperimentConfig.deriveFields`); nil otherwise.
    public var epochs: Int? = nil
    /// Stop early once every training margin ỹ_i f(x_i) ≥ 1 (fixed training sets and the hinge loss
    /// only), checked at the end of each epoch: from then on every hinge step is zero, so the weights
    /// are those of the first step where it held, and `steps` is rounded up to its epoch's end.
    public var stopAtMarginOne = false

    /// The defaults: hinge loss, B = 1, η = 0.5, 1000 steps (kp-bench).
    public init() {}

    enum CodingKeys: String, CodingKey {
        case loss, batchSize, fullBatch, learningRate, steps, epochs, stopAtMarginOne
    }

    /// Decodes every field; `fullBatch`, `epochs` and `stopAtMarginOne` may be absent (older configs);
    /// `fullBatch` and `epochs` may be null, `stopAtMarginOne` not.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        loss = try c.decode(Loss.self, forKey: .loss)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        fullBatch = try c.decodeIfPresent(Bool.self, forKey: .fullBatch)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        steps = try c.decode(Int.self, forKey: .steps)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
        stopAtMarginOne = try c.decode(Bool.self, forKey: .stopAtMarginOne, ifAbsent: false)
    }

    /// Encodes every field, `fullBatch` and `epochs` as null when unset (so `--set epochs=…` finds them).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(loss, forKey: .loss)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(fullBatch, forKey: .fullBatch)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(steps, forKey: .steps)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(stopAtMarginOne, forKey: .stopAtMarginOne)
    }

    /// Throws a `ConfigurationError` naming the first field that is out of range.
    /// `nTrain` is the training-set size (0 for an online stream).
    public func validate(nTrain: Int) throws {
        func fail(_ field: String, _ value: Any, _ allowed: String) -> ConfigurationError {
            ConfigurationError(field: "training.\(field)", value: "\(value)", allowed: allowed)
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw fail("learningRate", learningRate, "must be a finite number > 0")
        }
        guard batchSize >= 1 else { throw fail("batchSize", batchSize, "must be ≥ 1") }
        if nTrain > 0, batchSize > nTrain {
            throw fail(
                "batchSize", batchSize,
                "must be ≤ data.nTrain = \(nTrain) (B = nTrain is full-batch gradient descent)")
        }
        guard steps >= 1 else { throw fail("steps", steps, "must be ≥ 1") }
        if fullBatch == true && nTrain == 0 {
            throw fail("fullBatch", true, "needs a fixed training set (data.nTrain > 0)")
        }
        if let epochs {
            guard epochs >= 1 else { throw fail("epochs", epochs, "must be ≥ 1 (or null to give steps yourself)") }
            guard nTrain > 0 else {
                throw fail("epochs", epochs, "needs a fixed training set (data.nTrain > 0); give steps instead")
            }
        }
        if stopAtMarginOne && nTrain == 0 {
            throw fail("stopAtMarginOne", stopAtMarginOne, "needs a fixed training set (data.nTrain > 0)")
        }
        if stopAtMarginOne && loss != .hinge {
            throw fail(
                "stopAtMarginOne", stopAtMarginOne,
                "is the hinge loss's stop rule (its steps are zero once every margin is ≥ 1); with \(loss.rawValue) "
                    + "set a step budget instead")
        }
    }
}
