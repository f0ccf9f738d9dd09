import Foundation

/// Bytes of an unsigned-byte IDX file with the given dimensions and data.
public func idxBytes(dimensions: [Int], data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for d in dimensions { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes + data
}

/// Writes a small Fashion-MNIST-shaped dataset (raw IDX files) into `directory`: images of
/// `side`×`side` pixels whose class c shows a bright vertical bar at column c·side/10, so the
/// classes are learnable.
public func writeTinyIDXDataset(to directory: String, train: Int, test: Int, side: Int = 12) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var state: UInt64 = 12345
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    for (name, count) in [("train", train), ("t10k", test)] {
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for i in 0..<count {
            let c = i % 10
            labels.append(UInt8(c))
            for y in 0..<side { for x in 0..<side {
                let bar = x == c * side / 10 || x == c * side / 10 + 1
                pixels.append(UInt8(bar ? 200 + Int(next() % 55) : Int(next() % 40)))
                _ = y
            } }
        }
        try Data(idxBytes(dimensions: [count, side, side], data: pixels)).write(to: URL(fileURLWithPath: "\(directory)/\(name)-images-idx3-ubyte"))
        try Data(idxBytes(dimensions: [count], data: labels)).write(to: URL(fileURLWithPath: "\(directory)/\(name)-labels-idx1-ubyte"))
    }
}
