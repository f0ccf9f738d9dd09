import Datasets
import Tensors

/// Where training batches come from: a fresh stream, or a fixed set visited in reshuffled epochs.
///
/// The sampler and streams are stored directly (not in enum payloads) so that drawing a batch
/// mutates them in place and allocates nothing.
public struct TrainingData: Sendable {
    private var sampler: (any ExampleSampler)?
    private var train: RandomStream
    /// The fixed training set, if there is one.
    public let fixedSet: (any ExampleSet)?
    private var order: [Int]
    private var position: Int

    /// A stream that draws every example afresh from `sampler` using `train`.
    public static func online(_ sampler: any ExampleSampler, train: RandomStream) -> TrainingData {
        TrainingData(sampler: sampler, train: train, fixedSet: nil, order: [], position: 0)
    }

    /// A fixed set visited in an order reshuffled (from `shuffle`) at the start of every epoch.
    public static func fixed(_ set: any ExampleSet, shuffle: RandomStream) -> TrainingData {
        TrainingData(sampler: nil, train: shuffle, fixedSet: set, order: Array(0..<set.count), position: set.count)
    }

    /// Fills `batch` with the next `size` examples. From a fixed set a batch never spans two
    /// epochs: the last batch of an epoch may be smaller, and the set is reshuffled after it.
    public mutating func next(_ size: Int, into batch: inout PatchBatch) {
        if let set = fixedSet {
            let indices = nextIndices(size)
            batch.setCount(indices.count)
            set.fill(&batch, with: indices)
        } else {
            batch.setCount(size)
            sampler!.fill(&batch, from: 0, count: size, using: &train)
        }
    }

    /// For a fixed set: the indices of the next batch (reshuffling at the start of an epoch), for
    /// callers that cut the examples themselves; the same sequence `next` would use.
    public mutating func nextIndices(_ size: Int) -> ArraySlice<Int> {
        precondition(fixedSet != nil, "nextIndices is for fixed training sets")
        if position >= fixedSet!.count {
            train.shuffle(&order)
            position = 0
        }
        let n = min(size, fixedSet!.count - position)
        defer { position += n }
        return order[position..<(position + n)]
    }
}
