import Datasets
import Networks

/// The patterns a run is measured against: the basis and which patterns are keys of which class.
public struct PatternRoles: Sendable {
    /// The patterns.
    public let basis: PatternBasis
    /// Key patterns of class +1.
    public let keyPos: [Int]
    /// Key patterns of class −1.
    public let keyNeg: [Int]
    /// Common (background) patterns.
    public let common: [Int]

    /// The roles of `basis`'s patterns under `config`.
    public init(basis: PatternBasis, config: PatchDataConfig) {
        self.basis = basis
        keyPos = config.keyPos
        keyNeg = config.keyNeg
        common = config.commonIndices
    }

    /// Every key pattern, class +1 first.
    public var keys: [Int] { keyPos + keyNeg }
}

/// Filter norms, projections and cosines against every pattern (SPEC §3 items 2–3, Docs/Metrics.md
/// "Filters"), in Double: what shows filters learning the key patterns, claim 2 of
/// Yu, Zhang & Zhu 2019 (arXiv 1905.10157).
///
/// Layout: `norms` [M]; `projections` and `cosines` [M × P] with projections[j·P + p] = ⟨w_j, p⟩
/// and cosines[j·P + p] = ⟨w_j, p⟩ / (‖w_j‖ ‖p‖) (0 for a zero filter); `signs` [M] is the sign of
/// the read-out weight a_j (first output row), −1, 0 or +1.
public struct FilterSnapshot: Sendable, Equatable {
    /// Number of filters.
    public let M: Int
    /// Number of patterns.
    public let P: Int
    /// ‖w_j‖, [M].
    public let norms: [Double]
    /// ⟨w_j, p⟩, [M × P].
    public let projections: [Double]
    /// C[j, p] = ⟨w_j, p⟩ / (‖w_j‖ ‖p‖), 0 for a zero filter, [M × P].
    public let cosines: [Double]
    /// sign(a_j), [M].
    public let signs: [Int]

    /// The snapshot of `network`'s filters against every pattern of `basis`.
    public init(network: PatchCNN, basis: PatternBasis) {
        let M = network.M
        let D = network.D
        let P = basis.P
        precondition(D == basis.D, "FilterSnapshot: filters have D = \(D), patterns D = \(basis.D)")
        self.M = M
        self.P = P
        var norms = [Double](repeating: 0, count: M)
        var projections = [Double](repeating: 0, count: M * P)
        var cosines = [Double](repeating: 0, count: M * P)
        for j in 0..<M {
            var sq = 0.0
            for k in 0..<D {
                let v = Double(network.filters[j * D + k])
                sq += v * v
            }
            norms[j] = sq.squareRoot()
            for p in 0..<P {
                var dot = 0.0
                var pp = 0.0
                for k in 0..<D {
                    let b = Double(basis.patterns[p * D + k])
                    dot += Double(network.filters[j * D + k]) * b
                    pp += b * b
                }
                projections[j * P + p] = dot
                let denominator = norms[j] * pp.squareRoot()
                cosines[j * P + p] = denominator > 0 ? dot / denominator : 0
            }
        }
        self.norms = norms
        self.projections = projections
        self.cosines = cosines
        signs = (0..<M).map { j in
            let a = network.readout[j]
            return a > 0 ? 1 : (a < 0 ? -1 : 0)
        }
    }

    /// C[j, p] = ⟨w_j, p⟩ / (‖w_j‖ ‖p‖).
    public func cosine(_ j: Int, _ p: Int) -> Double { cosines[j * P + p] }
    /// ⟨w_j, p⟩.
    public func projection(_ j: Int, _ p: Int) -> Double { projections[j * P + p] }
}

/// Key filters and norm dominance (SPEC §3 items 4–6, Docs/Metrics.md "Key filters and dominance")
/// at one moment: claim 2 of Yu, Zhang & Zhu 2019 (arXiv 1905.10157), some filters learn the key patterns and
/// their norm dominates. C[j, p] is `FilterSnapshot.cosine(j, p)`, θ the key threshold.
public struct KeyMeasures: Sendable, Equatable {
    /// K⁺ = {j : a_j > 0 and max_{p ∈ keyPos} C[j, p] > θ}.
    public let positiveKeyFilters: [Int]
    /// K⁻ = {j : a_j < 0 and max_{p ∈ keyNeg} C[j, p] > θ}.
    public let negativeKeyFilters: [Int]
    /// min over key patterns p (both classes) of max over filters j whose sign matches p's class of C[j, p].
    public let bestKeyCosine: Double
    /// Σ_{j∈K} ‖w_j‖² / Σ_j ‖w_j‖², K = K⁺ ∪ K⁻ (0 when every filter is zero).
    public let keyShare: Double
    /// mean_{j∈K} ‖w_j‖ / mean_{j∉K} ‖w_j‖; NaN when K or its complement is empty.
    public let normRatio: Double
    /// Σ_j Σ_{p key} ⟨w_j, p⟩² / Σ_j ‖w_j‖².
    public let keyMass: Double
    /// mean over j ∈ K of max over the keys of j's class of ⟨w_j, p⟩; NaN when K is empty.
    public let keyProjection: Double
    /// mean over j ∈ K of max over common patterns c of |⟨w_j, c⟩|; NaN when K is empty.
    public let maxCommonProjection: Double

    /// K = K⁺ ∪ K⁻, ascending.
    public var keyFilters: [Int] { (positiveKeyFilters + negativeKeyFilters).sorted() }

    /// The measures of snapshot `s` with key threshold θ (`evaluation.theta`, 0.9 by default).
    public init(_ s: FilterSnapshot, roles: PatternRoles, theta: Double) {
        func keysOf(sign: Int) -> [Int] { sign > 0 ? roles.keyPos : (sign < 0 ? roles.keyNeg : []) }
        func ownKeyCosine(_ j: Int) -> Double { keysOf(sign: s.signs[j]).map { s.cosine(j, $0) }.max() ?? -.infinity }
        positiveKeyFilters = (0..<s.M).filter { s.signs[$0] > 0 && ownKeyCosine($0) > theta }
        negativeKeyFilters = (0..<s.M).filter { s.signs[$0] < 0 && ownKeyCosine($0) > theta }
        var best = Double.infinity
        for (sign, keys) in [(1, roles.keyPos), (-1, roles.keyNeg)] {
            for p in keys {
                let m = (0..<s.M).filter { s.signs[$0] == sign }.map { s.cosine($0, p) }.max() ?? -1
                best = min(best, m)
            }
        }
        bestKeyCosine = best
        let key = Set(positiveKeyFilters + negativeKeyFilters)
        var total = 0.0
        var keySq = 0.0
        var keyNormSum = 0.0
        var otherNormSum = 0.0
        var mass = 0.0
        for j in 0..<s.M {
            let sq = s.norms[j] * s.norms[j]
            total += sq
            if key.contains(j) {
                keySq += sq
                keyNormSum += s.norms[j]
            } else {
                otherNormSum += s.norms[j]
            }
            for p in roles.keys { mass += s.projection(j, p) * s.projection(j, p) }
        }
        keyShare = total > 0 ? keySq / total : 0
        keyMass = total > 0 ? mass / total : 0
        let others = s.M - key.count
        normRatio =
            key.isEmpty || others == 0 || otherNormSum == 0
            ? .nan : (keyNormSum / Double(key.count)) / (otherNormSum / Double(others))
        if key.isEmpty {
            keyProjection = .nan
            maxCommonProjection = .nan
        } else {
            var kp = 0.0
            var cp = 0.0
            for j in key {
                kp += keysOf(sign: s.signs[j]).map { s.projection(j, $0) }.max()!
                cp += roles.common.map { abs(s.projection(j, $0)) }.max() ?? 0
            }
            keyProjection = kp / Double(key.count)
            maxCommonProjection = cp / Double(key.count)
        }
    }
}

/// Exploration at initialisation (SPEC §3 item 7, Docs/Metrics.md "Exploration"): for each key
/// pattern p, #{j : s_j = sign of p's class and C[j, p] > 0}, the filters of the matching sign that
/// start with a positive cosine to it (`explorationAtInit`).
public func explorationCounts(_ s: FilterSnapshot, roles: PatternRoles) -> [Int: Int] {
    var counts = [Int: Int]()
    for (sign, keys) in [(1, roles.keyPos), (-1, roles.keyNeg)] {
        for p in keys { counts[p] = (0..<s.M).filter { s.signs[$0] == sign && s.cosine($0, p) > 0 }.count }
    }
    return counts
}

/// Whether each key pattern p was learned (SPEC §3 item 7, `keysLearned`): ∃ j with s_j = sign of
/// p's class and C[j, p] > θ.
public func learnedKeys(_ s: FilterSnapshot, roles: PatternRoles, theta: Double) -> [Int: Bool] {
    var learned = [Int: Bool]()
    for (sign, keys) in [(1, roles.keyPos), (-1, roles.keyNeg)] {
        for p in keys { learned[p] = (0..<s.M).contains { s.signs[$0] == sign && s.cosine($0, p) > theta } }
    }
    return learned
}
