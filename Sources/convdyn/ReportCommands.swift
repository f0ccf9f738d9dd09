import ArgumentParser
import Experiments
import Foundation
import Reporting
import Studies

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html and plots/*.svg for any directory convdyn writes.",
        discussion: """
            PATH is a run directory, a directory of runs (the demo's), a sweep (the same as \
            `convdyn sweep summarize`) or a verify directory (its report.html re-made from verify.json \
            and the runs). Everything is read from the files, so a report can be made at any time, also \
            of runs still in progress. report.html is one self-contained file (inline SVG, no scripts, \
            no network access).
            """ + "\n\n"
                + ExitStatus.text(
                    failure: "a PATH that is none of these, unreadable run files, an output that cannot be written"))

    @Argument(help: "A run, a directory of runs (e.g. runs/demo), a sweep or a verify directory.")
    var path: String

    @Option(help: "Where to write report.html and plots/ (default: PATH; sweeps and verify directories: PATH only).")
    var out: String?

    func run() throws {
        let destination = out ?? path
        if let kind = StudyDirectory.kind(path) {
            if let out, (out as NSString).standardizingPath != (path as NSString).standardizingPath {
                throw ReportOutputError(
                    "--out \(out): the report of a \(kind) is written into its own directory \(path); omit --out")
            }
            switch kind {
            case .sweep:
                let sweep = try SweepDirectory.open(path)
                let missing = try sweep.summarize()
                print(
                    "report: \(path)/report.html (sweep, \(sweep.spec.runCount - missing) of \(sweep.spec.runCount) "
                        + "runs done; sweep_summary.csv, phase.svg, plots/)")
            case .verify:
                let v = try Verifier.rewriteReport(path)
                print(
                    "report: \(path)/report.html (verify, \(v.rows.count) rows; each claim's runs: their report.html)")
            }
            return
        }
        let report = try Report.build(path, destination: destination)
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

/// The directories of many runs that are not plain directories of runs: a sweep (sweep.json) or a
/// verify directory (verify.json).
enum StudyDirectory: String {
    case sweep
    case verify = "verify directory"

    /// The kind of `path`, nil for anything else (a run, a directory of runs, not a directory).
    static func kind(_ path: String) -> StudyDirectory? {
        let fm = FileManager.default
        if fm.fileExists(atPath: "\(path)/sweep.json") { return .sweep }
        if fm.fileExists(atPath: "\(path)/verify.json") { return .verify }
        return nil
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a compact summary of any directory convdyn writes, with sparklines for runs.",
        discussion: """
            A run or a directory of runs: the figures of its model and sparklines. A sweep: its status \
            and one line per grid point (success, median test accuracy, keys learned, median T100). \
            A verify directory: the verdict table.
            """ + "\n\n"
                + ExitStatus.text(failure: "a PATH that is none of these, unreadable run files"))

    @Argument(help: "A run, a directory of runs, a sweep or a verify directory.")
    var path: String

    @Option(help: "Sparkline width in characters.")
    var width = 40

    func validate() throws {
        guard width >= 4 else { throw ValidationError("--width must be ≥ 4, got \(width)") }
    }

    func run() throws {
        switch StudyDirectory.kind(path) {
        case .sweep: print(try SweepDirectory.open(path).showText())
        case .verify:
            let v = try Verification.load(path)
            print(
                "\(path): verification over \(v.seeds) seeds — "
                    + (v.passed ? "every judged row passed" : "at least one judged row failed") + "\n")
            print(v.table)
        case nil: print(try TerminalSummary.render(path, width: width))
        }
    }
}
