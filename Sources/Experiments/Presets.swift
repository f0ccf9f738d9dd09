import Datasets
import Foundation
import Networks
import Training

/// A named, complete experiment configuration (SPEC §5).
public struct Preset: Sendable {
    /// The name `--preset` takes ("kp-bench").
    public let name: String
    /// One line for `convdyn presets`.
    public let summary: String
    /// The complete config; its `preset` field is `name`.
    public let config: ExperimentConfig

    /// A preset called `name` that `convdyn presets` lists with `summary`.
    public init(name: String, summary: String, config: ExperimentConfig) {
        self.name = name
        self.summary = summary
        self.config = config
    }
}

extension Preset {
    /// Every preset, in the order `convdyn presets` lists them.
    public static let all: [Preset] = [
        kpBench, kpCleanMax, kpCleanAvg, kpLeakyLogistic, kpSmall, xord, psi, bgCNNvsFC, kouRelu, caoPoly,
        karpLSA, karpLSAFrozen, tcQuadratic, pmoe, pmoeCNN, fmnistPractical,
    ]

    /// The preset called `name`, or nil.
    public static func named(_ name: String) -> Preset? { all.first { $0.name == name } }

    /// Main paper, canonical: key patterns on one-hot data with noise, online SGD.
    public static let kpBench = Preset(
        name: "kp-bench",
        summary:
            "Yu, Zhang & Zhu 2019, canonical: key patterns, one-hot, σ=0.05, M=32 ReLU max-pool, "
            + "hinge SGD B=1 η=0.5, 1000 steps",
        config: ExperimentConfig(preset: "kp-bench"))

    /// kp-bench without noise (σ = 0), max pooling, 1000 steps: claim A2.
    public static let kpCleanMax: Preset = {
        var c = kpBench.config
        c.preset = "kp-clean-max"
        c.data.sigma = 0
        return Preset(
            name: "kp-clean-max", summary: "Yu, Zhang & Zhu 2019, noise-free (σ=0) with max pooling, 1000 steps",
            config: c)
    }()

    /// kp-bench without noise (σ = 0) and with mean pooling, 4000 steps evaluated every 25: claims A3
    /// and A5.
    public static let kpCleanAvg: Preset = {
        var c = kpBench.config
        c.preset = "kp-clean-avg"
        c.data.sigma = 0
        c.network.pooling = .mean
        c.training.steps = 4000
        c.evaluation.schedule = .every(25)
        return Preset(
            name: "kp-clean-avg", summary: "Yu, Zhang & Zhu 2019, noise-free with mean pooling, 4000 steps", config: c)
    }()

    /// The smooth variant of kp-bench: leaky ReLU (α = 0.1) and logistic loss, 3000 steps evaluated
    /// every 25: claim A4.
    public static let kpLeakyLogistic: Preset = {
        var c = kpBench.config
        c.preset = "kp-leaky-logistic"
        c.network.activation = .leakyRelu(0.1)
        c.training.loss = .logistic
        c.training.steps = 3000
        c.evaluation.schedule = .every(25)
        return Preset(
            name: "kp-leaky-logistic",
            summary: "Yu, Zhang & Zhu 2019, smooth variant: leaky ReLU(0.1), logistic loss, 3000 steps", config: c)
    }()

    /// kp-bench with M = 4 filters, the over-parameterisation contrast of SPEC §5 (vary M with
    /// `--set M=2` or `M=8`).
    public static let kpSmall: Preset = {
        var c = kpBench.config
        c.preset = "kp-small"
        c.network.M = 4
        return Preset(
            name: "kp-small",
            summary: "over-parameterisation contrast: kp-bench with M=4 filters (try --set M=2 or M=8)", config: c)
    }()

    /// Brutzkus & Globerson 2019, "Why do larger models generalize better?": XOR detection on K = 8
    /// patches of the four xor2 patterns, 40 diverse training points, the main test set 2000
    /// diverse points (and 2000 unrestricted ones measured beside it); k filters per read-out sign
    /// (`--set k=…` sets M = 2k and the init gaussian(η√2/(16k^1.5))), ReLU, max pooling, fixed
    /// read-out ±1; hinge loss, full-batch gradient descent with η = 0.01 until every training
    /// margin is ≥ 1 or 2000 steps.
    public static let xord: Preset = {
        var c = kpBench.config
        c.preset = "xord"
        c.data.labelModel = .xord
        c.data.basis = .xor2
        c.data.K = 8
        c.data.D = 2
        c.data.P = 4
        c.data.keyPos = [0, 1]
        c.data.keyNeg = [2, 3]
        c.data.sigma = 0
        c.data.diverseOnly = true
        c.data.nTrain = 40
        c.data.nTest = 2000
        c.network.k = 50
        c.network.readout = .fixedSign(.value(1))
        c.training.fullBatch = true
        c.training.learningRate = 0.01
        c.training.steps = 2000
        c.training.stopAtMarginOne = true
        c.evaluation.schedule = .every(20)
        c.deriveFields()
        return Preset(
            name: "xord",
            summary:
                "Brutzkus & Globerson 2019: XOR detection, K=8, 40 diverse points, k=50 filters per sign "
                + "(try --set k=2), hinge full-batch GD η=0.01 until every margin ≥ 1 (≤ 2000 steps)",
            config: c)
    }()

    /// Brutzkus & Globerson 2021: kp-bench data with a fixed training set of 64 examples and the
    /// kp-bench CNN (compare `--set architecture=fc`, the fully-connected net on the flattened
    /// K·D input); hinge SGD with B = 1 and η = 0.5 for at most 2000 steps, stopping once every
    /// training margin is ≥ 1 (after which hinge SGD would change nothing), so both fit the set.
    public static let bgCNNvsFC: Preset = {
        var c = kpBench.config
        c.preset = "bg-cnn-vs-fc"
        c.data.nTrain = 64
        c.training.steps = 2000
        c.training.stopAtMarginOne = true
        return Preset(
            name: "bg-cnn-vs-fc",
            summary:
                "Brutzkus & Globerson 2021: kp-bench CNN vs architecture=fc on 64 training examples, "
                + "hinge SGD B=1 until every margin ≥ 1 (≤ 2000 steps)",
            config: c)
    }()
}

extension Preset {
    /// Brutzkus & Globerson 2020 (pattern statistics inductive bias): kp-bench data (one-hot, D = 64,
    /// K = 16, P = 32, σ = 0.05) with two keys per class, keyPos {0, 1} and keyNeg {2, 3}, commons
    /// 4…31, of which the first half (4…17) is drawn with probability ½ + y·0.2 (`spuriousBias`),
    /// and a fixed training set of 200; M = 100 ReLU filters, max pooling, fixed read-out ±1,
    /// kp-bench's gaussian(0.01) init; hinge SGD with B = 1 and η = 0.1 for 20 epochs (steps
    /// derived: 20 · 200 = 4000), evaluated every 200 steps on the whole training set. Claim C1
    /// varies the bias (0, 0.1, 0.2) and nTrain.
    public static let psi: Preset = {
        var c = kpBench.config
        c.preset = "psi"
        c.data.keyPos = [0, 1]
        c.data.keyNeg = [2, 3]
        c.data.spuriousSet = .firstHalf
        c.data.spuriousBias = 0.2
        c.data.nTrain = 200
        c.network.M = 100
        c.network.readout = .fixedSign(.value(1))
        c.training.learningRate = 0.1
        c.training.epochs = 20
        c.evaluation.schedule = .every(200)
        c.evaluation.fullTrainSet = true
        c.deriveFields()
        return Preset(
            name: "psi",
            summary:
                "Brutzkus & Globerson 2020, pattern statistics: keys {0,1}/{2,3}, commons 4…17 biased ½±0.2 by "
                + "class, nTrain=200, M=100 ReLU max-pool, read-out ±1, hinge SGD B=1 η=0.1, 20 epochs",
            config: c)
    }()
}

extension Preset {
    /// Kou, Chen, Chen & Gu 2023 (benign overfitting in two-layer ReLU CNNs): signalNoise data with
    /// K = 2 patches of dimension D = 400, one holding y·μ with μ = 2·e_0, the other noise
    /// ξ ~ N(0, σ_b²(I − μμᵀ/‖μ‖²)), σ_b = 1 (orthogonal to μ, as in both papers); labels flipped
    /// with probability 0.1; 20 training and 1000 test points. M = 20 ReLU filters,
    /// mean pooling, fixed read-out ±1/10 (A = 0.1, not 1/M = 0.05), init gaussian(0.01); logistic
    /// loss, full-batch gradient descent (B = nTrain = 20) with η = 0.1 for 200 steps, evaluated
    /// every 10 steps on the whole training set. Claim D1 varies ‖μ‖ (`--set keyScale=…`, 0.5…5) at
    /// D = 400; D ∈ {100, 200, 400, 1000} is the paper's other axis. The default ‖μ‖ = 2 sits on
    /// Kou et al.'s boundary between benign and harmful overfitting, n‖μ‖⁴ ≈ σ_b⁴D (20·16 = 320
    /// against 400; their constants unknown, taken as 1), where the clean test error is between
    /// its two regimes.
    public static let kouRelu: Preset = {
        var c = kpBench.config
        c.preset = "kou-relu"
        c.data.labelModel = .signalNoise
        c.data.K = 2
        c.data.D = 400
        c.data.P = 1
        c.data.keyScale = 2
        c.data.signal = .e0
        c.data.background = .gaussian
        c.data.sigmaB = 1
        c.data.orthoNoise = true
        c.data.sigma = 0
        c.data.flip = 0.1
        c.data.nTrain = 20
        c.data.nTest = 1000
        c.network.M = 20
        c.network.activation = .relu
        c.network.pooling = .mean
        c.network.readout = .fixedSign(.value(0.1))
        c.network.`init` = .gaussian(0.01)
        c.training.loss = .logistic
        c.training.fullBatch = true
        c.training.learningRate = 0.1
        c.training.steps = 200
        c.evaluation.schedule = .every(10)
        c.evaluation.fullTrainSet = true
        c.deriveFields()
        return Preset(
            name: "kou-relu",
            summary:
                "Kou, Chen, Chen & Gu 2023: signal y·μ (‖μ‖=2, e_0) + noise ⊥ μ (σ_b=1, D=400), K=2, flip 0.1, nTrain=20; "
                + "M=20 ReLU mean-pool, read-out ±0.1, logistic full-batch GD η=0.1, 200 steps (try keyScale=5, 0.5)",
            config: c)
    }()

    /// Cao, Chen, Belkin & Gu 2022 (benign overfitting in two-layer CNNs): kou-relu without label
    /// flips and with D = 200, polyRelu(3) filters initialised gaussian(0.05), 500 steps of
    /// full-batch gradient descent. Claim D2 varies ‖μ‖ (1 and 10). The default ‖μ‖ = 5 sits on
    /// Cao et al.'s boundary for polyReLU(q), n‖μ‖^q ≈ (σ_b√D)^q (20·125 = 2500 against 2828 at
    /// q = 3; constants taken as 1).
    public static let caoPoly: Preset = {
        var c = kouRelu.config
        c.preset = "cao-poly"
        c.data.flip = 0
        c.data.D = 200
        c.data.keyScale = 5
        c.network.activation = .polyRelu(3)
        c.network.`init` = .gaussian(0.05)
        c.training.steps = 500
        c.evaluation.schedule = .every(25)
        return Preset(
            name: "cao-poly",
            summary:
                "Cao, Chen, Belkin & Gu 2022: signal y·μ (‖μ‖=5, e_0) + noise ⊥ μ (σ_b=1, D=200), K=2, nTrain=20; "
                + "M=20 polyReLU(3) mean-pool, init N(0, 0.05²), logistic full-batch GD η=0.1, 500 steps",
            config: c)
    }()
}

extension Preset {
    /// The main paper's practical claim: Fashion-MNIST, 32 filters of 5×5, global max pooling,
    /// a trainable 10-way read-out, one epoch of SGD.
    public static let fmnistPractical: Preset = {
        var images = ImageDataConfig()
        images.dataset = .fashionMNIST
        images.patchSize = 5
        images.stride = 1
        var c = ExperimentConfig(preset: "fmnist-practical", images: images)
        c.network.M = 32
        c.network.activation = .relu
        c.network.pooling = .max
        // Same variance as U(±1/√32), the usual initialisation of a 32-input linear layer.
        c.network.readout = .trainable(0.1)
        c.network.`init` = .kaimingUniform
        c.training.loss = .crossEntropy
        c.training.batchSize = 64
        c.training.learningRate = 0.1
        c.training.steps = 938  // one epoch of the 60,000 training images in batches of 64
        c.evaluation.schedule = .every(40)  // 25 evaluations: enough points for a curve
        c.evaluation.fullTrainSet = false
        return Preset(
            name: "fmnist-practical",
            summary:
                "Yu, Zhang & Zhu 2019, practical claim: Fashion-MNIST, 32 filters 5×5, ReLU, global max pool, "
                + "trainable 10-way read-out, softmax CE, SGD B=64 η=0.1, 1 epoch",
            config: c)
    }()
}

extension Preset {
    /// Karp, Winston, Li & Singh 2021 (local signal adaptivity): signalNoise data with K = 100
    /// patches of dimension D = 10, one holding y·w* with w* = (1, …, 1)/√D (‖μ‖ = 1), the other
    /// 99 i.i.d. N(0, σ_b² I) with σ_b = 0.6·ln K/√K ≈ 0.276 (not orthogonalised, as in their code;
    /// set sigmaB again when changing K), online; one symThreshold filter φ_b(s) = ReLU(s + b) −
    /// ReLU(−s + b), sum pooling, fixed read-out of size 1, a shared trained bias from 0 whose
    /// gradient is scaled by 1/K, init on the sphere of radius 1e-6; logistic loss, online SGD with
    /// B = 100 and η = 0.1 for 4000 steps, evaluated every 50 on 2000 test points. Claim E1
    /// compares it with `karp-lsa-frozen`. Docs/Configuration.md lists how it differs from Karp's
    /// code.
    public static let karpLSA: Preset = {
        var c = kpBench.config
        c.preset = "karp-lsa"
        c.data.labelModel = .signalNoise
        c.data.K = 100
        c.data.D = 10
        c.data.P = 1
        c.data.keyScale = 1
        c.data.signal = .allOnes
        c.data.background = .gaussian
        c.data.sigmaB = karpNoise(K: 100)
        c.data.orthoNoise = false
        c.data.sigma = 0
        c.data.flip = 0
        c.data.nTrain = 0
        c.data.nTest = 2000
        c.network.M = 1
        c.network.activation = .symThreshold
        c.network.pooling = .sum
        c.network.readout = .fixedSign(.value(1))
        c.network.bias = .shared
        c.network.biasGradScale = 1.0 / 100
        c.network.`init` = .sphere(1e-6)
        c.training.loss = .logistic
        c.training.batchSize = 100
        c.training.learningRate = 0.1
        c.training.steps = 4000
        c.evaluation.schedule = .every(50)
        return Preset(
            name: "karp-lsa",
            summary:
                "Karp et al. 2021: signal y·(1,…,1)/√10 in 1 of K=100 patches, noise σ_b=0.6·ln K/√K, online; one "
                + "symThreshold filter, sum pool, shared bias (grad ×1/K), logistic SGD B=100 η=0.1, 4000 steps",
            config: c)
    }()

    /// karp-lsa with the bias frozen at 0 (Karp et al. 2021's baseline): φ_0(s) = s, so the
    /// network is linear, f(x) = a·⟨w, Σ_i x_i⟩.
    public static let karpLSAFrozen: Preset = {
        var c = karpLSA.config
        c.preset = "karp-lsa-frozen"
        c.network.bias = .frozen(0)
        return Preset(
            name: "karp-lsa-frozen",
            summary: "Karp et al. 2021, baseline: karp-lsa with the bias frozen at 0 (a linear network)", config: c)
    }()

    /// σ_b = 0.6·ln K/√K, the noise level of the karp-lsa preset for K patches.
    public static func karpNoise(K: Int) -> Double { 0.6 * Foundation.log(Double(K)) / Double(K).squareRoot() }
}

extension Preset {
    /// Tan & Chen 2021 (two-layer quadratic networks): teacher–student regression on x ~ N(0, I_10)
    /// (K = 1) with the rank-2 teacher t = (u_1ᵀx)² + (u_2ᵀx)²; M = 4 square-activation filters, sum
    /// pooling, a trainable read-out a_j ~ N(0, 0.1²) and w ~ N(0, 0.1² I); square loss ½(f − t)²,
    /// online SGD with B = 256 and η = 1e-3 for 20,000 steps, evaluated at 60 log-spaced steps on
    /// 2000 test examples. Claims F1 and F2.
    public static let tcQuadratic: Preset = {
        var c = kpBench.config
        c.preset = "tc-quadratic"
        c.data.labelModel = .gaussianTeacher
        c.data.K = 1
        c.data.D = 10
        c.data.P = 2
        c.data.teacherRank = 2
        // v = (1, 1): the default [] (every v_r = 1), so that `--set teacherRank=3` needs only P = 3.
        c.data.teacherWeights = []
        c.data.keyPos = [0]
        c.data.keyNeg = [1]
        c.data.background = .gaussian
        c.data.sigma = 0
        c.data.flip = 0
        c.data.nTrain = 0
        c.data.nTest = 2000
        c.network.M = 4
        c.network.activation = .square
        c.network.pooling = .sum
        c.network.readout = .trainable(0.1)
        c.network.`init` = .gaussian(0.1)
        c.training.loss = .square
        c.training.batchSize = 256
        c.training.learningRate = 1e-3
        c.training.steps = 20_000
        c.evaluation.schedule = .log(60)
        return Preset(
            name: "tc-quadratic",
            summary:
                "Tan & Chen 2021: x ~ N(0, I_10), target (u_1ᵀx)² + (u_2ᵀx)²; M=4 square filters, sum pool, "
                + "trainable read-out, square loss SGD B=256 η=1e-3, 20000 steps",
            config: c)
    }()
}

extension Preset {
    /// Chowdhury, Zhang, Wang, Liu & Chen 2023 (patch-level routing in mixture-of-experts): kp-bench's
    /// key data (one-hot, K = 16 patches of D = 64, P = 32 patterns, one key per example, keys {0}/{1},
    /// the other 15 patches uniform commons 2…31 — the paper's one class-discriminative patch among
    /// n − 1 class-irrelevant ones) with noise σ = 0.15 and a fixed training set of 32 (claim G1
    /// varies nTrain over 8…128); pMoE: 2 experts × 4 filters (M = 8), each seeing its top-2 patches
    /// by its router, routers drawn gaussian(0.1) and pre-trained 100 full-batch steps of the linear
    /// loss at η_r = 0.2 (the paper's rate) and then frozen; ReLU, mean pooling over the routed
    /// patches, fixed read-out ±1/M, kp-bench's init gaussian(0.01); logistic loss, full-batch
    /// gradient descent with η = 4 for 600 steps, evaluated every 20 on the whole training set.
    public static let pmoe: Preset = {
        var c = kpBench.config
        c.preset = "pmoe"
        c.data.sigma = 0.15
        c.data.nTrain = 32
        c.network.M = 8
        c.network.activation = .relu
        c.network.pooling = .mean
        c.network.readout = .fixedSign(.inverseM)
        c.network.router = RouterConfig()
        c.training.loss = .logistic
        c.training.fullBatch = true
        c.training.learningRate = 4
        c.training.steps = 600
        c.evaluation.schedule = .every(20)
        c.evaluation.fullTrainSet = true
        c.deriveFields()
        return Preset(
            name: "pmoe",
            summary:
                "Chowdhury et al. 2023, pMoE: key data σ=0.15, nTrain=32; 2 experts × 4 ReLU filters, top-2 patches "
                + "by routers pre-trained 100 steps (linear loss), mean pool, logistic full-batch GD η=4, 600 steps",
            config: c)
    }()

    /// pmoe's baseline (Chowdhury et al. 2023): the same data and training with the plain CNN of
    /// M = 8 ReLU filters mean-pooled over all K patches (no router).
    public static let pmoeCNN: Preset = {
        var c = pmoe.config
        c.preset = "pmoe-cnn"
        c.network.router = nil
        return Preset(
            name: "pmoe-cnn",
            summary: "Chowdhury et al. 2023, baseline: pmoe's data and training with the CNN of M=8 (no router)",
            config: c)
    }()
}
