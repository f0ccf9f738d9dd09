import Tensors

/// The nonlinearity φ applied to every pre-activation s = ⟨w_j, x_i⟩ + b_j.
public enum Activation: Equatable, Sendable {
    /// max(0, z); φ′(z) = 1[z > 0] (0 at 0, so a filter with every s ≤ 0 stays dead).
    case relu
    /// z for z > 0, αz otherwise; φ′ = 1 or α.
    case leakyRelu(Double)
    /// max(0, z)^q; φ′ = q·max(0, z)^{q−1}.
    case polyRelu(Double)
    /// z²; φ′ = 2z.
    case square
    /// z; φ′ = 1.
    case linear
    /// φ_b(s) = ReLU(s + b) − ReLU(−s + b) of the score s = ⟨w_j, x_i⟩ and the filter's bias b,
    /// which is a threshold here rather than a shift of s (Karp et al. 2021); needs a bias.
    /// ∂φ/∂s = 1[s + b > 0] + 1[−s + b > 0], ∂φ/∂b = 1[s + b > 0] − 1[−s + b > 0].
    case symThreshold
}

/// How the K activations of one filter become one number (or one per region).
public enum Pooling: Equatable, Sendable {
    /// max_i φ(s_i); the gradient flows to the first arg-max position only.
    case max
    /// (1/K) Σ_i φ(s_i).
    case mean
    /// Σ_i φ(s_i).
    case sum
    /// Images: max over each cell of a g×g grid of regions, one read-out weight per region.
    case maxGrid(Int)
    /// Images: mean over each cell of a g×g grid of regions.
    case meanGrid(Int)

    /// The reduction, without the grid.
    public var reduction: PoolingReduction {
        switch self {
        case .max, .maxGrid: return .max
        case .mean, .meanGrid: return .mean
        case .sum: return .sum
        }
    }

    /// g for a grid, 1 for global pooling.
    public var grid: Int {
        switch self {
        case .maxGrid(let g), .meanGrid(let g): return g
        default: return 1
        }
    }
}

/// The reduction a pooling applies within a region.
public enum PoolingReduction: Sendable { case max, mean, sum }

extension Pooling: CallSyntaxCodable {
    /// The text forms accepted, for error messages.
    public static let allowedForms = "max, mean, sum, maxGrid(g), meanGrid(g)"
    /// The text form, e.g. `maxGrid(2)`.
    public var text: String {
        switch self {
        case .max: return "max"
        case .mean: return "mean"
        case .sum: return "sum"
        case .maxGrid(let g): return "maxGrid(\(g))"
        case .meanGrid(let g): return "meanGrid(\(g))"
        }
    }
    /// Parses a text form; throws `UnknownForm` for another text.
    public init(text: String) throws {
        guard let c = CallSyntax(text) else { throw UnknownForm() }
        switch (c.name, c.arguments.count) {
        case ("max", 0): self = .max
        case ("mean", 0): self = .mean
        case ("sum", 0): self = .sum
        case ("maxGrid", 1):
            guard let g = Int(c.arguments[0]), g >= 1 else { throw UnknownForm() }
            self = .maxGrid(g)
        case ("meanGrid", 1):
            guard let g = Int(c.arguments[0]), g >= 1 else { throw UnknownForm() }
            self = .meanGrid(g)
        default: throw UnknownForm()
        }
    }
    /// Every form without a grid, and g = 2 with one.
    public static let examples: [Pooling] = [.max, .mean, .sum, .maxGrid(2), .meanGrid(2)]
}

/// Which pooling region each patch position belongs to: G regions, `of` [K] (empty when G = 1).
public struct PoolingRegions: Equatable, Sendable {
    /// G, the number of regions.
    public let count: Int
    /// The region of each position, [K] (empty when G = 1).
    public let of: [Int32]
    /// Positions per region, [G] (empty when G = 1).
    public let sizes: [Int]
    /// The first position of each region, [G] (empty when G = 1).
    public let firstPosition: [Int]

    /// One region holding every position.
    public static let global = PoolingRegions(count: 1, of: [])

    /// G regions with position i in region `of[i]`; every region must hold a position.
    public init(count: Int, of: [Int32]) {
        precondition(count >= 1, "PoolingRegions needs at least one region")
        precondition(of.allSatisfy { $0 >= 0 && Int($0) < count }, "PoolingRegions: region index outside 0..<\(count)")
        self.count = count
        self.of = count == 1 ? [] : of
        var sizes = [Int](repeating: 0, count: count == 1 ? 0 : count)
        if count > 1 { for r in of { sizes[Int(r)] += 1 } }
        precondition(!sizes.contains(0), "PoolingRegions: a region holds no position")
        self.sizes = sizes
        var first = [Int](repeating: -1, count: sizes.count)
        for (i, r) in self.of.enumerated() where first[Int(r)] < 0 { first[Int(r)] = i }
        firstPosition = first
    }

    /// The region of position i.
    @inline(__always) public func region(_ i: Int) -> Int { count == 1 ? 0 : Int(of[i]) }
    /// Positions in region r (K for global pooling).
    @inline(__always) public func size(_ r: Int, K: Int) -> Int { count == 1 ? K : sizes[r] }
}

/// The scale A of a fixed-sign read-out: a number or 1/M.
public enum ReadoutScale: Equatable, Sendable {
    /// A given A > 0.
    case value(Double)
    /// A = 1/M.
    case inverseM
    /// A for M filters.
    public func resolved(M: Int) -> Double {
        switch self {
        case .value(let v): return v
        case .inverseM: return 1 / Double(M)
        }
    }
}

/// The second layer.
public enum Readout: Equatable, Sendable {
    /// a_j = +A for j < M/2 and −A otherwise (M even; M = 1 gives the one filter +A); not trained.
    case fixedSign(ReadoutScale)
    /// a_j ~ N(0, σ_a²), trained.
    case trainable(Double)
    /// a_j = a₀ for every j at the start, then trained (no draw from the init stream). With a₀ < 0
    /// and 2a₀² > ‖w_j‖² this is the init that the conservation law of a square-activation network
    /// (Tan & Chen 2021) keeps from learning a nonnegative target: every I_j = ‖w_j‖² − 2a_j² < 0, so
    /// no a_j can reach 0.
    case trainableFrom(Double)

    /// Whether the read-out is trained.
    public var isTrainable: Bool {
        switch self {
        case .trainable, .trainableFrom: return true
        case .fixedSign: return false
        }
    }
}

/// Which biases the first layer has: trained ones start at 0, a frozen one keeps its value.
public enum BiasMode: Equatable, Sendable {
    /// No bias.
    case none
    /// One b shared by every filter, starting at 0 and trained.
    case shared
    /// One b_j per filter, starting at 0 and trained.
    case perFilter
    /// The constant b = v for every filter, never trained (Karp et al. 2021's baseline: v = 0).
    case frozen(Double)

    /// Whether the optimiser updates the biases.
    public var isTrainable: Bool {
        switch self {
        case .shared, .perFilter: return true
        case .none, .frozen: return false
        }
    }
}

/// How filters are initialised (from the `init` stream).
public enum Initialization: Equatable, Sendable {
    /// w ~ N(0, σ0² I).
    case gaussian(Double)
    /// w = r·g/‖g‖ with g ~ N(0, I).
    case sphere(Double)
    /// w ~ U(±1/√D) coordinate-wise.
    case kaimingUniform
}

/// The training loss ℓ(f, y) (SPEC §2).
public enum Loss: String, NamedChoice, Sendable {
    /// max(0, 1 − yf); ∂ℓ/∂f = −y·1[yf < 1].
    case hinge
    /// log(1 + e^{−yf}); ∂ℓ/∂f = −y/(1 + e^{yf}).
    case logistic
    /// ½(f − y)²; ∂ℓ/∂f = f − y.
    case square
    /// −yf (router pre-training); ∂ℓ/∂f = −y.
    case linear
    /// Softmax cross-entropy over C ≥ 2 outputs: log Σ_c e^{f_c} − f_y.
    case crossEntropy

    /// True for the losses of a single binary output.
    public var isBinary: Bool { self != .crossEntropy }
}

/// Which two-layer network is trained (SPEC §2 `architecture`).
public enum Architecture: String, NamedChoice, Sendable {
    /// Shared filters applied to each of the K patches, then pooled.
    case cnn
    /// M hidden units on the flattened K·D input with the same activation, read-out, loss and
    /// init scale (Brutzkus & Globerson 2021's baseline): the CNN on one patch of dimension K·D,
    /// where pooling over one patch is the identity.
    case fc
}

/// Patch-level routing (pMoE, Chowdhury et al. 2023; SPEC §2 `router`): E experts own disjoint
/// groups of F filters, expert e the filters [e·F, (e+1)·F), and expert e has a router vector
/// r_e ∈ R^D. Expert e sees only the l patches of each example with the largest ⟨r_e, x_i⟩ (hard
/// selection, ties to the lowest index, no gate value): only those enter its filters' pooling
/// (mean = (1/l)·Σ over them). The routers are drawn from the `router` stream (`routerInit`),
/// pre-trained for `pretrainSteps` full-batch steps of the linear loss −y·f_r on the training set
/// with f_r(x) = Σ_e s_e·⟨r_e, Σ_i x_i⟩ (s_e the read-out sign of expert e's filters), then frozen
/// while the experts train (Docs/Configuration.md, "pMoE").
public struct RouterConfig: Codable, Equatable, Sendable {
    /// E, the number of experts (even: each expert's filters share one read-out sign).
    public var experts = 2
    /// F, filters per expert; E·F = M.
    public var filtersPerExpert = 4
    /// l, the patches each expert sees per example (1 ≤ l ≤ K).
    public var topPatches = 2
    /// Full-batch steps of router pre-training (0: the routers stay at their random init).
    public var pretrainSteps = 100
    /// The learning rate of router pre-training.
    public var pretrainLearningRate = 0.2
    /// How the router vectors are drawn (from the `router` stream) before pre-training.
    public var routerInit: Initialization = .gaussian(0.1)

    /// Two experts of four filters, top-2, 100 pre-training steps at 0.2 from gaussian(0.1) (the pmoe preset).
    public init() {}

    /// The most pre-training steps, 10⁷. The pre-training loss is linear, so every step adds the
    /// same vector η_r·s_e·g to r_e: after n steps r_e = r_e(0) + n·η_r·s_e·g, whose direction (all
    /// that top-l selection depends on) keeps a share of the initial draw falling as 1/n, about
    /// float32's relative precision (10⁻⁷) at n = 10⁷; further steps change only the rounding, and
    /// they cost steps·E·D additions (10⁷ steps take about a second for pmoe's E = 2, D = 64).
    public static let maxPretrainSteps = 10_000_000

    /// The additions pre-training makes on patches of dimension `D`, steps·E·D (about a
    /// nanosecond each), saturating at `Int.max`: how long it will take.
    public func pretrainingAdditions(dimension D: Int) -> Int {
        let (perStep, o1) = experts.multipliedReportingOverflow(by: D)
        let (total, o2) = perStep.multipliedReportingOverflow(by: pretrainSteps)
        return o1 || o2 ? .max : total
    }

    /// The expert that owns filter j.
    public func expert(ofFilter j: Int) -> Int { j / filtersPerExpert }
}

/// The two-layer network of SPEC §2.
public struct NetworkConfig: Codable, Equatable, Sendable {
    /// The architecture: the patch CNN, or a fully-connected net on the flattened input.
    public var architecture: Architecture = .cnn
    /// Number of filters.
    public var M = 32
    /// Filters per read-out sign for the XORD width sweeps (Brutzkus & Globerson 2019): when set,
    /// M = 2k and the init is derived from it (`ExperimentConfig.deriveFields`); nil otherwise.
    public var k: Int? = nil
    /// The nonlinearity φ.
    public var activation: Activation = .relu
    /// How a filter's K activations are pooled.
    public var pooling: Pooling = .max
    /// The second layer.
    public var readout: Readout = .fixedSign(.inverseM)
    /// Which biases the first layer has.
    public var bias: BiasMode = .none
    /// Multiplier on the bias gradient.
    public var biasGradScale = 1.0
    /// How the filters are initialised.
    public var `init`: Initialization = .gaussian(0.01)
    /// Patch-level routing (pMoE); nil (the default) for the plain CNN.
    public var router: RouterConfig? = nil

    /// The defaults: the kp-bench network.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case architecture, M, k, activation, pooling, readout, bias, biasGradScale, `init`, router
    }

    /// Decodes every field; `architecture` may be absent (configs written before it existed) and
    /// then is `cnn` (null is an error); `k` and `router` may be absent or null.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architecture = try c.decode(Architecture.self, forKey: .architecture, ifAbsent: .cnn)
        M = try c.decode(Int.self, forKey: .M)
        k = try c.decodeIfPresent(Int.self, forKey: .k)
        activation = try c.decode(Activation.self, forKey: .activation)
        pooling = try c.decode(Pooling.self, forKey: .pooling)
        readout = try c.decode(Readout.self, forKey: .readout)
        bias = try c.decode(BiasMode.self, forKey: .bias)
        biasGradScale = try c.decode(Double.self, forKey: .biasGradScale)
        self.`init` = try c.decode(Initialization.self, forKey: .`init`)
        router = try c.decodeIfPresent(RouterConfig.self, forKey: .router)
    }

    /// Encodes every field, `k` and `router` as null when unset (so that `--set k=…` finds it in
    /// every config).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(M, forKey: .M)
        try c.encode(k, forKey: .k)
        try c.encode(activation, forKey: .activation)
        try c.encode(pooling, forKey: .pooling)
        try c.encode(readout, forKey: .readout)
        try c.encode(bias, forKey: .bias)
        try c.encode(biasGradScale, forKey: .biasGradScale)
        try c.encode(self.`init`, forKey: .`init`)
        try c.encode(router, forKey: .router)
    }

    /// Throws a `ConfigurationError` naming the first field that is out of range.
    public func validate() throws {
        func fail(_ field: String, _ value: Any, _ allowed: String) -> ConfigurationError {
            ConfigurationError(field: "network.\(field)", value: "\(value)", allowed: allowed)
        }
        guard M >= 1 else { throw fail("M", M, "needs at least 1 filter") }
        if let k, k < 1 { throw fail("k", k, "needs at least 1 filter per sign (or null to give M yourself)") }
        switch readout {
        case .fixedSign(let scale):
            guard M % 2 == 0 || M == 1 else {
                throw fail(
                    "M", M,
                    "a fixed-sign read-out gives the first M/2 filters +A and the rest −A, so M must be even "
                        + "(or 1: one filter voting +A, as in Karp et al. 2021)")
            }
            if case .value(let a) = scale, !(a.isFinite && a > 0) {
                throw fail("readout", readout.text, "fixedSign(A) needs a finite A > 0 (or 1/M)")
            }
        case .trainable(let s):
            guard s.isFinite, s >= 0 else {
                throw fail("readout", readout.text, "trainable(σ_a) needs a finite σ_a ≥ 0")
            }
        case .trainableFrom(let a):
            guard a.isFinite else {
                throw fail("readout", readout.text, "trainableFrom(a₀) needs a finite starting value a₀")
            }
        }
        switch activation {
        case .leakyRelu(let a) where !a.isFinite:
            throw fail("activation", activation.text, "leakyRelu(α) needs a finite α")
        case .polyRelu(let q) where !(q.isFinite && q >= 1):
            throw fail("activation", activation.text, "polyRelu(q) needs q ≥ 1")
        case .symThreshold where bias == .none:
            throw fail(
                "activation", activation.text,
                "symThreshold needs a bias: set network.bias shared, perFilter or frozen(v)")
        default: break
        }
        if case .frozen(let v) = bias, !v.isFinite { throw fail("bias", bias.text, "frozen(v) needs a finite v") }
        switch self.`init` {
        case .gaussian(let s) where !(s.isFinite && s >= 0), .sphere(let s) where !(s.isFinite && s >= 0):
            throw fail("init", self.`init`.text, "the scale must be a finite number ≥ 0")
        default: break
        }
        guard biasGradScale.isFinite else { throw fail("biasGradScale", biasGradScale, "must be finite") }
        if let router { try validate(router) }
    }

    /// The checks of a router that need only the network section (the data section's are in
    /// `ExperimentConfig.validate`).
    private func validate(_ r: RouterConfig) throws {
        func fail(_ field: String, _ value: Any, _ allowed: String) -> ConfigurationError {
            ConfigurationError(field: "network.router.\(field)", value: "\(value)", allowed: allowed)
        }
        guard r.experts >= 2, r.experts % 2 == 0 else {
            throw fail(
                "experts", r.experts,
                "needs an even number ≥ 2: the fixed read-out gives the first M/2 filters +A and the rest −A, and "
                    + "each expert's filters must share one sign")
        }
        guard r.filtersPerExpert >= 1 else { throw fail("filtersPerExpert", r.filtersPerExpert, "must be ≥ 1") }
        guard r.experts * r.filtersPerExpert == M else {
            throw fail(
                "filtersPerExpert", r.filtersPerExpert,
                "experts·filtersPerExpert = \(r.experts)·\(r.filtersPerExpert) = \(r.experts * r.filtersPerExpert) "
                    + "must equal network.M = \(M)")
        }
        guard r.topPatches >= 1 else { throw fail("topPatches", r.topPatches, "must be ≥ 1 (and ≤ data.K)") }
        guard r.pretrainSteps >= 0, r.pretrainSteps <= RouterConfig.maxPretrainSteps else {
            throw fail(
                "pretrainSteps", r.pretrainSteps,
                "must be ≥ 0 and ≤ 10⁷: each step adds the same vector to the routers (the loss is linear), so "
                    + "more steps change only rounding")
        }
        guard r.pretrainLearningRate.isFinite, r.pretrainLearningRate > 0 else {
            throw fail("pretrainLearningRate", r.pretrainLearningRate, "must be a finite number > 0")
        }
        switch r.routerInit {
        case .gaussian(let s) where !(s.isFinite && s >= 0), .sphere(let s) where !(s.isFinite && s >= 0):
            throw fail("routerInit", r.routerInit.text, "the scale must be a finite number ≥ 0")
        default: break
        }
        guard architecture == .cnn else {
            throw ConfigurationError(
                field: "network.router", value: "experts \(r.experts)",
                allowed: "routing picks patches of the CNN; architecture fc has one flattened patch: set "
                    + "network.router=null or architecture=cnn")
        }
        guard case .fixedSign = readout else {
            throw ConfigurationError(
                field: "network.readout", value: readout.text,
                allowed: "a router needs fixedSign(A): the routers are pre-trained against the experts' fixed "
                    + "read-out signs")
        }
        guard pooling.grid == 1 else {
            throw ConfigurationError(
                field: "network.pooling", value: pooling.text,
                allowed: "a router pools each expert over its l chosen patches: use max, mean or sum")
        }
    }
}

// MARK: - Text forms (used by config files and --set)

/// A configuration choice written as `name` or `name(arguments)`.
public protocol CallSyntaxCodable: Codable {
    var text: String { get }
    init(text: String) throws
    static var allowedForms: String { get }
}

extension CallSyntaxCodable {
    /// Decodes the text form; the error lists the allowed forms.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do { try self.init(text: text) } catch {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "'\(text)' is not one of \(Self.allowedForms)")
        }
    }

    /// Encodes the text form.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// Thrown when a text form does not parse; the decoder turns it into a message with the field.
package struct UnknownForm: Error { package init() {} }

extension Activation: CallSyntaxCodable {
    /// The text forms accepted, for error messages.
    public static let allowedForms = "relu, leakyRelu(α), polyRelu(q), square, linear, symThreshold"
    /// The text form, e.g. `leakyRelu(0.1)`.
    public var text: String {
        switch self {
        case .relu: return "relu"
        case .leakyRelu(let a): return "leakyRelu(\(formatConfigNumber(a)))"
        case .polyRelu(let q): return "polyRelu(\(formatConfigNumber(q)))"
        case .square: return "square"
        case .linear: return "linear"
        case .symThreshold: return "symThreshold"
        }
    }
    /// Parses a text form; throws `UnknownForm` for another text.
    public init(text: String) throws {
        guard let c = CallSyntax(text) else { throw UnknownForm() }
        switch (c.name, c.arguments.count) {
        case ("relu", 0): self = .relu
        case ("square", 0): self = .square
        case ("linear", 0): self = .linear
        case ("symThreshold", 0): self = .symThreshold
        case ("leakyRelu", 1):
            guard let a = c.number(at: 0) else { throw UnknownForm() }
            self = .leakyRelu(a)
        case ("polyRelu", 1):
            guard let q = c.number(at: 0) else { throw UnknownForm() }
            self = .polyRelu(q)
        default: throw UnknownForm()
        }
    }
}

extension BiasMode: CallSyntaxCodable {
    /// The text forms accepted, for error messages.
    public static let allowedForms = "none, shared, perFilter, frozen(v)"
    /// The text form, e.g. `frozen(-0.5)`.
    public var text: String {
        switch self {
        case .none: return "none"
        case .shared: return "shared"
        case .perFilter: return "perFilter"
        case .frozen(let v): return "frozen(\(formatConfigNumber(v)))"
        }
    }
    /// Parses a text form; throws `UnknownForm` for another text.
    public init(text: String) throws {
        guard let c = CallSyntax(text) else { throw UnknownForm() }
        switch (c.name, c.arguments.count) {
        case ("none", 0): self = .none
        case ("shared", 0): self = .shared
        case ("perFilter", 0): self = .perFilter
        case ("frozen", 1):
            guard let v = c.number(at: 0) else { throw UnknownForm() }
            self = .frozen(v)
        default: throw UnknownForm()
        }
    }
}

extension Readout: CallSyntaxCodable {
    /// The text forms accepted, for error messages.
    public static let allowedForms =
        "fixedSign(A) with A a finite number or 1/M, trainable(σ_a), trainableFrom(a₀), with finite σ_a and a₀"
    /// The text form, e.g. `fixedSign(1/M)`.
    public var text: String {
        switch self {
        case .fixedSign(.inverseM): return "fixedSign(1/M)"
        case .fixedSign(.value(let a)): return "fixedSign(\(formatConfigNumber(a)))"
        case .trainable(let s): return "trainable(\(formatConfigNumber(s)))"
        case .trainableFrom(let a): return "trainableFrom(\(formatConfigNumber(a)))"
        }
    }
    /// Parses a text form; throws `UnknownForm` for another text.
    public init(text: String) throws {
        guard let c = CallSyntax(text), c.arguments.count == 1 else { throw UnknownForm() }
        switch c.name {
        case "fixedSign":
            if c.arguments[0].replacingSpaces() == "1/M" {
                self = .fixedSign(.inverseM)
                return
            }
            guard let a = c.number(at: 0) else { throw UnknownForm() }
            self = .fixedSign(.value(a))
        case "trainable":
            guard let s = c.number(at: 0) else { throw UnknownForm() }
            self = .trainable(s)
        case "trainableFrom":
            guard let a = c.number(at: 0) else { throw UnknownForm() }
            self = .trainableFrom(a)
        default: throw UnknownForm()
        }
    }
}

extension Initialization: CallSyntaxCodable {
    /// The text forms accepted, for error messages.
    public static let allowedForms = "gaussian(σ0), sphere(r), kaimingUniform"
    /// The text form, e.g. `gaussian(0.01)`.
    public var text: String {
        switch self {
        case .gaussian(let s): return "gaussian(\(formatConfigNumber(s)))"
        case .sphere(let r): return "sphere(\(formatConfigNumber(r)))"
        case .kaimingUniform: return "kaimingUniform"
        }
    }
    /// Parses a text form; throws `UnknownForm` for another text.
    public init(text: String) throws {
        guard let c = CallSyntax(text) else { throw UnknownForm() }
        switch (c.name, c.arguments.count) {
        case ("gaussian", 1):
            guard let s = c.number(at: 0) else { throw UnknownForm() }
            self = .gaussian(s)
        case ("sphere", 1):
            guard let r = c.number(at: 0) else { throw UnknownForm() }
            self = .sphere(r)
        case ("kaimingUniform", 0): self = .kaimingUniform
        default: throw UnknownForm()
        }
    }
}

extension String {
    func replacingSpaces() -> String { String(filter { $0 != " " }) }
}
