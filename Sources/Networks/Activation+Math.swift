#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif

extension Activation {
    /// φ(z) of the pre-activation z = s + b (for every activation but `symThreshold`, whose bias
    /// is not added to the score: use `value(score:bias:)` for it).
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
        case .symThreshold:
            preconditionFailure("symThreshold takes the score and the bias apart: use value(score:bias:)")
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
        case .symThreshold:
            preconditionFailure("symThreshold takes the score and the bias apart: use derivatives(score:bias:)")
        }
    }

    /// Whether the bias enters as φ(s + b), so that the batched pass adds it to the scores: every
    /// activation but `symThreshold`, where it is the threshold of φ_b(s).
    @inlinable
    public var addsBiasToScore: Bool {
        switch self {
        case .relu, .leakyRelu, .polyRelu, .square, .linear: return true
        case .symThreshold: return false
        }
    }

    /// φ at the score s = ⟨w_j, x_i⟩ with the filter's bias b: φ(s + b), or φ_b(s) =
    /// ReLU(s + b) − ReLU(−s + b) for `symThreshold`.
    @inlinable
    public func value<T: BinaryFloatingPoint>(score s: T, bias b: T) -> T {
        addsBiasToScore ? value(s + b) : Self.symThreshold(s, bias: b)
    }

    /// (∂φ/∂s, ∂φ/∂b) at the score s with the filter's bias b: both φ′(s + b), or for
    /// `symThreshold` 1[s + b > 0] + 1[−s + b > 0] and 1[s + b > 0] − 1[−s + b > 0].
    @inlinable
    public func derivatives<T: BinaryFloatingPoint>(score s: T, bias b: T) -> (score: T, bias: T) {
        if addsBiasToScore {
            let d = derivative(s + b)
            return (d, d)
        }
        return Self.symThresholdDerivatives(s, bias: b)
    }

    /// φ_b(s) = ReLU(s + b) − ReLU(−s + b).
    @inlinable
    public static func symThreshold<T: BinaryFloatingPoint>(_ s: T, bias b: T) -> T {
        let up = s + b
        let down = b - s
        return (up > 0 ? up : 0) - (down > 0 ? down : 0)
    }

    /// (∂φ_b/∂s, ∂φ_b/∂b) = (1[s + b > 0] + 1[−s + b > 0], 1[s + b > 0] − 1[−s + b > 0]), 0 at the kinks.
    @inlinable
    public static func symThresholdDerivatives<T: BinaryFloatingPoint>(_ s: T, bias b: T) -> (score: T, bias: T) {
        let up: T = s + b > 0 ? 1 : 0
        let down: T = b - s > 0 ? 1 : 0
        return (up + down, up - down)
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

    /// The square loss ½(f − t)² of a regression model with real target t, and ∂ℓ/∂f = f − t,
    /// in Double.
    @inlinable
    public static func regression(output f: Double, target t: Double) -> (value: Double, derivative: Double) {
        let r = f - t
        return (0.5 * r * r, r)
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
