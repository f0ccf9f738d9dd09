import Datasets
import Foundation
import Networks
import Tensors

/// The memory a run needs and the number of its evaluations, checked by `ExperimentConfig.validate`
/// before anything is allocated (Docs/Configuration.md, "Limits").
public enum RunLimits {
    /// The most memory one run may need: the smallest of the machine's physical memory, 8 GiB, the
    /// cgroup's memory limit (a container, a Slurm job) and ¾ of the address-space limit (`ulimit
    /// -v`; the rest holds the program, its libraries and thread stacks).
    public static let memoryBound: Double = bound.bytes
    /// `memoryBound` and what sets it, for messages.
    public static let bound: (bytes: Double, source: String) = {
        var bound = (bytes: min(Double(ProcessInfo.processInfo.physicalMemory), 8 * gib), source: "")
        bound.source =
            bound.bytes < 8 * gib ? "the machine's physical memory" : "the smaller of physical memory and 8 GiB"
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max,
            Double(limit.rlim_cur) * 0.75 < bound.bytes
        {
            bound = (Double(limit.rlim_cur) * 0.75, "¾ of the address-space limit (ulimit -v)")
        }
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), value < bound.bytes
            {
                bound = (value, "the cgroup's memory limit (\(file))")
            }
        }
        return bound
    }()
    /// The most evaluations a schedule may give (every evaluation writes a line and keeps a snapshot).
    public static let maxEvaluations = 100_000
    static let gib = Double(1 << 30)
}

/// One term of a run's memory: what it is, the fields it grows with and its size in bytes.
public struct MemoryTerm: Equatable, Sendable {
    /// What the memory holds, e.g. "training set nTrain × K × D floats".
    public var what: String
    /// The fields that set its size, with their values, e.g. "data.nTrain = 1000000000".
    public var fields: [String]
    /// Bytes, as a Double so that no product of sizes overflows.
    public var bytes: Double
}

extension EvaluationSchedule {
    /// The number of evaluations for a budget of `steps`, without listing them (at most the count
    /// `steps(upTo:)` gives).
    public func count(upTo steps: Int) -> Int {
        switch self {
        case .every(let n): return min(steps / n, Int.max - 2) + 2
        case .log(let n): return min(n, steps) + 2
        }
    }
}

extension ExperimentConfig {
    /// The memory the run needs, term by term (Docs/Configuration.md, "Limits"): the data sets held
    /// as float32 patches (image runs: the images, at their datasets' sizes), the filters with one
    /// gradient per chunk of 32 examples, the batch's patches and scores, the evaluated sets' scores
    /// and pooled features, and the snapshot kept per evaluation.
    public var memoryTerms: [MemoryTerm] { memoryTerms(loaded: nil) }

    /// The sizes of image sets once loaded: their real image size and counts replace the standard
    /// dataset's in the estimate (a directory of MNIST-format files may hold any size).
    public struct LoadedImages: Sendable {
        /// Pixels per side (rows, columns) and channels of every image.
        public var height: Int, width: Int, channels: Int
        /// Images kept in the training and test sets.
        public var train: Int, test: Int

        /// The sizes of loaded sets.
        public init(height: Int, width: Int, channels: Int, train: Int, test: Int) {
            (self.height, self.width, self.channels, self.train, self.test) = (height, width, channels, train, test)
        }
    }

    /// `memoryTerms` with the image sets' real sizes when they are loaded.
    public func memoryTerms(loaded: LoadedImages?) -> [MemoryTerm] {
        // Negative sizes (refused by the field checks that follow) count as 0, so they offset nothing.
        func size(_ n: Int) -> Double { Double(max(n, 0)) }
        let f = 4.0  // bytes of a float32
        let M = size(network.M)
        let C = size(outputs)
        let B = size(training.batchSize)
        let evaluations = Double(evaluation.schedule.count(upTo: max(training.steps, 1)))
        var terms: [MemoryTerm] = []
        let K: Double
        let D: Double
        let nTrain: Double
        let nTest: Double
        let P: Double
        var setFields: (train: [String], test: [String], patch: [String])
        if let images {
            let standard: (Double, Double, Double, Double, Double) =
                images.dataset == .cifar10 ? (32, 32, 3, 50_000, 10_000) : (28, 28, 1, 60_000, 10_000)
            let (height, width, channels, fullTrain, fullTest) =
                loaded.map {
                    (size($0.height), size($0.width), size($0.channels), size($0.train), size($0.test))
                } ?? standard
            let r = size(images.patchSize)
            let s = size(images.stride)
            func positions(_ side: Double) -> Double { max(0, ((side - r) / max(s, 1)).rounded(.down) + 1) }
            K = positions(height) * positions(width)
            D = r * r * channels
            nTrain = images.trainSize > 0 ? min(size(images.trainSize), fullTrain) : fullTrain
            nTest = images.testSize > 0 ? min(size(images.testSize), fullTest) : fullTest
            P = 0
            setFields = (
                ["images.trainSize = \(images.trainSize)"], ["images.testSize = \(images.testSize)"],
                ["images.patchSize = \(images.patchSize)", "images.stride = \(images.stride)"]
                    // Loaded images of another size than the dataset's: their size is a cause too.
                    + (loaded.map {
                        [
                            "pixels per image of \(images.dataDir.isEmpty ? images.dataset.rawValue : images.dataDir) = \($0.height * $0.width)"
                        ]
                    } ?? [])
            )
            terms.append(
                MemoryTerm(
                    what: "images (\(Int(height))×\(Int(width))×\(Int(channels)) floats each, train and test)",
                    fields: setFields.train + setFields.test, bytes: (nTrain + nTest) * height * width * channels * f))
        } else {
            let fc = network.architecture == .fc
            K = fc ? 1 : size(data.K)
            D = fc ? size(data.K) * size(data.D) : size(data.D)
            nTrain = size(data.nTrain)
            nTest = size(data.nTest)
            P = size(data.P)
            setFields = (
                ["data.nTrain = \(data.nTrain)"], ["data.nTest = \(data.nTest)"],
                ["data.K = \(data.K)", "data.D = \(data.D)"]
            )
            let kd = size(data.K) * size(data.D)
            terms.append(
                MemoryTerm(
                    what: "training set (nTrain × K × D floats)", fields: setFields.train + setFields.patch,
                    bytes: nTrain * (kd * f + 16)))
            terms.append(
                MemoryTerm(
                    what: "test set (nTest × K × D floats)", fields: setFields.test + setFields.patch,
                    bytes: nTest * (kd * f + 16)))
            terms.append(
                MemoryTerm(
                    what: "patterns (P × D floats, and their Gram matrix)",
                    fields: ["data.P = \(data.P)", "data.D = \(data.D)"],
                    bytes: (P * size(data.D) + P * P) * 8))
        }
        let mField = "network.M = \(network.M)"
        let chunks = (B / 32).rounded(.up)
        terms.append(
            MemoryTerm(
                what: "filters (M × outputs × patch dimension floats, with a gradient per chunk of 32 examples)",
                fields: [mField] + setFields.patch + ["training.batchSize = \(training.batchSize)"],
                bytes: M * C * D * f * (3 + chunks)))
        terms.append(
            MemoryTerm(
                what: "one batch (B × K patches and their B × K × M scores)",
                fields: ["training.batchSize = \(training.batchSize)", mField] + setFields.patch,
                bytes: B * K * (D + 2 * M * C) * f))
        terms.append(
            MemoryTerm(
                what: "evaluated sets' pooled features (examples × M)",
                fields: [mField] + setFields.train + setFields.test,
                bytes: (nTrain + nTest) * M * C * 8))
        terms.append(
            MemoryTerm(
                what: "snapshots kept per evaluation (M × (P + 4) numbers each)",
                fields: [
                    "evaluation.schedule = \(evaluation.schedule.text)", "training.steps = \(training.steps)", mField,
                ],
                bytes: evaluations * (M * C * (P + 4) * 8 + 1024)))
        if let router = network.router {
            terms.append(
                MemoryTerm(
                    what: "routers (experts × D floats) and their scores",
                    fields: ["network.router.experts = \(router.experts)"],
                    bytes: size(router.experts) * (D + nTrain * K) * f))
        }
        return terms
    }

    /// The memory the run needs in bytes (the sum of `memoryTerms`).
    public var memoryNeeded: Double { memoryTerms.reduce(0) { $0 + $1.bytes } }

    /// Throws a `ConfigurationError` for a schedule with more than `RunLimits.maxEvaluations`
    /// evaluations, or a run that needs more than `bound` bytes, naming the largest term's fields.
    public func checkLimits(memoryBound bound: Double = RunLimits.memoryBound, loaded: LoadedImages? = nil) throws {
        // Listing log(N)'s points takes N steps of work, whatever the budget.
        if case .log(let n) = evaluation.schedule, n > RunLimits.maxEvaluations {
            throw ConfigurationError(
                field: "evaluation.schedule", value: evaluation.schedule.text,
                allowed: "log(N) takes N from 2 to \(RunLimits.maxEvaluations) evaluation points")
        }
        let evaluations = evaluation.schedule.count(upTo: max(training.steps, 1))
        if evaluations > RunLimits.maxEvaluations {
            throw ConfigurationError(
                field: "evaluation.schedule", value: evaluation.schedule.text,
                allowed:
                    "gives \(evaluations) evaluations over \(training.steps) steps, more than the "
                    + "\(RunLimits.maxEvaluations) allowed; use every(N) with N ≥ \(training.steps / (RunLimits.maxEvaluations - 2) + 1), or log(N)"
            )
        }
        let terms = memoryTerms(loaded: loaded)
        let needed = terms.reduce(0) { $0 + $1.bytes }
        guard needed > bound else { return }
        let largest = terms.max { $0.bytes < $1.bytes }!
        func gib(_ bytes: Double) -> String { String(format: "%.3g GiB", bytes / RunLimits.gib) }
        // The field named is the term's largest number.
        let parts = largest.fields.map { $0.components(separatedBy: " = ") }
        let culprit = parts.max { (Double($0[1]) ?? 0) < (Double($1[1]) ?? 0) }!
        throw ConfigurationError(
            field: culprit[0], value: culprit[1],
            allowed:
                "the run would need about \(gib(needed)) of memory, over the bound of \(gib(bound)) ("
                + (bound == RunLimits.memoryBound ? RunLimits.bound.source : "the bound given")
                + "); most of it is the \(largest.what) with "
                + "\(largest.fields.joined(separator: ", ")): make them smaller (Docs/Configuration.md, \"Limits\")")
    }
}
