extension MatMul {
    @inlinable @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// SIMD `abt`: each row of A is dotted with four rows of B at a time, eight lanes wide.
    @inlinable
    public static func abtSIMD(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        let d8 = depth & ~7
        for r in 0..<rows {
            let ar = a + r * depth
            let cr = c + r * cols
            var m = 0
            while m + 4 <= cols {
                let b0 = b + m * depth, b1 = b0 + depth, b2 = b1 + depth, b3 = b2 + depth
                var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
                var k = 0
                while k < d8 {
                    let x = load8(ar + k)
                    s0 += x * load8(b0 + k); s1 += x * load8(b1 + k)
                    s2 += x * load8(b2 + k); s3 += x * load8(b3 + k)
                    k += 8
                }
                var t0 = s0.sum(), t1 = s1.sum(), t2 = s2.sum(), t3 = s3.sum()
                while k < depth {
                    let x = ar[k]
                    t0 += x * b0[k]; t1 += x * b1[k]; t2 += x * b2[k]; t3 += x * b3[k]
                    k += 1
                }
                cr[m] = t0; cr[m + 1] = t1; cr[m + 2] = t2; cr[m + 3] = t3
                m += 4
            }
            while m < cols {
                let bm = b + m * depth
                var s = SIMD8<Float>()
                var k = 0
                while k < d8 { s += load8(ar + k) * load8(bm + k); k += 8 }
                var t = s.sum()
                while k < depth { t += ar[k] * bm[k]; k += 1 }
                cr[m] = t
                m += 1
            }
        }
    }

    /// SIMD `atbAccumulate`: rank-one updates C[m,:] += A[r,m] · B[r,:], skipping zero coefficients.
    @inlinable
    public static func atbAccumulateSIMD(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        for r in 0..<rows {
            let br = b + r * depth
            for m in 0..<cols {
                let coefficient = a[r * cols + m]
                if coefficient != 0 { axpy(coefficient, br, c + m * depth, count: depth) }
            }
        }
    }
}
