import Foundation
import Tensors

/// A problem with the output location, with what to do about it.
public struct OutputError: Error, CustomStringConvertible, Equatable {
    /// What failed and what to do about it, shown to the user as it is.
    public var message: String
    public var description: String { message }
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
}

/// The directory a run writes: `config.json`, `provenance.json`, `metrics.jsonl`, `filters.jsonl`
/// and, last, `summary.json`.
public struct RunDirectory: Sendable {
    /// The directory's path as given to `create(at:overwrite:)`, relative or absolute.
    public let path: String
    /// The exclusive lock held on the directory while this process writes it (nil for a
    /// directory only read).
    let lock: DirectoryLock?

    init(path: String, lock: DirectoryLock? = nil) {
        self.path = path
        self.lock = lock
    }

    /// The longest `--out` path accepted (Linux's PATH_MAX less room for the file names inside).
    static let maxPathBytes = 3_900

    /// Creates (or, with `overwrite`, empties) the directory at `path`.
    ///
    /// Refuses a directory that already holds a run unless `overwrite` is set, so nothing already
    /// written is lost by accident.
    /// The directory is locked (`flock`, exclusive) before anything in it is checked or removed,
    /// and stays locked while the returned value lives: a second process writing the same
    /// directory — a second `train --out`, with or without `--overwrite` — is refused instead of
    /// mixing two runs' files.
    public static func create(at path: String, overwrite: Bool) throws -> RunDirectory {
        try checkPath(path)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let existed = fm.fileExists(atPath: path, isDirectory: &isDirectory)
        if existed, !isDirectory.boolValue {
            throw OutputError("output path \(path) exists and is not a directory; choose another --out")
        }
        if !existed { try Self.makeDirectories(path) }
        let lock = try DirectoryLock(path)
        let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        if !contents.isEmpty {
            guard overwrite else {
                throw OutputError(
                    "output directory \(path) is not empty; choose another --out, "
                        + "or pass --overwrite to replace its run files"
                )
            }
            try removeRunFiles(path, contents: contents)
        }
        guard fm.isWritableFile(atPath: path) else {
            throw OutputError("output directory \(path) is not writable; choose a writable --out")
        }
        return RunDirectory(path: path, lock: lock)
    }

    /// Refuses an empty `--out`, or one too long for the file system (before any directory of it
    /// is made, so nothing is left behind).
    static func checkPath(_ path: String) throws {
        guard !path.isEmpty else { throw OutputError("the output path is empty; give --out a directory name") }
        let bytes = path.utf8.count
        guard bytes <= maxPathBytes else {
            throw OutputError(
                "the output path (\(bytes) bytes, starting \(path.prefix(40))…) is longer than the "
                    + "\(maxPathBytes) bytes a run directory may have; choose a shorter --out")
        }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > 255 }) {
            throw OutputError(
                "a name in the output path is \(long.utf8.count) bytes long (starting \(long.prefix(40))…), "
                    + "more than the 255 a file system allows; choose a shorter --out")
        }
    }

    /// Throws when `path` exists and is not an empty directory (checked again by `create`).
    public static func checkFree(_ path: String) throws {
        try checkPath(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw OutputError("output path \(path) exists and is not a directory; choose another --out")
        }
        if !((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).isEmpty {
            throw OutputError(
                "output directory \(path) is not empty; choose another --out, "
                    + "or pass --overwrite to replace its run files"
            )
        }
    }

    /// The files a run writes.
    static let fileNames = [
        "config.json", "provenance.json", "metrics.jsonl", "filters.jsonl", "summary.json",
        "selectivity.json", "top-patches.json", "top-patches.png",
    ]

    /// Everything else convdyn writes into a run directory: the report, a sweep's markers.
    static let otherFileNames = ["report.html", ".running", ".failed"]

    /// The folders convdyn writes into a run directory, with the files each may hold: the image
    /// runs' filter pictures and the report's plots.
    static let folders: [(name: String, holds: @Sendable (String) -> Bool)] = [
        ("filters", { $0.hasPrefix("step-") && ($0.hasSuffix(".png") || $0.hasSuffix(".png.tmp")) }),
        ("plots", { $0.hasSuffix(".svg") || $0.hasSuffix(".svg.tmp") }),
    ]

    /// Whether `name`, directly in a run directory, is a file convdyn writes there (or its
    /// temporary, `.NAME.tmp` or `NAME.tmp`).
    static func isRunFile(_ name: String) -> Bool {
        let known = fileNames + otherFileNames
        if known.contains(name) { return true }
        return known.contains { name == ".\($0).tmp" || name == "\($0).tmp" }
    }

    /// The entries of the run directory `path` (holding `contents`) that convdyn did not write:
    /// paths relative to it, at most `limit`.
    static func foreignEntries(_ path: String, contents: [String], limit: Int = 3) -> [String] {
        let fm = FileManager.default
        var foreign: [String] = []
        for name in contents.sorted() where foreign.count < limit {
            var isDirectory: ObjCBool = false
            _ = fm.fileExists(atPath: "\(path)/\(name)", isDirectory: &isDirectory)
            if let folder = folders.first(where: { $0.name == name }), isDirectory.boolValue {
                let inside = (try? fm.contentsOfDirectory(atPath: "\(path)/\(name)")) ?? []
                foreign += inside.sorted().filter { !folder.holds($0) }.prefix(limit - foreign.count)
                    .map { "\(name)/\($0)" }
            } else if !isRunFile(name) || isDirectory.boolValue {
                foreign.append(name)
            }
        }
        return foreign
    }

    /// Removes every file a previous run (and its report) wrote into `path`, after checking that it
    /// holds nothing else: a directory with other files is refused, not wiped.
    static func removeRunFiles(_ path: String, contents: [String]) throws {
        let foreign = foreignEntries(path, contents: contents)
        guard foreign.isEmpty else {
            throw OutputError(
                "output directory \(path) holds files convdyn did not write (\(foreign.joined(separator: ", "))); "
                    + "--overwrite only replaces a run directory's own files: move them, or choose another --out")
        }
        let fm = FileManager.default
        for name in contents {
            do { try fm.removeItem(atPath: "\(path)/\(name)") } catch {
                throw OutputError("cannot remove \(path)/\(name) for --overwrite: \(reason(error))")
            }
        }
    }

    /// Throws, removing nothing, when `path` is a non-empty directory that `create(at:overwrite:
    /// true)` would refuse to empty (it holds files convdyn did not write).
    public static func checkOverwritable(_ path: String) throws {
        try checkPath(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw OutputError("output path \(path) exists and is not a directory; choose another --out")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let foreign = foreignEntries(path, contents: contents)
        guard foreign.isEmpty else {
            throw OutputError(
                "output directory \(path) holds files convdyn did not write (\(foreign.joined(separator: ", "))); "
                    + "--overwrite only replaces a run directory's own files: move them, or choose another --out")
        }
    }

    /// The path of the file `name` inside the directory.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `text` to `name` through a temporary file and a rename, so readers never see half of it.
    func writeAtomically(_ name: String, _ text: String) throws {
        try writeFileAtomically(text, to: file(name), temporary: file(".\(name).tmp"))
    }

    /// Opens `name` for appending lines, creating it empty.
    func lineWriter(_ name: String) throws -> LineWriter {
        try LineWriter(path: file(name))
    }

    /// `mkdir -p`, reporting the system's reason for the first component that fails.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OutputError(
                    "cannot create output directory \(path): \(String(cString: strerror(errno))) (at \(prefix)); "
                        + "choose a writable --out"
                )
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// An exclusive `flock` on a directory, released when the value is freed (or the process ends,
/// however it ends: the kernel drops the lock with the descriptor).
final class DirectoryLock: Sendable {
    private let fd: Int32

    /// Locks `path` or throws naming the other process's hold.
    init(_ path: String) throws {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw OutputError("cannot open output directory \(path): \(systemReason(errno)); choose another --out")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = systemReason(errno)
            close(fd)
            throw OutputError(
                busy
                    ? "output directory \(path) is being written by another convdyn process; wait for it to "
                        + "finish, or choose another --out"
                    : "cannot lock output directory \(path): \(reason); choose another --out")
        }
    }

    deinit { close(fd) }
}

/// Appends newline-terminated lines to a file, each with one `write` of the whole line: a write
/// cut short (a full disk) is rolled back to the last whole line, so the file only ever holds whole
/// lines, and an interrupted run still leaves every line written so far.
final class LineWriter {
    private let fd: Int32
    /// The file written.
    let path: String
    /// Bytes of whole lines written.
    private var length: off_t = 0
    /// `writeBytes` (one `write(2)`), or a stand-in that tests use to cut writes short.
    private let writeLine: @Sendable (Int32, ArraySlice<UInt8>) -> Int

    init(
        path: String,
        write: @escaping @Sendable (Int32, ArraySlice<UInt8>) -> Int = { writeBytes($0, $1) }
    )
        throws
    {
        self.path = path
        writeLine = write
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputError("cannot create \(path): \(systemReason(errno)); check free space and permissions")
        }
    }

    /// Appends `line` and (unless `newline` is false) a newline in one write; on a short or failed
    /// write, truncates the file back to its last whole line and throws.
    func write(_ line: String, newline: Bool = true) throws {
        let bytes = Array((newline ? line + "\n" : line).utf8)
        let n = writeLine(fd, bytes[...])
        guard n != bytes.count else {
            length += off_t(n)
            return
        }
        // A short write (or one of 0 bytes) means the disk filled up; it is rolled back rather than
        // completed, since another write could stop halfway too.
        let failure = n < 0 ? errno : ENOSPC
        _ = ftruncate(fd, length)
        _ = lseek(fd, length, SEEK_SET)
        throw OutputError(
            "cannot write to \(path): \(systemReason(failure)); it keeps only its whole lines (\(length) bytes); "
                + "free some space and rerun")
    }

    /// When the last `synchronize` flushed the file (uptime nanoseconds).
    private var lastFlush: UInt64 = 0

    /// Flushes the lines written so far to the disk (`fsync`) when the last flush is at least
    /// `interval` seconds old (always with 0). An fsync per evaluation would cost ≈ 1 ms each, half
    /// again a kp-bench run's time; once a second bounds what a power cut can lose.
    func synchronize(every interval: Double = 0) throws {
        let now = DispatchTime.now().uptimeNanoseconds
        guard interval <= 0 || Double(now &- lastFlush) * 1e-9 >= interval else { return }
        lastFlush = now
        guard fsync(fd) == 0 else {
            let reason = errno
            // Some file systems (pipes, special files) cannot sync; only a real failure stops the run.
            if reason == EINVAL || reason == EROFS { return }
            throw OutputError("cannot flush \(path) to disk: \(systemReason(reason)); free some space and rerun")
        }
    }

    deinit { close(fd) }
}

/// The system's text for `code`, with a plain "disk full" for ENOSPC and EDQUOT.
func systemReason(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return code == ENOSPC || code == EDQUOT ? "disk full (\(text))" : text
}

/// Writes `text` to `path` through `temporary` (default: `path.tmp`) and a rename, so a reader
/// sees either the old file or the whole new one.
public func writeFileAtomically(_ text: String, to path: String, temporary: String? = nil) throws {
    let temporary = temporary ?? path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw OutputError("cannot write \(path): \(systemReason(errno)) (creating \(temporary))")
    }
    let bytes = Array(text.utf8)
    var done = 0
    var failure: Int32 = 0
    while done < bytes.count && failure == 0 {
        let n = writeBytes(fd, bytes[done...])
        if n > 0 {
            done += n
        } else {
            failure = n == 0 ? ENOSPC : errno
        }
    }
    // The contents are on the disk before the rename makes them the file's.
    if failure == 0 && fsync(fd) != 0 && errno != EINVAL && errno != EROFS { failure = errno }
    close(fd)
    guard failure == 0 else {
        unlink(temporary)
        throw OutputError("cannot write \(path): \(systemReason(failure)); free some space and rerun")
    }
    guard rename(temporary, path) == 0 else {
        let reason = errno
        unlink(temporary)
        throw OutputError("cannot rename \(temporary) to \(path): \(String(cString: strerror(reason)))")
    }
}
