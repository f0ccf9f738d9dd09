import ArgumentParser
import Reporting

@main
struct ConvDyn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convdyn",
        abstract: "Learning dynamics of two-layer convolutional networks on key-pattern data.",
        discussion: """
            Reproduces Yu, Zhang & Zhu (2019): SGD makes some filters align with the key patterns \
            that decide the label, their norms come to dominate, and the network reaches 100% accuracy.

            Exit status: 0 on success; 1 when a file, directory or run cannot be used (a config or sweep \
            spec that cannot be read or is invalid, an --out that is not empty or not writable, missing \
            data, a failed run) and when `verify` finds a claim that fails; 64 for a malformed command \
            line (an unknown option, subcommand or choice, a value out of range, a --set that does not \
            make a valid config).
            """,
        version: convdynVersion,
        subcommands: [
            Demo.self, Train.self, Verify.self, Sweep.self, ReportCommand.self, Show.self, Presets.self,
            BenchCommand.self, Export.self,
        ]
    )
}
