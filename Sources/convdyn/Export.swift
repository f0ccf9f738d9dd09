import ArgumentParser
import Foundation
import Reporting

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's data in another program's format.",
        discussion: ExitStatus.text(failure: "what the subcommand cannot read or write"),
        subcommands: [ExportTensorBoard.self]
    )
}

struct ExportTensorBoard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensorboard",
        abstract: "Write TensorBoard event files for a run, a directory of runs, a sweep or a verify directory.",
        discussion: """
            One event file per run, each in its own subdirectory of the output (a sweep's runs named by \
            their swept values and seed, other runs by their path below PATH), so that \
            `tensorboard --logdir DIR` shows the runs side by side. Each holds every numeric field of \
            metrics.jsonl as a scalar (tag = field name), the filter norms of filters.jsonl as a \
            histogram `filterNorms` per evaluation, an image run's filter pictures (filters/step-*.png) \
            as images `filters`, and config.json as text `config`. Everything is read from the run \
            files; the runs are not changed.
            """ + "\n\n"
                + ExitStatus.text(
                    failure: "a PATH that is not a run, a directory of runs, a sweep or a verify directory, "
                        + "unreadable run files, an output that is not empty (without --overwrite) or cannot be "
                        + "written"))

    @Argument(help: "A run directory, a directory of runs, a sweep or a verify directory.")
    var path: String

    @Option(help: "Where to write the event files (default: PATH/tensorboard).")
    var out: String?

    @Flag(help: "Write into a non-empty output, replacing the event files of the runs exported.")
    var overwrite = false

    func run() throws {
        let destination = out ?? "\(path)/tensorboard"
        let result = try TensorBoardExport.export(
            path, to: destination, overwrite: overwrite, wallTime: Date().timeIntervalSince1970,
            host: ProcessInfo.processInfo.hostName)
        for warning in result.warnings { print("note: \(warning)") }
        for skipped in result.skipped { print("skipped: \(skipped)") }
        print("tensorboard: \(result.files.count) run\(result.files.count == 1 ? "" : "s") → \(destination)")
        print("view with: tensorboard --logdir \(destination)")
    }
}
