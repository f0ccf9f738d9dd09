import Tensors

/// How an example's label relates to its patches (SPEC §1).
public enum LabelModel: String, NamedChoice, Sendable {
    /// y ~ U{±1}; `keysPerExample` patches hold a key pattern of class y, the rest background.
    case key
    /// XOR detection (Brutzkus & Globerson 2019): every patch is one of the four `xor2` patterns;
    /// y = +1 iff some patch is (1,1) or (−1,−1).
    case xord
    /// Signal and noise (Cao et al. 2022; Kou et al. 2023): one uniform patch holds y·μ, every
    /// other patch Gaussian noise ξ ~ N(0, σ_b² I) (`SignalNoiseSampler`).
    case signalNoise
    /// Quadratic teacher (Tan & Chen 2021; regression): K = 1, x ~ N(0, I_D), the real target
    /// t = Σ_r v_r (u_rᵀx)² with orthonormal teacher directions u_r (`GaussianTeacherSampler`).
    case gaussianTeacher

    /// Whether examples carry real-valued regression targets instead of class labels.
    public var isRegression: Bool { self == .gaussianTeacher }
}

/// The direction of the signal μ of the `signalNoise` model; ‖μ‖ = `keyScale` either way.
public enum SignalDirection: String, NamedChoice, Sendable {
    /// μ = keyScale·e_0 (Cao et al. 2022, Kou et al. 2023).
    case e0
    /// μ = keyScale·(1, …, 1)/√D (w* of Karp et al. 2021).
    case allOnes
}

/// The orthonormal patterns p_0 … p_{P−1} that patches are built from.
public enum Basis: String, NamedChoice, Sendable {
    /// Pattern c is the unit vector e_c.
    case onehot
    /// The first P columns of Q from the QR decomposition of a Gaussian D×D matrix (R with a
    /// positive diagonal), drawn from the `patterns` stream.
    case orthoRandom
    /// D = 2, P = 4: (1,1), (−1,−1) (the positive patterns), (1,−1), (−1,1) (the negative ones),
    /// each of norm √2; for the `xord` label model.
    case xor2
}

/// What fills the patches that do not hold a key.
public enum Background: String, NamedChoice, Sendable {
    /// A pattern drawn uniformly from the common set.
    case common
    /// N(0, σ_b² I).
    case gaussian
    /// The zero vector.
    case zero
}

/// A set of pattern indices: an explicit list, or every pattern that is not a key (`"rest"`).
public enum PatternSet: Codable, Equatable, Sendable {
    /// Every pattern that is not a key.
    case rest
    /// The listed pattern indices.
    case indices([Int])

    /// Decodes a list of indices or the string "rest".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let list = try? c.decode([Int].self) {
            self = .indices(list)
        } else if let text = try? c.decode(String.self), text == "rest" {
            self = .rest
        } else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "expected a list of pattern indices such as [2, 3] or \"rest\"")
        }
    }

    /// Encodes a list of indices or the string "rest".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .rest: try c.encode("rest")
        case .indices(let list): try c.encode(list)
        }
    }
}

/// The common patterns that `spuriousBias` applies to (PSI, Brutzkus & Globerson 2020).
public enum SpuriousSet: Codable, Equatable, Sendable {
    /// The first half (⌊n/2⌋, by index) of the common patterns.
    case firstHalf
    /// The listed pattern indices (common patterns).
    case indices([Int])

    /// Decodes a list of indices or the string "firstHalf".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let list = try? c.decode([Int].self) {
            self = .indices(list)
        } else if let text = try? c.decode(String.self), text == "firstHalf" {
            self = .firstHalf
        } else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "expected a list of common pattern indices such as [4, 5] or \"firstHalf\"")
        }
    }

    /// Encodes a list of indices or the string "firstHalf".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .firstHalf: try c.encode("firstHalf")
        case .indices(let list): try c.encode(list)
        }
    }
}

/// The synthetic patch data model of SPEC §1.
public struct PatchDataConfig: Codable, Equatable, Sendable {
    /// How labels relate to patches.
    public var labelModel: LabelModel = .key
    /// The orthonormal patterns.
    public var basis: Basis = .onehot
    /// Patches per example.
    public var K = 16
    /// Patch dimension.
    public var D = 64
    /// Number of patterns (≤ D).
    public var P = 32
    /// Key patterns of class +1.
    public var keyPos = [0]
    /// Key patterns of class −1.
    public var keyNeg = [1]
    /// Background patterns.
    public var common: PatternSet = .rest
    /// Patches holding the class key, at distinct uniform positions.
    public var keysPerExample = 1
    /// Norm of a placed key.
    public var keyScale = 1.0
    /// What fills the patches without a key.
    public var background: Background = .common
    /// Standard deviation of the Gaussian background.
    public var sigmaB = 1.0
    /// Standard deviation of the noise added to every coordinate of every patch.
    public var sigma = 0.05
    /// PSI (Brutzkus & Globerson 2020): a common background patch of a class-y point comes from
    /// `spuriousSet` with probability ½ + y·bias, else from the other common patterns (uniform
    /// within the chosen group); 0 draws uniformly over all common patterns.
    public var spuriousBias = 0.0
    /// The common patterns `spuriousBias` favours in class +1.
    public var spuriousSet: SpuriousSet = .firstHalf
    /// Probability that the observed label is flipped.
    public var flip = 0.0
    /// signalNoise: the direction of μ.
    public var signal: SignalDirection = .e0
    /// signalNoise: project every noise patch orthogonal to μ.
    public var orthoNoise = false
    /// XORD: draw diverse points only (a positive point holds all four patterns, a negative one both
    /// negative patterns), for the training set and the main test set.
    public var diverseOnly = false
    /// gaussianTeacher: R, the number of orthonormal teacher directions u_r (1 ≤ R ≤ D).
    public var teacherRank = 2
    /// gaussianTeacher: the teacher's weights v_r, [R]; empty means every v_r = 1.
    public var teacherWeights: [Double] = []
    /// Training-set size; 0 draws a fresh example for every use (online stream).
    public var nTrain = 0
    /// Test-set size, drawn from its own stream.
    public var nTest = 2000

    /// The defaults: the kp-bench data model.
    public init() {}

    /// The largest data scale (σ, σ_b, ‖μ‖): float32 patches hold its square times the dimension in
    /// their norms and products, which must stay finite.
    static let maxScale = 1e6
    static let scaleReason = "larger values overflow float32 in the patches' norms and products"

    enum CodingKeys: String, CodingKey {
        case labelModel, basis, K, D, P, keyPos, keyNeg, common, keysPerExample, keyScale, background, sigmaB, sigma
        case spuriousBias, spuriousSet, flip, signal, orthoNoise, diverseOnly, teacherRank, teacherWeights, nTrain
        case nTest
    }

    /// Decodes every field; those added after the first release (`spuriousBias`, `spuriousSet`,
    /// `signal`, `orthoNoise`, `diverseOnly`, `teacherRank`, `teacherWeights`) may be absent, as in
    /// older run directories, and then take their defaults; null is an error for every field (none has
    /// a documented null).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        labelModel = try c.decode(LabelModel.self, forKey: .labelModel)
        basis = try c.decode(Basis.self, forKey: .basis)
        K = try c.decode(Int.self, forKey: .K)
        D = try c.decode(Int.self, forKey: .D)
        P = try c.decode(Int.self, forKey: .P)
        keyPos = try c.decode([Int].self, forKey: .keyPos)
        keyNeg = try c.decode([Int].self, forKey: .keyNeg)
        common = try c.decode(PatternSet.self, forKey: .common)
        keysPerExample = try c.decode(Int.self, forKey: .keysPerExample)
        keyScale = try c.decode(Double.self, forKey: .keyScale)
        background = try c.decode(Background.self, forKey: .background)
        sigmaB = try c.decode(Double.self, forKey: .sigmaB)
        sigma = try c.decode(Double.self, forKey: .sigma)
        spuriousBias = try c.decode(Double.self, forKey: .spuriousBias, ifAbsent: 0)
        spuriousSet = try c.decode(SpuriousSet.self, forKey: .spuriousSet, ifAbsent: .firstHalf)
        flip = try c.decode(Double.self, forKey: .flip)
        signal = try c.decode(SignalDirection.self, forKey: .signal, ifAbsent: .e0)
        orthoNoise = try c.decode(Bool.self, forKey: .orthoNoise, ifAbsent: false)
        diverseOnly = try c.decode(Bool.self, forKey: .diverseOnly, ifAbsent: false)
        teacherRank = try c.decode(Int.self, forKey: .teacherRank, ifAbsent: 2)
        teacherWeights = try c.decode([Double].self, forKey: .teacherWeights, ifAbsent: [])
        nTrain = try c.decode(Int.self, forKey: .nTrain)
        nTest = try c.decode(Int.self, forKey: .nTest)
    }

    /// The teacher's weights v_r of the gaussianTeacher model: `teacherWeights`, or R ones when empty.
    public var resolvedTeacherWeights: [Double] {
        teacherWeights.isEmpty ? Array(repeating: 1, count: teacherRank) : teacherWeights
    }

    /// The common patterns `spuriousBias` favours in class +1, ascending.
    public var spuriousIndices: [Int] {
        switch spuriousSet {
        case .indices(let list): return list.sorted()
        case .firstHalf:
            let commons = commonIndices.sorted()
            return Array(commons.prefix(commons.count / 2))
        }
    }

    /// The common pattern indices this config resolves to.
    public var commonIndices: [Int] {
        switch common {
        case .indices(let list): return list
        case .rest:
            let keys = Set(keyPos + keyNeg)
            return (0..<P).filter { !keys.contains($0) }
        }
    }

    /// Throws a `ConfigurationError` naming the first field that is out of range.
    public func validate() throws {
        func fail(_ field: String, _ value: Any, _ allowed: String) -> ConfigurationError {
            ConfigurationError(field: "data.\(field)", value: "\(value)", allowed: allowed)
        }
        guard K >= 1 else { throw fail("K", K, "needs at least 1 patch per example") }
        if labelModel == .xord || basis == .xor2 {
            try validateXORD(fail)
            return
        }
        if labelModel == .signalNoise {
            try validateSignalNoise(fail)
            return
        }
        if labelModel == .gaussianTeacher {
            try validateGaussianTeacher(fail)
            return
        }
        if orthoNoise { throw fail("orthoNoise", orthoNoise, "is for labelModel signalNoise only") }
        if signal != .e0 { throw fail("signal", signal.rawValue, "is for labelModel signalNoise only") }
        if diverseOnly { throw fail("diverseOnly", diverseOnly, "is for labelModel xord only") }
        guard D >= 1 else { throw fail("D", D, "needs a patch dimension of at least 1") }
        guard P >= 1, P <= D else {
            throw fail(
                "P", P,
                "an orthonormal basis ('\(basis.rawValue)') needs 1 ≤ P ≤ D = \(D); lower data.P or raise data.D")
        }
        for (name, set) in [("keyPos", keyPos), ("keyNeg", keyNeg)] {
            guard !set.isEmpty else { throw fail(name, set, "each class needs at least one key pattern") }
            if let bad = set.first(where: { $0 < 0 || $0 >= P }) {
                throw fail(name, set, "pattern index \(bad) is outside 0..<P = 0..<\(P)")
            }
        }
        if let shared = Set(keyPos).intersection(keyNeg).first {
            throw fail("keyNeg", keyNeg, "pattern \(shared) is a key of both classes; the key sets must be disjoint")
        }
        let commons = commonIndices
        if let bad = commons.first(where: { $0 < 0 || $0 >= P }) {
            throw fail("common", commons, "pattern index \(bad) is outside 0..<P = 0..<\(P)")
        }
        if let shared = Set(commons).intersection(keyPos + keyNeg).first {
            throw fail(
                "common", commons, "pattern \(shared) is also a key; common patterns must carry no label information")
        }
        if background == .common && commons.isEmpty {
            throw fail(
                "common", commons,
                "background 'common' needs at least one common pattern (or choose background gaussian or zero)")
        }
        guard keysPerExample >= 1, keysPerExample <= K else {
            throw fail("keysPerExample", keysPerExample, "must be between 1 and K = \(K)")
        }
        guard keyScale.isFinite, keyScale > 0, keyScale <= Self.maxScale else {
            throw fail("keyScale", keyScale, "must be a finite number > 0 and ≤ 10⁶ (" + Self.scaleReason + ")")
        }
        guard sigmaB.isFinite, sigmaB >= 0, sigmaB <= Self.maxScale else {
            throw fail("sigmaB", sigmaB, "must be a finite number in 0…10⁶ (" + Self.scaleReason + ")")
        }
        guard sigma.isFinite, sigma >= 0, sigma <= Self.maxScale else {
            throw fail("sigma", sigma, "must be a finite number in 0…10⁶ (" + Self.scaleReason + ")")
        }
        guard flip >= 0, flip < 0.5 else { throw fail("flip", flip, "must be in [0, 0.5)") }
        guard spuriousBias.isFinite, spuriousBias >= 0, spuriousBias <= 0.5 else {
            throw fail("spuriousBias", spuriousBias, "must be in [0, 0.5] (a probability ½ ± bias)")
        }
        if spuriousBias > 0 {
            guard background == .common else {
                throw fail("spuriousBias", spuriousBias, "biases the common background; needs background common")
            }
            let spurious = spuriousIndices
            let commonSet = Set(commons)
            if let bad = spurious.first(where: { !commonSet.contains($0) }) {
                throw fail("spuriousSet", spurious, "pattern \(bad) is not a common pattern (commons: \(commons))")
            }
            guard !spurious.isEmpty, Set(spurious).count < commonSet.count else {
                throw fail(
                    "spuriousSet", spurious,
                    "needs at least one common pattern, and at least one left out (the other group), "
                        + "to bias between them")
            }
        }
        guard nTrain >= 0 else { throw fail("nTrain", nTrain, "must be ≥ 0 (0 means a fresh example every draw)") }
        guard nTest >= 1 else { throw fail("nTest", nTest, "must be ≥ 1") }
    }

    /// The XORD model's fixed layout: basis xor2 (D = 2, P = 4), keys {0, 1} / {2, 3}, at least
    /// two patches (one cannot hold both negative patterns), no background.
    private func validateXORD(_ fail: (String, Any, String) -> ConfigurationError) throws {
        guard labelModel == .xord else {
            throw fail("basis", basis.rawValue, "xor2 is the basis of labelModel xord; use onehot or orthoRandom")
        }
        guard basis == .xor2 else { throw fail("basis", basis.rawValue, "labelModel xord needs basis xor2") }
        guard D == 2 else { throw fail("D", D, "basis xor2 has patches of dimension D = 2") }
        guard P == 4 else { throw fail("P", P, "basis xor2 has P = 4 patterns") }
        guard keyPos == [0, 1], keyNeg == [2, 3] else {
            throw fail(
                "keyPos", "\(keyPos) / keyNeg \(keyNeg)",
                "xord's positive patterns are 0 = (1,1), 1 = (−1,−1) and its negative ones 2 = (1,−1), 3 = (−1,1): "
                    + "keyPos [0, 1], keyNeg [2, 3]")
        }
        if orthoNoise { throw fail("orthoNoise", orthoNoise, "is for labelModel signalNoise only") }
        if signal != .e0 { throw fail("signal", signal.rawValue, "is for labelModel signalNoise only") }
        guard K >= 2 else { throw fail("K", K, "xord needs K ≥ 2 (a diverse negative point holds both patterns)") }
        if diverseOnly && K < 4 {
            throw fail("K", K, "a diverse positive point holds all four patterns, so diverseOnly needs K ≥ 4")
        }
        guard sigma.isFinite, sigma >= 0, sigma <= Self.maxScale else {
            throw fail("sigma", sigma, "must be a finite number in 0…10⁶ (" + Self.scaleReason + ")")
        }
        guard flip >= 0, flip < 0.5 else { throw fail("flip", flip, "must be in [0, 0.5)") }
        guard spuriousBias == 0 else { throw fail("spuriousBias", spuriousBias, "xord has no common patterns; use 0") }
        guard nTrain >= 0 else { throw fail("nTrain", nTrain, "must be ≥ 0 (0 means a fresh example every draw)") }
        guard nTest >= 1 else { throw fail("nTest", nTest, "must be ≥ 1") }
    }

    /// The `gaussianTeacher` model (Tan & Chen 2021): one patch x ~ N(0, I_D) and a real target,
    /// so K = 1, no label flips and no extra noise; 1 ≤ R ≤ D (orthonormal directions), P = R (its
    /// patterns are the teacher directions) and one finite weight per direction. `basis`, the key
    /// and common sets and `background` are not used.
    private func validateGaussianTeacher(_ fail: (String, Any, String) -> ConfigurationError) throws {
        guard K == 1 else {
            throw fail("K", K, "gaussianTeacher has one patch per example, x ~ N(0, I_D); use K = 1")
        }
        guard D >= 1 else { throw fail("D", D, "needs a patch dimension of at least 1") }
        guard teacherRank >= 1, teacherRank <= D else {
            throw fail(
                "teacherRank", teacherRank,
                "must be between 1 and D = \(D): the teacher has that many orthonormal directions in R^D")
        }
        // teacherRank, P and the number of teacherWeights change together: say so in one message.
        let weightsFit = teacherWeights.isEmpty || teacherWeights.count == teacherRank
        guard P == teacherRank else {
            throw fail(
                "P", P,
                "gaussianTeacher's patterns are its \(teacherRank) teacher directions (filters are projected on "
                    + "them); use P = teacherRank = \(teacherRank)"
                    + (weightsFit
                        ? ""
                        : ", and teacherWeights \(teacherRank) numbers (one v_r per direction) or [] for all 1"))
        }
        if !weightsFit {
            throw fail(
                "teacherWeights", teacherWeights,
                "needs one weight v_r per teacher direction: \(teacherRank) (teacherRank) numbers, "
                    + "or [] for all 1")
        }
        if let bad = teacherWeights.first(where: { !$0.isFinite }) {
            throw fail("teacherWeights", teacherWeights, "every weight must be a finite number (found \(bad))")
        }
        if let big = teacherWeights.first(where: { abs($0) > Self.maxTeacherWeight }) {
            throw fail(
                "teacherWeights", teacherWeights,
                "every |v_r| must be ≤ 10⁶ (found \(big)): the targets are float32 and a larger teacher overflows "
                    + "them or the first gradient; a teacher c·v is the problem of v with targets scaled by c")
        }
        guard flip == 0 else { throw fail("flip", flip, "gaussianTeacher has real targets, not labels; use 0") }
        guard sigma == 0 else {
            throw fail("sigma", sigma, "gaussianTeacher draws x ~ N(0, I_D) and adds no extra noise; use 0")
        }
        guard nTrain >= 0 else { throw fail("nTrain", nTrain, "must be ≥ 0 (0 means a fresh example every draw)") }
        guard nTest >= 1 else { throw fail("nTest", nTest, "must be ≥ 1") }
        for (name, n) in [("nTrain", nTrain), ("nTest", nTest)] {
            let (floats, overflow) = n.multipliedReportingOverflow(by: D)
            if overflow || floats > Self.maxSetFloats {
                throw fail(name, n, "needs n·D = \(n)·\(D) floats, more than 2³¹ = 8 GiB; lower \(name) or D")
            }
        }
    }

    /// The largest |v_r| of a gaussianTeacher: 10⁶. The targets t = Σ_r v_r (u_rᵀx)² are stored as
    /// float32 and (f − t) scales the first gradient: with |v_r| ≤ 10⁶, |t| ≤ 10⁶·‖x‖² (the u_r are
    /// orthonormal), about 10⁶·D, far inside float32's range (3.4·10³⁸) for any D, while 10³⁰⁸ gives
    /// an infinite target at once. Larger scales add nothing: a teacher c·v is the problem of v with
    /// every target scaled by c.
    public static let maxTeacherWeight = 1e6

    /// The largest number of floats a data set may hold: 2³¹ (8 GiB of float32). A fixed set is
    /// one array [n × K × D], trained on as one full batch; beyond this it would not fit the
    /// memory of the machines the project runs on, and its indices would pass Int32 in the kernels.
    public static let maxSetFloats = 1 << 31

    /// The `signalNoise` model: one signal patch y·μ (‖μ‖ = keyScale, direction `signal`), the
    /// other K − 1 patches N(0, σ_b² I) (orthogonal to μ when `orthoNoise`). Its one pattern is
    /// μ/‖μ‖, so P = 1 (filters are projected on it); `basis`, the key and common sets and
    /// `background` are not used. flip = 0.5 is refused: ỹ would then be
    /// independent of x, so nothing is left to learn against ỹ, and Cao et al. and Kou et al. take
    /// p < 1/2.
    private func validateSignalNoise(_ fail: (String, Any, String) -> ConfigurationError) throws {
        if diverseOnly { throw fail("diverseOnly", diverseOnly, "is for labelModel xord only") }
        guard D >= 1 else { throw fail("D", D, "needs a patch dimension of at least 1") }
        guard K >= 2 else {
            throw fail("K", K, "signalNoise needs K ≥ 2 (one signal patch and at least one noise patch)")
        }
        guard P == 1 else {
            throw fail("P", P, "signalNoise has one pattern, the signal direction μ/‖μ‖; use P = 1")
        }
        guard keysPerExample == 1 else {
            throw fail("keysPerExample", keysPerExample, "signalNoise places the signal in exactly one patch; use 1")
        }
        guard keyScale.isFinite, keyScale > 0, keyScale <= Self.maxScale else {
            throw fail(
                "keyScale", keyScale,
                "is ‖μ‖, the signal norm; must be a finite number > 0 and ≤ 10⁶ (" + Self.scaleReason + ")")
        }
        guard sigmaB.isFinite, sigmaB >= 0, sigmaB <= Self.maxScale else {
            throw fail(
                "sigmaB", sigmaB,
                "is σ_b, the noise-patch standard deviation; must be a finite number in 0…10⁶ (" + Self.scaleReason
                    + ")")
        }
        guard sigma.isFinite, sigma >= 0, sigma <= Self.maxScale else {
            throw fail("sigma", sigma, "must be a finite number in 0…10⁶ (" + Self.scaleReason + ")")
        }
        guard flip.isFinite, flip >= 0, flip < 0.5 else {
            throw fail(
                "flip", flip,
                "must be in [0, 0.5): at 0.5 the observed label is independent of x (the signal follows the true label)"
            )
        }
        guard spuriousBias == 0 else {
            throw fail("spuriousBias", spuriousBias, "signalNoise has no common patterns; use 0")
        }
        guard nTrain >= 0 else { throw fail("nTrain", nTrain, "must be ≥ 0 (0 means a fresh example every draw)") }
        guard nTest >= 1 else { throw fail("nTest", nTest, "must be ≥ 1") }
        for (name, n) in [("nTrain", nTrain), ("nTest", nTest)] {
            let (kd, overflowKD) = K.multipliedReportingOverflow(by: D)
            let (floats, overflow) = n.multipliedReportingOverflow(by: kd)
            if overflowKD || overflow || floats > Self.maxSetFloats {
                let gib = (Double(n) * Double(K) * Double(D) * 4 / Double(1 << 30) * 10).rounded() / 10
                throw fail(
                    name, n,
                    "needs \(gib) GiB for a full batch (n·K·D = \(n)·\(K)·\(D) floats, "
                        + "at most 2³¹ = 8 GiB); lower \(name) or D")
            }
        }
    }
}
