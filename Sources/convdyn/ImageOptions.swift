import ArgumentParser
import Datasets
import Experiments

/// Options that point an image experiment at its data; each becomes a config override.
struct ImageOptions: ParsableArguments {
    @Option(
        help:
            "Image dataset (sets images.dataset; the preset must be an image preset such as fmnist-practical)."
    )
    var dataset: ImageDatasetName?

    @Option(
        help: """
            Directory holding the dataset's files (default: the standard locations, \
            e.g. /usr/share/datasets/fashion-mnist).
            """
    )
    var dataDir: String?

    @Option(
        help: ArgumentHelp(
            "Keep these classes; two classes a,b make the binary task of the theory (a → +1, b → −1) "
                + "with a fixed ±1 read-out and hinge loss.",
            valueName: "a,b,…"))
    var classes: String?

    @Option(help: "Use the first N training images (after --classes).")
    var trainSize: Int?

    func validate() throws {
        if let classes { _ = try Self.parseClasses(classes) }
        if let trainSize, trainSize < 1 { throw ValidationError("--train-size must be ≥ 1, got \(trainSize)") }
        if let dataDir, dataDir.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError(
                "--data-dir must name a directory, got '\(dataDir)' (leave it out for the standard locations)")
        }
    }

    /// The class numbers of a `--classes` value: two or more distinct numbers 0…9 separated by commas.
    static func parseClasses(_ text: String) throws -> [Int] {
        let usage =
            "--classes takes class numbers separated by commas (images.classes: two or more distinct classes 0…9, "
            + "e.g. --classes 0,9)"
        var list: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw ValidationError("\(usage); got '\(text)', which has an empty item") }
            guard let n = Int(trimmed) else {
                throw ValidationError("\(usage); got '\(text)', where '\(trimmed)' is not a number")
            }
            guard (0...9).contains(n) else {
                throw ValidationError(
                    "\(usage); got '\(text)', where class \(n) is outside 0…9 (the datasets have ten)")
            }
            guard !list.contains(n) else {
                throw ValidationError("\(usage); got '\(text)', where class \(n) appears twice")
            }
            list.append(n)
        }
        guard list.count >= 2 else {
            throw ValidationError("\(usage); got '\(text)', a single class (leave --classes out for all ten)")
        }
        return list
    }

    /// The `--set` equivalents, applied before the user's own `--set`s.
    var overrides: [String] {
        var o: [String] = []
        if let dataset { o.append("images.dataset=\(dataset.rawValue)") }
        if let dataDir { o.append("images.dataDir=" + JSONValue.string(dataDir).text) }
        if let classes {
            // validate() has checked the list.
            let list = (try? Self.parseClasses(classes)) ?? []
            o.append("images.classes=" + JSONValue.array(list.map(JSONValue.int)).text)
            if list.count == 2 { o += ["readout=fixedSign(1)", "loss=hinge"] }
        }
        if let trainSize { o.append("images.trainSize=\(trainSize)") }
        return o
    }
}
