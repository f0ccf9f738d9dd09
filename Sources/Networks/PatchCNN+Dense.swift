// One-patch networks (K = 1, e.g. the quadratic network of Tan & Chen 2021 on x ∈ R^D): a chunk's
// forward pass, loss gradient and backward pass in one loop over its examples, computing every
// value with the same float operations in the same order as the general passes of
// PatchCNN+Batched.swift (the tests compare the two bit for bit). The general passes spend most of
// such a step in per-pass set-up and in product kernels made for many filters and long patches.

import Tensors

extension PatchCNN {
    /// Whether `trainDenseChunk` trains this network's chunks of K-patch examples: one patch, one
    /// output, global sum or mean pooling, no filter or output bias, an activation of the score.
    package func trainsDense(patches K: Int) -> Bool {
        K == 1 && C == 1 && regions.count == 1 && config.pooling.reduction != .max && biases.isEmpty
            && outputBias.isEmpty && config.activation.addsBiasToScore
    }

    /// `trainChunk` for a network where `trainsDense(patches: 1)`: the same results, bit for bit.
    package func trainDenseChunk(
        _ x: UnsafePointer<Float>, count m: Int, labels: UnsafePointer<Int32>, targets: UnsafePointer<Float>?,
        of n: Int, loss: Loss, workspace ws: PatchCNNWorkspace, into gradients: inout PatchCNNParameters<Float>
    ) -> (lossSum: Double, correct: Int) {
        precondition(ws.K == 1 && m <= ws.capacity && ws.M == M && ws.C == 1, "trainDenseChunk: workspace shape")
        let act = config.activation
        transposeFilters(into: ws)
        precondition(m <= 256, "trainDenseChunk: \(m) examples, at most 256 per chunk")
        let trainReadout = config.readout.isTrainable
        var result = (lossSum: 0.0, correct: 0)
        // The activation is dispatched once, outside the loops; fewer than 8 filters of at most 16
        // coordinates go through `denseNarrow`, the filters in the lanes of one vector.
        if M < 8 && D <= 16 {
            func run(
                _ phi: (SIMD8<Float>) -> SIMD8<Float>, _ dphi: (SIMD8<Float>) -> SIMD8<Float>
            ) -> (lossSum: Double, correct: Int) {
                denseNarrow(x, m, labels, targets, n, loss, ws, &gradients, trainReadout, phi: phi, dphi: dphi)
            }
            switch act {
            case .relu:
                return run({ $0.replacing(with: 0, where: .!($0 .> 0)) }, { .zero.replacing(with: 1, where: $0 .> 0) })
            case .square: return run({ $0 * $0 }, { 2 * $0 })
            case .linear: return run({ $0 }, { _ in SIMD8(repeating: 1) })
            default: break
            }
        }
        func run(_ relu: Bool, _ phi: (Float) -> Float, _ dphi: (Float) -> Float) -> (lossSum: Double, correct: Int) {
            dense(x, m, labels, targets, n, loss, ws, &gradients, trainReadout, relu: relu, phi: phi, dphi: dphi)
        }
        switch act {
        case .relu: result = run(true, { $0 > 0 ? $0 : 0 }, { act.derivative($0) })
        case .square: result = run(false, { $0 * $0 }, { 2 * $0 })
        case .linear: result = run(false, { $0 }, { _ in 1 })
        default: result = run(false, { act.value($0) }, { act.derivative($0) })
        }
        return result
    }

    @inline(__always)
    private func dense(
        _ x: UnsafePointer<Float>, _ m: Int, _ labels: UnsafePointer<Int32>, _ targets: UnsafePointer<Float>?,
        _ n: Int, _ loss: Loss, _ ws: PatchCNNWorkspace, _ gradients: inout PatchCNNParameters<Float>,
        _ trainReadout: Bool, relu: Bool, phi: (Float) -> Float, dphi: (Float) -> Float
    ) -> (lossSum: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        let invN = 1 / Double(n)
        let M = self.M
        let D = self.D
        // Forward and loss gradient, example by example, into the workspace's scores, pooled
        // features, outputs and output gradients, as `forward` and `lossGradient` leave them:
        // s_j = Σ_k x_k·wᵀ[k][j] in order of k (the products' kernels), h_j = 0 + φ(s_j)
        // (`poolSum` over one patch), f = the `abt` row of h and the read-out.
        ws.filtersT.withUnsafeBufferPointer { wt in
            ws.scores.withUnsafeMutableBufferPointer { s in
                ws.pooled.withUnsafeMutableBufferPointer { h in
                    ws.outputs.withUnsafeMutableBufferPointer { f in
                        ws.dOutputs.withUnsafeMutableBufferPointer { g in
                            readout.withUnsafeBufferPointer { a in
                                for e in 0..<m {
                                    let xe = x + e * D
                                    let se = s.baseAddress! + e * M
                                    let he = h.baseAddress! + e * M
                                    denseScores(xe, wt.baseAddress!, se, M: M, D: D)
                                    for j in 0..<M {
                                        var v: Float = 0
                                        v += phi(se[j])
                                        he[j] = v
                                    }
                                    MatMul.abtSIMD(he, a.baseAddress!, f.baseAddress! + e, rows: 1, cols: 1, depth: M)
                                    let r: (value: Double, derivative: Double)
                                    if let targets {
                                        r = Loss.regression(output: Double(f[e]), target: Double(targets[e]))
                                    } else {
                                        if predictedLabel(f.baseAddress! + e, classes: 1) == labels[e] { correct += 1 }
                                        r = loss.binary(output: Double(f[e]), label: Double(labels[e]))
                                    }
                                    total += r.value
                                    g[e] = Float(r.derivative * invN)
                                }
                            }
                        }
                    }
                }
            }
        }
        ws.gradientIsZero = ws.dOutputs.withUnsafeBufferPointer { g in !g[0..<m].contains { $0 != 0 } }
        if ws.gradientIsZero {
            // What `backward` would write: every gradient exactly +0.
            gradients.filters.setAll(to: 0)
            gradients.readout.setAll(to: 0)
            return (total, correct)
        }
        // Backward, example by example: dA += g_e·h_e; dH = 0 + g_e·a; dS = dH·φ′(S) (ReLU: dH
        // where S > 0, else +0, eight filters at a time as in `backward`); dW[j][k] += x_k·dS_j — each
        // sum over the examples in order, starting from +0, as `backward` and its kernels add them.
        let M8 = relu ? M - M % 8 : 0
        if trainReadout { gradients.readout.setAll(to: 0) }
        gradients.filters.setAll(to: 0)
        gradients.readout.withUnsafeMutableBufferPointer { da in
            gradients.filters.withUnsafeMutableBufferPointer { dw in
                ws.dOutputs.withUnsafeBufferPointer { g in
                    ws.pooled.withUnsafeBufferPointer { h in
                        ws.scores.withUnsafeBufferPointer { s in
                            ws.dPooled.withUnsafeMutableBufferPointer { dh in
                                readout.withUnsafeBufferPointer { a in
                                    let up = dh.baseAddress!
                                    for e in 0..<m {
                                        let ge = g[e]
                                        if trainReadout {
                                            MatMul.axpy(ge, h.baseAddress! + e * M, da.baseAddress!, count: M)
                                        }
                                        let se = s.baseAddress! + e * M
                                        var j = 0
                                        while j < M8 {
                                            let sv = UnsafeRawPointer(se + j).loadUnaligned(as: SIMD8<Float>.self)
                                            var d =
                                                SIMD8<Float>(repeating: 0)
                                                + SIMD8<Float>(repeating: ge)
                                                * UnsafeRawPointer(a.baseAddress! + j).loadUnaligned(
                                                    as: SIMD8<Float>.self)
                                            d.replace(with: 0, where: sv .<= 0)
                                            UnsafeMutableRawPointer(up + j).storeBytes(of: d, as: SIMD8<Float>.self)
                                            j += 8
                                        }
                                        while j < M {
                                            var u: Float = 0
                                            u += ge * a[j]
                                            up[j] = u * dphi(se[j])
                                            j += 1
                                        }
                                        denseGradient(x + e * D, up, dw.baseAddress!, M: M, D: D)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (total, correct)
    }
}

extension PatchCNN {
    /// `dense` for M < 8 filters of D ≤ 16 coordinates: filter j in lane j of an 8-lane vector (the
    /// lanes from M on carry values nobody reads), each example's x as one 16-lane vector, and the
    /// filter gradient in 16-lane registers, four filters at a time, summed over the chunk's
    /// examples in order. Every
    /// value the other passes produce is computed with the same operations in the same order.
    @inline(__always)
    private func denseNarrow(
        _ x: UnsafePointer<Float>, _ m: Int, _ labels: UnsafePointer<Int32>, _ targets: UnsafePointer<Float>?,
        _ n: Int, _ loss: Loss, _ ws: PatchCNNWorkspace, _ gradients: inout PatchCNNParameters<Float>,
        _ trainReadout: Bool, phi: (SIMD8<Float>) -> SIMD8<Float>, dphi: (SIMD8<Float>) -> SIMD8<Float>
    ) -> (lossSum: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        let invN = 1 / Double(n)
        let M = self.M
        let D = self.D
        var a = SIMD8<Float>()
        for j in 0..<M { a[j] = readout[j] }
        return withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: D + 3 * m) { buffer in
            let wt = buffer.baseAddress!
            let sv = wt + D
            let hv = sv + m
            let dsv = hv + m
            // wᵀ row k (from the workspace's transposed filters): the k-th coordinate of every filter.
            ws.filtersT.withUnsafeBufferPointer { t in
                for k in 0..<D {
                    var row = SIMD8<Float>()
                    for j in 0..<M { row[j] = t[k * M + j] }
                    wt[k] = row
                }
            }
            ws.dOutputs.withUnsafeMutableBufferPointer { g in
                for e in 0..<m {
                    let xe = x + e * D
                    var s = SIMD8<Float>()
                    for k in 0..<D { s += SIMD8<Float>(repeating: xe[k]) * wt[k] }
                    let h = SIMD8<Float>() + phi(s)
                    sv[e] = s
                    hv[e] = h
                    // f = the `abt` row of fewer than 8 terms: +0, then h_j·a_j in order of j.
                    var f: Float = 0
                    for j in 0..<M { f += h[j] * a[j] }
                    let r: (value: Double, derivative: Double)
                    if let targets {
                        r = Loss.regression(output: Double(f), target: Double(targets[e]))
                    } else {
                        if (f > 0 ? 1 : -1) == labels[e] { correct += 1 }
                        r = loss.binary(output: Double(f), label: Double(labels[e]))
                    }
                    total += r.value
                    g[e] = Float(r.derivative * invN)
                }
            }
            ws.gradientIsZero = ws.dOutputs.withUnsafeBufferPointer { g in !g[0..<m].contains { $0 != 0 } }
            gradients.filters.setAll(to: 0)
            gradients.readout.setAll(to: 0)
            if ws.gradientIsZero { return (total, correct) }
            var da = SIMD8<Float>()
            ws.dOutputs.withUnsafeBufferPointer { g in
                for e in 0..<m {
                    let ge = SIMD8<Float>(repeating: g[e])
                    da += ge * hv[e]
                    dsv[e] = (SIMD8<Float>() + ge * a) * dphi(sv[e])
                }
            }
            if trainReadout { for j in 0..<M { gradients.readout[j] = da[j] } }
            // dW, four filters at a time: x_e as one 16-lane vector times dS_ej, added over e.
            gradients.filters.withUnsafeMutableBufferPointer { dw in
                var j0 = 0
                while j0 < M {
                    let mb = min(4, M - j0)
                    var w0 = SIMD16<Float>()
                    var w1 = SIMD16<Float>()
                    var w2 = SIMD16<Float>()
                    var w3 = SIMD16<Float>()
                    for e in 0..<m {
                        let xe = x + e * D
                        var xv = SIMD16<Float>()
                        if e * D + 16 <= m * D {
                            // The 16 floats from x_e stay inside the chunk's examples.
                            xv = UnsafeRawPointer(xe).loadUnaligned(as: SIMD16<Float>.self)
                        } else {
                            for k in 0..<D { xv[k] = xe[k] }
                        }
                        let ds = dsv[e]
                        w0 += xv * SIMD16(repeating: ds[j0])
                        if mb > 1 { w1 += xv * SIMD16(repeating: ds[j0 + 1]) }
                        if mb > 2 { w2 += xv * SIMD16(repeating: ds[j0 + 2]) }
                        if mb > 3 { w3 += xv * SIMD16(repeating: ds[j0 + 3]) }
                    }
                    let row = dw.baseAddress! + j0 * D
                    for k in 0..<D {
                        row[k] = w0[k]
                        if mb > 1 { row[D + k] = w1[k] }
                        if mb > 2 { row[2 * D + k] = w2[k] }
                        if mb > 3 { row[3 * D + k] = w3[k] }
                    }
                    j0 += mb
                }
            }
            return (total, correct)
        }
    }
}

/// s[j] = Σ_k x[k]·wᵀ[k·M + j] for j < M, each sum in order of k from +0 (a multiply, then an add):
/// the bits of the products' kernels for one row.
@inline(__always)
private func denseScores(
    _ x: UnsafePointer<Float>, _ wt: UnsafePointer<Float>, _ s: UnsafeMutablePointer<Float>, M: Int, D: Int
) {
    var j = 0
    while j + 8 <= M {
        var p = SIMD8<Float>()
        for k in 0..<D {
            p += SIMD8<Float>(repeating: x[k]) * UnsafeRawPointer(wt + k * M + j).loadUnaligned(as: SIMD8<Float>.self)
        }
        UnsafeMutableRawPointer(s + j).storeBytes(of: p, as: SIMD8<Float>.self)
        j += 8
    }
    if j + 4 <= M {
        var p = SIMD4<Float>()
        for k in 0..<D {
            p += SIMD4<Float>(repeating: x[k]) * UnsafeRawPointer(wt + k * M + j).loadUnaligned(as: SIMD4<Float>.self)
        }
        UnsafeMutableRawPointer(s + j).storeBytes(of: p, as: SIMD4<Float>.self)
        j += 4
    }
    while j < M {
        var p: Float = 0
        for k in 0..<D { p += x[k] * wt[k * M + j] }
        s[j] = p
        j += 1
    }
}

/// dW[j·D + k] += x[k]·dS[j] for every filter j and coordinate k (one example's term of the filter
/// gradient; each element a multiply, then an add).
@inline(__always)
private func denseGradient(
    _ x: UnsafePointer<Float>, _ ds: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>, M: Int, D: Int
) {
    let D8 = D - D % 8
    for j in 0..<M {
        let d = ds[j]
        let row = dw + j * D
        var k = 0
        let vd = SIMD8<Float>(repeating: d)
        while k < D8 {
            let p = UnsafeMutableRawPointer(row + k)
            p.storeBytes(
                of: p.loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(x + k).loadUnaligned(
                    as: SIMD8<Float>.self)
                    * vd, as: SIMD8<Float>.self)
            k += 8
        }
        while k < D {
            row[k] += x[k] * d
            k += 1
        }
    }
}
