import Datasets
import Networks

/// Loss, accuracy and margins of a network on a fixed set of examples (SPEC §3 items 1 and 10).
public struct SetEvaluation: Sendable, Equatable {
    /// Mean loss against the observed labels ỹ.
    public var loss: Double
    /// Fraction with prediction = ỹ.
    public var accuracy: Double
    /// Mean loss against the true labels y.
    public var cleanLoss: Double
    /// Fraction with prediction = y.
    public var cleanAccuracy: Double
    /// min_i ỹ_i f(x_i) (binary networks; NaN otherwise).
    public var minMargin: Double
    /// max_i ỹ_i f(x_i) (binary networks; NaN otherwise).
    public var maxMargin: Double

    public init(loss: Double, accuracy: Double, cleanLoss: Double, cleanAccuracy: Double, minMargin: Double, maxMargin: Double) {
        self.loss = loss
        self.accuracy = accuracy
        self.cleanLoss = cleanLoss
        self.cleanAccuracy = cleanAccuracy
        self.minMargin = minMargin
        self.maxMargin = maxMargin
    }
}

/// Evaluates networks on sets in chunks, reusing one workspace and one chunk buffer.
public final class Evaluator {
    private let workspace: PatchCNNWorkspace
    private let chunk: Int
    private var buffer: PatchBatch
    private var indices: [Int]

    public init(network: PatchCNN, patches K: Int, dimension D: Int, chunk: Int = 256) {
        self.chunk = chunk
        workspace = PatchCNNWorkspace(capacity: chunk, patches: K, for: network)
        buffer = PatchBatch(count: chunk, K: K, D: D, keysPerExample: 1)
        indices = []
    }

    /// Calls `body(start, n, workspace)` after a forward pass over each chunk of `set`.
    public func forEachChunk(_ network: PatchCNN, on set: any ExampleSet, _ body: (Int, Int, PatchCNNWorkspace) -> Void) {
        var start = 0
        while start < set.count {
            let n = min(chunk, set.count - start)
            indices = Array(start..<(start + n))
            if let batch = set as? PatchBatch {
                batch.x.withUnsafeBufferPointer { x in
                    network.forward(x.baseAddress! + start * batch.K * batch.D, count: n, workspace: workspace)
                }
            } else {
                buffer.setCount(n)
                set.fill(&buffer, with: indices[...])
                buffer.x.withUnsafeBufferPointer { x in network.forward(x.baseAddress!, count: n, workspace: workspace) }
            }
            body(start, n, workspace)
            start += n
        }
    }

    public func evaluate(_ network: PatchCNN, on set: any ExampleSet, loss: Loss) -> SetEvaluation {
        let C = network.C
        var lossSum = 0.0, cleanLossSum = 0.0
        var correct = 0, cleanCorrect = 0
        var minMargin = Double.infinity, maxMargin = -Double.infinity
        let observedLabels = set.observedLabels, labels = set.labels
        forEachChunk(network, on: set) { start, n, workspace in
                workspace.outputs.withUnsafeBufferPointer { f in
                    for b in 0..<n {
                        let fn = f.baseAddress! + b * C
                        let observed = observedLabels[start + b], truth = labels[start + b]
                        let predicted = predictedLabel(fn, classes: C)
                        if predicted == observed { correct += 1 }
                        if predicted == truth { cleanCorrect += 1 }
                        if loss == .crossEntropy {
                            lossSum += Loss.crossEntropy(outputs: fn, classes: C, label: Int(observed), gradient: nil, scale: 1)
                            cleanLossSum += Loss.crossEntropy(outputs: fn, classes: C, label: Int(truth), gradient: nil, scale: 1)
                        } else {
                            let f0 = Double(fn[0])
                            lossSum += loss.binary(output: f0, label: Double(observed)).value
                            cleanLossSum += loss.binary(output: f0, label: Double(truth)).value
                            let margin = Double(observed) * f0
                            minMargin = min(minMargin, margin)
                            maxMargin = max(maxMargin, margin)
                        }
                    }
                }
        }
        let count = Double(max(set.count, 1))
        return SetEvaluation(
            loss: lossSum / count, accuracy: Double(correct) / count,
            cleanLoss: cleanLossSum / count, cleanAccuracy: Double(cleanCorrect) / count,
            minMargin: C == 1 ? minMargin : .nan, maxMargin: C == 1 ? maxMargin : .nan)
    }
}
