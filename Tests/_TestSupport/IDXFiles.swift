import Foundation

/// Bytes of an unsigned-byte IDX file with the given dimensions and data.
public func idxBytes(dimensions: [Int], data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for d in dimensions {
        bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]
    }
    return bytes + data
}

/// Writes a small Fashion-MNIST-shaped dataset (raw IDX files) into `directory`: images of
/// `side`×`side` pixels of faint noise with, at a random place, a bright 3×3 motif that is
/// fixed for each of the ten classes — learnable by a convolution with global pooling.
public func writeTinyIDXDataset(to directory: String, train: Int, test: Int, side: Int = 12) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var state: UInt64 = 12345
    func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(state >> 33)
    }
    // Ten distinct 3×3 motifs with four to six cells lit.
    let motifs: [[Bool]] = [
        [true, true, true, false, false, false, false, false, false],
        [false, false, false, false, false, false, true, true, true],
        [true, false, false, true, false, false, true, false, false],
        [false, false, true, false, false, true, false, false, true],
        [true, false, false, false, true, false, false, false, true],
        [false, false, true, false, true, false, true, false, false],
        [false, true, false, true, true, true, false, true, false],
        [true, false, true, false, false, false, true, false, true],
        [true, true, false, true, true, false, false, false, false],
        [false, false, false, false, true, true, false, true, true],
    ]
    for (name, count) in [("train", train), ("t10k", test)] {
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count {
            let c = i % 10
            labels.append(UInt8(c))
            var image = (0..<(side * side)).map { _ in UInt8(next() % 30) }
            let x0 = next() % (side - 2)
            let y0 = next() % (side - 2)
            for k in 0..<9 where motifs[c][k] { image[(y0 + k / 3) * side + x0 + k % 3] = UInt8(220 + next() % 35) }
            pixels += image
        }
        try Data(idxBytes(dimensions: [count, side, side], data: pixels)).write(
            to: URL(fileURLWithPath: "\(directory)/\(name)-images-idx3-ubyte"))
        try Data(idxBytes(dimensions: [count], data: labels)).write(
            to: URL(fileURLWithPath: "\(directory)/\(name)-labels-idx1-ubyte"))
    }
}
