/// The MNIST IDX format (MNIST, Fashion-MNIST, KMNIST, EMNIST): a 4-byte magic number 0x0000TTNN
/// (TT = 0x08 for unsigned bytes, NN dimensions), NN big-endian 32-bit sizes, then the data.
public enum IDX {
    /// Unsigned-byte images [N × rows × cols] from an IDX3 file (raw or gzip); `checkSize(rows, cols)`
    /// may refuse the image size from the header, before the pixels are read.
    public static func readImages(
        _ path: String, checkSize: (_ rows: Int, _ cols: Int) throws -> Void = { _, _ in }
    ) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
        let (dims, data) = try read(path, expectedDimensions: 3, kind: "images (IDX3)", items: "images") { dims in
            try checkSize(dims[1], dims[2])
        }
        return (dims[0], dims[1], dims[2], data)
    }

    /// Unsigned-byte labels [N] from an IDX1 file (raw or gzip).
    public static func readLabels(_ path: String) throws -> [UInt8] {
        try read(path, expectedDimensions: 1, kind: "labels (IDX1)", items: "labels").data
    }

    /// The dimensions and data of the IDX file at `path`. The header is read and checked first
    /// (magic, rank, every dimension, their product against `DataFileLimits.maxPixelsPerFile`);
    /// then exactly the declared bytes are read, and nothing may follow them.
    static func read(
        _ path: String, expectedDimensions: Int, kind: String, items: String,
        checkHeader: ([Int]) throws -> Void = { _ in }
    ) throws -> (dims: [Int], data: [UInt8]) {
        func fail(_ problem: String) -> DataFileError { DataFileError(file: path, problem: problem) }
        let file = try DataFile(path)
        let head = try file.read(upTo: 4)
        guard head.count == 4 else { throw fail("is too short (\(head.count) bytes) to be an IDX file") }
        let magic = head.map { String(format2: $0) }.joined()
        guard head[0] == 0, head[1] == 0, head[2] == 0x08 else {
            throw fail("has magic number 0x\(magic), not an unsigned-byte IDX file (0x000008NN); is it the right file?")
        }
        let nd = Int(head[3])
        guard nd == expectedDimensions else {
            throw fail(
                "has magic number 0x\(magic) with \(nd) dimensions, expected \(kind) with \(expectedDimensions); "
                    + "are the images and labels files swapped?")
        }
        let header = 4 + 4 * nd
        let sizes = try file.read(upTo: 4 * nd)
        guard sizes.count == 4 * nd else {
            throw fail("is truncated inside its header (\(4 + sizes.count) of \(header) bytes)")
        }
        let dims = (0..<nd).map { d in
            sizes[4 * d..<4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        let shape = dims.map(String.init).joined(separator: "×")
        guard dims[0] > 0 else { throw fail("holds no \(items) (its header declares 0)") }
        if nd == 3 && (dims[1] == 0 || dims[2] == 0) {
            throw fail("has images of size \(dims[1])×\(dims[2]); both sides must be positive")
        }
        var payload = 1
        for d in dims {
            let (product, overflow) = payload.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw fail(
                    "declares \(shape) bytes of data, a size beyond 64-bit arithmetic; "
                        + "a data file may hold at most \(DataFileLimits.maxPixelsPerFile) bytes")
            }
            payload = product
        }
        guard payload <= DataFileLimits.maxPixelsPerFile else {
            throw fail(
                "declares \(shape) = \(payload) bytes of data, more than the \(DataFileLimits.maxPixelsPerFile) "
                    + "a data file may hold (min(8 GiB, physical memory) / \(DataFileLimits.bytesPerPixelLoaded): "
                    + "images take \(DataFileLimits.bytesPerPixelLoaded) bytes a pixel while they load)")
        }
        try checkHeader(dims)
        func truncated(_ held: Int) -> DataFileError {
            fail("is truncated: the header promises \(shape) = \(payload) bytes of data, the file holds \(held)")
        }
        func trailing(_ count: String) -> DataFileError {
            fail("has \(count) after the \(dims[0]) \(items) its header declares (\(shape) = \(payload) bytes)")
        }
        // A raw file's size tells both before anything is read.
        if let size = file.rawSize {
            if size < header + payload { throw truncated(size - header) }
            if size > header + payload { throw trailing("\(size - header - payload) bytes") }
        }
        let data = try file.read(upTo: payload)
        guard data.count == payload else { throw truncated(data.count) }
        let rest = try file.remainingBytes()
        guard rest == 0 else { throw trailing(DataFile.describeCount(rest)) }
        return (dims, data)
    }
}

/// The CIFAR-10 binary format: records of 1 label byte (0…9) and 3072 pixel bytes (32×32 red,
/// then green, then blue, row by row).
public enum CIFAR10 {
    /// Bytes per record: one label and 32×32×3 pixels.
    public static let recordSize = 1 + 3 * 32 * 32

    /// Records in a CIFAR-10 batch file, and the most one may hold: the format has no header, so
    /// this bound is what stops the reader of an endless file.
    public static let recordsPerBatch = 10000

    /// The labels [N] and pixels [N × 3072] of the batch file at `path` (raw or gzip), 1 ≤ N ≤ 10000;
    /// throws a `DataFileError` for a truncated or malformed file.
    public static func readBatch(_ path: String) throws -> (labels: [UInt8], pixels: [UInt8]) {
        func fail(_ problem: String) -> DataFileError { DataFileError(file: path, problem: problem) }
        let file = try DataFile(path)
        let limit = recordsPerBatch * recordSize
        func notWhole(_ size: Int) -> DataFileError {
            fail(
                "holds \(size) bytes, not a whole number of \(recordSize)-byte CIFAR-10 records "
                    + "(truncated, or not a CIFAR-10 binary batch)")
        }
        let tooLong = fail(
            "holds more than \(recordsPerBatch) records (\(limit) bytes), the most a CIFAR-10 batch holds; "
                + "is it a CIFAR-10 binary batch?")
        // A raw file's size tells before anything is read.
        if let size = file.rawSize {
            if size > limit { throw tooLong }
            if size % recordSize != 0 { throw notWhole(size) }
        }
        let bytes = try file.read(upTo: limit + 1)
        guard bytes.count <= limit else { throw tooLong }
        guard !bytes.isEmpty else { throw fail("holds no images (0 bytes)") }
        guard bytes.count % recordSize == 0 else { throw notWhole(bytes.count) }
        let n = bytes.count / recordSize
        var labels = [UInt8](repeating: 0, count: n)
        var pixels = [UInt8](repeating: 0, count: n * (recordSize - 1))
        for i in 0..<n {
            let label = bytes[i * recordSize]
            guard label < 10 else {
                throw fail("record \(i) has label \(label); CIFAR-10 labels are 0…9 (is this the CIFAR-100 format?)")
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
