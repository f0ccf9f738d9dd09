import Tensors

/// The two-layer convolutional network of SPEC §2:
/// f_c(x) = Σ_j A[c, j] · Pool_i φ(⟨w_j, x_i⟩ + b_j) + β_c.
///
/// Layout: `filters` [M × D], `biases` [0] (none), [1] (shared, or frozen) or [M] (per filter), `readout`
/// [C × G·M] with pooled features ordered (region, filter), `outputBias` [C] or empty. C = 1 is
/// the binary network with ŷ = sign f; G = 1 is global pooling. With a router (pMoE,
/// `NetworkConfig.router`) `routers` is [E × D] and expert e's filters pool only over the l
/// patches that r_e ranks highest.
public struct PatchCNN: Sendable {
    /// The configuration it was built from.
    public let config: NetworkConfig
    /// Number of filters.
    public let M: Int
    /// Patch dimension.
    public let D: Int
    /// Outputs: 1 for a binary read-out, the number of classes otherwise.
    public let C: Int
    /// The pooling regions of the K positions.
    public let regions: PoolingRegions
    /// Filters W [M × D], row j is w_j.
    public var filters: [Float]
    /// Biases: empty, [1] shared (trained from 0, or frozen at v), or [M] per filter.
    public var biases: [Float]
    /// Read-out A [C × F], F = G·M ordered (region, filter).
    public var readout: [Float]
    /// Output biases β [C] (empty when there are none).
    public var outputBias: [Float]
    /// Router vectors R [E × D], row e is r_e (empty without a router). Not trained by SGD: they
    /// are drawn by `drawRouters(using:)` and pre-trained by `RouterPretraining`.
    public var routers: [Float]

    /// A network with filters drawn from `rng` (the `init` stream): first the M×D filter entries
    /// row by row, then, for a `trainable(σ_a)` read-out, the C×G·M read-out entries
    /// (`trainableFrom(a₀)` draws nothing).
    public init(
        config: NetworkConfig, inputDimension D: Int, outputs C: Int = 1, regions: PoolingRegions = .global,
        outputBias hasOutputBias: Bool? = nil, using rng: inout RandomStream
    ) {
        self.config = config
        M = config.M
        self.D = D
        self.C = C
        self.regions = regions
        let F = regions.count * config.M
        let w = Self.initialWeights(config.`init`, rows: M, columns: D, using: &rng)
        filters = w
        switch config.bias {
        case .none: biases = []
        case .shared: biases = [0]
        case .perFilter: biases = Array(repeating: 0, count: M)
        case .frozen(let v): biases = [Float(v)]
        }
        var a = [Float](repeating: 0, count: C * F)
        switch config.readout {
        case .fixedSign(let scale):
            let value = Float(scale.resolved(M: M))
            // j < M/2 read in real numbers, so that one filter (M = 1) votes +A; for even M it is j < M/2.
            for q in 0..<(C * F) { a[q] = 2 * (q % M) < M ? value : -value }
        case .trainable(let s):
            for i in 0..<(C * F) { a[i] = Float(s * rng.nextGaussian()) }
        case .trainableFrom(let value):
            for i in 0..<(C * F) { a[i] = Float(value) }
        }
        readout = a
        outputBias = (hasOutputBias ?? (C > 1)) ? Array(repeating: 0, count: C) : []
        routers = config.router.map { Array(repeating: 0, count: $0.experts * D) } ?? []
    }

    /// Draws the router vectors per `router.routerInit` from `rng` (the `router` stream), row by
    /// row; nothing without a router.
    public mutating func drawRouters(using rng: inout RandomStream) {
        guard let router = config.router else { return }
        routers = Self.initialWeights(router.routerInit, rows: router.experts, columns: D, using: &rng)
    }

    /// rows × columns weights drawn per `initialization`, row by row: N(0, σ0²) entries; rows
    /// r·g/‖g‖ with g ~ N(0, I); or U(±1/√columns) entries.
    static func initialWeights(
        _ initialization: Initialization, rows: Int, columns D: Int, using rng: inout RandomStream
    ) -> [Float] {
        var w = [Float](repeating: 0, count: rows * D)
        switch initialization {
        case .gaussian(let s):
            for i in 0..<(rows * D) { w[i] = Float(s * rng.nextGaussian()) }
        case .sphere(let r):
            for j in 0..<rows {
                var g = [Double](repeating: 0, count: D)
                var norm = 0.0
                for k in 0..<D {
                    g[k] = rng.nextGaussian()
                    norm += g[k] * g[k]
                }
                norm = norm.squareRoot()
                for k in 0..<D { w[j * D + k] = Float(r * g[k] / norm) }
            }
        case .kaimingUniform:
            let bound = 1 / Double(D).squareRoot()
            for i in 0..<(rows * D) { w[i] = Float(bound * (2 * rng.nextUniform() - 1)) }
        }
        return w
    }

    /// b_j (0 without biases).
    @inlinable
    public func bias(of j: Int) -> Float {
        biases.isEmpty ? 0 : (biases.count == 1 ? biases[0] : biases[j])
    }

    /// Filter j as D floats.
    public func filter(_ j: Int) -> ArraySlice<Float> { filters[(j * D)..<((j + 1) * D)] }

    /// The parameters converted to `T`, for the reference implementation.
    public func parameters<T: BinaryFloatingPoint>(as: T.Type = T.self) -> PatchCNNParameters<T> {
        PatchCNNParameters(
            filters: filters.map(T.init), biases: biases.map(T.init),
            readout: readout.map(T.init), outputBias: outputBias.map(T.init), routers: routers.map(T.init))
    }
}

/// The trainable quantities of a `PatchCNN` (or their gradients), in any precision.
public struct PatchCNNParameters<T: BinaryFloatingPoint & Sendable>: Sendable {
    /// Filters [M × D].
    public var filters: [T]
    /// Biases (empty, [1] or [M]).
    public var biases: [T]
    /// Read-out [C × F].
    public var readout: [T]
    /// Output biases [C].
    public var outputBias: [T]
    /// Router vectors [E × D] (empty without a router). Hard top-l selection is piecewise constant
    /// in them, so their gradient is zero wherever it exists and stays zero here.
    public var routers: [T]

    /// Parameters from their arrays.
    public init(filters: [T], biases: [T], readout: [T], outputBias: [T], routers: [T] = []) {
        self.filters = filters
        self.biases = biases
        self.readout = readout
        self.outputBias = outputBias
        self.routers = routers
    }

    /// Zeros shaped like `other`.
    public init(zerosLike other: PatchCNNParameters<T>) {
        filters = Array(repeating: 0, count: other.filters.count)
        biases = Array(repeating: 0, count: other.biases.count)
        readout = Array(repeating: 0, count: other.readout.count)
        outputBias = Array(repeating: 0, count: other.outputBias.count)
        routers = Array(repeating: 0, count: other.routers.count)
    }
}
