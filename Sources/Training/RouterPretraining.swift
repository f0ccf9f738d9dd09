import Datasets
import Networks

/// Router pre-training of pMoE (Chowdhury et al. 2023, "separate training"): before the experts
/// train, the routers are fitted for `pretrainSteps` full-batch gradient steps of the linear loss
/// ℓ = −ỹ·f_r on the training set, where f_r is a linear read-out of the routers alone,
///
///     f_r(x) = Σ_e s_e · ⟨r_e, Σ_i x_i⟩,
///
/// with s_e = ±1 the sign of expert e's fixed read-out (experts of the + half vote +1). This is the
/// paper's code: one linear filter per router, average pooling over every patch and a frozen
/// read-out of ±K (±16 with K = 16), no top-l selection and no expert filters involved, so the
/// routers get a gradient although the hard top-l selection of the experts gives none. The step is
///
///     r_e ← r_e + η_r · s_e · g,   g = (1/N) Σ_n ỹ_n Σ_i x_{n,i}
///
/// (g is the same at every step: the loss is linear; it is summed in Double, and each step adds the
/// same Float increment, as gradient descent on the Float routers would). Afterwards the routers stay
/// frozen: the `Trainer` never changes them.
public enum RouterPretraining {
    /// The read-out sign s_e of each expert of `network` (the sign of its first filter's read-out
    /// weight; validation makes every filter of an expert share it).
    public static func expertSigns(of network: PatchCNN) -> [Float] {
        guard let router = network.config.router else { return [] }
        return (0..<router.experts).map { network.readout[$0 * router.filtersPerExpert] > 0 ? 1 : -1 }
    }

    /// g = (1/N) Σ_n ỹ_n Σ_i x_{n,i} [D] over the examples of `set`, in Double.
    public static func gradientDirection(of set: PatchBatch) -> [Double] {
        let K = set.K
        let D = set.D
        var g = [Double](repeating: 0, count: D)
        for n in 0..<set.count {
            let y = Double(set.observedLabels[n])
            for i in 0..<K {
                let start = (n * K + i) * D
                for k in 0..<D { g[k] += y * Double(set.x[start + k]) }
            }
        }
        if set.count > 0 { for k in 0..<D { g[k] /= Double(set.count) } }
        return g
    }

    /// Runs the configured pre-training steps on the routers of `network` with the training set `set`;
    /// nothing without a router or with 0 steps.
    public static func pretrain(_ network: inout PatchCNN, on set: PatchBatch) {
        guard let router = network.config.router, router.pretrainSteps > 0 else { return }
        precondition(set.D == network.D, "RouterPretraining: patches of dimension \(set.D), network D = \(network.D)")
        let D = network.D
        let g = gradientDirection(of: set)
        let signs = expertSigns(of: network)
        let eta = router.pretrainLearningRate
        for e in 0..<router.experts {
            let step = (0..<D).map { Float(eta * Double(signs[e]) * g[$0]) }
            for _ in 0..<router.pretrainSteps {
                for k in 0..<D { network.routers[e * D + k] += step[k] }
            }
        }
    }
}
