import Testing

@testable import Tensors

@Suite struct RandomTests {
    @Test func splitMixMatchesPublishedVector() {
        // Reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 1_234_567)
        #expect(g.next() == 6_457_827_717_110_365_317)
        #expect(g.next() == 3_203_168_211_198_807_973)
        #expect(g.next() == 9_817_491_932_198_370_423)
    }

    @Test func xoshiroMatchesPublishedVector() {
        // xoshiro256** from state (1, 2, 3, 4): reference outputs of xoshiro256starstar.c.
        var g = RandomStream(state: (1, 2, 3, 4))
        #expect(g.next() == 11520)
        #expect(g.next() == 0)
        #expect(g.next() == 1_509_978_240)
        #expect(g.next() == 1_215_971_899_390_074_240)
    }

    @Test func sameSeedAndPurposeGiveSameStream() {
        var a = RandomStream(seed: 42, purpose: .train)
        var b = RandomStream(seed: 42, purpose: .train)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
        for _ in 0..<100 { #expect(a.nextGaussian() == b.nextGaussian()) }
    }

    /// The bulk fill draws exactly what `nextGaussian` would, in order (tails included: 100,000
    /// draws hold ≈ 26 beyond r ≈ 3.65), and leaves the stream where those calls would.
    @Test func bulkGaussiansEqualSingleDraws() {
        for add in [false, true] {
            var bulk = RandomStream(seed: 7, purpose: .train)
            var single = bulk
            let n = 100_000
            var x = (0..<n).map { Float($0 % 5) }
            var y = x
            x.withUnsafeMutableBufferPointer { bulk.fillGaussians($0.baseAddress!, count: n, scale: 0.3, add: add) }
            for i in 0..<n {
                let g = Float(0.3 * single.nextGaussian())
                y[i] = add ? y[i] + g : g
            }
            #expect(x.map(\.bitPattern) == y.map(\.bitPattern), "add: \(add)")
            #expect(bulk.next() == single.next())
        }
    }

    @Test func purposesAndSeedsGiveDifferentStreams() {
        var firsts = Set<UInt64>()
        for seed in 0..<4 as Range<UInt64> {
            for purpose in RandomPurpose.allCases {
                var g = RandomStream(seed: seed, purpose: purpose)
                firsts.insert(g.next())
            }
        }
        #expect(firsts.count == 4 * RandomPurpose.allCases.count)
    }

    @Test func uniformIsInUnitIntervalWithMeanOneHalf() {
        var g = RandomStream(seed: 7)
        var sum = 0.0
        let n = 20000
        for _ in 0..<n {
            let u = g.nextUniform()
            #expect(u >= 0 && u < 1)
            sum += u
        }
        // Standard error of the mean is sqrt(1/12/n) ≈ 0.002; allow 5 of them.
        #expect(abs(sum / Double(n) - 0.5) < 0.01)
    }

    @Test func gaussianHasUnitVarianceAndZeroMean() {
        var g = RandomStream(seed: 11)
        let n = 40000
        var sum = 0.0
        var sq = 0.0
        for _ in 0..<n {
            let z = g.nextGaussian()
            sum += z
            sq += z * z
        }
        let mean = sum / Double(n)
        let variance = sq / Double(n) - mean * mean
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        // Var of the sample variance ≈ 2/n.
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
    }

    @Test func gaussianQuantilesAndTails() {
        // Φ(−1) = 0.158655, Φ(0) = 0.5, Φ(2) = 0.977250, P(|z| > 3) = 0.002700, P(z > 3.6541…) = 1.29e−4
        // (beyond the ziggurat's base layer, so the tail method is exercised).
        var g = RandomStream(seed: 21)
        let n = 400_000
        var below = [0, 0, 0]
        var beyond3 = 0
        var tail = 0
        for _ in 0..<n {
            let z = g.nextGaussian()
            if z < -1 { below[0] += 1 }
            if z < 0 { below[1] += 1 }
            if z < 2 { below[2] += 1 }
            if abs(z) > 3 { beyond3 += 1 }
            if z > 3.6541528853610088 { tail += 1 }
        }
        func close(_ k: Int, _ p: Double) -> Bool {
            abs(Double(k) / Double(n) - p) < 5 * (p * (1 - p) / Double(n)).squareRoot()
        }
        #expect(close(below[0], 0.158655) && close(below[1], 0.5) && close(below[2], 0.977250))
        #expect(close(beyond3, 0.002700))
        #expect(close(tail, 1.2897e-4) && tail > 0)
    }

    @Test func indicesAreInRangeAndCoverEveryValue() {
        var g = RandomStream(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 { counts[g.nextIndex(below: 7)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 1000) < 150 })
    }

    @Test func distinctIndicesAreDistinct() {
        var g = RandomStream(seed: 5)
        var scratch: [Int] = []
        for _ in 0..<200 {
            let picked = Array(g.distinctIndices(4, below: 6, scratch: &scratch))
            #expect(Set(picked).count == 4)
            #expect(picked.allSatisfy { $0 >= 0 && $0 < 6 })
        }
    }

    @Test func shuffleIsAPermutation() {
        var g = RandomStream(seed: 9)
        var values = Array(0..<50)
        g.shuffle(&values)
        #expect(values.sorted() == Array(0..<50))
        #expect(values != Array(0..<50))
    }

    @Test func parallelMapIsIndependentOfWorkerCount() throws {
        let f: @Sendable (Int) -> UInt64 = { i in
            var g = RandomStream(seed: UInt64(i))
            return (0..<100).reduce(0) { acc, _ in acc ^ g.next() }
        }
        let one = try parallelMap(37, workers: 1, f)
        #expect(try parallelMap(37, workers: 2, f) == one)
        #expect(try parallelMap(37, workers: 5, f) == one)
    }
}
