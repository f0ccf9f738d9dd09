import Tensors

/// The P patterns of a data model, as a [P × D] row-major matrix: orthonormal, or the four xor2
/// patterns (1,1), (−1,−1), (1,−1), (−1,1).
public struct PatternBasis: Sendable {
    /// Number of patterns.
    public let P: Int
    /// Pattern dimension.
    public let D: Int
    /// Row c is pattern p_c (unit norm, except the xor2 patterns of norm √2).
    public let patterns: [Float]
    /// True when pattern c is e_c, so placing and projecting it touch one coordinate.
    public let isOneHot: Bool

    /// Builds the basis of `config`, drawing from `rng` (the `patterns` stream) when it is random.
    public init(_ config: PatchDataConfig, using rng: inout RandomStream) {
        P = config.P
        D = config.D
        switch config.basis {
        case .onehot:
            var rows = [Float](repeating: 0, count: P * D)
            for c in 0..<P { rows[c * D + c] = 1 }
            patterns = rows
            isOneHot = true
        case .orthoRandom:
            patterns = PatternBasis.randomOrthonormalRows(P, D, using: &rng)
            isOneHot = false
        case .xor2:
            patterns = [1, 1, -1, -1, 1, -1, -1, 1]
            isOneHot = false
        }
    }

    /// The `P` rows of `rows` ([P × D], row-major) as patterns, e.g. the unit signal direction
    /// μ/‖μ‖ of the `signalNoise` model (P = 1).
    public init(rows: [Float], P: Int, D: Int) {
        precondition(rows.count == P * D, "PatternBasis(rows:): \(rows.count) values for P·D = \(P)·\(D)")
        self.P = P
        self.D = D
        patterns = rows
        isOneHot = P <= D && (0..<P).allSatisfy { c in (0..<D).allSatisfy { rows[c * D + $0] == (c == $0 ? 1 : 0) } }
    }

    /// Pattern c as an array of D floats.
    public func pattern(_ c: Int) -> ArraySlice<Float> { patterns[(c * D)..<((c + 1) * D)] }

    /// The first `count` columns of Q in G = QR (G a D×D standard Gaussian matrix, filled row by
    /// row; R with positive diagonal), computed by modified Gram–Schmidt in Double.
    static func randomOrthonormalRows(_ count: Int, _ D: Int, using rng: inout RandomStream) -> [Float] {
        var g = [Double](repeating: 0, count: D * D)
        for i in 0..<(D * D) { g[i] = rng.nextGaussian() }
        // Column j of G is g[i*D + j]; orthonormalise columns 0..<count in order.
        var q = [[Double]]()
        for j in 0..<count {
            var v = (0..<D).map { g[$0 * D + j] }
            for u in q {
                var dot = 0.0
                for k in 0..<D { dot += u[k] * v[k] }
                for k in 0..<D { v[k] -= dot * u[k] }
            }
            // Re-orthogonalise once for accuracy.
            for u in q {
                var dot = 0.0
                for k in 0..<D { dot += u[k] * v[k] }
                for k in 0..<D { v[k] -= dot * u[k] }
            }
            var norm = 0.0
            for k in 0..<D { norm += v[k] * v[k] }
            norm = norm.squareRoot()
            q.append(v.map { $0 / norm })
        }
        return q.flatMap { $0.map(Float.init) }
    }
}
