import ArgumentParser
import Experiments
import Foundation
import Tensors

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one network and record its dynamics into a run directory.",
        discussion: """
            The run directory holds config.json, provenance.json, metrics.jsonl (one object per \
            evaluation), filters.jsonl (every filter's norm, projections and cosines per evaluation) \
            and summary.json, written last.
            Examples:
              convdyn train --preset kp-bench --seed 3
              convdyn train --preset kp-bench --set sigma=0.1 --set M=8 --out runs/noisy
              convdyn train --config my.yaml
            """ + "\n\n"
                + ExitStatus.text(
                    failure:
                        "a config file that cannot be read or does not make a valid config, an output directory that "
                        + "is not empty (without --overwrite) or not writable, image data that cannot be read, "
                        + "a failed run",
                    usage: ExitStatus.configUsage))

    @Option(help: "The preset to start from (see `convdyn presets`).")
    var preset: PresetName?

    @Option(help: "A YAML or JSON file with config fields to override (may name `preset:`).")
    var config: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override one field: a dotted path or a unique field name.", valueName: "field=value"))
    var overrides: [String] = []

    @Option(help: "The experiment seed (≥ 0).")
    var seed: Int?

    @OptionGroup var data: ImageOptions

    @Option(help: "The run directory (default: runs/<preset>/seed-<seed>, numbered if taken).")
    var out: String?

    @Flag(help: "Replace the run files in a non-empty --out directory.")
    var overwrite = false

    @Flag(help: ProgressOption.help())
    var progress = false

    @Flag(help: "Also print the resolved config (as written to config.json).")
    var verbose = false

    @Flag(help: "Print only the summary, even with --progress or --verbose.")
    var quiet = false

    func validate() throws {
        if preset == nil && config == nil {
            throw ValidationError("pass --preset NAME or --config FILE (see `convdyn presets`)")
        }
        _ = try resolved()
    }

    /// The config of this command line.
    func resolved() throws -> ExperimentConfig {
        try resolveConfig(preset: preset?.preset.name, file: config, overrides: data.overrides + overrides, seed: seed)
    }

    func run() throws {
        let resolved = try resolved()
        let experiment = try Experiment(resolved)
        let path = out ?? freePath("runs/\(resolved.preset)/seed-\(resolved.seed)")
        if overwrite { try RunDirectory.checkOverwritable(path) } else { try RunDirectory.checkFree(path) }
        // Load the data before creating the run directory, so bad data leaves nothing behind.
        // Router pre-training happens here, before the first step: say so when it takes a while.
        let label = "\(resolved.preset) seed \(resolved.seed)"
        let pretraining = resolved.images == nil ? resolved.network.router : nil
        let additions = pretraining?.pretrainingAdditions(dimension: resolved.data.D) ?? 0
        let showProgress = progress && !quiet
        let longPretraining = showProgress && additions >= 1_000_000_000  // about a second
        if longPretraining, let router = pretraining {
            FileHandle.standardError.write(
                Data("\(label): pre-training the routers, \(router.pretrainSteps) steps…\n".utf8))
        }
        let prepared = try experiment.prepare()
        if longPretraining, let seconds = prepared.pretrainingSeconds {
            FileHandle.standardError.write(
                Data(String(format: "\(label): routers pre-trained in %.1fs\n", seconds).utf8))
        }
        let directory = try RunDirectory.create(at: path, overwrite: overwrite)
        if let text = configText(resolved, directory: directory.path) {
            print(text, terminator: "")
            fflush(nil)
        }
        let bar =
            showProgress ? ProgressDisplay(label: label, unit: "steps", total: resolved.training.steps) : nil
        let summary = try prepared.run(in: directory, threads: availableCores) { step, _ in
            bar?.update(step)
        }
        bar?.finish()
        print(SummaryText.describe(summary, directory: directory.path))
    }

    /// What `train` prints before it starts: the config with `--verbose` (and not `--quiet`), else nothing.
    func configText(_ resolved: ExperimentConfig, directory: String) -> String? {
        guard verbose && !quiet else { return nil }
        return "config (\(directory)/config.json):\n" + resolved.json.prettyText
    }
}
