import ArgumentParser
import Experiments
import Foundation
import Reporting

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html and plots/*.svg for a run directory or a directory of runs.",
        discussion: """
            Everything is read from the files of the run directories, so a report can be made at any \
            time, also of a run still in progress. report.html is one self-contained file (inline SVG, \
            no scripts, no network access).
            """ + "\n\n"
                + ExitStatus.text(
                    failure: "a PATH that is not a run or a directory of runs, unreadable run files, an output that "
                        + "cannot be written"))

    @Argument(help: "A run directory, or a directory whose subdirectories are runs (e.g. runs/demo).")
    var path: String

    @Option(help: "Where to write report.html and plots/ (default: PATH).")
    var out: String?

    func run() throws {
        let destination = out ?? path
        let report = try Report.build(path)
        try Self.checkWritable(destination, option: out == nil ? "PATH" : "--out")
        let written = try report.write(to: destination)
        for note in report.notes { print("note: \(note)") }
        print("report: \(written) (\(report.plots.count) plots)")
    }
}

extension ReportCommand {
    /// Creates `directory` for the report unless it exists; throws one line naming the path, why it
    /// cannot be used and the fix: the nearest part of the path that exists must be a directory this
    /// process may write to.
    static func checkWritable(_ directory: String, option: String) throws {
        let fm = FileManager.default
        var existing = directory
        var isDirectory: ObjCBool = false
        while !fm.fileExists(atPath: existing, isDirectory: &isDirectory) {
            let parent = (existing as NSString).deletingLastPathComponent
            guard parent != existing else { break }
            existing = parent.isEmpty ? "." : parent
        }
        let fix = "the report needs a directory for report.html and plots/: choose another --out"
        if !isDirectory.boolValue {
            let what =
                existing == directory ? "is not a directory" : "cannot be created: \(existing) is not a directory"
            throw ReportOutputError("\(option) \(directory) \(what); \(fix)")
        }
        guard fm.isWritableFile(atPath: existing) else {
            throw ReportOutputError(
                "\(option) \(directory) is not writable (\(existing) does not allow writing); \(fix)")
        }
        // Created here, part by part, so that the reason a part cannot be made is the system's own.
        var made = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            made += "/\(part)"
            if mkdir(made, 0o777) != 0 && errno != EEXIST {
                let reason = String(cString: strerror(errno))
                throw ReportOutputError("\(option) \(directory) cannot be created (\(made): \(reason)); \(fix)")
            }
        }
    }
}

/// An output path of `report` that cannot be used, said in one line.
struct ReportOutputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a compact summary of a run or a directory of runs, with sparklines.",
        discussion: ExitStatus.text(failure: "a PATH that is not a run or a directory of runs, unreadable run files"))

    @Argument(help: "A run directory, or a directory whose subdirectories are runs.")
    var path: String

    @Option(help: "Sparkline width in characters.")
    var width = 40

    func validate() throws {
        guard width >= 4 else { throw ValidationError("--width must be ≥ 4, got \(width)") }
    }

    func run() throws {
        print(try TerminalSummary.render(path, width: width))
    }
}
