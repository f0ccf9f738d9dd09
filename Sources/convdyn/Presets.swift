import ArgumentParser
import Experiments

struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the presets, or print one preset's full config.")

    @Argument(help: "A preset name; without it, every preset is listed.")
    var name: String?

    func run() throws {
        guard let name else {
            let width = Preset.all.map(\.name.count).max() ?? 0
            for preset in Preset.all {
                print(preset.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + preset.summary)
            }
            return
        }
        guard let preset = Preset.named(name) else {
            throw ConfigLoadError(
                "unknown preset '\(name)'; available: \(Preset.all.map(\.name).joined(separator: ", "))")
        }
        print(preset.config.json.prettyText, terminator: "")
    }
}
