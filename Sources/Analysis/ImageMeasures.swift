import Networks

/// Norm concentration of filters on images (SPEC §3 item 14; Docs/Metrics.md "Images"): whether
/// the norm of a few filters dominates on practical data, claims 2 and 4 of Yu, Zhang & Zhu 2019 (arXiv 1905.10157).
public enum NormConcentration {
    /// The top-k share Σ of the k largest n_j² / Σ_j n_j² for the filter norms n_j = `norms`;
    /// 0 when the total is 0 (`top4Share`, `top8Share`, `top16Share`, summary `topShare`).
    public static func topShare(_ norms: [Double], k: Int) -> Double {
        let squares = norms.map { $0 * $0 }.sorted(by: >)
        let total = squares.reduce(0, +)
        return total > 0 ? squares.prefix(k).reduce(0, +) / total : 0
    }

    /// The Gini coefficient of the norms x_i = `norms`, Σ_i Σ_j |x_i − x_j| / (2 n² mean x): 0 when
    /// all norms are equal, → 1 when one filter holds all the norm; 0 when the mean is 0 (`gini`).
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
/// F = G·M ordered (region, filter), and the labels. The filter ablation and class selectivity of
/// SPEC §3 item 14 (Docs/Metrics.md "Images"), testing claim 4 of Yu, Zhang & Zhu 2019 (arXiv 1905.10157).
public struct PooledFeatures: Sendable {
    /// N, the number of examples.
    public let count: Int
    /// G, the number of pooling regions.
    public let G: Int
    /// M, the number of filters.
    public let M: Int
    /// Pooled activations [N × G·M], ordered (region, filter).
    public let values: [Float]
    /// Labels [N].
    public let labels: [Int32]

    /// Features from their arrays.
    public init(count: Int, G: Int, M: Int, values: [Float], labels: [Int32]) {
        self.count = count
        self.G = G
        self.M = M
        self.values = values
        self.labels = labels
    }

    /// Accuracy of `network`'s read-out when only the filters in `kept` contribute (the ablation):
    /// the fraction of examples n with ŷ_n = y_n, ŷ_n the prediction from
    /// f_c = β_c + Σ_{q = (r, j), j ∈ kept} A[c, q] · h_n[q] (the sum in feature order; the other
    /// filters' pooled activations dropped, output biases kept).
    public func accuracy(of network: PatchCNN, keeping kept: [Int]) -> Double {
        let F = G * M
        var mask = [Bool](repeating: false, count: M)
        for j in kept { mask[j] = true }
        // The pooled features of the kept filters, in feature order (the sums run in that order).
        let features = (0..<F).filter { mask[$0 % M] }
        let correct = network.correctPredictions(pooled: values, count: count, features: features, labels: labels)
        return Double(correct) / Double(max(count, 1))
    }

    /// Mean pooled activation of each filter per class: μ[j][c] = mean over the examples n of class
    /// c of (1/G) Σ_r h_n[r, j], [M][classes] with the classes in the order given (NaN for a class
    /// without examples).
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

    /// Selectivity index of a filter from its class means μ (`selectivity.json`): (max μ − mean of
    /// the others) / (max μ + mean of the others); 0 when that denominator is 0 or there is one class.
    public static func selectivity(_ means: [Double]) -> Double {
        guard let top = means.indices.max(by: { means[$0] < means[$1] }), means.count > 1 else { return 0 }
        let others = means.enumerated().filter { $0.offset != top }.map(\.element)
        let rest = others.reduce(0, +) / Double(others.count)
        let denominator = means[top] + rest
        return denominator != 0 ? (means[top] - rest) / denominator : 0
    }
}
