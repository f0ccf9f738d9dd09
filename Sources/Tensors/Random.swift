// Seeded, portable randomness (SPEC §4).
//
// Every random draw in the library comes from a `RandomStream`: xoshiro256** seeded through
// SplitMix64 from (seed, purpose). Streams for different purposes are independent, so changing
// the batch size never changes the initial weights or the test set. Nothing here depends on the
// platform's hashing or system randomness; the same seed gives the same numbers on every machine
// whose `log`, `sqrt`, `cos` and `sin` are correctly rounded (glibc's are, for these arguments).

/// SplitMix64 (Steele, Lea & Flood 2014): used only to expand a seed into xoshiro's state.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    package var state: UInt64

    /// A generator starting from `seed`.
    package init(seed: UInt64) { state = seed }

    /// The next output.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What a random stream is used for; each purpose has its own independent stream.
public enum RandomPurpose: UInt64, Sendable, CaseIterable {
    /// The patterns of a random (orthoRandom) basis.
    case patterns = 1
    /// The initial weights.
    case initialization = 2
    /// The training examples: the online stream, or the fixed training set.
    case train = 3
    /// The fixed test set.
    case test = 4
    /// The reshuffles of a fixed training set at each epoch.
    case shuffle = 5
    /// Router pre-training (pMoE).
    case router = 6
    /// Draws made by measurements (random filter subsets of the ablation).
    case evaluation = 7
}

/// The 256-layer ziggurat of the standard normal: layer edges x[i] (x[0] = v/f(r), x[1] = r,
/// x[256] = 0), densities f[i] = e^{−x[i]²/2}, and the fast-path ratios x[i+1]/x[i].
struct Ziggurat: Sendable {
    static let r = 3.6541528853610088
    static let v = 0.00492867323399
    let x: [Double]
    let f: [Double]
    let ratio: [Double]

    static let shared = Ziggurat()

    private init() {
        var x = [Double](repeating: 0, count: 257)
        x[0] = Ziggurat.v / _exp(-0.5 * Ziggurat.r * Ziggurat.r)
        x[1] = Ziggurat.r
        for i in 2..<256 { x[i] = (-2 * _log(Ziggurat.v / x[i - 1] + _exp(-0.5 * x[i - 1] * x[i - 1]))).squareRoot() }
        x[256] = 0
        self.x = x
        f = x.map { _exp(-0.5 * $0 * $0) }
        ratio = (0..<256).map { x[$0 + 1] / x[$0] }
    }
}

/// xoshiro256** (Blackman & Vigna 2018) with Gaussian, uniform and index sampling.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A stream seeded directly from a 64-bit seed.
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        s0 = mix.next()
        s1 = mix.next()
        s2 = mix.next()
        s3 = mix.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// A stream with its raw state set (for checking against published reference outputs).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// The stream for `purpose` under the experiment seed `seed`.
    public init(seed: UInt64, purpose: RandomPurpose) {
        var mix = SplitMix64(seed: seed)
        let a = mix.next()
        self.init(seed: a ^ (purpose.rawValue &* 0xD1B5_4A32_D192_ED03))
    }

    /// The next 64 random bits (xoshiro256**).
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<n (Lemire's multiply-and-reject, unbiased).
    public mutating func nextIndex(below n: Int) -> Int {
        precondition(n > 0, "nextIndex(below:) needs n > 0, got \(n)")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// A Bernoulli draw that is true with probability `p`.
    public mutating func nextBool(probability p: Double) -> Bool {
        nextUniform() < p
    }

    /// Standard normal by the ziggurat method (Marsaglia & Tsang 2000) with 256 layers: one
    /// 64-bit draw for ≈99% of samples (layer from the low 8 bits, a signed uniform from the top
    /// 53), an exact rejection test otherwise, and Marsaglia's exponential method for the tail
    /// beyond r = 3.6541528853610088.
    @inline(__always)
    public mutating func nextGaussian() -> Double {
        let z = Ziggurat.shared
        return z.x.withUnsafeBufferPointer { x in
            z.f.withUnsafeBufferPointer { f in
                z.ratio.withUnsafeBufferPointer { ratio in
                    gaussian(x.baseAddress!, f.baseAddress!, ratio.baseAddress!)
                }
            }
        }
    }

    /// Sets x[i] = Float(scale · gᵢ) (`add` false) or adds Float(scale · gᵢ) to x[i] (`add` true)
    /// for i in 0..<n, with g₀, g₁, … the next n values `nextGaussian` would return, in order; the
    /// tables are looked up once for the whole buffer.
    package mutating func fillGaussians(_ x: UnsafeMutablePointer<Float>, count n: Int, scale: Double, add: Bool) {
        let z = Ziggurat.shared
        z.x.withUnsafeBufferPointer { zx in
            z.f.withUnsafeBufferPointer { f in
                z.ratio.withUnsafeBufferPointer { ratio in
                    let zx = zx.baseAddress!
                    let f = f.baseAddress!
                    let ratio = ratio.baseAddress!
                    if add {
                        for i in 0..<n { x[i] += Float(scale * gaussian(zx, f, ratio)) }
                    } else {
                        for i in 0..<n { x[i] = Float(scale * gaussian(zx, f, ratio)) }
                    }
                }
            }
        }
    }

    @inline(__always)
    private mutating func gaussian(
        _ zx: UnsafePointer<Double>, _ f: UnsafePointer<Double>, _ ratio: UnsafePointer<Double>
    ) -> Double {
        while true {
            let bits = next()
            let i = Int(bits & 0xFF)
            let u = 2 * (Double(bits >> 11) * 0x1.0p-53) - 1
            let x = u * zx[i]
            if abs(u) < ratio[i] { return x }
            if i == 0 { return tail(negative: u < 0) }
            if f[i + 1] + (f[i] - f[i + 1]) * nextUniform() < _exp(-0.5 * x * x) { return x }
        }
    }

    // Out of line: the tail is drawn about once in 2,000 Gaussians, and inlined into
    // `fillGaussians` it costs the hot loop ≈9% more instructions.
    @inline(never)
    private mutating func tail(negative: Bool) -> Double {
        let r = Ziggurat.r
        while true {
            let x = _log(1 - nextUniform()) / r  // ≤ 0
            let y = _log(1 - nextUniform())
            if -2 * y >= x * x { return negative ? x - r : r - x }
        }
    }

    /// Fisher–Yates shuffle driven by this stream (independent of the standard library's algorithm).
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = nextIndex(below: i + 1)
            values.swapAt(i, j)
        }
    }

    /// `count` distinct indices from 0..<n, in the order drawn (partial Fisher–Yates on `scratch`).
    public mutating func distinctIndices(_ count: Int, below n: Int, scratch: inout [Int]) -> ArraySlice<Int> {
        precondition(count <= n, "distinctIndices: asked for \(count) distinct values below \(n)")
        if scratch.count != n { scratch = Array(0..<n) } else { for i in 0..<n { scratch[i] = i } }
        for i in 0..<count {
            let j = i + nextIndex(below: n - i)
            scratch.swapAt(i, j)
        }
        return scratch[0..<count]
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
    import Foundation
    @inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) func _sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inline(__always) func _exp(_ x: Double) -> Double { Foundation.exp(x) }
#endif
