import Tensors

/// A problem with a data file: which file, and what is wrong with it.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    /// The file's path (or the directory, or the dataset's name).
    public var file: String
    /// What is wrong, as a sentence fragment after the path.
    public var problem: String
    /// "file: problem".
    public var description: String { "\(file): \(problem)" }
    /// An error for `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
}

/// Reads a whole file, raw or gzip-compressed (detected from its first bytes), through zlib.
public func readPossiblyCompressed(_ path: String) throws -> [UInt8] {
    switch gzipReadFile(path) {
    case .success(let bytes): return bytes
    case .failure(.cannotOpen):
        throw DataFileError(file: path, problem: "cannot be opened (missing or unreadable)")
    case .failure(.corrupt(let message)):
        throw DataFileError(file: path, problem: "is corrupt or truncated (zlib: \(message))")
    case .failure(.truncated):
        throw DataFileError(
            file: path, problem: "is a truncated gzip file (it ends in the middle of the compressed stream)")
    case .failure(.incomplete(let status)):
        throw DataFileError(file: path, problem: "could not be read completely (zlib status \(status))")
    }
}

/// Writes bytes gzip-compressed (used by the tests to make small IDX files).
package func writeGzip(_ bytes: [UInt8], to path: String) throws {
    let result = gzipWriteFile(bytes, to: path)
    guard result.created else { throw DataFileError(file: path, problem: "cannot be created") }
    guard result.written else { throw DataFileError(file: path, problem: "could not be written") }
}
