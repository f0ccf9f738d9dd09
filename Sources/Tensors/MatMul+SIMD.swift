extension MatMul {
    @inlinable @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// SIMD `abt`: each row of A is dotted with four rows of B at a time, eight lanes wide.
    @inlinable
    package static func abtSIMD(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        let d8 = depth & ~7
        for r in 0..<rows {
            let ar = a + r * depth
            let cr = c + r * cols
            var m = 0
            while m + 4 <= cols {
                let b0 = b + m * depth
                let b1 = b0 + depth
                let b2 = b1 + depth
                let b3 = b2 + depth
                var s0 = SIMD8<Float>()
                var s1 = SIMD8<Float>()
                var s2 = SIMD8<Float>()
                var s3 = SIMD8<Float>()
                var k = 0
                while k < d8 {
                    let x = load8(ar + k)
                    s0 += x * load8(b0 + k)
                    s1 += x * load8(b1 + k)
                    s2 += x * load8(b2 + k)
                    s3 += x * load8(b3 + k)
                    k += 8
                }
                var t0 = s0.sum()
                var t1 = s1.sum()
                var t2 = s2.sum()
                var t3 = s3.sum()
                while k < depth {
                    let x = ar[k]
                    t0 += x * b0[k]
                    t1 += x * b1[k]
                    t2 += x * b2[k]
                    t3 += x * b3[k]
                    k += 1
                }
                cr[m] = t0
                cr[m + 1] = t1
                cr[m + 2] = t2
                cr[m + 3] = t3
                m += 4
            }
            while m < cols {
                let bm = b + m * depth
                var s = SIMD8<Float>()
                var k = 0
                while k < d8 {
                    s += load8(ar + k) * load8(bm + k)
                    k += 8
                }
                var t = s.sum()
                while k < depth {
                    t += ar[k] * bm[k]
                    k += 1
                }
                cr[m] = t
                m += 1
            }
        }
    }

    /// SIMD `atbAccumulate`: Cᵀ[D×M] += Bᵀ·A computed in register tiles of 4 output rows (k) ×
    /// 32 output columns (m, four 8-lane vectors) over tiles of 256 input rows, then added into C.
    @inlinable
    package static func atbAccumulateSIMD(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        let R = rows
        let M = cols
        let D = depth
        guard R > 0, M > 0, D > 0 else { return }
        let M32 = M - M % 32
        let M8 = M - M % 8
        withUnsafeTemporaryAllocation(of: Float.self, capacity: D * M) { ctBuffer in
            let ct = ctBuffer.baseAddress!
            ct.update(repeating: 0, count: D * M)
            var r0 = 0
            while r0 < R {
                let r1 = min(R, r0 + 256)
                var k0 = 0
                while k0 < D {
                    let kb = min(4, D - k0)
                    var m0 = 0
                    while m0 < M32 {
                        var c00 = SIMD8<Float>()
                        var c01 = SIMD8<Float>()
                        var c02 = SIMD8<Float>()
                        var c03 = SIMD8<Float>()
                        var c10 = SIMD8<Float>()
                        var c11 = SIMD8<Float>()
                        var c12 = SIMD8<Float>()
                        var c13 = SIMD8<Float>()
                        var c20 = SIMD8<Float>()
                        var c21 = SIMD8<Float>()
                        var c22 = SIMD8<Float>()
                        var c23 = SIMD8<Float>()
                        var c30 = SIMD8<Float>()
                        var c31 = SIMD8<Float>()
                        var c32 = SIMD8<Float>()
                        var c33 = SIMD8<Float>()
                        for r in r0..<r1 {
                            let ar = a + r * M + m0
                            let br = b + r * D + k0
                            let a0 = load8(ar)
                            let a1 = load8(ar + 8)
                            let a2 = load8(ar + 16)
                            let a3 = load8(ar + 24)
                            let x0 = SIMD8<Float>(repeating: br[0])
                            c00 += x0 * a0
                            c01 += x0 * a1
                            c02 += x0 * a2
                            c03 += x0 * a3
                            if kb > 1 {
                                let x1 = SIMD8<Float>(repeating: br[1])
                                c10 += x1 * a0
                                c11 += x1 * a1
                                c12 += x1 * a2
                                c13 += x1 * a3
                            }
                            if kb > 2 {
                                let x2 = SIMD8<Float>(repeating: br[2])
                                c20 += x2 * a0
                                c21 += x2 * a1
                                c22 += x2 * a2
                                c23 += x2 * a3
                            }
                            if kb > 3 {
                                let x3 = SIMD8<Float>(repeating: br[3])
                                c30 += x3 * a0
                                c31 += x3 * a1
                                c32 += x3 * a2
                                c33 += x3 * a3
                            }
                        }
                        @inline(__always) func add(
                            _ kk: Int, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ v3: SIMD8<Float>
                        ) {
                            let t = ct + (k0 + kk) * M + m0
                            store8(load8(t) + v0, t)
                            store8(load8(t + 8) + v1, t + 8)
                            store8(load8(t + 16) + v2, t + 16)
                            store8(load8(t + 24) + v3, t + 24)
                        }
                        add(0, c00, c01, c02, c03)
                        if kb > 1 { add(1, c10, c11, c12, c13) }
                        if kb > 2 { add(2, c20, c21, c22, c23) }
                        if kb > 3 { add(3, c30, c31, c32, c33) }
                        m0 += 32
                    }
                    while m0 < M8 {
                        for kk in 0..<kb {
                            var acc = SIMD8<Float>()
                            for r in r0..<r1 {
                                acc += SIMD8<Float>(repeating: b[r * D + k0 + kk]) * load8(a + r * M + m0)
                            }
                            let t = ct + (k0 + kk) * M + m0
                            store8(load8(t) + acc, t)
                        }
                        m0 += 8
                    }
                    // Fewer than 8 columns left: up to four at a time, each a 4-lane vector over the
                    // block's elements k0 … k0+kb−1; every lane sums its (k, m) over the rows in
                    // order, as a one-element loop would (the same bits as the AVX-512 kernel).
                    while m0 < M {
                        let mb = min(4, M - m0)
                        let a0 = a + m0
                        let a1 = a0 + min(1, mb - 1)
                        let a2 = a0 + min(2, mb - 1)
                        let a3 = a0 + min(3, mb - 1)
                        var s0 = SIMD4<Float>()
                        var s1 = SIMD4<Float>()
                        var s2 = SIMD4<Float>()
                        var s3 = SIMD4<Float>()
                        for r in r0..<r1 {
                            let br = b + r * D + k0
                            var x = SIMD4<Float>()
                            if kb == 4 {
                                x = UnsafeRawPointer(br).loadUnaligned(as: SIMD4<Float>.self)
                            } else {
                                for i in 0..<kb { x[i] = br[i] }
                            }
                            let o = r * M
                            s0 += x * SIMD4<Float>(repeating: a0[o])
                            s1 += x * SIMD4<Float>(repeating: a1[o])
                            s2 += x * SIMD4<Float>(repeating: a2[o])
                            s3 += x * SIMD4<Float>(repeating: a3[o])
                        }
                        for kk in 0..<kb {
                            let t = ct + (k0 + kk) * M + m0
                            t[0] += s0[kk]
                            if mb > 1 { t[1] += s1[kk] }
                            if mb > 2 { t[2] += s2[kk] }
                            if mb > 3 { t[3] += s3[kk] }
                        }
                        m0 += mb
                    }
                    k0 += 4
                }
                r0 = r1
            }
            for m in 0..<M { for k in 0..<D { c[m * D + k] += ct[k * M + m] } }
        }
    }
}

extension MatMul {
    /// SIMD `ab`: two rows of A at a time against blocks of 32 columns of B (8 lanes × 4), so each
    /// loaded row segment of B serves two rows and no horizontal sums are needed.
    @inlinable
    package static func abSIMD(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        let cols32 = cols - cols % 32
        let cols8 = cols - cols % 8
        var r = 0
        while r < rows {
            let pair = r + 1 < rows
            let a0 = a + r * depth
            let a1 = pair ? a0 + depth : a0
            let c0 = c + r * cols
            var m = 0
            while m < cols32 {
                var p0 = SIMD8<Float>()
                var p1 = SIMD8<Float>()
                var p2 = SIMD8<Float>()
                var p3 = SIMD8<Float>()
                var q0 = SIMD8<Float>()
                var q1 = SIMD8<Float>()
                var q2 = SIMD8<Float>()
                var q3 = SIMD8<Float>()
                for k in 0..<depth {
                    let bk = b + k * cols + m
                    let b0 = load8(bk)
                    let b1 = load8(bk + 8)
                    let b2 = load8(bk + 16)
                    let b3 = load8(bk + 24)
                    let x0 = SIMD8<Float>(repeating: a0[k])
                    let x1 = SIMD8<Float>(repeating: a1[k])
                    p0 += x0 * b0
                    p1 += x0 * b1
                    p2 += x0 * b2
                    p3 += x0 * b3
                    q0 += x1 * b0
                    q1 += x1 * b1
                    q2 += x1 * b2
                    q3 += x1 * b3
                }
                store8(p0, c0 + m)
                store8(p1, c0 + m + 8)
                store8(p2, c0 + m + 16)
                store8(p3, c0 + m + 24)
                if pair {
                    let c1 = c0 + cols
                    store8(q0, c1 + m)
                    store8(q1, c1 + m + 8)
                    store8(q2, c1 + m + 16)
                    store8(q3, c1 + m + 24)
                }
                m += 32
            }
            while m < cols8 {
                var p = SIMD8<Float>()
                var q = SIMD8<Float>()
                for k in 0..<depth {
                    let bk = load8(b + k * cols + m)
                    p += SIMD8<Float>(repeating: a0[k]) * bk
                    q += SIMD8<Float>(repeating: a1[k]) * bk
                }
                store8(p, c0 + m)
                if pair { store8(q, c0 + cols + m) }
                m += 8
            }
            // Fewer than 8 columns left: 4 at a time, then one; each lane sums its column in order
            // of k, as the one-column loop does (the same bits).
            if m + 4 <= cols {
                var p = SIMD4<Float>()
                var q = SIMD4<Float>()
                for k in 0..<depth {
                    let bk = UnsafeRawPointer(b + k * cols + m).loadUnaligned(as: SIMD4<Float>.self)
                    p += SIMD4<Float>(repeating: a0[k]) * bk
                    q += SIMD4<Float>(repeating: a1[k]) * bk
                }
                UnsafeMutableRawPointer(c0 + m).storeBytes(of: p, as: SIMD4<Float>.self)
                if pair { UnsafeMutableRawPointer(c0 + cols + m).storeBytes(of: q, as: SIMD4<Float>.self) }
                m += 4
            }
            while m < cols {
                var p: Float = 0
                var q: Float = 0
                for k in 0..<depth {
                    p += a0[k] * b[k * cols + m]
                    q += a1[k] * b[k * cols + m]
                }
                c0[m] = p
                if pair { c0[cols + m] = q }
                m += 1
            }
            r += 2
        }
    }

    @inlinable @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
