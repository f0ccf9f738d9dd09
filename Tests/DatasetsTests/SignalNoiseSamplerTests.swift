import Datasets
import Foundation
import Tensors
import Testing

/// The `signalNoise` model: labels, the signal patch, the noise statistics, orthoNoise, flips, the
/// documented order of draws and the validation of its fields. Statistical checks use 5-standard-
/// deviation tolerances (a false failure has probability below 10⁻⁶ per check).
@Suite struct SignalNoiseSamplerTests {
    static func config(
        K: Int = 2, D: Int = 50, scale: Double = 2, sigmaB: Double = 1, flip: Double = 0, ortho: Bool = false,
        signal: SignalDirection = .e0
    ) -> PatchDataConfig {
        var c = PatchDataConfig()
        c.labelModel = .signalNoise
        c.K = K
        c.D = D
        c.P = 1
        c.keyScale = scale
        c.sigmaB = sigmaB
        c.sigma = 0
        c.flip = flip
        c.orthoNoise = ortho
        c.signal = signal
        return c
    }

    func sample(_ c: PatchDataConfig, _ count: Int, seed: UInt64 = 7) -> PatchBatch {
        var sampler = SignalNoiseSampler(config: c)
        var rng = RandomStream(seed: seed, purpose: .train)
        return sampler.sample(count, using: &rng)
    }

    /// |count − n·p| ≤ 5 √(n p (1 − p)).
    func withinBinomial(_ count: Int, _ n: Int, _ p: Double) -> Bool {
        abs(Double(count) - Double(n) * p) <= 5 * (Double(n) * p * (1 - p)).squareRoot()
    }

    @Test(arguments: [SignalDirection.e0, .allOnes])
    func labelsAndTheSignalPatch(_ signal: SignalDirection) throws {
        let c = Self.config(K: 4, D: 9, scale: 3, signal: signal)
        try c.validate()
        let n = 4000
        let b = sample(c, n)
        let mu = SignalNoiseSampler.signal(c)
        let norm = mu.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - 3) < 1e-6)
        #expect(signal == .e0 ? mu[0] == 3 && mu[1...].allSatisfy { $0 == 0 } : Set(mu).count == 1)
        var positives = 0
        var atPosition = [Int](repeating: 0, count: c.K)
        for e in 0..<n {
            let y = b.labels[e]
            #expect(y == 1 || y == -1)
            #expect(b.observedLabels[e] == y)
            if y == 1 { positives += 1 }
            let p = Int(b.keyPositions[e])
            atPosition[p] += 1
            for i in 0..<c.K {
                let patch = Array(b.x[((e * c.K + i) * c.D)..<((e * c.K + i + 1) * c.D)])
                if i == p {
                    #expect(patch == mu.map { Float(y) * $0 })
                    #expect(b.patternIDs[e * c.K + i] == 0)
                } else {
                    #expect(b.patternIDs[e * c.K + i] == -1)
                    #expect(patch != mu.map { Float(y) * $0 })
                }
            }
        }
        #expect(withinBinomial(positives, n, 0.5))
        #expect(atPosition.allSatisfy { withinBinomial($0, n, 1 / Double(c.K)) })
    }

    @Test func noisePatchesHaveMeanZeroAndVarianceSigmaBSquared() {
        let sigmaB = 1.5
        let c = Self.config(K: 3, D: 50, sigmaB: sigmaB)
        let b = sample(c, 1000)
        var values: [Double] = []
        for e in 0..<1000 {
            let p = Int(b.keyPositions[e])
            for i in 0..<c.K where i != p {
                values += b.x[((e * c.K + i) * c.D)..<((e * c.K + i + 1) * c.D)].map(Double.init)
            }
        }
        let N = Double(values.count)  // 100,000 values
        let mean = values.reduce(0, +) / N
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (N - 1)
        // Mean: s.d. σ_b/√N. Variance: (N − 1)s²/σ_b² is χ² with N − 1 degrees of freedom, so s²/σ_b²
        // has s.d. √(2/(N − 1)).
        #expect(abs(mean) <= 5 * sigmaB / N.squareRoot())
        #expect(abs(variance / (sigmaB * sigmaB) - 1) <= 5 * (2 / (N - 1)).squareRoot())
    }

    @Test(arguments: [SignalDirection.e0, .allOnes])
    func orthoNoiseIsOrthogonalToTheSignal(_ signal: SignalDirection) {
        for ortho in [true, false] {
            let c = Self.config(K: 2, D: 64, sigmaB: 1, ortho: ortho, signal: signal)
            let b = sample(c, 500)
            let mu = SignalNoiseSampler.signal(c)
            var largest = 0.0
            var largestRaw = 0.0
            for e in 0..<500 {
                let i = 1 - Int(b.keyPositions[e])
                let xi = b.x[((e * c.K + i) * c.D)..<((e * c.K + i + 1) * c.D)].map(Double.init)
                let dot = zip(xi, mu).reduce(0.0) { $0 + $1.0 * Double($1.1) } / 2
                let norm = xi.reduce(0) { $0 + $1 * $1 }.squareRoot()
                largest = max(largest, abs(dot) / norm)
                largestRaw = max(largestRaw, abs(dot))
            }
            if ortho {
                // Float rounding of D = 64 projected coordinates: far below 10⁻⁵·‖ξ‖ (e_0: exactly 0).
                #expect(signal == .allOnes ? largest <= 1e-5 : largest == 0)
            } else {
                // ⟨ξ, μ̂⟩ ~ N(0, 1): the largest of 500 is well above 1.
                #expect(largestRaw > 1)
            }
        }
    }

    @Test func flipsAtTheirRateWithTheSignalFollowingTheTrueLabel() {
        let c = Self.config(K: 2, D: 8, scale: 2, flip: 0.2)
        let n = 5000
        let b = sample(c, n)
        let mu = SignalNoiseSampler.signal(c)
        var flipped = 0
        for e in 0..<n {
            if b.observedLabels[e] != b.labels[e] {
                flipped += 1
                #expect(b.observedLabels[e] == -b.labels[e])
            }
            let p = Int(b.keyPositions[e])
            #expect(b.x[(e * c.K + p) * c.D] == Float(b.labels[e]) * mu[0])
        }
        #expect(withinBinomial(flipped, n, 0.2))
    }

    @Test func drawsInTheDocumentedOrder() {
        let c = Self.config(K: 3, D: 4, scale: 1.5, sigmaB: 0.7, flip: 0.3)
        let b = sample(c, 5, seed: 11)
        var rng = RandomStream(seed: 11, purpose: .train)
        for e in 0..<5 {
            let y: Int32 = rng.nextUniform() < 0.5 ? 1 : -1
            let p = rng.nextIndex(below: 3)
            var x = [Float](repeating: 0, count: 12)
            for i in 0..<3 where i != p { rng.fillGaussians(&x, from: i * 4, count: 4, scale: 0.7, add: false) }
            x[p * 4] = Float(y) * 1.5
            let observed = rng.nextBool(probability: 0.3) ? -y : y
            #expect(b.labels[e] == y && b.observedLabels[e] == observed && Int(b.keyPositions[e]) == p)
            #expect(Array(b.x[(e * 12)..<((e + 1) * 12)]) == x)
        }
    }

    func error(_ change: (inout PatchDataConfig) -> Void) -> ConfigurationError? {
        var c = Self.config()
        change(&c)
        do {
            try c.validate()
            return nil
        } catch let e as ConfigurationError { return e } catch { return nil }
    }

    @Test func validationNamesTheField() {
        #expect(error { _ in } == nil)
        #expect(error { $0.sigmaB = -0.1 }?.field == "data.sigmaB")
        #expect(error { $0.flip = 0.5 }?.field == "data.flip")
        #expect(error { $0.flip = -0.01 }?.field == "data.flip")
        #expect(error { $0.flip = 0.49 } == nil)
        #expect(error { $0.keyScale = 0 }?.field == "data.keyScale")
        #expect(error { $0.P = 2 }?.field == "data.P")
        #expect(error { $0.K = 1 }?.field == "data.K")
        #expect(error { $0.keysPerExample = 2 }?.field == "data.keysPerExample")
        let big = error {
            $0.D = 1000
            $0.nTrain = 2_000_000
        }
        #expect(big?.field == "data.nTrain")
        #expect(big?.description.contains("needs 14.9 GiB for a full batch") == true)
        #expect(big?.description.contains("lower nTrain or D") == true)
        #expect(error { $0.nTest = Int.max / 2 }?.field == "data.nTest")
        // 2³¹ floats exactly is allowed, one example more is not.
        #expect(error { ($0.K, $0.D, $0.nTrain) = (2, 1024, 1 << 20) } == nil)
        #expect(error { ($0.K, $0.D, $0.nTrain) = (2, 1024, (1 << 20) + 1) }?.field == "data.nTrain")
        var key = PatchDataConfig()
        key.orthoNoise = true
        #expect(throws: ConfigurationError.self) { try key.validate() }
        key.orthoNoise = false
        key.signal = .allOnes
        #expect(throws: ConfigurationError.self) { try key.validate() }
    }

    @Test func oldConfigsWithoutTheNewFieldsDecode() throws {
        var c = Self.config()
        c.labelModel = .key
        c.P = 32
        let data = try JSONEncoder().encode(c)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["signal"] as? String == "e0" && object["orthoNoise"] as? Bool == false)
        object["signal"] = nil
        object["orthoNoise"] = nil
        let old = try JSONDecoder().decode(
            PatchDataConfig.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old == c)
    }
}
