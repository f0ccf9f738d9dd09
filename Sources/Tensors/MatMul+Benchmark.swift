extension MatMul {
    /// The benchmark's kernel loop, `repetitions` times: with `gradient` false S[R×M] = X[R×D]·W[D×M]
    /// into `out`, with `gradient` true dW[M×D] += dS[R×M]ᵀ·X[R×D] into `out`. With several
    /// threads each takes an equal share of the rows (and, for the gradient, its own [M × D] block
    /// of `out`), as the chunked training steps do.
    package static func repeatProducts(
        _ repetitions: Int, x: [Float], w: [Float], ds: [Float], into out: inout [Float], rows R: Int, depth D: Int,
        filters M: Int, gradient: Bool, threads: Int
    ) {
        precondition(
            x.count >= R * D && w.count >= D * M && ds.count >= R * M && out.count >= max(R * M, M * D * threads),
            "repeatProducts: buffers too small for R \(R), D \(D), M \(M), \(threads) threads")
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                ds.withUnsafeBufferPointer { dp in
                    out.withUnsafeMutableBufferPointer { op in
                        let share = (R + threads - 1) / threads
                        let x = UncheckedBox(xp.baseAddress!)
                        let w = UncheckedBox(wp.baseAddress!)
                        let d = UncheckedBox(dp.baseAddress!)
                        let o = UncheckedBox(op.baseAddress!)
                        for _ in 0..<repetitions {
                            concurrentChunks(threads, threads: threads) { t, _ in
                                let r0 = t * share
                                let rows = max(0, min(share, R - r0))
                                if gradient {
                                    atbAccumulate(
                                        d.value + r0 * M, x.value + r0 * D, o.value + t * M * D, rows: rows, cols: M,
                                        depth: D)
                                } else {
                                    ab(x.value + r0 * D, w.value, o.value + r0 * M, rows: rows, cols: M, depth: D)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
