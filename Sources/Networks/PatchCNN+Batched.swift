import Tensors

// Batched forward and backward of `PatchCNN` over float32 buffers. The patch × filter scores of
// a whole batch are one matrix product, S[N·K × M] = X[N·K × D] · W[M × D]ᵀ; nothing here
// allocates once the workspace exists. Legend: N examples, K patches, D patch dimension,
// M filters, G pooling regions, F = G·M pooled features, C outputs.
// `PatchCNN+Reference.swift` is the oracle for every function in this file.

/// Scratch buffers for batches of up to `capacity` examples with K patches.
package final class PatchCNNWorkspace {
    package let capacity: Int
    package let K: Int
    package let M: Int
    package let C: Int
    package let G: Int
    /// S[N·K × M], pre-activations including the bias (the scores ⟨w_j, x_i⟩ alone under
    /// `symThreshold`, whose bias is a threshold inside φ).
    package internal(set) var scores: [Float]
    /// Wᵀ [D × M], refreshed by a forward pass unless `filtersUnchanged` is set.
    var filtersT: [Float]
    /// Set by a caller that knows the network's filters (same network) have not changed since
    /// this workspace's last forward pass, so the next forward pass reuses its Wᵀ; every forward
    /// pass clears it. A trainer sets it after a step that made no update.
    package var filtersUnchanged = false
    /// Whether the last `lossGradient` found ∂(mean loss)/∂f exactly zero for every example (all
    /// hinge margins met, say): every gradient is then exactly zero and `backward` may be skipped.
    package internal(set) var gradientIsZero = false
    /// H[N × F], pooled activations ordered (region, filter).
    package internal(set) var pooled: [Float]
    /// The first arg-max position of each (example, region, filter) under max pooling, [N × F].
    var argmax: [Int32]
    /// f[N × C].
    package internal(set) var outputs: [Float]
    /// ∂(mean loss)/∂f [N × C].
    var dOutputs: [Float]
    /// ∂/∂H [N × F].
    var dPooled: [Float]
    /// ∂/∂S [N·K × M], used by mean and sum pooling; allocated by the first backward pass that
    /// needs it (a workspace used only for evaluation never does).
    var dScores: [Float]
    /// Per-filter bias gradients before they are folded into shared or per-filter biases.
    var dFilterBias: [Float]
    /// φ_b(S) of one example [K × M] under `symThreshold`, pooled as it stands; allocated by the
    /// first forward pass that needs it.
    var thresholded: [Float]
    /// With a router: Rᵀ [D × E], the router scores ⟨r_e, x_i⟩ [N·K × E], and the patches each
    /// expert pools over, [N × E × l] in increasing position order; allocated by the first
    /// forward pass of a routed network.
    var routersT: [Float] = []
    var routerScores: [Float] = []
    package internal(set) var selected: [Int32] = []
    /// With a router: the patches each expert sees gathered as Xᵣ [N·E·l × D], their scores
    /// Sᵣ [N·E·l × M] (without the bias) and ∂/∂Sᵣ; allocated by the first routed pass.
    var routedX: [Float] = []
    var routedScores: [Float] = []
    var routedDScores: [Float] = []

    package init(capacity: Int, patches K: Int, filters M: Int, outputs C: Int, regions G: Int = 1) {
        precondition(capacity >= 1, "PatchCNNWorkspace needs capacity ≥ 1, got \(capacity)")
        self.capacity = capacity
        self.K = K
        self.M = M
        self.C = C
        self.G = G
        scores = Array(repeating: 0, count: capacity * K * M)
        filtersT = []
        pooled = Array(repeating: 0, count: capacity * G * M)
        argmax = Array(repeating: 0, count: capacity * G * M)
        outputs = Array(repeating: 0, count: capacity * C)
        dOutputs = Array(repeating: 0, count: capacity * C)
        dPooled = Array(repeating: 0, count: capacity * G * M)
        dScores = []
        dFilterBias = Array(repeating: 0, count: M)
        thresholded = []
    }

    /// A workspace shaped for `network` on examples of K patches.
    package convenience init(capacity: Int, patches K: Int, for network: PatchCNN) {
        self.init(
            capacity: capacity, patches: K, filters: network.M, outputs: network.C, regions: network.regions.count)
    }

    /// The pooled activation of filter j in region r on example n from the last forward pass.
    package func pooledActivation(example n: Int, filter j: Int, region r: Int = 0) -> Float {
        pooled[(n * G + r) * M + j]
    }
}

/// The patches of a batch: a dense [N·K × D] buffer, or the windows of images read in place —
/// patch r starts at rows[r] and its element d sits at rows[r][offsets[d]] — so that the windows
/// need not be copied out. Both give the same bits.
package enum PatchRows {
    case dense(UnsafePointer<Float>)
    case windows(rows: UnsafePointer<UnsafePointer<Float>>, offsets: UnsafePointer<Int>)

    /// S[R × M] = X · B for B [D × M].
    @inline(__always)
    func product(_ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows R: Int, cols M: Int, depth D: Int) {
        switch self {
        case .dense(let x): MatMul.ab(x, b, c, rows: R, cols: M, depth: D)
        case .windows(let rows, let offsets):
            MatMul.abGathered(rows, offsets: offsets, b, c, rows: R, cols: M, depth: D)
        }
    }

    /// dW[M × D] += dS[R × M]ᵀ · X.
    @inline(__always)
    func gradient(_ ds: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>, rows R: Int, cols M: Int, depth D: Int)
    {
        switch self {
        case .dense(let x): MatMul.atbAccumulate(ds, x, dw, rows: R, cols: M, depth: D)
        case .windows(let rows, let offsets):
            MatMul.atbAccumulateGathered(ds, rows, offsets: offsets, dw, rows: R, cols: M, depth: D)
        }
    }

    /// y[0..<D] += alpha · patch r (the same operations as `MatMul.axpy` on the dense row).
    @inline(__always)
    func axpy(_ alpha: Float, patch r: Int, into y: UnsafeMutablePointer<Float>, depth D: Int) {
        switch self {
        case .dense(let x): MatMul.axpy(alpha, x + r * D, y, count: D)
        case .windows(let rows, let offsets):
            let p = rows[r]
            for d in 0..<D { y[d] += alpha * p[offsets[d]] }
        }
    }
}

extension PatchCNN {
    /// Writes Wᵀ [D × M] into `ws.filtersT`, unless the workspace says the filters did not change
    /// since it last did (a step without an update), and clears that mark for the next pass.
    func transposeFilters(into ws: PatchCNNWorkspace) {
        if ws.filtersT.count != M * D {
            ws.filtersT = Array(repeating: 0, count: M * D)
            ws.filtersUnchanged = false
        }
        if !ws.filtersUnchanged {
            filters.withUnsafeBufferPointer { w in
                ws.filtersT.withUnsafeMutableBufferPointer {
                    MatMul.transpose(w.baseAddress!, into: $0.baseAddress!, rows: M, cols: D)
                }
            }
        }
        ws.filtersUnchanged = false
    }

    /// Fills `ws.outputs[0..<N·C]` with f for the N examples at `x` [N × K × D].
    package func forward(_ x: UnsafePointer<Float>, count N: Int, workspace ws: PatchCNNWorkspace) {
        forward(.dense(x), count: N, workspace: ws)
    }

    /// `forward` on the patches `x`, dense or read in place.
    package func forward(_ x: PatchRows, count N: Int, workspace ws: PatchCNNWorkspace) {
        let K = ws.K
        let G = regions.count
        let F = G * M
        precondition(
            N <= ws.capacity && ws.M == M && ws.C == C && ws.G == G,
            "forward: batch \(N) (capacity \(ws.capacity)), M \(M) vs \(ws.M), C \(C) vs \(ws.C), G \(G) vs \(ws.G)")
        precondition(
            regions.count == 1 || regions.of.count == K,
            "forward: \(regions.of.count) region entries for K = \(K) positions")
        let act = config.activation
        let reduction = config.pooling.reduction
        transposeFilters(into: ws)
        // Under symThreshold the bias stays out of the scores: each example's φ_b(S) goes into
        // `thresholded` and is pooled as it stands (the linear activation).
        let thresholds = !act.addsBiasToScore
        if thresholds && ws.thresholded.count < K * M { ws.thresholded = Array(repeating: 0, count: K * M) }
        let pooledActivation = thresholds ? Activation.linear : act
        if let router = config.router {
            precondition(G == 1, "forward: a router pools globally over each expert's patches, not over \(G) regions")
            route(x, count: N, workspace: ws)
            forwardRouted(x, router, count: N, workspace: ws)
        } else {
            ws.filtersT.withUnsafeBufferPointer { w in
                ws.scores.withUnsafeMutableBufferPointer { s in
                    x.product(w.baseAddress!, s.baseAddress!, rows: N * K, cols: M, depth: D)
                    if !biases.isEmpty && !thresholds {
                        for r in 0..<(N * K) { for j in 0..<M { s[r * M + j] += bias(of: j) } }
                    }
                    ws.pooled.withUnsafeMutableBufferPointer { h in
                        ws.argmax.withUnsafeMutableBufferPointer { best in
                            ws.thresholded.withUnsafeMutableBufferPointer { t in
                                for n in 0..<N {
                                    var sn = UnsafePointer(s.baseAddress! + n * K * M)
                                    if thresholds {
                                        for i in 0..<K {
                                            for j in 0..<M {
                                                t[i * M + j] = Activation.symThreshold(sn[i * M + j], bias: bias(of: j))
                                            }
                                        }
                                        sn = UnsafePointer(t.baseAddress!)
                                    }
                                    let hn = h.baseAddress! + n * F
                                    let bn = best.baseAddress! + n * F
                                    if G == 1 {
                                        switch reduction {
                                        case .max: poolMax(pooledActivation, sn, hn, bn, K: K, M: M)
                                        case .mean, .sum:
                                            poolSum(
                                                pooledActivation, sn, hn, K: K, M: M,
                                                scale: reduction == .mean ? 1 / Float(K) : 1)
                                        }
                                    } else {
                                        poolRegions(pooledActivation, reduction, regions, sn, hn, bn, K: K, M: M)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        ws.pooled.withUnsafeBufferPointer { h in
            readout.withUnsafeBufferPointer { a in
                ws.outputs.withUnsafeMutableBufferPointer { f in
                    MatMul.abt(h.baseAddress!, a.baseAddress!, f.baseAddress!, rows: N, cols: C, depth: F)
                    if !outputBias.isEmpty {
                        for n in 0..<N { for c in 0..<C { f[n * C + c] += outputBias[c] } }
                    }
                }
            }
        }
    }

    /// After `forward`, writes ∂(mean loss)/∂f into the workspace and returns the summed loss and
    /// the number of examples whose prediction equals their label. The mean is over `meanOver`
    /// examples (default N): a batch processed in chunks passes the whole batch's size. With
    /// `targets` (a regression model, one output) the loss is ½(f − t_n)² with ∂ℓ/∂f = f − t_n and
    /// nothing is counted as correct.
    package func lossGradient(
        labels: UnsafePointer<Int32>, targets: UnsafePointer<Float>? = nil, count N: Int, loss: Loss,
        workspace ws: PatchCNNWorkspace, meanOver: Int? = nil
    ) -> (lossSum: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        let invN = 1 / Double(meanOver ?? N)
        ws.outputs.withUnsafeBufferPointer { f in
            ws.dOutputs.withUnsafeMutableBufferPointer { g in
                if let targets {
                    precondition(C == 1, "lossGradient: regression targets need one output, not C = \(C)")
                    for n in 0..<N {
                        let r = Loss.regression(output: Double(f[n]), target: Double(targets[n]))
                        total += r.value
                        g[n] = Float(r.derivative * invN)
                    }
                    return
                }
                for n in 0..<N {
                    let fn = f.baseAddress! + n * C
                    if predictedLabel(fn, classes: C) == labels[n] { correct += 1 }
                    if loss == .crossEntropy {
                        total += Loss.crossEntropy(
                            outputs: fn, classes: C, label: Int(labels[n]),
                            gradient: g.baseAddress! + n * C, scale: invN)
                    } else {
                        let r = loss.binary(output: Double(fn[0]), label: Double(labels[n]))
                        total += r.value
                        g[n] = Float(r.derivative * invN)
                    }
                }
            }
        }
        ws.gradientIsZero = ws.dOutputs.withUnsafeBufferPointer { g in !g[0..<(N * C)].contains { $0 != 0 } }
        return (total, correct)
    }

    /// After `lossGradient`, writes the gradients of the mean loss into `grads` (overwriting it).
    /// The read-out and output-bias gradients are computed only when they are trained.
    package func backward(
        _ x: UnsafePointer<Float>, count N: Int, workspace ws: PatchCNNWorkspace,
        into grads: inout PatchCNNParameters<Float>
    ) {
        backward(.dense(x), count: N, workspace: ws, into: &grads)
    }

    /// `backward` on the patches `x`, dense or read in place.
    package func backward(
        _ x: PatchRows, count N: Int, workspace ws: PatchCNNWorkspace,
        into grads: inout PatchCNNParameters<Float>
    ) {
        let K = ws.K
        let G = regions.count
        let F = G * M
        let act = config.activation
        let thresholds = !act.addsBiasToScore
        let trainReadout = config.readout.isTrainable
        grads.filters.withUnsafeMutableBufferPointer { dw in dw.update(repeating: 0) }
        ws.dFilterBias.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        ws.dOutputs.withUnsafeBufferPointer { g in
            ws.pooled.withUnsafeBufferPointer { h in
                // Read-out layer: dA = Gᵀ H, dβ = Σ_n G.
                if trainReadout {
                    grads.readout.withUnsafeMutableBufferPointer { da in
                        da.update(repeating: 0)
                        for n in 0..<N {
                            for c in 0..<C {
                                MatMul.axpy(g[n * C + c], h.baseAddress! + n * F, da.baseAddress! + c * F, count: F)
                            }
                        }
                    }
                }
                if !outputBias.isEmpty {
                    for c in 0..<C {
                        var total: Float = 0
                        for n in 0..<N { total += g[n * C + c] }
                        grads.outputBias[c] = total
                    }
                }
                // dH = G · A.
                readout.withUnsafeBufferPointer { a in
                    ws.dPooled.withUnsafeMutableBufferPointer { dh in
                        dh.baseAddress!.update(repeating: 0, count: N * F)
                        for n in 0..<N {
                            for c in 0..<C {
                                MatMul.axpy(g[n * C + c], a.baseAddress! + c * F, dh.baseAddress! + n * F, count: F)
                            }
                        }
                    }
                }
            }
        }
        // First layer.
        if let router = config.router {
            backwardRouted(x, router, count: N, workspace: ws, into: &grads)
            return
        }
        ws.scores.withUnsafeBufferPointer { s in
            ws.dPooled.withUnsafeBufferPointer { dh in
                ws.dFilterBias.withUnsafeMutableBufferPointer { db in
                    grads.filters.withUnsafeMutableBufferPointer { dw in
                        switch config.pooling.reduction {
                        case .max:
                            ws.argmax.withUnsafeBufferPointer { best in
                                for n in 0..<N {
                                    for q in 0..<F {
                                        let upstream = dh[n * F + q]
                                        if upstream == 0 { continue }
                                        let j = q % M
                                        let i = Int(best[n * F + q])
                                        if thresholds {
                                            // ∂φ_b/∂s and ∂φ_b/∂b differ; both are 0 where ∂φ_b/∂s is.
                                            let d = Activation.symThresholdDerivatives(
                                                s[(n * K + i) * M + j], bias: bias(of: j))
                                            let ds = upstream * d.score
                                            if ds == 0 { continue }
                                            x.axpy(ds, patch: n * K + i, into: dw.baseAddress! + j * D, depth: D)
                                            db[j] += upstream * d.bias
                                            continue
                                        }
                                        let ds = upstream * act.derivative(s[(n * K + i) * M + j])
                                        if ds == 0 { continue }
                                        x.axpy(ds, patch: n * K + i, into: dw.baseAddress! + j * D, depth: D)
                                        db[j] += ds
                                    }
                                }
                            }
                        case .mean, .sum:
                            let mean = config.pooling.reduction == .mean
                            if ws.dScores.count < ws.capacity * K * M {
                                ws.dScores = Array(repeating: 0, count: ws.capacity * K * M)
                            }
                            ws.dScores.withUnsafeMutableBufferPointer { dsBuf in
                                let relu = act == .relu
                                let M8 = relu ? M - M % 8 : 0
                                for n in 0..<N {
                                    for i in 0..<K {
                                        let row = n * K + i
                                        let r = regions.region(i)
                                        let scale: Float = mean ? 1 / Float(regions.size(r, K: K)) : 1
                                        let up = dh.baseAddress! + n * F + r * M
                                        let sr = s.baseAddress! + row * M
                                        let dr = dsBuf.baseAddress! + row * M
                                        // ReLU, eight filters at a time: ds = up·scale where s > 0, else 0.
                                        var j = 0
                                        while j < M8 {
                                            let sv = UnsafeRawPointer(sr + j).loadUnaligned(as: SIMD8<Float>.self)
                                            var ds =
                                                UnsafeRawPointer(up + j).loadUnaligned(as: SIMD8<Float>.self) * scale
                                            ds.replace(with: 0, where: sv .<= 0)
                                            UnsafeMutableRawPointer(dr + j).storeBytes(of: ds, as: SIMD8<Float>.self)
                                            let bj = UnsafeRawPointer(db.baseAddress! + j).loadUnaligned(
                                                as: SIMD8<Float>.self)
                                            UnsafeMutableRawPointer(db.baseAddress! + j).storeBytes(
                                                of: bj + ds, as: SIMD8<Float>.self)
                                            j += 8
                                        }
                                        if thresholds {
                                            while j < M {
                                                let d = Activation.symThresholdDerivatives(sr[j], bias: bias(of: j))
                                                let u = up[j] * scale
                                                dr[j] = u * d.score
                                                db[j] += u * d.bias
                                                j += 1
                                            }
                                        }
                                        while j < M {
                                            let ds = up[j] * scale * act.derivative(sr[j])
                                            dr[j] = ds
                                            db[j] += ds
                                            j += 1
                                        }
                                    }
                                }
                                x.gradient(dsBuf.baseAddress!, dw.baseAddress!, rows: N * K, cols: M, depth: D)
                            }
                        }
                    }
                }
            }
        }
        switch grads.biases.count {
        case 0: break
        case 1: grads.biases[0] = ws.dFilterBias.reduce(0, +)
        default: for j in 0..<M { grads.biases[j] = ws.dFilterBias[j] }
        }
    }

    /// With a router, fills `ws.selected` [N × E × l]: for each example and expert e the l patches
    /// with the largest router score ⟨r_e, x_i⟩ (ties to the lowest index), in increasing position
    /// order. The scores of the whole batch are one product, [N·K × E] = X · Rᵀ.
    package func route(_ x: PatchRows, count N: Int, workspace ws: PatchCNNWorkspace) {
        guard let router = config.router else { return }
        let K = ws.K
        let E = router.experts
        let l = router.topPatches
        precondition(l <= K, "route: top-\(l) of \(K) patches")
        precondition(routers.count == E * D, "route: \(routers.count) router entries, expected E·D = \(E)·\(D)")
        if ws.routersT.count != E * D { ws.routersT = Array(repeating: 0, count: E * D) }
        if ws.routerScores.count < ws.capacity * K * E {
            ws.routerScores = Array(repeating: 0, count: ws.capacity * K * E)
            ws.selected = Array(repeating: 0, count: ws.capacity * E * l)
        }
        routers.withUnsafeBufferPointer { r in
            ws.routersT.withUnsafeMutableBufferPointer {
                MatMul.transpose(r.baseAddress!, into: $0.baseAddress!, rows: E, cols: D)
            }
        }
        ws.routersT.withUnsafeBufferPointer { rt in
            ws.routerScores.withUnsafeMutableBufferPointer { v in
                x.product(rt.baseAddress!, v.baseAddress!, rows: N * K, cols: E, depth: D)
                ws.selected.withUnsafeMutableBufferPointer { sel in
                    for n in 0..<N {
                        for e in 0..<E {
                            selectTop(
                                l, of: UnsafePointer(v.baseAddress! + n * K * E + e), stride: E, count: K,
                                into: sel.baseAddress! + (n * E + e) * l)
                        }
                    }
                }
            }
        }
    }

    /// The patches each expert sees, [N × E × l] (`route`), for the N examples of `x` [N × K × D];
    /// empty without a router.
    package func routedPatches(_ x: [Float], count N: Int, patches K: Int) -> [Int32] {
        guard let router = config.router else { return [] }
        precondition(x.count >= N * K * D, "routedPatches: \(x.count) values for \(N) examples of K·D = \(K)·\(D)")
        let chunk = 256
        let ws = PatchCNNWorkspace(capacity: max(1, min(chunk, N)), patches: K, for: self)
        let size = router.experts * router.topPatches
        var result = [Int32](repeating: 0, count: N * size)
        var start = 0
        while start < N {
            let m = min(ws.capacity, N - start)
            x.withUnsafeBufferPointer { route(.dense($0.baseAddress! + start * K * D), count: m, workspace: ws) }
            for q in 0..<(m * size) { result[start * size + q] = ws.selected[q] }
            start += m
        }
        return result
    }

    /// Gradient-shaped zeros for this network.
    package func zeroGradients() -> PatchCNNParameters<Float> {
        PatchCNNParameters(zerosLike: parameters(as: Float.self))
    }
}

/// max(0, s) for eight floats at `p`, with NaN mapped to 0 as in `x > 0 ? x : 0`.
@inline(__always)
func reluLoad8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    return v.replacing(with: 0, where: .!(v .> 0))
}

/// h[j] = max_i φ(s[i, j]) with best[j] the first arg max, over S[K × M] row-major; the
/// activation is dispatched once, outside the loops, so each loop runs over contiguous j. Under
/// ReLU eight filters go at a time (`poolMaxReference` is the plain loop they must match).
@inline(__always)
func poolMax(
    _ act: Activation, _ s: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>,
    K: Int, M: Int
) {
    guard act == .relu, K >= 1 else {
        poolMaxReference(act, s, h, best, K: K, M: M)
        return
    }
    @inline(__always) func update(
        _ top: inout SIMD8<Float>, _ at: inout SIMD8<Int32>, _ v: SIMD8<Float>, _ i: SIMD8<Int32>
    ) {
        let better = v .> top
        top.replace(with: v, where: better)
        at.replace(with: i, where: better)
    }
    @inline(__always) func put(_ top: SIMD8<Float>, _ at: SIMD8<Int32>, _ j: Int) {
        UnsafeMutableRawPointer(h + j).storeBytes(of: top, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(best + j).storeBytes(of: at, as: SIMD8<Int32>.self)
    }
    let M32 = M - M % 32
    let M8 = M - M % 8
    var j = 0
    // 32 filters at a time: four independent compare-and-select chains per row.
    while j < M32 {
        var t0 = reluLoad8(s + j)
        var t1 = reluLoad8(s + j + 8)
        var t2 = reluLoad8(s + j + 16)
        var t3 = reluLoad8(s + j + 24)
        var a0 = SIMD8<Int32>()
        var a1 = a0
        var a2 = a0
        var a3 = a0
        for i in 1..<K {
            let row = s + i * M + j
            let index = SIMD8<Int32>(repeating: Int32(i))
            update(&t0, &a0, reluLoad8(row), index)
            update(&t1, &a1, reluLoad8(row + 8), index)
            update(&t2, &a2, reluLoad8(row + 16), index)
            update(&t3, &a3, reluLoad8(row + 24), index)
        }
        put(t0, a0, j)
        put(t1, a1, j + 8)
        put(t2, a2, j + 16)
        put(t3, a3, j + 24)
        j += 32
    }
    while j < M8 {
        var top = reluLoad8(s + j)
        var at = SIMD8<Int32>()
        for i in 1..<K { update(&top, &at, reluLoad8(s + i * M + j), SIMD8(repeating: Int32(i))) }
        put(top, at, j)
        j += 8
    }
    if j < M { poolMaxReference(act, s + j, h + j, best + j, K: K, M: M - j, stride: M) }
}

/// The plain loops of `poolMax`, over columns 0..<M of rows `stride` apart.
func poolMaxReference(
    _ act: Activation, _ s: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>,
    K: Int, M: Int, stride: Int? = nil
) {
    let stride = stride ?? M
    @inline(__always)
    func run(_ phi: (Float) -> Float) {
        for j in 0..<M {
            h[j] = phi(s[j])
            best[j] = 0
        }
        for i in 1..<max(K, 1) {
            let row = s + i * stride
            for j in 0..<M {
                let v = phi(row[j])
                if v > h[j] {
                    h[j] = v
                    best[j] = Int32(i)
                }
            }
        }
    }
    switch act {
    case .relu: run { $0 > 0 ? $0 : 0 }
    case .linear: run { $0 }
    default: run { act.value($0) }
    }
}

/// h[j] = scale · Σ_i φ(s[i, j]) over S[K × M] row-major. Under ReLU 32 filters go at a time in
/// registers (the sums in the same order as `poolSumReference`, which they must match).
@inline(__always)
func poolSum(
    _ act: Activation, _ s: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, K: Int, M: Int, scale: Float
) {
    guard act == .relu else {
        poolSumReference(act, s, h, K: K, M: M, scale: scale)
        return
    }
    @inline(__always) func put(_ v: SIMD8<Float>, _ j: Int) {
        UnsafeMutableRawPointer(h + j).storeBytes(of: scale != 1 ? v * scale : v, as: SIMD8<Float>.self)
    }
    let M32 = M - M % 32
    let M8 = M - M % 8
    var j = 0
    while j < M32 {
        var a = SIMD8<Float>()
        var b = SIMD8<Float>()
        var c = SIMD8<Float>()
        var d = SIMD8<Float>()
        for i in 0..<K {
            let row = s + i * M + j
            a += reluLoad8(row)
            b += reluLoad8(row + 8)
            c += reluLoad8(row + 16)
            d += reluLoad8(row + 24)
        }
        put(a, j)
        put(b, j + 8)
        put(c, j + 16)
        put(d, j + 24)
        j += 32
    }
    while j < M8 {
        var a = SIMD8<Float>()
        for i in 0..<K { a += reluLoad8(s + i * M + j) }
        put(a, j)
        j += 8
    }
    if j < M { poolSumReference(act, s + j, h + j, K: K, M: M - j, scale: scale, stride: M) }
}

/// The plain loops of `poolSum`, over columns 0..<M of rows `stride` apart.
func poolSumReference(
    _ act: Activation, _ s: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, K: Int, M: Int, scale: Float,
    stride: Int? = nil
) {
    let stride = stride ?? M
    @inline(__always)
    func run(_ phi: (Float) -> Float) {
        for j in 0..<M { h[j] = 0 }
        for i in 0..<K {
            let row = s + i * stride
            for j in 0..<M { h[j] += phi(row[j]) }
        }
        if scale != 1 { for j in 0..<M { h[j] *= scale } }
    }
    switch act {
    case .relu: run { $0 > 0 ? $0 : 0 }
    case .linear: run { $0 }
    default: run { act.value($0) }
    }
}

/// Pooling within G regions: h[r·M + j] over the positions of region r (first arg max for max,
/// the mean over the region's positions for mean).
func poolRegions(
    _ act: Activation, _ reduction: PoolingReduction, _ regions: PoolingRegions, _ s: UnsafePointer<Float>,
    _ h: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>, K: Int, M: Int
) {
    let G = regions.count
    for q in 0..<(G * M) {
        h[q] = 0
        best[q] = 0
    }
    for i in 0..<K {
        let r = regions.region(i)
        let row = s + i * M
        let hr = h + r * M
        let br = best + r * M
        if reduction == .max {
            if regions.firstPosition[r] == i {
                for j in 0..<M {
                    hr[j] = act.value(row[j])
                    br[j] = Int32(i)
                }
            } else {
                for j in 0..<M {
                    let v = act.value(row[j])
                    if v > hr[j] {
                        hr[j] = v
                        br[j] = Int32(i)
                    }
                }
            }
        } else {
            for j in 0..<M { hr[j] += act.value(row[j]) }
        }
    }
    if reduction == .mean {
        for r in 0..<G {
            let inv = 1 / Float(regions.size(r, K: K))
            for j in 0..<M { h[r * M + j] *= inv }
        }
    }
}

/// The l indices of the largest of `count` values `stride` apart (ties to the lowest index),
/// written to `out` in increasing index order.
@inline(__always)
func selectTop(_ l: Int, of v: UnsafePointer<Float>, stride: Int, count K: Int, into out: UnsafeMutablePointer<Int32>) {
    for t in 0..<l {
        var best = -1
        for i in 0..<K {
            var taken = false
            for u in 0..<t where out[u] == Int32(i) {
                taken = true
                break
            }
            if taken { continue }
            if best < 0 || v[i * stride] > v[best * stride] { best = i }
        }
        out[t] = Int32(best)
    }
    // Insertion sort of the l picks into position order.
    for t in 1..<max(l, 1) {
        let p = out[t]
        var u = t
        while u > 0 && out[u - 1] > p {
            out[u] = out[u - 1]
            u -= 1
        }
        out[u] = p
    }
}

extension PatchCNN {
    // Routed passes (pMoE). The patches the experts see are gathered into a dense buffer of N·E·l
    // rows, row (n·E + e)·l + t holding patch picks[t] of expert e on example n (a patch two experts
    // pick appears twice); the scores of these rows are one product Sᵣ[N·E·l × M] = Xᵣ · Wᵀ, of which
    // expert e reads its own F columns, and the filters' gradient is dW += dSᵣᵀ · Xᵣ. Only E·l of
    // the K patches of an example are multiplied.

    /// Gathers the routed patches and pools each expert's filters over them (`ws.pooled`; under
    /// max pooling `ws.argmax` holds the pick t of the first arg max in position order).
    func forwardRouted(_ x: PatchRows, _ router: RouterConfig, count N: Int, workspace ws: PatchCNNWorkspace) {
        guard case .dense(let xp) = x else {
            preconditionFailure("forward: routing reads dense patches, not image windows")
        }
        let K = ws.K
        let E = router.experts
        let F = router.filtersPerExpert
        let l = router.topPatches
        let R = N * E * l
        if ws.routedX.count < ws.capacity * E * l * D {
            ws.routedX = Array(repeating: 0, count: ws.capacity * E * l * D)
            ws.routedScores = Array(repeating: 0, count: ws.capacity * E * l * M)
        }
        let act = config.activation
        let inverse = 1 / Float(l)
        let reduction = config.pooling.reduction
        ws.selected.withUnsafeBufferPointer { sel in
            ws.routedX.withUnsafeMutableBufferPointer { xr in
                for r in 0..<R {
                    let n = r / (E * l)
                    (xr.baseAddress! + r * D).update(from: xp + (n * K + Int(sel[r])) * D, count: D)
                }
                ws.filtersT.withUnsafeBufferPointer { w in
                    ws.routedScores.withUnsafeMutableBufferPointer { s in
                        MatMul.ab(
                            UnsafePointer(xr.baseAddress!), w.baseAddress!, s.baseAddress!, rows: R, cols: M,
                            depth: D)
                        ws.pooled.withUnsafeMutableBufferPointer { h in
                            ws.argmax.withUnsafeMutableBufferPointer { best in
                                for n in 0..<N {
                                    for e in 0..<E {
                                        let rows = s.baseAddress! + (n * E + e) * l * M
                                        for j in (e * F)..<((e + 1) * F) {
                                            let b = bias(of: j)
                                            switch reduction {
                                            case .max:
                                                var at = 0
                                                var top = act.value(score: rows[j], bias: b)
                                                for t in 1..<l {
                                                    let v = act.value(score: rows[t * M + j], bias: b)
                                                    if v > top {
                                                        top = v
                                                        at = t
                                                    }
                                                }
                                                h[n * M + j] = top
                                                best[n * M + j] = Int32(at)
                                            case .mean, .sum:
                                                var total: Float = 0
                                                for t in 0..<l { total += act.value(score: rows[t * M + j], bias: b) }
                                                h[n * M + j] = reduction == .mean ? total * inverse : total
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The filters' and biases' gradients of a routed network from `ws.dPooled`: dSᵣ over the
    /// gathered rows (zero outside each row's expert, and under max pooling outside the arg max),
    /// then dW = dSᵣᵀ · Xᵣ. The routers get none (hard selection).
    func backwardRouted(
        _ x: PatchRows, _ router: RouterConfig, count N: Int, workspace ws: PatchCNNWorkspace,
        into grads: inout PatchCNNParameters<Float>
    ) {
        let E = router.experts
        let F = router.filtersPerExpert
        let l = router.topPatches
        let R = N * E * l
        let act = config.activation
        let reduction = config.pooling.reduction
        let scale: Float = reduction == .mean ? 1 / Float(l) : 1
        if ws.routedDScores.count < ws.capacity * E * l * M {
            ws.routedDScores = Array(repeating: 0, count: ws.capacity * E * l * M)
        }
        ws.routedScores.withUnsafeBufferPointer { s in
            ws.dPooled.withUnsafeBufferPointer { dh in
                ws.argmax.withUnsafeBufferPointer { best in
                    ws.routedDScores.withUnsafeMutableBufferPointer { dsBuf in
                        ws.dFilterBias.withUnsafeMutableBufferPointer { db in
                            let ds = dsBuf.baseAddress!
                            ds.update(repeating: 0, count: R * M)
                            for n in 0..<N {
                                for e in 0..<E {
                                    let base = (n * E + e) * l
                                    for j in (e * F)..<((e + 1) * F) {
                                        let u = dh[n * M + j] * scale
                                        if u == 0 { continue }
                                        let b = bias(of: j)
                                        for t in 0..<l {
                                            if reduction == .max && Int(best[n * M + j]) != t { continue }
                                            let q = (base + t) * M + j
                                            let d = act.derivatives(score: s[q], bias: b)
                                            ds[q] = u * d.score
                                            db[j] += u * d.bias
                                        }
                                    }
                                }
                            }
                            ws.routedX.withUnsafeBufferPointer { xr in
                                grads.filters.withUnsafeMutableBufferPointer { dw in
                                    MatMul.atbAccumulate(
                                        UnsafePointer(ds), xr.baseAddress!, dw.baseAddress!, rows: R, cols: M, depth: D)
                                }
                            }
                        }
                    }
                }
            }
        }
        switch grads.biases.count {
        case 0: break
        case 1: grads.biases[0] = ws.dFilterBias.reduce(0, +)
        default: for j in 0..<M { grads.biases[j] = ws.dFilterBias[j] }
        }
    }
}
