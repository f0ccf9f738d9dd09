import Datasets
import Networks
import Tensors
import Testing
import _TestSupport

/// The network's patch scores on images equal a direct 2-D convolution (cross-correlation).
@Suite struct ConvolutionTests {
    @Test(arguments: [(1, 9, 7, 3, 1, 5), (3, 8, 8, 5, 1, 4), (2, 7, 9, 2, 3, 3), (1, 5, 5, 5, 1, 2)])
    func scoresEqualDirectConvolution(_ shape: (Int, Int, Int, Int, Int, Int)) {
        let (channels, h, w, r, stride, M) = shape
        var rng = RandomStream(seed: 9)
        let N = 3
        let pixels = (0..<(N * channels * h * w)).map { _ in Float(rng.nextGaussian()) }
        let set = ImageSet(
            channels: channels, height: h, width: w, pixels: pixels, labels: [0, 1, 2], patchSize: r, stride: stride)
        var net = NetworkConfig()
        net.M = M
        net.readout = .trainable(0.5)
        net.pooling = .mean
        net.activation = .linear
        net.bias = .perFilter
        var network = PatchCNN(config: net, inputDimension: set.D, outputs: 3, using: &rng)
        for j in 0..<M { network.biases[j] = Float(j) * 0.1 }
        var batch = PatchBatch(count: N, K: set.K, D: set.D, keysPerExample: 1)
        set.fill(&batch, with: Array(0..<N)[...])
        let ws = PatchCNNWorkspace(capacity: N, patches: set.K, for: network)
        batch.x.withUnsafeBufferPointer { network.forward($0.baseAddress!, count: N, workspace: ws) }
        var direct = [Float](repeating: 0, count: N * set.K * M)
        for n in 0..<N {
            for oy in 0..<set.outputHeight {
                for ox in 0..<set.outputWidth {
                    for j in 0..<M {
                        var s: Float = network.biases[j]
                        for c in 0..<channels {
                            for dy in 0..<r {
                                for dx in 0..<r {
                                    s +=
                                        network.filters[j * set.D + (c * r + dy) * r + dx]
                                        * pixels[((n * channels + c) * h + oy * stride + dy) * w + ox * stride + dx]
                                }
                            }
                        }
                        direct[(n * set.K + oy * set.outputWidth + ox) * M + j] = s
                    }
                }
            }
        }
        let result = closeness(Array(ws.scores[0..<(N * set.K * M)]), direct, rtol: 1e-5, atol: 1e-5 * Double(set.D))
        #expect(result.isClose, "\(shape): \(result)")
    }
}
