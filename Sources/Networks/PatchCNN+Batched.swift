import Tensors

// Batched forward and backward of `PatchCNN` over float32 buffers. The patch × filter scores of
// a whole batch are one matrix product, S[N·K × M] = X[N·K × D] · Wᵀ; nothing here allocates
// once the workspace exists. Legend: N examples, K patches, D patch dimension, M filters,
// C outputs. `PatchCNN+Reference.swift` is the oracle for every function in this file.

/// Scratch buffers for batches of up to `capacity` examples with K patches.
public final class PatchCNNWorkspace {
    public let capacity: Int
    public let K: Int
    public let M: Int
    public let C: Int
    /// S[N·K × M], pre-activations including the bias.
    var scores: [Float]
    /// Wᵀ [D × M], refreshed at every forward pass.
    var filtersT: [Float]
    /// H[N × M], pooled activations.
    var pooled: [Float]
    /// The first arg-max patch of each (example, filter) under max pooling, [N × M].
    var argmax: [Int32]
    /// f[N × C].
    public internal(set) var outputs: [Float]
    /// ∂(mean loss)/∂f [N × C].
    var dOutputs: [Float]
    var dPooled: [Float]
    /// ∂/∂S [N·K × M], used by mean and sum pooling.
    var dScores: [Float]
    /// Per-filter bias gradients before they are folded into shared or per-filter biases.
    var dFilterBias: [Float]

    public init(capacity: Int, patches K: Int, filters M: Int, outputs C: Int) {
        precondition(capacity >= 1, "PatchCNNWorkspace needs capacity ≥ 1, got \(capacity)")
        self.capacity = capacity
        self.K = K
        self.M = M
        self.C = C
        scores = Array(repeating: 0, count: capacity * K * M)
        filtersT = []
        pooled = Array(repeating: 0, count: capacity * M)
        argmax = Array(repeating: 0, count: capacity * M)
        outputs = Array(repeating: 0, count: capacity * C)
        dOutputs = Array(repeating: 0, count: capacity * C)
        dPooled = Array(repeating: 0, count: capacity * M)
        dScores = Array(repeating: 0, count: capacity * K * M)
        dFilterBias = Array(repeating: 0, count: M)
    }

    /// The pooled activation of filter j on example n from the last forward pass.
    public func pooledActivation(example n: Int, filter j: Int) -> Float { pooled[n * M + j] }
}

extension PatchCNN {
    /// Fills `ws.outputs[0..<N·C]` with f for the N examples at `x` [N × K × D].
    public func forward(_ x: UnsafePointer<Float>, count N: Int, workspace ws: PatchCNNWorkspace) {
        let K = ws.K
        precondition(N <= ws.capacity && ws.M == M && ws.C == C,
                     "forward: batch \(N) (capacity \(ws.capacity)), M \(M) vs \(ws.M), C \(C) vs \(ws.C)")
        let act = config.activation
        let pooling = config.pooling
        if ws.filtersT.count != M * D { ws.filtersT = Array(repeating: 0, count: M * D) }
        filters.withUnsafeBufferPointer { w in
            ws.filtersT.withUnsafeMutableBufferPointer { MatMul.transpose(w.baseAddress!, into: $0.baseAddress!, rows: M, cols: D) }
        }
        ws.filtersT.withUnsafeBufferPointer { w in
            ws.scores.withUnsafeMutableBufferPointer { s in
                MatMul.ab(x, w.baseAddress!, s.baseAddress!, rows: N * K, cols: M, depth: D)
                if !biases.isEmpty {
                    for r in 0..<(N * K) { for j in 0..<M { s[r * M + j] += bias(of: j) } }
                }
                ws.pooled.withUnsafeMutableBufferPointer { h in
                    ws.argmax.withUnsafeMutableBufferPointer { best in
                        for n in 0..<N {
                            let sn = s.baseAddress! + n * K * M
                            let hn = h.baseAddress! + n * M
                            switch pooling {
                            case .max:
                                poolMax(act, sn, hn, best.baseAddress! + n * M, K: K, M: M)
                            case .mean, .sum:
                                poolSum(act, sn, hn, K: K, M: M, scale: pooling == .mean ? 1 / Float(K) : 1)
                            }
                        }
                    }
                }
            }
        }
        ws.pooled.withUnsafeBufferPointer { h in
            readout.withUnsafeBufferPointer { a in
                ws.outputs.withUnsafeMutableBufferPointer { f in
                    MatMul.abt(h.baseAddress!, a.baseAddress!, f.baseAddress!, rows: N, cols: C, depth: M)
                    if !outputBias.isEmpty {
                        for n in 0..<N { for c in 0..<C { f[n * C + c] += outputBias[c] } }
                    }
                }
            }
        }
    }

    /// After `forward`, writes ∂(mean loss)/∂f into the workspace and returns the summed loss and
    /// the number of examples whose prediction equals their label.
    public func lossGradient(labels: UnsafePointer<Int32>, count N: Int, loss: Loss,
                             workspace ws: PatchCNNWorkspace) -> (lossSum: Double, correct: Int) {
        var total = 0.0
        var correct = 0
        let invN = 1 / Double(N)
        ws.outputs.withUnsafeBufferPointer { f in
            ws.dOutputs.withUnsafeMutableBufferPointer { g in
                for n in 0..<N {
                    let fn = f.baseAddress! + n * C
                    if predictedLabel(fn, classes: C) == labels[n] { correct += 1 }
                    if loss == .crossEntropy {
                        total += Loss.crossEntropy(outputs: fn, classes: C, label: Int(labels[n]),
                                                   gradient: g.baseAddress! + n * C, scale: invN)
                    } else {
                        let r = loss.binary(output: Double(fn[0]), label: Double(labels[n]))
                        total += r.value
                        g[n] = Float(r.derivative * invN)
                    }
                }
            }
        }
        return (total, correct)
    }

    /// After `lossGradient`, writes the gradients of the mean loss into `grads` (overwriting it).
    /// The read-out and output-bias gradients are computed only when they are trained.
    public func backward(_ x: UnsafePointer<Float>, count N: Int, workspace ws: PatchCNNWorkspace,
                         into grads: inout PatchCNNParameters<Float>) {
        let K = ws.K
        let act = config.activation
        let trainReadout = config.readout.isTrainable
        grads.filters.withUnsafeMutableBufferPointer { dw in dw.update(repeating: 0) }
        for j in 0..<M { ws.dFilterBias[j] = 0 }
        ws.dOutputs.withUnsafeBufferPointer { g in
            ws.pooled.withUnsafeBufferPointer { h in
                // Read-out layer.
                if trainReadout {
                    for i in 0..<grads.readout.count { grads.readout[i] = 0 }
                    for n in 0..<N { for c in 0..<C {
                        let gc = g[n * C + c]
                        for j in 0..<M { grads.readout[c * M + j] += gc * h[n * M + j] }
                    } }
                }
                if !outputBias.isEmpty {
                    for c in 0..<C {
                        var total: Float = 0
                        for n in 0..<N { total += g[n * C + c] }
                        grads.outputBias[c] = total
                    }
                }
                readout.withUnsafeBufferPointer { a in
                    ws.dPooled.withUnsafeMutableBufferPointer { dh in
                        for n in 0..<N { for j in 0..<M {
                            var total: Float = 0
                            for c in 0..<C { total += g[n * C + c] * a[c * M + j] }
                            dh[n * M + j] = total
                        } }
                    }
                }
            }
        }
        // First layer.
        ws.scores.withUnsafeBufferPointer { s in
            ws.dPooled.withUnsafeBufferPointer { dh in
                grads.filters.withUnsafeMutableBufferPointer { dw in
                    switch config.pooling {
                    case .max:
                        ws.argmax.withUnsafeBufferPointer { best in
                            for n in 0..<N { for j in 0..<M {
                                let upstream = dh[n * M + j]
                                if upstream == 0 { continue }
                                let i = Int(best[n * M + j])
                                let ds = upstream * act.derivative(s[(n * K + i) * M + j])
                                if ds == 0 { continue }
                                MatMul.axpy(ds, x + (n * K + i) * D, dw.baseAddress! + j * D, count: D)
                                ws.dFilterBias[j] += ds
                            } }
                        }
                    case .mean, .sum:
                        let scale: Float = config.pooling == .mean ? 1 / Float(K) : 1
                        ws.dScores.withUnsafeMutableBufferPointer { dsBuf in
                            for n in 0..<N { for i in 0..<K {
                                let r = n * K + i
                                for j in 0..<M {
                                    let ds = dh[n * M + j] * scale * act.derivative(s[r * M + j])
                                    dsBuf[r * M + j] = ds
                                    ws.dFilterBias[j] += ds
                                }
                            } }
                            MatMul.atbAccumulate(dsBuf.baseAddress!, x, dw.baseAddress!, rows: N * K, cols: M, depth: D)
                        }
                    }
                }
            }
        }
        switch grads.biases.count {
        case 0: break
        case 1:
            var total: Float = 0
            for j in 0..<M { total += ws.dFilterBias[j] }
            grads.biases[0] = total
        default:
            for j in 0..<M { grads.biases[j] = ws.dFilterBias[j] }
        }
    }

    /// Gradient-shaped zeros for this network.
    public func zeroGradients() -> PatchCNNParameters<Float> {
        PatchCNNParameters(zerosLike: parameters(as: Float.self))
    }
}

/// h[j] = max_i φ(s[i, j]) with best[j] the first arg max, over S[K × M] row-major; the
/// activation is dispatched once, outside the loops, so each loop runs over contiguous j.
@inline(__always)
func poolMax(_ act: Activation, _ s: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, _ best: UnsafeMutablePointer<Int32>, K: Int, M: Int) {
    @inline(__always)
    func run(_ phi: (Float) -> Float) {
        for j in 0..<M { h[j] = phi(s[j]); best[j] = 0 }
        for i in 1..<max(K, 1) {
            let row = s + i * M
            for j in 0..<M {
                let v = phi(row[j])
                if v > h[j] { h[j] = v; best[j] = Int32(i) }
            }
        }
    }
    switch act {
    case .relu: run { $0 > 0 ? $0 : 0 }
    case .linear: run { $0 }
    default: run { act.value($0) }
    }
}

/// h[j] = scale · Σ_i φ(s[i, j]) over S[K × M] row-major.
@inline(__always)
func poolSum(_ act: Activation, _ s: UnsafePointer<Float>, _ h: UnsafeMutablePointer<Float>, K: Int, M: Int, scale: Float) {
    @inline(__always)
    func run(_ phi: (Float) -> Float) {
        for j in 0..<M { h[j] = 0 }
        for i in 0..<K {
            let row = s + i * M
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
