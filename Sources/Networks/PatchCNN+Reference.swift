// Plain-loop forward and backward of `PatchCNN`, one example at a time, in any precision.
// It is the oracle that the batched kernels are tested against and, in Double, the function
// that finite differences check. Legend: N examples, K patches, D patch dimension, M filters,
// C outputs.

/// The result of the reference pass over a batch.
package struct ReferencePass<T: BinaryFloatingPoint & Sendable> {
    /// f[n × C].
    package var outputs: [T]
    /// Mean loss over the batch.
    package var loss: T
    /// Gradients of the mean loss with respect to every parameter, trained or not.
    package var gradients: PatchCNNParameters<T>
}

package enum PatchCNNReference {
    /// Forward and backward over N examples x[N × K × D] with labels[N], or, with non-empty
    /// `targets` [N] (a regression model, C = 1), the square loss ½(f − t_n)².
    ///
    /// Pooling is over the positions of each region (one region holding all K positions for
    /// global pooling); the pooled features are ordered (region, filter) and the read-out is
    /// [C × G·M]. Gradients are of the mean loss over the batch. The read-out and bias gradients are
    /// computed even for a fixed read-out or a frozen bias (the optimiser decides what to update).
    /// With a router, filter j of expert e pools over the l patches with the largest ⟨r_e, x_i⟩
    /// (ties to the lowest index) only, the mean dividing by l; the routers' gradient is zero (hard
    /// selection is piecewise constant in them).
    package static func pass<T: BinaryFloatingPoint & Sendable>(
        _ p: PatchCNNParameters<T>, config: NetworkConfig, loss: Loss, regions: PoolingRegions = .global,
        x: [T], labels: [Int32], targets: [T] = [], count N: Int, patches K: Int, dimension D: Int, outputs C: Int
    ) -> ReferencePass<T> {
        let M = config.M
        let G = regions.count
        let F = G * M
        precondition(
            x.count == N * K * D, "reference pass: x has \(x.count) values, expected N·K·D = \(N)·\(K)·\(D)")
        precondition(
            p.filters.count == M * D && p.readout.count == C * F,
            "reference pass: parameters \(p.filters.count), \(p.readout.count) do not match "
                + "M·D = \(M * D), C·G·M = \(C * F)"
        )
        var grads = PatchCNNParameters<T>(zerosLike: p)
        var outputs = [T](repeating: 0, count: N * C)
        var totalLoss = 0.0
        let act = config.activation
        let reduction = config.pooling.reduction
        func bias(_ j: Int) -> T { p.biases.isEmpty ? 0 : (p.biases.count == 1 ? p.biases[0] : p.biases[j]) }
        let members: [[Int]] = (0..<G).map { r in (0..<K).filter { regions.region($0) == r } }

        let router = config.router
        if let router {
            precondition(G == 1, "reference pass: a router pools globally, not over \(G) regions")
            precondition(p.routers.count == router.experts * D, "reference pass: \(p.routers.count) router entries")
        }

        for n in 0..<N {
            // With a router, the patches of each expert: the top l by ⟨r_e, x_i⟩, in position order.
            var routed: [[Int]] = []
            if let router {
                for e in 0..<router.experts {
                    var score = [T](repeating: 0, count: K)
                    for i in 0..<K {
                        for k in 0..<D { score[i] += p.routers[e * D + k] * x[(n * K + i) * D + k] }
                    }
                    var picks: [Int] = []
                    for _ in 0..<router.topPatches {
                        var best = -1
                        for i in 0..<K where !picks.contains(i) && (best < 0 || score[i] > score[best]) { best = i }
                        picks.append(best)
                    }
                    routed.append(picks.sorted())
                }
            }
            // The positions filter j pools over in region r.
            func pool(_ r: Int, _ j: Int) -> [Int] {
                router.map { routed[$0.expert(ofFilter: j)] } ?? members[r]
            }
            // Scores s[i][j] = ⟨w_j, x_i⟩, activations φ[i][j] (with the bias where the activation
            // puts it) and pooled h[r·M + j].
            var s = [[T]](repeating: [T](repeating: 0, count: M), count: K)
            var phi = s
            for i in 0..<K {
                for j in 0..<M {
                    var dot: T = 0
                    for k in 0..<D { dot += p.filters[j * D + k] * x[(n * K + i) * D + k] }
                    s[i][j] = dot
                    phi[i][j] = act.value(score: dot, bias: bias(j))
                }
            }
            var h = [T](repeating: 0, count: F)
            var best = [Int](repeating: 0, count: F)
            for r in 0..<G {
                for j in 0..<M {
                    let positions = pool(r, j)
                    switch reduction {
                    case .max:
                        var b = positions[0]
                        for i in positions.dropFirst() where phi[i][j] > phi[b][j] { b = i }
                        best[r * M + j] = b
                        h[r * M + j] = phi[b][j]
                    case .mean, .sum:
                        var total: T = 0
                        for i in positions { total += phi[i][j] }
                        h[r * M + j] = reduction == .mean ? total / T(positions.count) : total
                    }
                }
            }
            var f = [T](repeating: 0, count: C)
            for c in 0..<C {
                var total: T = p.outputBias.isEmpty ? 0 : p.outputBias[c]
                for q in 0..<F { total += p.readout[c * F + q] * h[q] }
                f[c] = total
                outputs[n * C + c] = total
            }
            // dℓ/df for this example, scaled by 1/N for the batch mean.
            var g = [T](repeating: 0, count: C)
            if loss == .crossEntropy {
                let fd = f.map(Double.init)
                let maxF = fd.max()!
                let logZ = maxF + log(fd.reduce(0) { $0 + exp($1 - maxF) })
                totalLoss += logZ - fd[Int(labels[n])]
                for c in 0..<C { g[c] = T((exp(fd[c] - logZ) - (c == Int(labels[n]) ? 1 : 0)) / Double(N)) }
            } else if !targets.isEmpty {
                let r = Loss.regression(output: Double(f[0]), target: Double(targets[n]))
                totalLoss += r.value
                g[0] = T(r.derivative / Double(N))
            } else {
                let r = loss.binary(output: Double(f[0]), label: Double(labels[n]))
                totalLoss += r.value
                g[0] = T(r.derivative / Double(N))
            }
            for c in 0..<C {
                if !grads.outputBias.isEmpty { grads.outputBias[c] += g[c] }
                for q in 0..<F { grads.readout[c * F + q] += g[c] * h[q] }
            }
            for r in 0..<G {
                for j in 0..<M {
                    var dh: T = 0
                    for c in 0..<C { dh += g[c] * p.readout[c * F + r * M + j] }
                    let pooled = pool(r, j)
                    let positions: [Int] = reduction == .max ? [best[r * M + j]] : pooled
                    let scale: T = reduction == .mean ? 1 / T(pooled.count) : 1
                    for i in positions {
                        let d = act.derivatives(score: s[i][j], bias: bias(j))
                        let ds = dh * scale * d.score
                        let db = dh * scale * d.bias
                        for k in 0..<D { grads.filters[j * D + k] += ds * x[(n * K + i) * D + k] }
                        if p.biases.count == 1 {
                            grads.biases[0] += db
                        } else if p.biases.count == M {
                            grads.biases[j] += db
                        }
                    }
                }
            }
        }
        return ReferencePass(outputs: outputs, loss: T(totalLoss / Double(N)), gradients: grads)
    }
}

#if canImport(Glibc)
    import Glibc
#else
    import Foundation
#endif
