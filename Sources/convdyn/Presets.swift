import ArgumentParser
import Experiments

struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the presets, or print one preset's full config.",
        discussion: ExitStatus.text(failure: nil, usage: "an unknown option or preset"))

    @Argument(help: "A preset name; without it, every preset is listed.")
    var name: PresetName?

    func run() throws {
        guard let name else {
            let width = Preset.all.map(\.name.count).max() ?? 0
            for preset in Preset.all {
                print(preset.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + preset.summary)
            }
            return
        }
        print(name.preset.config.json.prettyText, terminator: "")
    }
}
