import Tensors

// Array entry points to the batched passes for the trainer and the evaluator, which hold no
// pointers: the patches of a chunk are examples in an array, or the windows of images read in
// place through `ImageWindows`. Legend as in `PatchCNN+Batched.swift`.

/// Sums over the examples of a chunk, from the outputs of a forward pass: the losses and correct
/// predictions against the observed labels ỹ and the true labels y, and the least and greatest
/// margin ỹ·f (binary networks; ±∞ otherwise).
package struct OutputTally: Sendable {
    package var loss = 0.0, cleanLoss = 0.0
    package var correct = 0, cleanCorrect = 0
    package var minMargin = Double.infinity, maxMargin = -Double.infinity

    /// Nothing counted yet.
    package init() {}
}

extension PatchCNN {
    /// `forward` on the m examples of `x` [N × K × D] that start at element `offset`.
    package func forward(_ x: [Float], offset: Int, count m: Int, workspace ws: PatchCNNWorkspace) {
        precondition(
            offset >= 0 && offset + m * ws.K * D <= x.count, "forward: \(m) examples at \(offset) of \(x.count)")
        x.withUnsafeBufferPointer { forward($0.baseAddress! + offset, count: m, workspace: ws) }
    }

    /// `forward` on the windows of the images `indices` of `pixels`, read in place through `windows`.
    package func forward(
        windows: ImageWindows, images indices: some Collection<Int>, pixels: [Float], workspace ws: PatchCNNWorkspace
    ) {
        withRows(windows, images: indices, pixels: pixels) { input in
            forward(input, count: indices.count, workspace: ws)
        }
    }

    /// Forward, loss gradient and backward of the m examples of `x` [N × K × D] starting at
    /// element `offset`, labelled `labels[start..<start + m]`, as chunk of a batch of n examples
    /// (the mean is over n): the gradients go into `gradients`, set exactly to zero without a
    /// backward pass when ∂(mean loss)/∂f is zero for every example. Returns the summed loss and
    /// the number of correct predictions. Non-empty `targets` (a regression model) are the real
    /// targets t of the batch, read like the labels: the loss is then ½(f − t)².
    package func trainChunk(
        _ x: [Float], offset: Int, count m: Int, labels: [Int32], targets: [Float] = [], from start: Int, of n: Int,
        loss: Loss, workspace ws: PatchCNNWorkspace, into gradients: inout PatchCNNParameters<Float>
    ) -> (lossSum: Double, correct: Int) {
        precondition(
            offset >= 0 && offset + m * ws.K * D <= x.count, "trainChunk: \(m) examples at \(offset) of \(x.count)")
        return x.withUnsafeBufferPointer { x in
            trainChunk(
                .dense(x.baseAddress! + offset), count: m, labels: labels, targets: targets, from: start, of: n,
                loss: loss, workspace: ws, into: &gradients)
        }
    }

    /// `trainChunk` on the windows of the images `indices` of `pixels`, read in place through
    /// `windows` (the same bits as on the windows cut out).
    package func trainChunk(
        windows: ImageWindows, images indices: some Collection<Int>, pixels: [Float], labels: [Int32],
        from start: Int, of n: Int, loss: Loss, workspace ws: PatchCNNWorkspace,
        into gradients: inout PatchCNNParameters<Float>
    ) -> (lossSum: Double, correct: Int) {
        withRows(windows, images: indices, pixels: pixels) { input in
            trainChunk(
                input, count: indices.count, labels: labels, targets: [], from: start, of: n, loss: loss,
                workspace: ws, into: &gradients)
        }
    }

    /// Calls `body` with the windows of the images `indices` of `pixels` pointed at by `windows`.
    private func withRows<R>(
        _ windows: ImageWindows, images indices: some Collection<Int>, pixels: [Float], _ body: (PatchRows) -> R
    ) -> R {
        let imageSize = windows.geometry.imageSize
        precondition(
            indices.allSatisfy { $0 >= 0 && ($0 + 1) * imageSize <= pixels.count },
            "PatchCNN: an image index beyond the \(pixels.count / max(1, imageSize)) images")
        return pixels.withUnsafeBufferPointer { px in
            windows.point(at: indices, pixels: px.baseAddress!)
            return body(.windows(rows: UnsafePointer(windows.rows), offsets: UnsafePointer(windows.offsets)))
        }
    }

    private func trainChunk(
        _ input: PatchRows, count m: Int, labels: [Int32], targets: [Float], from start: Int, of n: Int, loss: Loss,
        workspace ws: PatchCNNWorkspace, into gradients: inout PatchCNNParameters<Float>
    ) -> (lossSum: Double, correct: Int) {
        precondition(start >= 0 && start + m <= labels.count, "trainChunk: \(m) labels at \(start) of \(labels.count)")
        precondition(
            targets.isEmpty || start + m <= targets.count, "trainChunk: \(m) targets at \(start) of \(targets.count)")
        forward(input, count: m, workspace: ws)
        let r = labels.withUnsafeBufferPointer { y in
            if targets.isEmpty {
                return lossGradient(labels: y.baseAddress! + start, count: m, loss: loss, workspace: ws, meanOver: n)
            }
            return targets.withUnsafeBufferPointer { t in
                lossGradient(
                    labels: y.baseAddress! + start, targets: t.baseAddress! + start, count: m, loss: loss,
                    workspace: ws, meanOver: n)
            }
        }
        if ws.gradientIsZero {
            // What `backward` would write: every gradient exactly +0.
            gradients.filters.setAll(to: 0)
            gradients.biases.setAll(to: 0)
            gradients.readout.setAll(to: 0)
            gradients.outputBias.setAll(to: 0)
        } else {
            backward(input, count: m, workspace: ws, into: &gradients)
        }
        return r
    }

    /// The number of the `count` examples of pooled features `values` [N × F] (F = G·M) whose
    /// read-out prediction, with only the features `features` contributing (added in that order
    /// to the output bias), equals `labels[n]`.
    package func correctPredictions(pooled values: [Float], count: Int, features: [Int], labels: [Int32]) -> Int {
        let F = regions.count * M
        precondition(
            values.count >= count * F && labels.count >= count && features.allSatisfy { $0 >= 0 && $0 < F },
            "correctPredictions: \(values.count) values for \(count) examples of \(F) features")
        var correct = 0
        var f = [Float](repeating: 0, count: C)
        let bias = outputBias
        readout.withUnsafeBufferPointer { a in
            values.withUnsafeBufferPointer { v in
                features.withUnsafeBufferPointer { qs in
                    f.withUnsafeMutableBufferPointer { f in
                        for n in 0..<count {
                            let vn = v.baseAddress! + n * F
                            for c in 0..<C {
                                let ac = a.baseAddress! + c * F
                                var total: Float = bias.isEmpty ? 0 : bias[c]
                                for q in qs { total += ac[q] * vn[q] }
                                f[c] = total
                            }
                            if predictedLabel(f.baseAddress!, classes: C) == labels[n] { correct += 1 }
                        }
                    }
                }
            }
        }
        return correct
    }
}

extension PatchCNNWorkspace {
    /// The losses, correct predictions and margins of the n examples of the last forward pass,
    /// whose observed and true labels are `observed[start + b]` and `truth[start + b]`; the
    /// sums run over the examples in order. With non-empty `targets` (a regression model) both
    /// losses are ½(f − t)² against `targets[start + b]` and nothing else is counted (no correct
    /// predictions, margins left at ±∞).
    package func tally(
        count n: Int, observed: [Int32], truth: [Int32], targets: [Float] = [], from start: Int, loss: Loss
    ) -> OutputTally {
        precondition(
            n <= capacity && start >= 0 && start + n <= observed.count && start + n <= truth.count,
            "tally: \(n) examples at \(start) of \(observed.count) labels (capacity \(capacity))")
        precondition(targets.isEmpty || start + n <= targets.count, "tally: \(n) targets at \(start)")
        var p = OutputTally()
        if !targets.isEmpty {
            for b in 0..<n {
                let value = Loss.regression(output: Double(outputs[b * C]), target: Double(targets[start + b])).value
                p.loss += value
                p.cleanLoss += value
            }
            return p
        }
        outputs.withUnsafeBufferPointer { f in
            for b in 0..<n {
                let fn = f.baseAddress! + b * C
                let observed = observed[start + b]
                let truth = truth[start + b]
                let predicted = predictedLabel(fn, classes: C)
                if predicted == observed { p.correct += 1 }
                if predicted == truth { p.cleanCorrect += 1 }
                if loss == .crossEntropy {
                    p.loss += Loss.crossEntropy(outputs: fn, classes: C, label: Int(observed), gradient: nil, scale: 1)
                    p.cleanLoss += Loss.crossEntropy(
                        outputs: fn, classes: C, label: Int(truth), gradient: nil, scale: 1)
                } else {
                    let f0 = Double(fn[0])
                    p.loss += loss.binary(output: f0, label: Double(observed)).value
                    p.cleanLoss += loss.binary(output: f0, label: Double(truth)).value
                    let margin = Double(observed) * f0
                    p.minMargin = min(p.minMargin, margin)
                    p.maxMargin = max(p.maxMargin, margin)
                }
            }
        }
        return p
    }
}
