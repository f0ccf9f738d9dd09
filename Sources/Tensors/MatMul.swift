// Dense float32 products used by the network kernels. Row-major buffers throughout.
//
// Legend: R rows of A (patches in a batch, N·K), M rows of B (filters), D the shared length
// (patch dimension).

#if arch(x86_64)
    import _TensorsAVX512
#endif

/// Dense matrix products over raw row-major float32 buffers.
///
/// Each product has a plain reference (`MatMul+Reference.swift`, the test oracle) and SIMD
/// variants: AVX2 (`MatMul+SIMD.swift`) and, for `ab` and `atbAccumulate`, AVX-512
/// (`Sources/_TensorsAVX512`). The entry points here use AVX-512 where `CPU.avx512` says it
/// runs; both variants give the same bits.
///
/// Every member is `package`; the namespace itself is `public` only because Swift 6 does not
/// inline the `@inlinable` members of a `package` type into other modules, and the network
/// kernels rely on `ab`, `atbAccumulate`, `axpy` and `transpose` being inlined (measured: the
/// max-pooling backward pass takes ≈9% more instructions when `axpy` is a call).
public enum MatMul {
    /// C[R×M] = A[R×D] · B[M×D]ᵀ (C is overwritten).
    @inlinable
    package static func abt(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        abtSIMD(a, b, c, rows: rows, cols: cols, depth: depth)
    }

    /// C[R×M] = A[R×D] · B[D×M] (C is overwritten); B is the transposed layout of `abt`'s B.
    @inlinable
    package static func ab(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        #if arch(x86_64)
            if CPU.avx512 {
                abAVX512(a, b, c, rows: rows, cols: cols, depth: depth)
                return
            }
        #endif
        abSIMD(a, b, c, rows: rows, cols: cols, depth: depth)
    }

    /// `ab` with row r of A read in place: A[r][k] = rows[r][offsets[k]] (the windows of images,
    /// not copied out). The same bits as `ab` on the copied rows.
    package static func abGathered(
        _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, rows R: Int, cols: Int, depth: Int
    ) {
        #if arch(x86_64)
            if CPU.avx512 {
                abGatheredAVX512(rows, offsets: offsets, b, c, rows: R, cols: cols, depth: depth)
                return
            }
        #endif
        abGatheredSIMD(rows, offsets: offsets, b, c, rows: R, cols: cols, depth: depth)
    }

    /// The AVX2 variant of `abGathered`: the rows copied out, then `abSIMD`.
    static func abGatheredSIMD(
        _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, rows R: Int, cols: Int, depth: Int
    ) {
        withGatheredCopy(rows, offsets: offsets, rows: R, depth: depth) { a in
            abSIMD(a, b, c, rows: R, cols: cols, depth: depth)
        }
    }

    /// `atbAccumulate` with row r of B read in place: B[r][k] = rows[r][offsets[k]]. The same bits
    /// as `atbAccumulate` on the copied rows.
    package static func atbAccumulateGathered(
        _ a: UnsafePointer<Float>, _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>,
        _ c: UnsafeMutablePointer<Float>, rows R: Int, cols: Int, depth: Int
    ) {
        #if arch(x86_64)
            if CPU.avx512 {
                atbAccumulateGatheredAVX512(a, rows, offsets: offsets, c, rows: R, cols: cols, depth: depth)
                return
            }
        #endif
        atbAccumulateGatheredSIMD(a, rows, offsets: offsets, c, rows: R, cols: cols, depth: depth)
    }

    /// The AVX2 variant of `atbAccumulateGathered`: the rows copied out, then `atbAccumulateSIMD`.
    static func atbAccumulateGatheredSIMD(
        _ a: UnsafePointer<Float>, _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>,
        _ c: UnsafeMutablePointer<Float>, rows R: Int, cols: Int, depth: Int
    ) {
        withGatheredCopy(rows, offsets: offsets, rows: R, depth: depth) { b in
            atbAccumulateSIMD(a, b, c, rows: R, cols: cols, depth: depth)
        }
    }

    /// The gathered rows copied out into a temporary [R × D] matrix (the path without AVX-512).
    static func withGatheredCopy(
        _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>, rows R: Int, depth D: Int,
        _ body: (UnsafePointer<Float>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, R * D)) { buffer in
            let x = buffer.baseAddress!
            for r in 0..<R { for k in 0..<D { x[r * D + k] = rows[r][offsets[k]] } }
            body(x)
        }
    }

    /// Writes the transpose of A[R×C] into T[C×R].
    @inlinable
    package static func transpose(_ a: UnsafePointer<Float>, into t: UnsafeMutablePointer<Float>, rows: Int, cols: Int)
    {
        for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = a[r * cols + c] } }
    }

    /// C[M×D] += A[R×M]ᵀ · B[R×D].
    @inlinable
    package static func atbAccumulate(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        #if arch(x86_64)
            if CPU.avx512 {
                atbAccumulateAVX512(a, b, c, rows: rows, cols: cols, depth: depth)
                return
            }
        #endif
        atbAccumulateSIMD(a, b, c, rows: rows, cols: cols, depth: depth)
    }

    /// y[0..<n] += alpha · x[0..<n].
    @inlinable
    package static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int)
    {
        var k = 0
        let va = SIMD8<Float>(repeating: alpha)
        while k + 8 <= n {
            let vx = UnsafeRawPointer(x + k).loadUnaligned(as: SIMD8<Float>.self)
            let vy = UnsafeRawPointer(y + k).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + k).storeBytes(of: vy + va * vx, as: SIMD8<Float>.self)
            k += 8
        }
        while k < n {
            y[k] += alpha * x[k]
            k += 1
        }
    }
}
