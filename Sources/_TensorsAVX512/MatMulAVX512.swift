// AVX-512 variants of the Tensors products, compiled for the AVX-512 subset every AVX-512
// processor has (F, CD, BW, DQ, VL) and called by `Tensors.MatMul` only after it has checked at
// run time that the processor and the operating system support it.
//
// Every output element is computed with the same float operations in the same order as the
// AVX2 kernels and the references' summation order they mirror (a multiply, then an add, per
// term; no fused multiply-add), so both paths give the same bits: tests compare them exactly.
// Legend: R rows of A, M columns of the output, D the shared length.

#if arch(x86_64)
    @inline(__always) func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
    @inline(__always) func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// Where row r of a matrix operand starts and where its element k sits in that row: a dense
    /// row-major matrix, or the windows of images read in place (row r a window's top-left pixel,
    /// element k at a fixed offset from it), so that the windows need not be copied out first.
    protocol RowSource {
        func row(_ r: Int) -> UnsafePointer<Float>
        func column(_ k: Int) -> Int
        /// Elements k0 … k0+n−1 of row r (n ≤ 8) in the first n lanes, zeros after.
        func elements(_ r: Int, from k0: Int, count n: Int) -> SIMD8<Float>
    }

    struct DenseRows: RowSource {
        let base: UnsafePointer<Float>, depth: Int
        @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { base + r * depth }
        @inline(__always) func column(_ k: Int) -> Int { k }
        @inline(__always) func elements(_ r: Int, from k0: Int, count n: Int) -> SIMD8<Float> {
            let p = base + r * depth + k0
            if n == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
            var v = SIMD8<Float>()
            for i in 0..<n { v[i] = p[i] }
            return v
        }
    }

    struct GatheredRows: RowSource {
        let rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>
        @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { rows[r] }
        @inline(__always) func column(_ k: Int) -> Int { offsets[k] }
        @inline(__always) func elements(_ r: Int, from k0: Int, count n: Int) -> SIMD8<Float> {
            let p = rows[r]
            var v = SIMD8<Float>()
            for i in 0..<n { v[i] = p[offsets[k0 + i]] }
            return v
        }
    }

    /// C[R×M] = A[R×D] · B[D×M] (C overwritten): register tiles of 8 rows × 32 columns (two 16-lane
    /// vectors), so each loaded row segment of B serves eight rows of A.
    @usableFromInline package func abAVX512(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows R: Int, cols M: Int, depth D: Int
    ) {
        ab(DenseRows(base: a, depth: D), b, c, rows: R, cols: M, depth: D)
    }

    /// `abAVX512` with row r of A read in place: A[r][k] = rows[r][offsets[k]].
    @usableFromInline package func abGatheredAVX512(
        _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>, _ b: UnsafePointer<Float>,
        _ c: UnsafeMutablePointer<Float>, rows R: Int, cols M: Int, depth D: Int
    ) {
        ab(GatheredRows(rows: rows, offsets: offsets), b, c, rows: R, cols: M, depth: D)
    }

    @inline(__always)
    private func ab<A: RowSource>(
        _ a: A, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows R: Int, cols M: Int, depth D: Int
    ) {
        let M32 = M - M % 32
        let M16 = M - M % 16
        var r = 0
        while r < R {
            let rb = min(8, R - r)
            // Rows past the end of the tile repeat its last row; their results are not stored.
            let a0 = a.row(r)
            let a1 = a.row(r + min(1, rb - 1))
            let a2 = a.row(r + min(2, rb - 1))
            let a3 = a.row(r + min(3, rb - 1))
            let a4 = a.row(r + min(4, rb - 1))
            let a5 = a.row(r + min(5, rb - 1))
            let a6 = a.row(r + min(6, rb - 1))
            let a7 = a.row(r + min(7, rb - 1))
            let c0 = c + r * M
            var m = 0
            while m < M32 {
                var p0 = SIMD16<Float>()
                var q0 = SIMD16<Float>()
                var p1 = SIMD16<Float>()
                var q1 = SIMD16<Float>()
                var p2 = SIMD16<Float>()
                var q2 = SIMD16<Float>()
                var p3 = SIMD16<Float>()
                var q3 = SIMD16<Float>()
                var p4 = SIMD16<Float>()
                var q4 = SIMD16<Float>()
                var p5 = SIMD16<Float>()
                var q5 = SIMD16<Float>()
                var p6 = SIMD16<Float>()
                var q6 = SIMD16<Float>()
                var p7 = SIMD16<Float>()
                var q7 = SIMD16<Float>()
                for k in 0..<D {
                    let bk = b + k * M + m
                    let o = a.column(k)
                    let u = load16(bk)
                    let v = load16(bk + 16)
                    var x = SIMD16<Float>(repeating: a0[o])
                    p0 += x * u
                    q0 += x * v
                    x = SIMD16<Float>(repeating: a1[o])
                    p1 += x * u
                    q1 += x * v
                    x = SIMD16<Float>(repeating: a2[o])
                    p2 += x * u
                    q2 += x * v
                    x = SIMD16<Float>(repeating: a3[o])
                    p3 += x * u
                    q3 += x * v
                    x = SIMD16<Float>(repeating: a4[o])
                    p4 += x * u
                    q4 += x * v
                    x = SIMD16<Float>(repeating: a5[o])
                    p5 += x * u
                    q5 += x * v
                    x = SIMD16<Float>(repeating: a6[o])
                    p6 += x * u
                    q6 += x * v
                    x = SIMD16<Float>(repeating: a7[o])
                    p7 += x * u
                    q7 += x * v
                }
                @inline(__always) func put(_ i: Int, _ p: SIMD16<Float>, _ q: SIMD16<Float>) {
                    if i < rb {
                        store16(p, c0 + i * M + m)
                        store16(q, c0 + i * M + m + 16)
                    }
                }
                put(0, p0, q0)
                put(1, p1, q1)
                put(2, p2, q2)
                put(3, p3, q3)
                put(4, p4, q4)
                put(5, p5, q5)
                put(6, p6, q6)
                put(7, p7, q7)
                m += 32
            }
            while m < M16 {
                for i in 0..<rb {
                    let ai = a.row(r + i)
                    var p = SIMD16<Float>()
                    for k in 0..<D { p += SIMD16<Float>(repeating: ai[a.column(k)]) * load16(b + k * M + m) }
                    store16(p, c0 + i * M + m)
                }
                m += 16
            }
            // Fewer than 16 columns left: 8, then 4 at a time, then one; every lane sums its own
            // column in order of k, as the one-column loop does (the same bits, fewer instructions
            // for narrow outputs such as M = 4 filters).
            if m + 8 <= M {
                for i in 0..<rb {
                    let ai = a.row(r + i)
                    var p = SIMD8<Float>()
                    for k in 0..<D {
                        p +=
                            SIMD8<Float>(repeating: ai[a.column(k)])
                            * UnsafeRawPointer(b + k * M + m).loadUnaligned(as: SIMD8<Float>.self)
                    }
                    UnsafeMutableRawPointer(c0 + i * M + m).storeBytes(of: p, as: SIMD8<Float>.self)
                }
                m += 8
            }
            if m + 4 <= M {
                for i in 0..<rb {
                    let ai = a.row(r + i)
                    var p = SIMD4<Float>()
                    for k in 0..<D {
                        p +=
                            SIMD4<Float>(repeating: ai[a.column(k)])
                            * UnsafeRawPointer(b + k * M + m).loadUnaligned(as: SIMD4<Float>.self)
                    }
                    UnsafeMutableRawPointer(c0 + i * M + m).storeBytes(of: p, as: SIMD4<Float>.self)
                }
                m += 4
            }
            while m < M {
                for i in 0..<rb {
                    let ai = a.row(r + i)
                    var p: Float = 0
                    for k in 0..<D { p += ai[a.column(k)] * b[k * M + m] }
                    c0[i * M + m] = p
                }
                m += 1
            }
            r += rb
        }
    }

    /// C[M×D] += A[R×M]ᵀ · B[R×D]: Cᵀ[D×M] is accumulated in register tiles of 8 rows (d) × 32
    /// columns (m, two 16-lane vectors) over blocks of 256 rows of A and B, each block's sums added
    /// into a zeroed Cᵀ, which is finally added into C — the block size and order of the AVX2 kernel.
    @usableFromInline package func atbAccumulateAVX512(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows R: Int, cols M: Int, depth D: Int
    ) {
        atbAccumulate(a, DenseRows(base: b, depth: D), c, rows: R, cols: M, depth: D)
    }

    /// `atbAccumulateAVX512` with row r of B read in place: B[r][k] = rows[r][offsets[k]].
    @usableFromInline package func atbAccumulateGatheredAVX512(
        _ a: UnsafePointer<Float>, _ rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>,
        _ c: UnsafeMutablePointer<Float>, rows R: Int, cols M: Int, depth D: Int
    ) {
        atbAccumulate(a, GatheredRows(rows: rows, offsets: offsets), c, rows: R, cols: M, depth: D)
    }

    @inline(__always)
    private func atbAccumulate<B: RowSource>(
        _ a: UnsafePointer<Float>, _ b: B, _ c: UnsafeMutablePointer<Float>, rows R: Int, cols M: Int, depth D: Int
    ) {
        guard R > 0, M > 0, D > 0 else { return }
        let M32 = M - M % 32
        let M8 = M - M % 8
        withUnsafeTemporaryAllocation(of: Float.self, capacity: D * M) { buffer in
            let ct = buffer.baseAddress!
            ct.update(repeating: 0, count: D * M)
            var r0 = 0
            while r0 < R {
                let r1 = min(R, r0 + 256)
                var k0 = 0
                while k0 < D {
                    let kb = min(8, D - k0)
                    // Where elements k0…k0+7 sit in a row (past the block's end: its first element).
                    let o0 = b.column(k0)
                    let o1 = b.column(k0 + min(1, kb - 1))
                    let o2 = b.column(k0 + min(2, kb - 1))
                    let o3 = b.column(k0 + min(3, kb - 1))
                    let o4 = b.column(k0 + min(4, kb - 1))
                    let o5 = b.column(k0 + min(5, kb - 1))
                    let o6 = b.column(k0 + min(6, kb - 1))
                    let o7 = b.column(k0 + min(7, kb - 1))
                    var m0 = 0
                    while m0 < M32 {
                        var p0 = SIMD16<Float>()
                        var q0 = SIMD16<Float>()
                        var p1 = SIMD16<Float>()
                        var q1 = SIMD16<Float>()
                        var p2 = SIMD16<Float>()
                        var q2 = SIMD16<Float>()
                        var p3 = SIMD16<Float>()
                        var q3 = SIMD16<Float>()
                        var p4 = SIMD16<Float>()
                        var q4 = SIMD16<Float>()
                        var p5 = SIMD16<Float>()
                        var q5 = SIMD16<Float>()
                        var p6 = SIMD16<Float>()
                        var q6 = SIMD16<Float>()
                        var p7 = SIMD16<Float>()
                        var q7 = SIMD16<Float>()
                        if kb == 8 {
                            for r in r0..<r1 {
                                let ar = a + r * M + m0
                                let br = b.row(r)
                                let u = load16(ar)
                                let v = load16(ar + 16)
                                var x = SIMD16<Float>(repeating: br[o0])
                                p0 += x * u
                                q0 += x * v
                                x = SIMD16<Float>(repeating: br[o1])
                                p1 += x * u
                                q1 += x * v
                                x = SIMD16<Float>(repeating: br[o2])
                                p2 += x * u
                                q2 += x * v
                                x = SIMD16<Float>(repeating: br[o3])
                                p3 += x * u
                                q3 += x * v
                                x = SIMD16<Float>(repeating: br[o4])
                                p4 += x * u
                                q4 += x * v
                                x = SIMD16<Float>(repeating: br[o5])
                                p5 += x * u
                                q5 += x * v
                                x = SIMD16<Float>(repeating: br[o6])
                                p6 += x * u
                                q6 += x * v
                                x = SIMD16<Float>(repeating: br[o7])
                                p7 += x * u
                                q7 += x * v
                            }
                        } else {
                            // A short last block of d: the same sums, one branch per row.
                            for r in r0..<r1 {
                                let ar = a + r * M + m0
                                let br = b.row(r)
                                let u = load16(ar)
                                let v = load16(ar + 16)
                                var x = SIMD16<Float>(repeating: br[o0])
                                p0 += x * u
                                q0 += x * v
                                if kb > 1 {
                                    x = SIMD16<Float>(repeating: br[o1])
                                    p1 += x * u
                                    q1 += x * v
                                }
                                if kb > 2 {
                                    x = SIMD16<Float>(repeating: br[o2])
                                    p2 += x * u
                                    q2 += x * v
                                }
                                if kb > 3 {
                                    x = SIMD16<Float>(repeating: br[o3])
                                    p3 += x * u
                                    q3 += x * v
                                }
                                if kb > 4 {
                                    x = SIMD16<Float>(repeating: br[o4])
                                    p4 += x * u
                                    q4 += x * v
                                }
                                if kb > 5 {
                                    x = SIMD16<Float>(repeating: br[o5])
                                    p5 += x * u
                                    q5 += x * v
                                }
                                if kb > 6 {
                                    x = SIMD16<Float>(repeating: br[o6])
                                    p6 += x * u
                                    q6 += x * v
                                }
                            }
                        }
                        @inline(__always) func add(_ i: Int, _ p: SIMD16<Float>, _ q: SIMD16<Float>) {
                            guard i < kb else { return }
                            let t = ct + (k0 + i) * M + m0
                            store16(load16(t) + p, t)
                            store16(load16(t + 16) + q, t + 16)
                        }
                        add(0, p0, q0)
                        add(1, p1, q1)
                        add(2, p2, q2)
                        add(3, p3, q3)
                        add(4, p4, q4)
                        add(5, p5, q5)
                        add(6, p6, q6)
                        add(7, p7, q7)
                        m0 += 32
                    }
                    while m0 < M8 {
                        for kk in 0..<kb {
                            var acc = SIMD8<Float>()
                            let o = b.column(k0 + kk)
                            for r in r0..<r1 {
                                acc +=
                                    SIMD8<Float>(repeating: b.row(r)[o])
                                    * UnsafeRawPointer(a + r * M + m0).loadUnaligned(as: SIMD8<Float>.self)
                            }
                            let t = UnsafeMutableRawPointer(ct + (k0 + kk) * M + m0)
                            t.storeBytes(of: t.loadUnaligned(as: SIMD8<Float>.self) + acc, as: SIMD8<Float>.self)
                        }
                        m0 += 8
                    }
                    // Fewer than 8 columns left: up to four at a time, each an 8-lane vector over
                    // the block's elements k0 … k0+kb−1; every lane sums its (k, m) over the rows in
                    // order, as the one-element loop does (the same bits, one pass over the rows).
                    while m0 < M {
                        let mb = min(4, M - m0)
                        let a0 = a + m0
                        let a1 = a0 + min(1, mb - 1)
                        let a2 = a0 + min(2, mb - 1)
                        let a3 = a0 + min(3, mb - 1)
                        var s0 = SIMD8<Float>()
                        var s1 = SIMD8<Float>()
                        var s2 = SIMD8<Float>()
                        var s3 = SIMD8<Float>()
                        for r in r0..<r1 {
                            let x = b.elements(r, from: k0, count: kb)
                            let o = r * M
                            s0 += x * SIMD8<Float>(repeating: a0[o])
                            s1 += x * SIMD8<Float>(repeating: a1[o])
                            s2 += x * SIMD8<Float>(repeating: a2[o])
                            s3 += x * SIMD8<Float>(repeating: a3[o])
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
                    k0 += 8
                }
                r0 = r1
            }
            for m in 0..<M { for k in 0..<D { c[m * D + k] += ct[k * M + m] } }
        }
    }
#endif
