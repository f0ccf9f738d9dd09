import ArgumentParser

@main
struct ConvDyn: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convdyn",
        abstract: "Learning dynamics of two-layer convolutional networks on key-pattern data.",
        discussion: """
            Reproduces Yu, Zhang & Zhu (2019): SGD makes some filters align with the key patterns \
            that decide the label, their norms come to dominate, and the network reaches 100% accuracy.
            """,
        version: "0.1.0",
        subcommands: [
            Demo.self, Train.self, Verify.self, Sweep.self, ReportCommand.self, Show.self, Presets.self,
            BenchCommand.self,
        ]
    )
}
