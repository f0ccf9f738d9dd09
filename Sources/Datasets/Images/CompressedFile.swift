import CZlib

/// A problem with a data file: which file, and what is wrong with it.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var problem: String
    public var description: String { "\(file): \(problem)" }
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}

/// Reads a whole file, raw or gzip-compressed (detected from its first bytes), through zlib.
public func readPossiblyCompressed(_ path: String) throws -> [UInt8] {
    guard let file = gzopen(path, "rb") else {
        throw DataFileError(file: path, problem: "cannot be opened (missing or unreadable)")
    }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if n < 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown error"
            gzclose(file)
            throw DataFileError(file: path, problem: "is corrupt or truncated (zlib: \(message))")
        }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<Int(n)])
    }
    let status = gzclose(file)
    if status == Z_BUF_ERROR {
        throw DataFileError(
            file: path, problem: "is a truncated gzip file (it ends in the middle of the compressed stream)")
    }
    guard status == Z_OK else {
        throw DataFileError(file: path, problem: "could not be read completely (zlib status \(status))")
    }
    return out
}

/// Writes bytes gzip-compressed (used by the tests to make small IDX files).
public func writeGzip(_ bytes: [UInt8], to path: String) throws {
    guard let file = gzopen(path, "wb") else { throw DataFileError(file: path, problem: "cannot be created") }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    gzclose(file)
    guard written == Int32(bytes.count) || bytes.isEmpty else {
        throw DataFileError(file: path, problem: "could not be written")
    }
}
