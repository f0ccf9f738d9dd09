import Experiments
import Foundation
import Testing
import _TestSupport

/// Whole `xord` runs (SPEC §5, Brutzkus & Globerson 2019) against an independent reproduction: the
/// fixture `Fixtures/golden-xord.json` was computed in float64 by `Benchmarks/peers/golden_xord.py`
/// (numpy, written from the SPEC; it shares only the seeded random streams of SPEC §4 with convdyn,
/// importing them from golden_kp_bench.py) for six (k, seed) pairs: k = 2 seed 0 and k = 4 seed 1,
/// which get stuck (their a_j > 0 filters end aligned with negative patterns, the training set is
/// never fitted and the run takes all 2000 steps), k = 2 seed 2 and k = 4 seed 0, which fit it
/// after 255 and 127 steps, and k = 50 seeds 5 and 7, which stop after 13 and 15 steps. The runs
/// are the preset's with two changes that only affect what is measured (the fixture's
/// `overrides`): the schedule `log(6)` (steps 0, 1, 7, 45, 299, 2000, and the stop step), and test
/// sets of 200 diverse and 200 unrestricted points instead of 2000 + 2000 (the test sets come from
/// their own stream, so training is the preset's; a debug build runs the six in about 3 s).
/// Docs/Testing.md says how to regenerate it.
///
/// Tolerances for the continuous figures, from `golden_xord.py --compare` against release runs of
/// the full preset (2000 + 2000 test points, every 20 steps) for k ∈ {2, 4, 10, 50, 120} and seeds
/// 0–7, all but one (below): the largest deviations were 4.1e-6 absolute on the training margins
/// and 1.8e-6 on the losses (relative, at most 5.3e-5 and 1.3e-4), and 1.8e-6 of the largest
/// |⟨w_j, p⟩| on the projections. Losses and margins must be within 2e-5 + 2e-4·|reference| (the
/// worst deviation used 5.7% of that), the end's projections within 5e-5 of the largest reference
/// |⟨w_j, p⟩| (the worst used 3.7%). With the reference's update made with η = 0.0101 instead of
/// 0.01 the test failed in every run, with 9 to 14 issues each (margins off by 2e-4 to 1e-2, stop
/// steps off by one).
///
/// Exact: the step at which the stop rule ends the run, the evaluated steps, the train and test
/// accuracies, both test errors, the detection counts and the clusters at the end. They never
/// differed in the 40 compared runs, and at the fixture's runs they are far from flipping (the
/// fixture records each figure): after step 0 the smallest nonzero |f(x)| over the training and
/// test points is ≥ 1.2e-4 (at step 0, ≥ 6.7e-7 with outputs of size ≈ 1e-5 whose float32 error is
/// ≈ 1e-12), against margin deviations ≤ 4.1e-6; the own-sign cosines are ≥ 1.1e-3 from θ, against
/// cosine deviations ≤ 3.8e-6 at those steps; every training margin stays ≥ 5.3e-5 from 1 (the
/// hinge's indicator) and the smallest margin ≥ 3.8e-4 from 1 one step before and at the stop; and
/// each filter's tie ratio min(|w₁ − w₂|, |w₁|, |w₂|)/‖w‖ (how near its arg-max patch is to a tie or
/// to the ReLU's kink) stays ≥ 2.7e-5. The one run left out, k = 50 seed 2, shows why that last
/// figure matters: one a_j > 0 filter starts with w₁ − w₂ = −3.0e-9 at ‖w‖ = 1.4e-6, full-batch
/// updates keep that difference while ‖w‖ grows to 0.08 (ratio 3.8e-8, below float32's resolution),
/// and convdyn's float32 rounding makes w₁ = w₂ exactly, so the negative points stop reaching the
/// filter; its negative-pattern projections end at 0 in convdyn and ±0.01 in float64 (every
/// discrete figure and the stop step still agree). That is float32 arithmetic, which the SPEC asks
/// for, not an error; such runs are not in the fixture.
@Suite struct IndependentXORDGoldenTests {
    static let relativeTolerance = 2e-4
    static let absoluteTolerance = 2e-5
    static let projectionTolerance = 5e-5

    static let fixture: JSONValue? = {
        let path = Bundle.module.resourcePath! + "/Fixtures/golden-xord.json"
        return try? JSONValue.parse(String(contentsOfFile: path, encoding: .utf8))
    }()

    static func number(_ value: JSONValue?) -> Double {
        guard let value, value != .null else { return .nan }
        return value.doubleValue ?? .nan
    }

    @Test(arguments: [(2, 0), (2, 2), (4, 1), (4, 0), (50, 5), (50, 7)])
    func xordMatchesIndependentFloat64Run(_ k: Int, _ seed: Int) throws {
        let fixture = try #require(Self.fixture, "cannot read Fixtures/golden-xord.json")
        let runs = try #require(fixture["runs"]?.arrayValue)
        let run = try #require(
            runs.first { $0["k"] == .int(k) && $0["seed"] == .int(seed) }, "fixture has no run for k \(k) seed \(seed)")
        let expected = try #require(run["evaluations"]?.arrayValue)
        let lastStep = try #require(run["lastStep"]?.intValue)

        #expect(fixture["preset"] == .string("xord"))
        let overrides = (fixture["overrides"]?.arrayValue ?? []).compactMap { $0.stringValue }
        #expect(overrides == ["schedule=log(6)", "nTest=200"])
        let config = try ConfigResolver.resolve(preset: "xord", overrides: overrides + ["k=\(k)"], seed: seed)
        let path = temporaryDirectory("independent-xord-\(k)-\(seed)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = try Experiment(config).run(in: RunDirectory.create(at: path, overwrite: false))
        func lines(_ name: String) throws -> [JSONValue] {
            try String(contentsOfFile: "\(path)/\(name)", encoding: .utf8).split(separator: "\n")
                .map { try JSONValue.parse(String($0)) }
        }
        let metrics = try lines("metrics.jsonl")
        let filters = try lines("filters.jsonl")
        let end = try JSONValue.parse(String(contentsOfFile: "\(path)/summary.json", encoding: .utf8))

        let where_ = "k \(k) seed \(seed)"
        #expect(summary.steps == lastStep, "\(where_): stopped after \(summary.steps) steps, reference \(lastStep)")
        let steps = metrics.map { $0["step"]?.intValue }
        #expect(steps == expected.map { $0["step"]?.intValue }, "\(where_): evaluated steps differ")
        #expect(filters.map { $0["step"]?.intValue } == steps)
        guard steps.count == expected.count, filters.count == steps.count else { return }

        let exact = [
            "trainAccuracy", "testAccuracy", "diverseTestError", "unrestrictedTestError", "positivePatternsDetected",
            "negativePatternsDetected",
        ]
        let continuous = ["trainLoss", "trainMinMargin", "trainMaxMargin", "testLoss"]
        for (e, m) in zip(expected, metrics) {
            let step = e["step"]?.intValue ?? -1
            for name in exact {
                let (a, b) = (Self.number(m[name]), Self.number(e[name]))
                #expect(a == b, "\(where_) step \(step): \(name) \(a) vs reference \(b)")
            }
            for name in continuous {
                let c = closeness(
                    [Self.number(m[name])], [Self.number(e[name])], rtol: Self.relativeTolerance,
                    atol: Self.absoluteTolerance)
                #expect(c.isClose, "\(where_) step \(step): \(name) \(c)")
            }
        }

        let last = try #require(expected.last)
        for name in ["positiveFilterClusters", "negativeFilterClusters"] {
            let sizes = (0..<4).map { end[name]?["\($0)"]?.intValue }
            #expect(sizes == (last[name]?.arrayValue ?? []).map { $0.intValue }, "\(where_): \(name)")
        }
        let reference = (last["projections"]?.arrayValue ?? []).flatMap { ($0.arrayValue ?? []).map(Self.number) }
        let projections = (filters.last?["projections"]?.arrayValue ?? []).flatMap {
            ($0.arrayValue ?? []).map(Self.number)
        }
        #expect(reference.count == 4 * config.network.M)
        let scale = reference.map(abs).max() ?? 0
        #expect(scale > 0)
        let c = closeness(projections, reference, rtol: 0, atol: Self.projectionTolerance * scale)
        #expect(c.isClose, "\(where_): final projections \(c) (largest |⟨w_j, p⟩| \(scale))")
    }
}
