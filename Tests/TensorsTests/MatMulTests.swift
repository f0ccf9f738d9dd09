import Testing
import _TestSupport
@testable import Tensors
#if arch(x86_64)
import _TensorsAVX512
#endif

@Suite struct MatMulTests {
    static let shapes: [(Int, Int, Int)] = {
        var s: [(Int, Int, Int)] = []
        for r in [0, 1, 3, 17] { for m in [1, 2, 4, 5, 9, 32, 41, 72] { for d in [0, 1, 7, 8, 9, 16, 33] { s.append((r, m, d)) } } }
        return s
    }()

    func random(_ n: Int, seed: UInt64) -> [Float] {
        var g = RandomStream(seed: seed)
        return (0..<n).map { _ in Float(g.nextGaussian()) }
    }

    @Test func abtMatchesReference() {
        for (r, m, d) in Self.shapes {
            let a = random(r * d, seed: 1), b = random(m * d, seed: 2)
            var fast = [Float](repeating: .nan, count: r * m), reference = fast
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                fast.withUnsafeMutableBufferPointer { c in
                    if r * m > 0 { MatMul.abt(ap.baseAddress ?? UnsafePointer(bitPattern: 8)!, bp.baseAddress ?? UnsafePointer(bitPattern: 8)!, c.baseAddress!, rows: r, cols: m, depth: d) }
                }
                reference.withUnsafeMutableBufferPointer { c in
                    if r * m > 0 { MatMul.abtReference(ap.baseAddress ?? UnsafePointer(bitPattern: 8)!, bp.baseAddress ?? UnsafePointer(bitPattern: 8)!, c.baseAddress!, rows: r, cols: m, depth: d) }
                }
            } }
            // Sums of d products of unit Gaussians: tolerance grows with the reduction length.
            let result = closeness(fast, reference, rtol: 1e-5, atol: 1e-6 * Double(max(d, 1)))
            #expect(result.isClose, "abt \(r)×\(m)×\(d): \(result)")
        }
    }

    @Test func abMatchesReference() {
        for (r, m, d) in Self.shapes where r * m > 0 {
            let a = random(r * d, seed: 6), b = random(d * m, seed: 7)
            var fast = [Float](repeating: .nan, count: r * m), reference = fast
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                fast.withUnsafeMutableBufferPointer { MatMul.ab(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
                reference.withUnsafeMutableBufferPointer { MatMul.abReference(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
            } }
            let result = closeness(fast, reference, rtol: 1e-5, atol: 1e-6 * Double(max(d, 1)))
            #expect(result.isClose, "ab \(r)×\(m)×\(d): \(result)")
        }
    }

    @Test func transposeIsExact() {
        let a = random(15, seed: 8)
        var t = [Float](repeating: 0, count: 15)
        a.withUnsafeBufferPointer { ap in t.withUnsafeMutableBufferPointer { MatMul.transpose(ap.baseAddress!, into: $0.baseAddress!, rows: 3, cols: 5) } }
        for r in 0..<3 { for c in 0..<5 { #expect(t[c * 3 + r] == a[r * 5 + c]) } }
    }

    @Test func atbAccumulateMatchesReference() {
        for (r, m, d) in Self.shapes where m * d > 0 {
            let a = random(r * m, seed: 3), b = random(r * d, seed: 4)
            let start = random(m * d, seed: 5)
            var fast = start, reference = start
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                fast.withUnsafeMutableBufferPointer { MatMul.atbAccumulate(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
                reference.withUnsafeMutableBufferPointer { MatMul.atbAccumulateReference(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
            } }
            let result = closeness(fast, reference, rtol: 1e-5, atol: 1e-6 * Double(max(r, 1)))
            #expect(result.isClose, "atb \(r)×\(m)×\(d): \(result)")
        }
    }

    @Test func abtHandWorked() {
        // A = [[1, 2], [3, 4]], B = [[1, 0], [1, 1], [0, 2]]: A·Bᵀ = [[1, 3, 4], [3, 7, 8]].
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [1, 0, 1, 1, 0, 2]
        var c = [Float](repeating: 0, count: 6)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer {
            MatMul.abt(ap.baseAddress!, bp.baseAddress!, $0.baseAddress!, rows: 2, cols: 3, depth: 2)
        } } }
        #expect(c == [1, 3, 4, 3, 7, 8])
    }

    #if arch(x86_64)
    /// The AVX-512 kernels must give exactly the AVX2 kernels' bits (same operations per element,
    /// in the same order), so results never depend on the machine's vector width.
    @Test(.enabled(if: CPU.avx512, "this processor has no AVX-512"))
    func avx512KernelsEqualAVX2Bitwise() {
        var shapes = Self.shapes
        shapes += [(16, 32, 64), (1024, 32, 64), (300, 32, 25), (520, 48, 25), (9, 16, 8), (257, 33, 17)]
        for (r, m, d) in shapes where r * m > 0 {
            let a = random(r * d, seed: 9), b = random(d * m, seed: 10)
            var wide = [Float](repeating: .nan, count: r * m), narrow = wide
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                wide.withUnsafeMutableBufferPointer { abAVX512(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
                narrow.withUnsafeMutableBufferPointer { MatMul.abSIMD(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
            } }
            #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "ab \(r)×\(m)×\(d)")
        }
        for (r, m, d) in shapes where m * d > 0 {
            let a = random(r * m, seed: 11), b = random(r * d, seed: 12)
            let start = random(m * d, seed: 13)
            var wide = start, narrow = start
            a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in
                let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                wide.withUnsafeMutableBufferPointer { atbAccumulateAVX512(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
                narrow.withUnsafeMutableBufferPointer { MatMul.atbAccumulateSIMD(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d) }
            } }
            #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "atb \(r)×\(m)×\(d)")
        }
    }
    #endif
}
