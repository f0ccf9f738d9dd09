import Tensors
import Datasets

/// Where training batches come from: a fresh stream, or a fixed set visited in reshuffled epochs.
public struct TrainingData: Sendable {
    enum Source: Sendable {
        case online(KeyPatternSampler, RandomStream)
        case fixed(PatchBatch, order: [Int], position: Int, shuffle: RandomStream)
    }
    var source: Source

    /// A stream that draws every example afresh from `sampler` using `train`.
    public static func online(_ sampler: KeyPatternSampler, train: RandomStream) -> TrainingData {
        TrainingData(source: .online(sampler, train))
    }

    /// A fixed set visited in an order reshuffled (from `shuffle`) at the start of every epoch.
    public static func fixed(_ set: PatchBatch, shuffle: RandomStream) -> TrainingData {
        TrainingData(source: .fixed(set, order: Array(0..<set.count), position: set.count, shuffle: shuffle))
    }

    /// The fixed training set, if there is one.
    public var fixedSet: PatchBatch? {
        if case .fixed(let set, _, _, _) = source { return set }
        return nil
    }

    /// Fills `batch` with the next `size` examples. From a fixed set a batch never spans two
    /// epochs: the last batch of an epoch may be smaller, and the set is reshuffled after it.
    public mutating func next(_ size: Int, into batch: inout PatchBatch) {
        switch source {
        case .online(var sampler, var rng):
            batch.setCount(size)
            sampler.fill(&batch, count: size, using: &rng)
            source = .online(sampler, rng)
        case .fixed(let set, var order, var position, var rng):
            if position >= set.count {
                rng.shuffle(&order)
                position = 0
            }
            let n = min(size, set.count - position)
            batch.setCount(n)
            for b in 0..<n { batch.copyExample(order[position + b], of: set, to: b) }
            source = .fixed(set, order: order, position: position + n, shuffle: rng)
        }
    }
}
