import Datasets
import Networks

/// Signal learning and noise memorisation (SPEC §3 item 9, Docs/Metrics.md "Signal and noise";
/// Cao, Chen, Belkin & Gu 2022, Kou, Chen, Chen & Gu 2023). With Δw_j = w_j(t) − w_j(0):
/// γ_j = ⟨Δw_j, μ⟩·sign(a_j); ρ_{j,i} = ⟨Δw_j, ξ_i⟩ for training example i, where ξ_i is the sum
/// of its noise patches (K = 2 in the papers: the one noise patch); SA = max_j γ_j;
/// NA = mean_i max_{j : sign(a_j) = ỹ_i} ρ_{j,i}; and SA/NA.
public enum SignalNoiseMeasures: MeasurementFamily {
    /// "signal and noise", for messages.
    public static let name = "signal and noise"

    /// The fields of one evaluation.
    public struct Line: Codable, Sendable, Equatable {
        /// SA = max_j γ_j.
        public var signalLearning: Double
        /// NA = mean_i max_{j : sign(a_j) = ỹ_i} ρ_{j,i}; NaN without a fixed training set.
        public var noiseMemorization: Double
        /// SA/NA (NaN at step 0, where both are 0).
        public var signalNoiseRatio: Double

        /// The JSON field names.
        public enum CodingKeys: String, CodingKey {
            case signalLearning, noiseMemorization, signalNoiseRatio
        }
    }

    /// The same three figures at the last evaluation.
    public typealias Summary = Line

    /// True for synthetic runs of the `signalNoise` label model.
    public static func records(_ config: ExperimentConfig) -> Bool {
        config.images == nil && config.data.labelModel == .signalNoise
    }

    /// SA, NA and SA/NA over training and at the end.
    public static let figures: [Figure] = [
        Figure(Line.CodingKeys.signalLearning, label: "signal learning SA", shortLabel: "SA", sparkline: true),
        Figure(Line.CodingKeys.noiseMemorization, label: "noise memorisation NA", shortLabel: "NA", sparkline: true),
        Figure(Line.CodingKeys.signalNoiseRatio, label: "SA/NA", shortLabel: "SA/NA"),
        Figure(Line.CodingKeys.signalLearning, label: "signal learning SA", source: .summary),
        Figure(Line.CodingKeys.noiseMemorization, label: "noise memorisation NA", source: .summary),
        Figure(Line.CodingKeys.signalNoiseRatio, label: "SA/NA", source: .summary),
    ]

    /// γ [M], ρ [M × n] (row j, column i) and the summaries of one evaluation.
    struct Values {
        /// γ_j = ⟨Δw_j, μ⟩·sign(a_j), [M].
        var gamma: [Double]
        /// ρ_{j,i} = ⟨Δw_j, ξ_i⟩, [M × n].
        var rho: [Double]
        /// SA, NA and SA/NA.
        var line: Line
    }

    /// The noise of each training example: ξ_i = Σ of its patches other than the signal patch,
    /// in Double, [n × D].
    static func noise(of set: PatchBatch) -> [Double] {
        let (K, D) = (set.K, set.D)
        var xi = [Double](repeating: 0, count: set.count * D)
        for n in 0..<set.count {
            let signal = Int(set.keyPositions[n * set.keysPerExample])
            for i in 0..<K where i != signal {
                let start = (n * K + i) * D
                for k in 0..<D { xi[n * D + k] += Double(set.x[start + k]) }
            }
        }
        return xi
    }

    /// The measures of `network` against its initial filters `initial` ([M × D]), for the signal
    /// `mu` [D], the training noise `noise` [n × D] (`noise(of:)`) and observed labels ỹ [n].
    static func values(
        network: PatchCNN, initial: [Float], mu: [Float], noise: [Double], observed: [Int32]
    ) -> Values {
        let M = network.M
        let D = network.D
        let n = observed.count
        var delta = [Double](repeating: 0, count: M * D)
        for e in 0..<(M * D) { delta[e] = Double(network.filters[e]) - Double(initial[e]) }
        let signs = (0..<M).map { j -> Double in
            let a = network.readout[j]
            return a > 0 ? 1 : (a < 0 ? -1 : 0)
        }
        var gamma = [Double](repeating: 0, count: M)
        var rho = [Double](repeating: 0, count: M * n)
        for j in 0..<M {
            var dot = 0.0
            for k in 0..<D { dot += delta[j * D + k] * Double(mu[k]) }
            gamma[j] = dot * signs[j]
            for i in 0..<n {
                var r = 0.0
                for k in 0..<D { r += delta[j * D + k] * noise[i * D + k] }
                rho[j * n + i] = r
            }
        }
        let sa = gamma.max() ?? .nan
        var sum = 0.0
        var counted = 0
        for i in 0..<n {
            let label = Double(observed[i])
            var best = -Double.infinity
            for j in 0..<M where signs[j] == label { best = max(best, rho[j * n + i]) }
            if best > -.infinity {
                sum += best
                counted += 1
            }
        }
        let na = counted > 0 ? sum / Double(counted) : .nan
        return Values(
            gamma: gamma, rho: rho, line: Line(signalLearning: sa, noiseMemorization: na, signalNoiseRatio: sa / na))
    }
}
