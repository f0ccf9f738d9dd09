import ArgumentParser
import Experiments
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
        let report = try Report.build(path)
        let written = try report.write(to: out ?? path)
        for note in report.notes { print("note: \(note)") }
        print("report: \(written) (\(report.plots.count) plots)")
    }
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
