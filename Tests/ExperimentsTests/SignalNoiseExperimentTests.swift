import Datasets
import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// The `signalNoise` model end to end: SA, NA and SA/NA recomputed from the run's initial and final
/// filters and its training set, and the meaning of the common accuracies (training against ỹ, the
/// clean test against y, the noisy test against ỹ).
@Suite struct SignalNoiseExperimentTests {
    @Test(arguments: [("kou-relu", 3.0, 0), ("kou-relu", 0.5, 4), ("cao-poly", 10.0, 1)])
    func measuresAndAccuraciesAgreeWithARecomputation(_ preset: String, _ norm: Double, _ seed: Int) throws {
        let c = try ConfigResolver.resolve(
            preset: preset, overrides: ["keyScale=\(norm)", "nTest=300", "steps=40", "K=3"], seed: seed)
        let prepared = try PreparedExperiment(c)
        let path = temporaryDirectory("signalnoise")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try prepared.run(in: RunDirectory.create(at: path, overwrite: false))
        let task = try #require(prepared.task as? SignalNoiseTask)
        let train = try #require(task.trainingData.fixedSet as? PatchBatch)
        let test = try #require(task.testSet as? PatchBatch)
        let (M, K, D, n) = (c.network.M, c.data.K, c.data.D, train.count)
        let w0 = task.network.filters.map(Double.init)
        let w1 = task.lastFilters.map(Double.init)
        let a = task.network.readout.map(Double.init)
        #expect(w1.count == M * D && w1 != w0)
        // μ = keyScale·e_0; ξ_i = the sum of the K − 1 noise patches (K = 3 here).
        let mu = (0..<D).map { $0 == 0 ? norm : 0.0 }
        func patch(_ b: PatchBatch, _ e: Int, _ i: Int) -> [Double] {
            b.x[((e * K + i) * D)..<((e * K + i + 1) * D)].map(Double.init)
        }
        func dot(_ u: ArraySlice<Double>, _ v: [Double]) -> Double { zip(u, v).reduce(0) { $0 + $1.0 * $1.1 } }
        let delta = zip(w1, w0).map { $0 - $1 }
        func dw(_ j: Int) -> ArraySlice<Double> { delta[(j * D)..<((j + 1) * D)] }
        let gamma = (0..<M).map { j in dot(dw(j), mu) * (a[j] > 0 ? 1 : -1) }
        var na = 0.0
        for i in 0..<n {
            let signal = Int(train.keyPositions[i])
            var xi = [Double](repeating: 0, count: D)
            for p in 0..<K where p != signal { xi = zip(xi, patch(train, i, p)).map { $0 + $1 } }
            na += (0..<M).filter { (a[$0] > 0 ? 1 : -1) == Int(train.observedLabels[i]) }.map { dot(dw($0), xi) }.max()!
        }
        na /= Double(n)
        let sa = gamma.max()!
        // γ and ρ themselves, from the family's function on the same filters and training set.
        var rho = [Double](repeating: 0, count: M * n)
        for j in 0..<M {
            for i in 0..<n {
                let signal = Int(train.keyPositions[i])
                rho[j * n + i] = (0..<K).filter { $0 != signal }.map { dot(dw(j), patch(train, i, $0)) }.reduce(0, +)
            }
        }
        var final = task.network
        final.filters = task.lastFilters
        let values = SignalNoiseMeasures.values(
            network: final, initial: task.network.filters, mu: task.mu, noise: task.noise, observed: task.observed)
        let gammaAgreement = closeness(values.gamma, gamma, rtol: 1e-9, atol: 1e-12)
        let rhoAgreement = closeness(values.rho, rho, rtol: 1e-9, atol: 1e-9)
        #expect(gammaAgreement.isClose, "\(gammaAgreement)")
        #expect(rhoAgreement.isClose, "\(rhoAgreement)")
        #expect(task.observed == train.observedLabels)
        let s = try #require(summary.section(SignalNoiseMeasures.self))
        let measured = [s.signalLearning, s.noiseMemorization, s.signalNoiseRatio]
        let agreement = closeness(measured, [sa, na, sa / na], rtol: 1e-9, atol: 1e-12)
        #expect(agreement.isClose, "\(agreement)")
        let lines = try String(contentsOfFile: "\(path)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let first = try JSONValue.parse(String(lines.first!))
        let last = try JSONValue.parse(String(lines.last!))
        #expect(last["signalLearning"]?.doubleValue == s.signalLearning)
        #expect(first["signalLearning"]?.doubleValue == 0 && first["noiseMemorization"]?.doubleValue == 0)
        #expect(first["signalNoiseRatio"]?.doubleValue?.isNaN == true)

        // f(x) = Σ_j a_j (1/K) Σ_p φ(⟨w_j, x_p⟩) from the final filters, in Double.
        let phi: (Double) -> Double =
            c.network.activation == .relu ? { max(0, $0) } : { Foundation.pow(max(0, $0), 3) }
        func f(_ b: PatchBatch, _ e: Int) -> Double {
            (0..<M).reduce(0.0) { sum, j in
                sum + a[j] * (0..<K).map { phi(dot(w1[(j * D)..<((j + 1) * D)], patch(b, e, $0))) }.reduce(0, +)
                    / Double(K)
            }
        }
        func accuracy(_ b: PatchBatch, observed: Bool) -> Double {
            let labels = observed ? b.observedLabels : b.labels
            return Double((0..<b.count).filter { (f(b, $0) > 0 ? 1 : -1) == labels[$0] }.count) / Double(b.count)
        }
        #expect(summary.trainAccuracy == accuracy(train, observed: true))
        #expect(summary.testAccuracy == accuracy(test, observed: false))
        #expect(summary.testAccuracyNoisy == accuracy(test, observed: true))
        if c.data.flip > 0 {
            #expect(train.observedLabels != train.labels && test.observedLabels != test.labels)
        }
        let margins = (0..<n).map { Double(train.observedLabels[$0]) * f(train, $0) }
        let recorded = [last["trainMinMargin"]?.doubleValue ?? .nan, last["trainMaxMargin"]?.doubleValue ?? .nan]
        let marginAgreement = closeness(recorded, [margins.min()!, margins.max()!], rtol: 1e-4, atol: 1e-5)
        #expect(marginAgreement.isClose, "\(marginAgreement)")
    }
}
