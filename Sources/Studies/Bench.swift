import Analysis
import Datasets
import Experiments
import Foundation
import Networks
import Tensors
import Training

/// The performance workloads of Docs/Performance.md, timed on this machine.
public enum Bench {
    /// One measured figure.
    public struct Result: Sendable {
        /// The workload or kernel, e.g. "W1 training only".
        public var name: String
        /// The measured rate, in `unit`.
        public var value: Double
        /// The unit of `value`, e.g. "steps/s" or "examples/s".
        public var unit: String
        /// Floating-point rate of the measured work, when it is counted.
        public var gflops: Double?
        /// Conditions of the measurement (threads, shape, accuracy reached).
        public var note: String

        /// The figure as one JSON object (for Benchmarks/peers/compare.py): peer "convdyn", name,
        /// value, unit, gflops (null when not counted) and note.
        public var json: JSONValue {
            .object([
                "peer": .string("convdyn"), "name": .string(name), "value": .double(value), "unit": .string(unit),
                "gflops": gflops.map(JSONValue.double) ?? .null, "note": .string(note),
            ])
        }

        /// The figure as one aligned line of `convdyn bench`'s table.
        public var line: String {
            let g = gflops.map { String(format: "%8.2f GFLOP/s", $0) } ?? String(repeating: " ", count: 16)
            return
                "\(name.padding(toLength: 46, withPad: " ", startingAt: 0)) \(String(format: "%12.1f", value)) "
                + "\(unit.padding(toLength: 11, withPad: " ", startingAt: 0)) \(g)  \(note)"
        }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    /// FLOPs of one training step on N examples: the forward product 2·N·K·D·M plus the filter
    /// gradient, 2·N·M·D under max pooling (one patch per filter) or 2·N·K·M·D otherwise.
    static func stepFlops(N: Int, K: Int, D: Int, M: Int, pooling: Pooling) -> Double {
        let forward = 2.0 * Double(N * K * D * M)
        let backward = pooling.reduction == .max ? 2.0 * Double(N * M * D) : forward
        return forward + backward
    }

    /// Serves examples from a pool drawn beforehand, in order, cycling (no random numbers).
    struct PoolSampler: ExampleSampler {
        let pool: PatchBatch
        var next = 0
        mutating func fill(_ batch: inout PatchBatch, from start: Int, count: Int, using rng: inout RandomStream) {
            var b = start
            while b < start + count {
                let run = min(start + count - b, pool.count - next)
                batch.copyExamples(next..<(next + run), of: pool, to: b)
                b += run
                next = (next + run) % pool.count
            }
        }
    }

    /// W1 (B = 1, 20,000 steps) or W2 (B = 64, 5,000 steps) on kp-bench; `pregenerated` serves a
    /// pool of 20,000 examples drawn beforehand instead of fresh samples.
    public static func synthetic(batch: Int, steps: Int, pregenerated: Bool, threads: Int) -> Result {
        var config = Preset.kpBench.config
        config.training.batchSize = batch
        var patterns = RandomStream(seed: 0, purpose: .patterns)
        var initRNG = RandomStream(seed: 0, purpose: .initialization)
        var train = RandomStream(seed: 0, purpose: .train)
        let basis = PatternBasis(config.data, using: &patterns)
        var sampler = KeyPatternSampler(config: config.data, basis: basis)
        let network = PatchCNN(config: config.network, inputDimension: config.data.D, using: &initRNG)
        let data: TrainingData =
            pregenerated
            ? .online(PoolSampler(pool: sampler.sample(20_000, using: &train)), train: train)
            : .online(sampler, train: train)
        var training = config.training
        training.batchSize = batch
        let trainer = Trainer(
            network: network, config: training, data: data, K: config.data.K, D: config.data.D, threads: threads)
        let time = seconds { for _ in 0..<steps { trainer.takeStep() } }
        let d = config.data
        let flops =
            stepFlops(N: batch, K: d.K, D: d.D, M: config.network.M, pooling: config.network.pooling) * Double(steps)
        let id = batch == 1 ? "W1 synthetic-sgd1" : "W2 synthetic-batch\(batch)"
        let rate = batch == 1 ? Double(steps) / time : Double(steps * batch) / time
        return Result(
            name: "\(id), \(pregenerated ? "training only" : "end to end")", value: rate,
            unit: batch == 1 ? "steps/s" : "examples/s",
            gflops: flops / time / 1e9, note: String(format: "%d steps in %.2f s", steps, time))
    }

    /// W5: full-batch hinge GD of the `xord` preset (Brutzkus & Globerson 2019) with k = 50
    /// (M = 100 filters, init gaussian(η√2/(16k^1.5))), its 40 diverse training points of K = 8
    /// patches of dimension D = 2, η = 0.01, seed 0, for `steps` steps without the stop rule (the
    /// preset stops once every margin is ≥ 1), `repetitions` times from the same initial network
    /// (a run of 2000 steps takes ≈ 50 ms, too short to time once). A step whose loss is zero
    /// (every margin ≥ 1) has a zero gradient and runs the forward pass only (Docs/Architecture.md,
    /// Training); the note says how many steps of a run had a nonzero gradient. GFLOP/s counts a
    /// whole step (`stepFlops`) for every step, as for W1 and W2.
    public static func xordFullBatch(steps: Int, repetitions: Int, threads: Int) -> Result {
        var config = Preset.xord.config
        config.training.stopAtMarginOne = false
        let d = config.data
        var initRNG = RandomStream(seed: 0, purpose: .initialization)
        var train = RandomStream(seed: 0, purpose: .train)
        var sampler = XORDSampler(config: d)
        let network = PatchCNN(config: config.network, inputDimension: d.D, using: &initRNG)
        let set = sampler.sample(d.nTrain, using: &train)
        var time = 0.0
        var active = 0
        for _ in 0..<repetitions {
            let trainer = Trainer(
                network: network, config: config.training,
                data: .fixed(set, shuffle: RandomStream(seed: 0, purpose: .shuffle)), K: d.K, D: d.D, threads: threads)
            active = 0
            time += seconds {
                for _ in 0..<steps where trainer.takeStep().lossSum > 0 { active += 1 }
            }
        }
        let total = Double(steps * repetitions)
        let flops =
            stepFlops(N: d.nTrain, K: d.K, D: d.D, M: config.network.M, pooling: config.network.pooling) * total
        return Result(
            name: "W5 xord-fullbatch k=50, training only", value: total / time, unit: "steps/s",
            gflops: flops / time / 1e9,
            note: String(
                format: "%d × %d steps of B = %d in %.3f s, %d of each run with a nonzero gradient", repetitions,
                steps, d.nTrain, time, active))
    }

    /// W7: SGD of the `tc-quadratic` preset (Tan & Chen 2021: f(x) = Σ_j a_j (w_jᵀx)², both layers
    /// trained, square loss against the teacher's t = Σ_r (u_rᵀx)², D = 10, M = 4, B = 256,
    /// η = 1e-3), seed 0, for `steps` steps; `pregenerated` cycles through a pool of 256 batches
    /// (65,536 examples) drawn beforehand instead of drawing every batch. The note gives the test
    /// loss at the end relative to its start on 2,000 examples (the peers print the same figure).
    public static func quadratic(steps: Int, pregenerated: Bool, threads: Int) -> Result {
        let config = Preset.tcQuadratic.config
        let d = config.data
        let B = config.training.batchSize
        var patterns = RandomStream(seed: 0, purpose: .patterns)
        var initRNG = RandomStream(seed: 0, purpose: .initialization)
        var train = RandomStream(seed: 0, purpose: .train)
        var testRNG = RandomStream(seed: 0, purpose: .test)
        var sampler = GaussianTeacherSampler(config: d, using: &patterns)
        let network = PatchCNN(config: config.network, inputDimension: d.D, using: &initRNG)
        let test = sampler.sample(2_000, using: &testRNG)
        let data: TrainingData =
            pregenerated
            ? .online(PoolSampler(pool: sampler.sample(256 * B, using: &train)), train: train)
            : .online(sampler, train: train)
        let trainer = Trainer(network: network, config: config.training, data: data, K: 1, D: d.D, threads: threads)
        let evaluator = Evaluator(network: network, patches: 1, dimension: d.D, threads: 1)
        let start = evaluator.evaluate(network, on: test, loss: .square).loss
        let time = seconds { for _ in 0..<steps { trainer.takeStep() } }
        let end = evaluator.evaluate(trainer.network, on: test, loss: .square).loss
        let flops = stepFlops(N: B, K: 1, D: d.D, M: config.network.M, pooling: config.network.pooling)
        return Result(
            name: "W7 tc-quadratic B=\(B), \(pregenerated ? "training only" : "end to end")",
            value: Double(steps) / time, unit: "steps/s", gflops: flops * Double(steps) / time / 1e9,
            note: String(format: "%d steps in %.3f s, test loss %.3g of its start", steps, time, end / start))
    }

    /// W3: one epoch of Fashion-MNIST, 32 filters 5×5, global average pooling, trainable 32→10
    /// read-out with bias, softmax cross-entropy, SGD η = 0.1, batch 64.
    public static func fashionEpoch(threads: Int, dataDir: String = "") throws -> [Result] {
        var config = Preset.fmnistPractical.config
        config.network.pooling = .mean
        config.images!.dataDir = dataDir
        config.evaluation.schedule = .every(config.training.steps)
        config.evaluation.filterDynamics = false
        let loadTime = Date()
        let sets = try ImageLoader.load(config.images!)
        let load = Date().timeIntervalSince(loadTime)
        let prepared = try PreparedExperiment(config, images: sets)
        var trainSeconds = 0.0
        var summary: RunSummary? = nil
        let total = try seconds { summary = try prepared.run(threads: threads) { _, _ in } }
        // The run's own clock covers the SGD steps only (data cut into patches inside them).
        trainSeconds = prepared.lastTrainingSeconds
        let n = sets.train.count
        let flops = stepFlops(
            N: n, K: sets.train.K, D: sets.train.D, M: config.network.M, pooling: config.network.pooling)
        return [
            Result(
                name: "W3 fashion-mnist-conv, training", value: Double(n) / trainSeconds, unit: "examples/s",
                gflops: flops / trainSeconds / 1e9,
                note: String(
                    format: "epoch %.2f s, test accuracy %.4f (loading %.1f s, run with 2 evaluations %.2f s)",
                    trainSeconds, summary!.testAccuracy, load, total))
        ]
    }

    /// W4: `count` kp-bench runs of 1,000 steps as verify and sweeps run them (evaluation every
    /// 10 steps on 2,000 test examples, no files), on `workers` workers, each run on one thread
    /// (so one worker is one core, the baseline of the scaling figure).
    public static func manySeeds(count: Int, workers: Int) throws -> Result {
        let configs = (0..<count).map { seed -> ExperimentConfig in
            var c = Preset.kpBench.config
            c.seed = seed
            c.evaluation.filterDynamics = false
            return c
        }
        let time = try seconds {
            _ = try RunBatch.run(configs, into: Array(repeating: nil, count: count), workers: workers, threadsPerRun: 1)
        }
        return Result(
            name: "W4 many-seeds, \(workers) core\(workers == 1 ? "" : "s")", value: Double(count) / time,
            unit: "runs/s", gflops: nil,
            note: String(format: "%d runs in %.1f s", count, time))
    }

    /// W6: the Kou grid of examples/kou-phase.yaml, `seeds` kou-relu runs at each of ‖μ‖ (keyScale)
    /// ∈ {0.5, 1, 2, 3, 5} × D ∈ {100, 200, 400, 1000} (200 runs for 10 seeds), each 200 steps of
    /// full-batch GD on its 20 training points, evaluated as sweeps run them (every 10 steps on the
    /// 1,000 test points and the training set, with the signal and noise measures), no files
    /// (filterDynamics off, as in W4), on `workers` workers of one thread each.
    public static func kouGrid(seeds: Int, workers: Int) throws -> Result {
        var configs: [ExperimentConfig] = []
        for keyScale in [0.5, 1, 2, 3, 5] {
            for D in [100, 200, 400, 1000] {
                for seed in 0..<seeds {
                    var c = Preset.kouRelu.config
                    c.data.keyScale = keyScale
                    c.data.D = D
                    c.seed = seed
                    c.evaluation.filterDynamics = false
                    configs.append(c)
                }
            }
        }
        let count = configs.count
        let time = try seconds {
            _ = try RunBatch.run(configs, into: Array(repeating: nil, count: count), workers: workers, threadsPerRun: 1)
        }
        return Result(
            name: "W6 kou-grid, \(workers) core\(workers == 1 ? "" : "s")", value: Double(count) / time,
            unit: "runs/s", gflops: nil,
            note: String(format: "%d runs of 200 full-batch steps in %.2f s", count, time))
    }

    /// GFLOP/s of a kernel at a workload's shape on one core, repeated until it has run ≈0.3 s:
    /// `forward` is S[R×M] = X[R×D]·W[D×M]; `gradient` is dW[M×D] += dS[R×M]ᵀ·X[R×D].
    public static func kernel(
        _ name: String, rows R: Int, depth D: Int, filters M: Int, gradient: Bool = false, threads: Int = 1
    ) -> Result {
        var rng = RandomStream(seed: 1)
        let x = (0..<(R * D)).map { _ in Float(rng.nextGaussian()) }
        let w = (0..<(D * M)).map { _ in Float(rng.nextGaussian()) }
        let ds = (0..<(R * M)).map { _ in Float(rng.nextGaussian()) }
        var out = [Float](repeating: 0, count: max(R * M, M * D * threads))
        var repetitions = 1
        var time = 0.0
        while true {
            let n = repetitions
            time = seconds {
                MatMul.repeatProducts(
                    n, x: x, w: w, ds: ds, into: &out, rows: R, depth: D, filters: M, gradient: gradient,
                    threads: threads)
            }
            if time > 0.3 || repetitions >= 1 << 24 { break }
            repetitions = max(repetitions * 2, Int(Double(repetitions) * 0.35 / max(time, 1e-7)))
        }
        let flops = 2.0 * Double(R * D * M) * Double(repetitions)
        let cores = threads == 1 ? "one core" : "\(threads) threads"
        return Result(
            name: name, value: flops / time / 1e9, unit: "GFLOP/s", gflops: nil,
            note: gradient
                ? "dW[\(M)×\(D)] += dS[\(R)×\(M)]ᵀ·X[\(R)×\(D)], \(cores)"
                : "S[\(R)×\(M)] = X[\(R)×\(D)]·W[\(D)×\(M)], \(cores)")
    }
}
