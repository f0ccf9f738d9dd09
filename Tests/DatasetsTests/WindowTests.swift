import Datasets
import Tensors
import Testing

/// `cutWindows` copies exactly the pixels of each window, in (channel, row, column) order, and
/// writes nothing past the examples it was given.
@Suite struct WindowTests {
    @Test(arguments: [(1, 28, 28, 5, 1), (3, 9, 7, 3, 2), (2, 12, 11, 9, 1), (1, 6, 6, 1, 1), (1, 8, 8, 8, 1)])
    func windowsAreThePixels(_ shape: (Int, Int, Int, Int, Int)) {
        let (channels, h, w, r, stride) = shape
        var rng = RandomStream(seed: 4)
        let N = 4
        let pixels = (0..<(N * channels * h * w)).map { _ in Float(rng.nextGaussian()) }
        let set = ImageSet(
            channels: channels, height: h, width: w, pixels: pixels, labels: [0, 1, 2, 3], patchSize: r, stride: stride)
        // The last image of the buffer first, so its edge is read for a window that is not last.
        let order = [3, 0, 2]
        let size = set.K * set.D
        var x = [Float](repeating: .infinity, count: (order.count + 1) * size)
        set.cutWindows(of: order[...], into: &x)
        var expected = [Float](repeating: .infinity, count: x.count)
        for (b, image) in order.enumerated() {
            for oy in 0..<set.outputHeight {
                for ox in 0..<set.outputWidth {
                    for c in 0..<channels {
                        for dy in 0..<r {
                            for dx in 0..<r {
                                let k = oy * set.outputWidth + ox
                                expected[b * size + k * set.D + (c * r + dy) * r + dx] =
                                    pixels[((image * channels + c) * h + oy * stride + dy) * w + ox * stride + dx]
                            }
                        }
                    }
                }
            }
        }
        #expect(x.map(\.bitPattern) == expected.map(\.bitPattern), "\(shape)")
    }
}
