import Datasets

extension ImageDatasetName {
    /// The names of the dataset's ten classes, in the order of their labels 0…9 in the files.
    public var classNames: [String] {
        switch self {
        case .fashionMNIST:
            return [
                "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                "Ankle boot",
            ]
        case .mnist: return (0...9).map { "digit \($0)" }
        case .cifar10:
            return ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
        }
    }
}

extension ImageDataConfig {
    /// The names of the task's classes in the order of its outputs: all ten classes of the dataset,
    /// or the kept `classes` in the order given (for a binary task the class labelled +1 first).
    public var classNames: [String] {
        let names = dataset.classNames
        return classes.isEmpty ? names : classes.map { names[$0] }
    }

    /// The name of the class with label `label` in this task (±1 for a binary task, 0..<C otherwise).
    public func className(label: Int) -> String {
        let names = classNames
        if isBinary { return label == 1 ? names[0] : names[1] }
        return names.indices.contains(label) ? names[label] : "class \(label)"
    }
}
