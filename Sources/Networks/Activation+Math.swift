#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

extension Activation {
    /// φ(z).
    @inlinable
    public func value<T: BinaryFloatingPoint>(_ z: T) -> T {
        switch self {
        case .relu: return z > 0 ? z : 0
        case .leakyRelu(let a): return z > 0 ? z : T(a) * z
        case .polyRelu(let q):
            guard z > 0 else { return 0 }
            if q == 1 { return z }
            if q == 2 { return z * z }
            if q == 3 { return z * z * z }
            return T(pow(Double(z), q))
        case .square: return z * z
        case .linear: return z
        }
    }

    /// φ′(z), with φ′(0) = 0 for relu and polyRelu.
    @inlinable
    public func derivative<T: BinaryFloatingPoint>(_ z: T) -> T {
        switch self {
        case .relu: return z > 0 ? 1 : 0
        case .leakyRelu(let a): return z > 0 ? 1 : T(a)
        case .polyRelu(let q):
            guard z > 0 else { return 0 }
            if q == 1 { return 1 }
            if q == 2 { return 2 * z }
            if q == 3 { return 3 * z * z }
            return T(q * pow(Double(z), q - 1))
        case .square: return 2 * z
        case .linear: return 1
        }
    }
}

extension Loss {
    /// ℓ(f, y) and ∂ℓ/∂f for one binary output, y ∈ {−1, +1}, computed in Double.
    @inlinable
    public func binary(output f: Double, label y: Double) -> (value: Double, derivative: Double) {
        switch self {
        case .hinge:
            let m = y * f
            return m < 1 ? (1 - m, -y) : (0, 0)
        case .logistic:
            // log(1 + e^{−m}) and −y/(1 + e^{m}) without overflow for large |m|.
            let m = y * f
            let value = m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m))
            let sigmoidOfMinusM = m > 0 ? exp(-m) / (1 + exp(-m)) : 1 / (1 + exp(m))
            return (value, -y * sigmoidOfMinusM)
        case .square:
            let r = f - y
            return (0.5 * r * r, r)
        case .linear:
            return (-y * f, -y)
        case .crossEntropy:
            preconditionFailure("crossEntropy needs C ≥ 2 outputs; use crossEntropy(outputs:label:into:)")
        }
    }

    /// Softmax cross-entropy log Σ_c e^{f_c} − f_y; writes ∂ℓ/∂f_c = softmax_c − 1[c = y] · `scale`.
    @inlinable
    package static func crossEntropy(
        outputs f: UnsafePointer<Float>, classes C: Int, label y: Int, gradient: UnsafeMutablePointer<Float>?,
        scale: Double
    ) -> Double {
        var maxF = -Double.infinity
        for c in 0..<C { maxF = Swift.max(maxF, Double(f[c])) }
        var total = 0.0
        for c in 0..<C { total += exp(Double(f[c]) - maxF) }
        let logZ = maxF + log(total)
        if let g = gradient {
            for c in 0..<C {
                let p = exp(Double(f[c]) - logZ)
                g[c] = Float((p - (c == y ? 1 : 0)) * scale)
            }
        }
        return logZ - Double(f[y])
    }
}

/// The predicted label: +1 iff f > 0 for one output; arg max (lowest index on ties) otherwise.
@inlinable
package func predictedLabel(_ f: UnsafePointer<Float>, classes C: Int) -> Int32 {
    if C == 1 { return f[0] > 0 ? 1 : -1 }
    var best = 0
    for c in 1..<C where f[c] > f[best] { best = c }
    return Int32(best)
}
