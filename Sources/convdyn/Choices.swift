import ArgumentParser
import Datasets
import Experiments
import Studies

// The closed choices of the command line. An unknown value stops with argument-parser's usage
// error (exit 64) listing the allowed values, and --help lists them too.

/// A preset name, checked against the registry `Preset.all`.
struct PresetName: ExpressibleByArgument, Sendable {
    let preset: Preset

    init?(argument: String) {
        guard let preset = Preset.named(argument) else { return nil }
        self.preset = preset
    }

    static var allValueStrings: [String] { Preset.all.map(\.name) }
    var defaultValueDescription: String { preset.name }
}

/// A claim id of `convdyn verify`, checked against the registry `Claim.all` (case-insensitive).
struct ClaimID: ExpressibleByArgument, Sendable {
    /// The id as the registry spells it.
    let id: String

    init?(argument: String) {
        guard let claim = Claim.named(argument) else { return nil }
        id = claim.id
    }

    static var allValueStrings: [String] { Claim.all.map(\.id) }
    var defaultValueDescription: String { id }
}

/// A workload of `convdyn bench` (Docs/Performance.md).
enum Workload: String, ExpressibleByArgument, CaseIterable, Sendable {
    case w1 = "W1"
    case w2 = "W2"
    case w3 = "W3"
    case w4 = "W4"
    case w5 = "W5"
    case w6 = "W6"
    case w7 = "W7"
    case kernels
}

extension ImageDatasetName: ExpressibleByArgument {}

/// The exit statuses, stated in each command's --help and in README.md.
enum ExitStatus {
    /// "Exit status: 0 …; 1 …; 64 …": `failure` says what makes this command exit 1 (nil when
    /// nothing does), `usage` what counts as a malformed command line.
    static func text(
        success: String = "on success", failure: String?,
        usage: String = "an unknown option or choice, a value out of range"
    ) -> String {
        let one = failure.map { "; 1 for \($0)" } ?? ""
        return "Exit status: 0 \(success)\(one); 64 for a malformed command line (\(usage))."
    }

    /// What counts as a malformed command line for commands that build a config.
    static let configUsage =
        "an unknown option, preset or choice, a value out of range, a --set that is malformed, "
        + "names an unknown field or makes an invalid config"
}

/// Resolves the config a command line asks for, telling whose fault a problem is: one of the config
/// file alone is the file's (thrown as it is, exit 1); one that the command line adds (its `--set`s,
/// seed and image options) makes a malformed command line (`ValidationError`, exit 64).
func resolveConfig(preset: String?, file: String?, overrides: [String], seed: Int?) throws -> ExperimentConfig {
    if let file { _ = try ConfigResolver.resolve(preset: preset, file: file) }
    do {
        return try ConfigResolver.resolve(preset: preset, file: file, overrides: overrides, seed: seed)
    } catch {
        throw ValidationError("\(error)")
    }
}
