import Networks

/// Norm concentration of filters (SPEC §3 item 14).
public enum NormConcentration {
    /// Σ of the k largest of `squares` / Σ of all; 0 when the total is 0.
    public static func topShare(_ norms: [Double], k: Int) -> Double {
        let squares = norms.map { $0 * $0 }.sorted(by: >)
        let total = squares.reduce(0, +)
        return total > 0 ? squares.prefix(k).reduce(0, +) / total : 0
    }

    /// Gini coefficient Σ_i Σ_j |x_i − x_j| / (2 n² mean): 0 when all norms are equal, → 1 when
    /// one filter holds all the norm.
    public static func gini(_ norms: [Double]) -> Double {
        let n = Double(norms.count)
        let mean = norms.reduce(0, +) / max(n, 1)
        guard mean > 0 else { return 0 }
        // With x sorted ascending: Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n + 1) x_i (i from 0).
        let sorted = norms.sorted()
        var total = 0.0
        for (i, x) in sorted.enumerated() { total += (2 * Double(i) - n + 1) * x }
        return total / (n * n * mean)
    }
}

/// Pooled features of a whole set, for measurements that re-use one forward pass: [N × F] with
/// F = G·M ordered (region, filter), and the labels.
public struct PooledFeatures: Sendable {
    public let count: Int
    public let G: Int
    public let M: Int
    public let values: [Float]
    public let labels: [Int32]

    public init(count: Int, G: Int, M: Int, values: [Float], labels: [Int32]) {
        self.count = count
        self.G = G
        self.M = M
        self.values = values
        self.labels = labels
    }

    /// Accuracy of `network`'s read-out when only the filters in `kept` contribute.
    public func accuracy(of network: PatchCNN, keeping kept: [Int]) -> Double {
        let F = G * M
        var mask = [Bool](repeating: false, count: M)
        for j in kept { mask[j] = true }
        // The pooled features of the kept filters, in feature order (the sums run in that order).
        let features = (0..<F).filter { mask[$0 % M] }
        let correct = network.correctPredictions(pooled: values, count: count, features: features, labels: labels)
        return Double(correct) / Double(max(count, 1))
    }

    /// Mean pooled activation of each filter (averaged over regions) per class: [M][classes],
    /// classes in the order given.
    public func classMeans(classes: [Int32]) -> [[Double]] {
        var sums = [[Double]](repeating: [Double](repeating: 0, count: classes.count), count: M)
        var counts = [Int](repeating: 0, count: classes.count)
        let F = G * M
        for n in 0..<count {
            guard let c = classes.firstIndex(of: labels[n]) else { continue }
            counts[c] += 1
            for j in 0..<M {
                var v = 0.0
                for r in 0..<G { v += Double(values[n * F + r * M + j]) }
                sums[j][c] += v / Double(G)
            }
        }
        return sums.map { row in
            row.enumerated().map { counts[$0.offset] > 0 ? $0.element / Double(counts[$0.offset]) : .nan }
        }
    }

    /// Selectivity index of a filter from its class means μ: (max μ − mean of the others) /
    /// (max μ + mean of the others); 0 when both are 0.
    public static func selectivity(_ means: [Double]) -> Double {
        guard let top = means.indices.max(by: { means[$0] < means[$1] }), means.count > 1 else { return 0 }
        let others = means.enumerated().filter { $0.offset != top }.map(\.element)
        let rest = others.reduce(0, +) / Double(others.count)
        let denominator = means[top] + rest
        return denominator != 0 ? (means[top] - rest) / denominator : 0
    }
}
