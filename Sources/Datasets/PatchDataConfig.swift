import Tensors

/// How an example's label relates to its patches (SPEC §1).
public enum LabelModel: String, NamedChoice, Sendable {
    /// y ~ U{±1}; `keysPerExample` patches hold a key pattern of class y, the rest background.
    case key
}

/// The orthonormal patterns p_0 … p_{P−1} that patches are built from.
public enum Basis: String, NamedChoice, Sendable {
    /// Pattern c is the unit vector e_c.
    case onehot
    /// The first P columns of Q from the QR decomposition of a Gaussian D×D matrix (R with a
    /// positive diagonal), drawn from the `patterns` stream.
    case orthoRandom
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
    /// Probability that the observed label is flipped.
    public var flip = 0.0
    /// Training-set size; 0 draws a fresh example for every use (online stream).
    public var nTrain = 0
    /// Test-set size, drawn from its own stream.
    public var nTest = 2000

    /// The defaults: the kp-bench data model.
    public init() {}

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
        guard keyScale.isFinite, keyScale > 0 else { throw fail("keyScale", keyScale, "must be a finite number > 0") }
        guard sigmaB.isFinite, sigmaB >= 0 else { throw fail("sigmaB", sigmaB, "must be a finite number ≥ 0") }
        guard sigma.isFinite, sigma >= 0 else { throw fail("sigma", sigma, "must be a finite number ≥ 0") }
        guard flip >= 0, flip < 0.5 else { throw fail("flip", flip, "must be in [0, 0.5)") }
        guard nTrain >= 0 else { throw fail("nTrain", nTrain, "must be ≥ 0 (0 means a fresh example every draw)") }
        guard nTest >= 1 else { throw fail("nTest", nTest, "must be ≥ 1") }
    }
}
