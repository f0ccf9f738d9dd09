import Analysis
import Datasets
import Foundation
import Networks
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// The `xord` model end to end: its two test sets, and every XOR-detection figure recomputed from
/// the recorded filters (on noise-free xor2 data a filter is fixed by its projections on (1,1) and
/// (1,−1), and f(x) needs only which patterns x holds).
@Suite struct XORDExperimentTests {
    func config(k: Int, seed: Int) throws -> ExperimentConfig {
        try ConfigResolver.resolve(preset: "xord", overrides: ["k=\(k)", "nTest=200"], seed: seed)
    }

    @Test func testSetsAreDiverseAndUnrestricted() throws {
        let task = try #require(try PreparedExperiment(try config(k: 2, seed: 1)).task as? XORDTask)
        func ids(_ b: PatchBatch, _ n: Int) -> [Int] { (0..<b.K).map { Int(b.patternIDs[n * b.K + $0]) } }
        let diverse = task.diverseTest
        let unrestricted = task.unrestrictedTest
        #expect(diverse.count == 200 && unrestricted.count == 200)
        #expect((0..<200).allSatisfy { XORDSampler.isDiverse(ids(diverse, $0), label: diverse.labels[$0]) })
        #expect((0..<200).contains { !XORDSampler.isDiverse(ids(unrestricted, $0), label: unrestricted.labels[$0]) })
        #expect((task.testSet as? PatchBatch)?.x == diverse.x)
        let train = try #require(task.trainingData.fixedSet as? PatchBatch)
        #expect(train.count == 40)
        #expect((0..<40).allSatisfy { XORDSampler.isDiverse(ids(train, $0), label: train.labels[$0]) })
    }

    @Test(arguments: [(2, 0), (4, 2), (10, 5)])
    func figuresAgreeWithTheRecordedFilters(_ k: Int, _ seed: Int) throws {
        let c = try config(k: k, seed: seed)
        let prepared = try PreparedExperiment(c)
        let task = try #require(prepared.task as? XORDTask)
        let train = try #require(task.trainingData.fixedSet as? PatchBatch)
        let path = temporaryDirectory("xord")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try prepared.run(in: RunDirectory.create(at: path, overwrite: false))
        let lines = try String(contentsOfFile: "\(path)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try JSONValue.parse(String(lines.last!))
        let filters = try JSONValue.parse(
            String(try String(contentsOfFile: "\(path)/filters.jsonl", encoding: .utf8).split(separator: "\n").last!))
        let projections = try #require(filters["projections"]?.arrayValue).map { row in
            try #require(row.arrayValue).map { try #require($0.doubleValue) }
        }
        let cosines = try #require(filters["cosines"]?.arrayValue).map { row in
            try #require(row.arrayValue).map { try #require($0.doubleValue) }
        }
        let signs = try #require(filters["signs"]?.arrayValue).map { try #require($0.intValue) }
        #expect(projections.count == 2 * k && signs == (0..<(2 * k)).map { $0 < k ? 1 : -1 })
        // f(x) = Σ_j a_j max_i relu(⟨w_j, x_i⟩), a_j = ±1: x_i is a pattern, so ⟨w_j, x_i⟩ is a projection.
        func f(_ b: PatchBatch, _ n: Int) -> Double {
            let present = Set((0..<b.K).map { Int(b.patternIDs[n * b.K + $0]) })
            return (0..<(2 * k)).reduce(0.0) { sum, j in
                sum + Double(signs[j]) * present.map { max(0, projections[j][$0]) }.max()!
            }
        }
        func error(_ b: PatchBatch) -> Double {
            let wrong = (0..<b.count).filter { (f(b, $0) > 0 ? 1 : -1) != Int(b.labels[$0]) }.count
            return Double(wrong) / Double(b.count)
        }
        let xord = try #require(summary.section(XORDMeasures.self))
        // Errors: one misclassified point is 1/200 = 0.005; float32 against float64 sums cannot move
        // a margin across 0 unless it is within ~1e-6 of it.
        #expect(abs(xord.diverseTestError - error(task.diverseTest)) < 1e-9)
        #expect(abs(xord.unrestrictedTestError - error(task.unrestrictedTest)) < 1e-9)
        #expect(abs((last["diverseTestError"]?.doubleValue ?? .nan) - (1 - summary.testAccuracy)) < 1e-12)
        // Detection: a filter of the pattern's class sign with cosine > θ = 0.9.
        for p in 0..<4 {
            let sign = p < 2 ? 1 : -1
            let detected = (0..<(2 * k)).contains { signs[$0] == sign && cosines[$0][p] > 0.9 }
            #expect(xord.patternDetected[p] == detected, "pattern \(p)")
        }
        #expect(xord.bothPositiveDetected == (xord.patternDetected[0]! && xord.patternDetected[1]!))
        // Clusters: the pattern of largest projection, per sign.
        for (sign, clusters) in [(1, xord.positiveFilterClusters), (-1, xord.negativeFilterClusters)] {
            var expected = [0, 0, 0, 0]
            for j in 0..<(2 * k) where signs[j] == sign {
                expected[projections[j].indices.max { projections[j][$0] < projections[j][$1] }!] += 1
            }
            #expect((0..<4).map { clusters[$0] } == expected)
        }
        // The stop rule: every training margin ≥ 1 when the run stopped early, else the budget used.
        let margins = (0..<train.count).map { Double(train.labels[$0]) * f(train, $0) }
        if summary.steps < 2000 {
            #expect(margins.min()! >= 1 - 1e-5)
            #expect((last["trainMinMargin"]?.doubleValue ?? 0) >= 1)
        } else {
            #expect(summary.steps == 2000 && (last["trainMinMargin"]?.doubleValue ?? 1) < 1)
        }
    }
}
