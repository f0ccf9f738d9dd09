import Foundation
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

/// The limits on what a data file may declare, checked from its header before its payload is read.
public enum DataFileLimits {
    /// Memory per pixel while images load: the byte read, the byte copied by the class filter, and
    /// the 4-byte float the model reads.
    public static let bytesPerPixelLoaded = 6
    /// The memory loaded images may take: min(8 GiB, physical memory). 8 GiB is the bound on any
    /// data set (2³¹ float32 values, as for `data`, `PatchDataConfig`).
    public static var memoryBound: Int { min(8 << 30, Int(clamping: ProcessInfo.processInfo.physicalMemory)) }
    /// The most pixels (bytes) one IDX file may declare: `memoryBound` / 6, so that its images fit
    /// that memory while they load.
    public static var maxPixelsPerFile: Int { memoryBound / bytesPerPixelLoaded }
    /// Bytes counted after a declared payload before a message says "more than".
    static let trailingCountLimit = 1 << 20
}

/// A data file read in order through `DataFileStream` (raw or gzip), with its failures as
/// `DataFileError`s naming the path.
final class DataFile {
    let path: String
    private let stream: DataFileStream

    /// Opens `path`; throws when it cannot be opened or read.
    init(_ path: String) throws {
        self.path = path
        do { stream = try DataFileStream(path: path) } catch { throw DataFile.describe(error, path: path) }
    }

    /// Whether it is gzip-compressed.
    var isCompressed: Bool { stream.isCompressed }
    /// Its size when it is a raw regular file (then the size can be checked before reading).
    var rawSize: Int? { stream.isCompressed ? nil : stream.regularFileSize }

    /// Up to `count` bytes, fewer only when the file ends first.
    func read(upTo count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        // A raw file's size bounds what can arrive; a compressed file's content grows as it arrives.
        bytes.reserveCapacity(min(count, rawSize ?? 1 << 20))
        do { try stream.read(count, appendingTo: &bytes) } catch { throw DataFile.describe(error, path: path) }
        return bytes
    }

    /// How many bytes follow what was read: 0, the count, or `DataFileLimits.trailingCountLimit` + 1
    /// for "more than that". A gzip file is checked to its end (CRC, length, nothing after it).
    func remainingBytes() throws -> Int {
        do { return try stream.skipRest(limit: DataFileLimits.trailingCountLimit) } catch {
            throw DataFile.describe(error, path: path)
        }
    }

    /// "N bytes" or "more than N bytes" for a count from `remainingBytes()`.
    static func describeCount(_ n: Int) -> String {
        n > DataFileLimits.trailingCountLimit ? "more than \(DataFileLimits.trailingCountLimit) bytes" : "\(n) bytes"
    }

    static func describe(_ error: any Error, path: String) -> any Error {
        guard let failure = error as? DataStreamFailure else { return error }
        switch failure {
        case .cannotOpen(let reason):
            return DataFileError(file: path, problem: "cannot be opened (\(reason))")
        case .cannotRead(let reason):
            return DataFileError(file: path, problem: "cannot be read (\(reason))")
        case .corrupt(let message):
            return DataFileError(file: path, problem: "is a corrupt gzip file (zlib: \(message))")
        case .truncated:
            return DataFileError(
                file: path, problem: "is a truncated gzip file (it ends in the middle of the compressed stream)")
        case .trailingGarbage(let bytes, let more):
            return DataFileError(
                file: path,
                problem:
                    "has \(more ? "more than " : "")\(bytes) bytes after the end of its gzip stream "
                    + "that are not another gzip member")
        }
    }
}

/// Writes bytes gzip-compressed (used by the tests to make small IDX files).
package func writeGzip(_ bytes: [UInt8], to path: String) throws {
    let result = gzipWriteFile(bytes, to: path)
    guard result.created else { throw DataFileError(file: path, problem: "cannot be created") }
    guard result.written else { throw DataFileError(file: path, problem: "could not be written") }
}
