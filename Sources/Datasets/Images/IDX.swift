/// The MNIST IDX format (MNIST, Fashion-MNIST, KMNIST, EMNIST): a 4-byte magic number 0x0000TTNN
/// (TT = 0x08 for unsigned bytes, NN dimensions), NN big-endian 32-bit sizes, then the data.
public enum IDX {
    /// Unsigned-byte images [N × rows × cols] from an IDX3 file (raw or gzip).
    public static func readImages(_ path: String) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        let (dims, data) = try read(path, expectedDimensions: 3, kind: "images (IDX3)")
        guard dims[1] > 0, dims[2] > 0 else {
            throw DataFileError(
                file: path, problem: "has images of size \(dims[1])×\(dims[2]); both sides must be positive")
        }
        return (dims[0], dims[1], dims[2], data)
    }

    /// Unsigned-byte labels [N] from an IDX1 file (raw or gzip).
    public static func readLabels(_ path: String) throws -> [UInt8] {
        try read(path, expectedDimensions: 1, kind: "labels (IDX1)").data
    }

    static func read(_ path: String, expectedDimensions: Int, kind: String) throws -> (dims: [Int], data: [UInt8]) {
        let bytes = try readPossiblyCompressed(path)
        guard bytes.count >= 4 else {
            throw DataFileError(file: path, problem: "is too short (\(bytes.count) bytes) to be an IDX file")
        }
        let magic = bytes[0..<4].map { String(format2: $0) }.joined()
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            throw DataFileError(
                file: path,
                problem:
                    "has magic number 0x\(magic), not an unsigned-byte IDX file (0x000008NN); is it the right file?")
        }
        let nd = Int(bytes[3])
        guard nd == expectedDimensions else {
            throw DataFileError(
                file: path,
                problem:
                    "has magic number 0x\(magic) with \(nd) dimensions, expected \(kind) with \(expectedDimensions); "
                    + "are the images and labels files swapped?"
            )
        }
        let header = 4 + 4 * nd
        guard bytes.count >= header else { throw DataFileError(file: path, problem: "is truncated inside its header") }
        var dims: [Int] = []
        for d in 0..<nd {
            let o = 4 + 4 * d
            dims.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        let expected = dims.reduce(1, *)
        let actual = bytes.count - header
        guard actual == expected else {
            throw DataFileError(
                file: path,
                problem: actual < expected
                    ? "is truncated: the header promises \(dims.map(String.init).joined(separator: "×")) = "
                        + "\(expected) bytes of data, the file holds \(actual)"
                    : "has \(actual - expected) bytes after the \(expected) bytes its header describes")
        }
        return (dims, Array(bytes[header...]))
    }
}

/// The CIFAR-10 binary format: records of 1 label byte (0…9) and 3072 pixel bytes (32×32 red,
/// then green, then blue, row by row).
public enum CIFAR10 {
    /// Bytes per record: one label and 32×32×3 pixels.
    public static let recordSize = 1 + 3 * 32 * 32

    /// The labels [N] and pixels [N × 3072] of the batch file at `path` (raw or gzip); throws a `DataFileError` for a
    /// truncated or malformed file.
    public static func readBatch(_ path: String) throws -> (labels: [UInt8], pixels: [UInt8]) {
        let bytes = try readPossiblyCompressed(path)
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw DataFileError(
                file: path,
                problem:
                    "holds \(bytes.count) bytes, not a whole number of \(recordSize)-byte CIFAR-10 records "
                    + "(truncated, or not a CIFAR-10 binary batch)"
            )
        }
        let n = bytes.count / recordSize
        var labels = [UInt8](repeating: 0, count: n)
        var pixels = [UInt8](repeating: 0, count: n * (recordSize - 1))
        for i in 0..<n {
            let label = bytes[i * recordSize]
            guard label < 10 else {
                throw DataFileError(
                    file: path,
                    problem:
                        "record \(i) has label \(label); CIFAR-10 labels are 0…9 (is this the CIFAR-100 format?)")
            }
            labels[i] = label
            for k in 0..<(recordSize - 1) { pixels[i * (recordSize - 1) + k] = bytes[i * recordSize + 1 + k] }
        }
        return (labels, pixels)
    }
}

extension String {
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = hex.count == 1 ? "0" + hex : hex
    }
}
