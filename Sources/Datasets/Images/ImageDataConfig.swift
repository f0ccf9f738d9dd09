import Foundation
import Tensors

/// The image datasets `convdyn` reads (SPEC §6).
public enum ImageDatasetName: String, NamedChoice, Sendable {
    /// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), 28×28 grey, IDX files.
    case fashionMNIST = "fashion-mnist"
    /// MNIST, 28×28 grey, IDX files.
    case mnist
    /// CIFAR-10, 32×32 RGB, binary batches.
    case cifar10

    /// Directories searched, in order, when no data directory is given.
    public var standardLocations: [String] {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "~"
        switch self {
        case .fashionMNIST: return ["/usr/share/datasets/fashion-mnist", "\(home)/.convdyn/datasets/fashion-mnist"]
        case .mnist: return ["/usr/share/datasets/mnist", "\(home)/.convdyn/datasets/mnist"]
        case .cifar10:
            return ["/usr/share/datasets/cifar-10-batches-bin", "\(home)/.convdyn/datasets/cifar-10-batches-bin"]
        }
    }

    /// The files that make the dataset, per split.
    public func files(train: Bool) -> [String] {
        switch self {
        case .fashionMNIST, .mnist:
            return train
                ? ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
                : ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        case .cifar10:
            return train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
        }
    }

    /// How to obtain the files.
    public var howToObtain: String {
        switch self {
        case .fashionMNIST:
            return
                "install the Debian package (apt-get install dataset-fashion-mnist, which puts the files in "
                + "/usr/share/datasets/fashion-mnist), or put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the Fashion-MNIST repository "
                + "(github.com/zalandoresearch/fashion-mnist) in a directory and pass --data-dir"
        case .mnist:
            return
                "download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
                + "t10k-labels-idx1-ubyte.gz (the MNIST database, LeCun, Cortes & Burges) into a directory and pass "
                + "--data-dir (KMNIST and EMNIST files in the same IDX format work too)"
        case .cifar10:
            return
                "download the CIFAR-10 binary version (cifar-10-binary.tar.gz, www.cs.toronto.edu/~kriz/cifar.html), "
                + "extract it, and pass --data-dir pointing at cifar-10-batches-bin (data_batch_1.bin … "
                + "data_batch_5.bin, test_batch.bin)"
        }
    }
}

/// How pixel values are scaled before patches are cut.
public enum PixelNormalization: String, NamedChoice, Sendable {
    /// x / 255, in [0, 1].
    case unit
    /// (x/255 − mean_c) / std_c with the training set's per-channel mean and standard deviation.
    case perChannel
}

/// Real images as patch data (SPEC §6): every r×r×channels window at a stride is a patch.
public struct ImageDataConfig: Codable, Equatable, Sendable {
    /// The dataset to read.
    public var dataset: ImageDatasetName = .fashionMNIST
    /// Directory holding the files; empty: the standard locations of the dataset.
    public var dataDir = ""
    /// Classes to keep; empty: all. Two classes a, b make a binary task with a → +1, b → −1.
    public var classes: [Int] = []
    /// Training examples to use, the first ones in file order after the class filter; 0: all.
    public var trainSize = 0
    /// Test examples to use, likewise; 0: all.
    public var testSize = 0
    /// Window side r.
    public var patchSize = 5
    /// Step between windows, in pixels.
    public var stride = 1
    /// How pixel values are scaled.
    public var normalization: PixelNormalization = .unit

    /// The defaults: Fashion-MNIST, all classes and examples, 5×5 windows at stride 1, pixels in [0, 1].
    public init() {}

    /// Throws a `ConfigurationError` naming the first field that is out of range.
    public func validate() throws {
        func fail(_ field: String, _ value: Any, _ allowed: String) -> ConfigurationError {
            ConfigurationError(field: "images.\(field)", value: "\(value)", allowed: allowed)
        }
        guard patchSize >= 1 else { throw fail("patchSize", patchSize, "must be ≥ 1") }
        guard stride >= 1 else { throw fail("stride", stride, "must be ≥ 1") }
        guard trainSize >= 0 else {
            throw fail("trainSize", trainSize, "must be ≥ 0 (0 uses the whole training set)")
        }
        guard testSize >= 0 else { throw fail("testSize", testSize, "must be ≥ 0 (0 uses the whole test set)") }
        if let bad = classes.first(where: { $0 < 0 || $0 > 9 }) {
            throw fail("classes", classes, "class \(bad) is outside 0…9")
        }
        if classes.count == 1 { throw fail("classes", classes, "keep at least two classes (or none for all ten)") }
        if Set(classes).count != classes.count { throw fail("classes", classes, "each class may appear once") }
    }

    /// The number of classes after the filter.
    public var classCount: Int { classes.isEmpty ? 10 : classes.count }
    /// True for the two-class task with labels ±1.
    public var isBinary: Bool { classes.count == 2 }
}
