import Foundation

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

    /// Creates (or, with `overwrite`, empties) the directory at `path`.
    ///
    /// Refuses a directory that already holds a run unless `overwrite` is set, so nothing already
    /// written is lost by accident.
    public static func create(at path: String, overwrite: Bool) throws -> RunDirectory {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputError("output path \(path) exists and is not a directory; choose another --out")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            if !contents.isEmpty {
                guard overwrite else {
                    throw OutputError(
                        "output directory \(path) is not empty; choose another --out, "
                            + "or pass --overwrite to replace its run files"
                    )
                }
                for name in RunDirectory.fileNames + [".summary.json.tmp"] where contents.contains(name) {
                    try? fm.removeItem(atPath: "\(path)/\(name)")
                }
            }
        } else {
            try Self.makeDirectories(path)
        }
        guard fm.isWritableFile(atPath: path) else {
            throw OutputError("output directory \(path) is not writable; choose a writable --out")
        }
        return RunDirectory(path: path)
    }

    /// Throws when `path` exists and is not an empty directory (checked again by `create`).
    public static func checkFree(_ path: String) throws {
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

/// Appends newline-terminated lines to a file, each written through at once, so an interrupted
/// run still leaves every line written so far.
final class LineWriter {
    private let handle: FileHandle
    /// The file written.
    let path: String

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw OutputError("cannot create \(path); check free space and permissions")
        }
        self.handle = handle
    }

    /// Appends `line` and a newline.
    func write(_ line: String) throws {
        do { try handle.write(contentsOf: Data((line + "\n").utf8)) } catch {
            throw OutputError("cannot write to \(path): \(RunDirectory.reason(error))")
        }
    }

    deinit { try? handle.close() }
}

/// Writes `text` to `path` through `temporary` (default: `path.tmp`) and a rename, so a reader
/// sees either the old file or the whole new one.
public func writeFileAtomically(_ text: String, to path: String, temporary: String? = nil) throws {
    let temporary = temporary ?? path + ".tmp"
    guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
        throw OutputError("cannot write \(temporary); check free space and permissions")
    }
    guard rename(temporary, path) == 0 else {
        throw OutputError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
    }
}
