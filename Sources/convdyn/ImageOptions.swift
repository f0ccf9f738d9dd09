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
        if let classes,
            classes.split(separator: ",").contains(where: { Int($0.trimmingCharacters(in: .whitespaces)) == nil })
        {
            throw ValidationError(
                "--classes takes class numbers separated by commas, e.g. --classes 0,9; got '\(classes)'")
        }
        if let trainSize, trainSize < 1 { throw ValidationError("--train-size must be ≥ 1, got \(trainSize)") }
    }

    /// The `--set` equivalents, applied before the user's own `--set`s.
    var overrides: [String] {
        var o: [String] = []
        if let dataset { o.append("images.dataset=\(dataset.rawValue)") }
        if let dataDir { o.append("images.dataDir=" + JSONValue.string(dataDir).text) }
        if let classes {
            // validate() has checked that every entry is an integer.
            let list = classes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            o.append("images.classes=" + JSONValue.array(list.map(JSONValue.int)).text)
            if list.count == 2 { o += ["readout=fixedSign(1)", "loss=hinge"] }
        }
        if let trainSize { o.append("images.trainSize=\(trainSize)") }
        return o
    }
}
