import Foundation
import Testing
import _TestSupport

@testable import Experiments
@testable import Studies

/// Claim statements judged by hand, and `Verifier.run` end to end on a small claim.
@Suite struct VerifierTests {
    func run(t100: Int?, share: Double = 0.9, cosine: Double = 0.95, accuracy: Double = 1, seed: Int = 0) throws
        -> RunSummary
    {
        try RunSummary(
            json: .object([
                "status": .string("completed"), "preset": .string("kp-bench"), "seed": .int(seed), "steps": .int(1000),
                "testAccuracy": .double(accuracy), "testAccuracyNoisy": .double(1), "testLoss": .double(0),
                "trainAccuracy": .double(1), "trainLoss": .double(0),
                "stepsTo100": t100.map(JSONValue.int) ?? .null, "evaluations": .int(101),
                "bestKeyCosine": .double(cosine), "keyShare": .double(share), "normRatio": .double(3),
                "keyMass": .double(0.9), "keyFilterCount": .int(20), "positiveKeyFilterCount": .int(10),
                "negativeKeyFilterCount": .int(10), "explorationAtInit": .object([:]), "keysLearned": .object([:]),
                "keyProjectionGrowth": .double(0.3), "commonProjectionGrowth": .double(0.01),
                "nonKeyNormGrowth": .double(5), "nonKeyNormGrowthMedian": .double(4),
            ]))
    }

    @Test func passRuleDecidesBetweenPointAndBound() throws {
        // 19 of 20 runs reach 1 by step 500: p = 0.95, Wilson 95% [0.764, 0.991].
        let runs = try (0..<19).map { _ in try run(t100: 50) } + [run(t100: 600)]
        let reached = [RunCondition.stepsTo100(atMost: 500)]
        let point = ClaimStatement.proportion("p", "s", reached, Threshold(.atLeast, 0.9)).judge(runs)
        let bound = ClaimStatement.proportion("b", "s", reached, Threshold(.atLeast, 0.9), rule: .intervalBound)
            .judge(runs)
        #expect(point.value == 0.95 && point.passed && point.rule == "point estimate")
        #expect(bound.value == 0.95 && !bound.passed && bound.rule == "interval bound")
        #expect(abs(bound.interval.lowerBound - 0.7639) < 1e-3)
    }

    @Test func atMostStatementsUseTheUpperBound() throws {
        // 3 of 10 runs done by step 500: p = 0.3, Wilson 95% [0.108, 0.603]; ≤ 0.5 passes on the point
        // estimate, fails on the upper bound 0.603.
        let runs = try (0..<3).map { _ in try run(t100: 100) } + (0..<7).map { _ in try run(t100: 900) }
        let early = [RunCondition.stepsTo100(atMost: 500)]
        let point = ClaimStatement.proportion("p", "s", early, Threshold(.atMost, 0.5)).judge(runs)
        let bound = ClaimStatement.proportion("b", "s", early, Threshold(.atMost, 0.5), rule: .intervalBound)
            .judge(runs)
        #expect(point.passed && !bound.passed)
        #expect(abs(bound.interval.upperBound - 0.6032) < 1e-3)
    }

    @Test func a3cCanFail() throws {
        // Every run done by step 100: P(T₁₀₀ ≤ 500) = 1 > 0.5, so the "takes long enough" row fails
        // while A3a (reached within 4000 steps) passes.
        let fast = try (0..<50).map { _ in try run(t100: 100, share: 0.99) }
        let rows = Claim.a3.judge(fast)
        #expect(rows.map(\.id) == ["A3a", "A3b", "A3c"])
        #expect(rows[0].passed && rows[1].passed && !rows[2].passed)
        let slow = try (0..<50).map { i in try run(t100: i < 10 ? 300 : 2000, share: 0.99) }
        #expect(Claim.a3.judge(slow).allSatisfy { $0.passed })
    }

    @Test func medianRowsAndContrasts() throws {
        // keyShare 0.5, 0.6, 0.7, 0.8, 0.9: median 0.7 < 0.95 → A3b fails.
        let runs = try [0.5, 0.6, 0.7, 0.8, 0.9].map { try run(t100: 700, share: $0) }
        let a3b = Claim.a3.judge(runs)[1]
        #expect(a3b.value == 0.7 && !a3b.passed && a3b.detail == "median of 5 runs")
        // A5's contrast row reads A1's runs: absent without them, present and not judged with them.
        #expect(Claim.a5.judge(runs).map(\.id) == ["A5a", "A5b"])
        let rows = Claim.a5.judge(runs, others: ["A1": runs])
        #expect(rows.map(\.id) == ["A5a", "A5b", "A5c"])
        #expect(!rows[2].judged && rows[2].verdict == "info" && rows[2].value == 4)
        var failingContrast = rows[2]
        failingContrast.passed = false
        let v = Verification(
            rows: Array(rows.prefix(2)) + [failingContrast], skipped: [:], directories: [:], seeds: 5, seconds: 0)
        #expect(v.passed && v.table.contains("not judged"))
    }

    @Test func variantStatementsReadTheirVariantsRuns() throws {
        // B1 on hand-made runs: at M = 2, 4 of 10 learn both keys (Wilson upper bound 0.69 > 0.6:
        // FAIL on the bound although 0.4 ≤ 0.6), then 3 of 10 with 20 runs → 6/20, upper bound 0.52:
        // PASS; at M = 32 all learn both keys; one M = 2 run below 0.99 accuracy is still "most".
        func runs(_ n: Int, learned: Int, accuracy: Double = 1) throws -> [RunSummary] {
            try (0..<n).map { i in try run(t100: 100, cosine: i < learned ? 0.95 : 0.2, accuracy: accuracy) }
        }
        let small = try runs(9, learned: 4) + runs(1, learned: 0, accuracy: 0.7)
        var variants = ["M2": small, "M4": try runs(10, learned: 8), "M8": try runs(10, learned: 10)]
        variants["M32"] = try runs(10, learned: 10)
        let rows = Claim.b1.judge([], variantRuns: variants)
        #expect(rows.map(\.id) == ["B1a", "B1b", "B1c", "B1d", "B1e", "B1f", "B1g", "B1h"])
        #expect(rows[0].value == 0.4 && !rows[0].passed)
        #expect(!rows[1].judged && rows[1].value == 0.8 && !rows[2].judged)
        #expect(rows[3].passed && rows[4].value == 0.9 && rows[4].passed)
        variants["M2"] = try runs(20, learned: 6)
        #expect(Claim.b1.judge([], variantRuns: variants)[0].passed)
        // Without a variant's runs its statements are left out.
        #expect(Claim.b1.judge([], variantRuns: ["M32": variants["M32"]!]).map(\.id) == ["B1d", "B1h"])
    }

    @Test func pairedStatementsCompareRunsOfTheSameSeed() throws {
        // Accuracies by seed, this variant vs the other: seed 0: 1 vs 0.5 (difference 0.5), 1: 0.75 vs
        // 0.75 (0), 2: 0.75 vs 0.5 (0.25), 3: 0.5 vs 0.5 (0), 4: 0.5 vs 0.75 (−0.25); seed 7 has no
        // partner and seed 9 only a partner, so neither counts. Difference ≥ 0.25 in 2 of 5 pairs.
        let mine = try zip([0, 1, 2, 3, 4, 7], [1, 0.75, 0.75, 0.5, 0.5, 1]).map {
            try run(t100: nil, accuracy: $1, seed: $0)
        }
        let others = try zip([0, 1, 2, 3, 4, 9], [0.5, 0.75, 0.5, 0.5, 0.75, 0]).map {
            try run(t100: nil, accuracy: $1, seed: $0)
        }
        let statement = ClaimStatement.paired(
            "p", "s", Claim.C2.accuracy, against: "other", difference: Threshold(.atLeast, 0.25),
            Threshold(.atLeast, 0.4))
        let row = statement.judge(mine, pairedRuns: others)
        #expect(row.value == 0.4 && row.passed && row.detail == "2/5 seeds")
        #expect(abs(row.interval.lowerBound - wilsonInterval(successes: 2, trials: 5).lowerBound) < 1e-12)
        // Swapped, only seed 4 differs by ≥ 0.25: 1/5 < 0.4.
        let swapped = statement.judge(others, pairedRuns: mine)
        #expect(swapped.value == 0.2 && !swapped.passed)
        // No partners: no value, FAIL.
        #expect(!statement.judge(mine, pairedRuns: []).passed)
        // C2 pairs each CNN variant with the FC variant of the same n; rows whose runs are absent are left out.
        let cnn = try (0..<10).map { try run(t100: nil, accuracy: $0 < 9 ? 1 : 0.5, seed: $0) }
        let fc = try (0..<10).map { try run(t100: nil, accuracy: 0.5, seed: $0) }
        let rows = Claim.c2.judge([], variantRuns: ["n8-cnn": cnn, "n8-fc": fc])
        #expect(rows.map(\.id) == ["C2a", "C2e", "C2f"])
        #expect(rows[0].value == 0.9 && rows[0].detail == "9/10 seeds")
        #expect(Claim.c2.judge([], variantRuns: ["n8-cnn": cnn]).map(\.id) == ["C2e"])
    }

    @Test func variantClaimsDrawTheirCurve() throws {
        // Two widths × 2 seeds of a 30-step kp-small: the report's curve has one line per series
        // and a point per variant.
        var preset = Preset.kpSmall.config
        preset.training.steps = 30
        preset.data.nTest = 100
        let claim = Claim(
            id: "T2", title: "curve", preset: Preset(name: "kp-test", summary: "", config: preset), finalOnly: true,
            statements: [
                ClaimStatement.proportion("T2a", "anything", [.stepsTo100(atMost: 30)], Threshold(.atLeast, 0)).on("M2")
            ],
            variants: [2, 8].map { m in
                ClaimVariant("M\(m)", "M = \(m)", point: ("width", Double(m))) { $0.network.M = m }
            },
            curve: ClaimCurve(xLabel: "filters M", figure: RunCondition.Figure("test error") { 1 - $0.testAccuracy }))
        let root = temporaryDirectory("verifier-curve")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let v = try Verifier.run([claim], seeds: 2, root: root, workers: 2)
        #expect(v.rows.map { $0.id } == ["T2a"] && v.rows[0].detail.hasSuffix("/2 runs"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/T2/M8/seed-1/summary.json"))
        let svg = try String(contentsOfFile: "\(root)/plots/T2-curve.svg", encoding: .utf8)
        #expect(svg.contains("width, median") && svg.contains("width, interquartile range"))
        #expect(try String(contentsOfFile: "\(root)/report.html", encoding: .utf8).contains("plots/T2-curve.svg"))
    }

    /// A claim's `defaultSeeds` applies without `--seeds` (and `--seeds` overrides it), and a curve
    /// series whose runs lack the figure (NaN, as G1's CNN lacks routing accuracy) is left out.
    @Test func claimsRunTheirDefaultSeedsAndCurvesSkipSeriesWithoutTheFigure() throws {
        var preset = Preset.kpSmall.config
        preset.training.steps = 30
        preset.data.nTest = 100
        // The figure is NaN for the "short" series (20 steps) and defined for "long" (30 steps).
        let onlyLong = RunCondition.Figure("only long") { $0.steps == 30 ? $0.testAccuracy : .nan }
        let claim = Claim(
            id: "T3", title: "seeds", preset: Preset(name: "kp-test", summary: "", config: preset), finalOnly: true,
            statements: [
                ClaimStatement.proportion("T3a", "anything", [.stepsTo100(atMost: 30)], Threshold(.atLeast, 0))
                    .on("long")
            ],
            variants: [
                ClaimVariant("long", "30 steps", point: ("long", 1)) { _ in },
                ClaimVariant("short", "20 steps", point: ("short", 2)) { $0.training.steps = 20 },
            ],
            curve: ClaimCurve(xLabel: "x", figure: onlyLong), defaultSeeds: 3)
        let root = temporaryDirectory("verifier-seeds")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let v = try Verifier.run([claim], seeds: nil, root: root, workers: 2)
        #expect(v.seeds == 3 && v.rows[0].detail.hasSuffix("/3 runs"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/T3/short/seed-2/summary.json"))
        let svg = try String(contentsOfFile: "\(root)/plots/T3-curve.svg", encoding: .utf8)
        #expect(svg.contains("long, median") && !svg.contains("short, median"))
        let two = try Verifier.run([claim], seeds: 2, root: root + "-2", workers: 2)
        defer { try? FileManager.default.removeItem(atPath: root + "-2") }
        #expect(two.seeds == 2 && two.rows[0].detail.hasSuffix("/2 runs"))
    }

    @Test func verifierRunsJudgesAndWritesWhatItJudged() throws {
        // Three 60-step kp-bench runs; a claim that needs T₁₀₀ ≤ 10 in every run must fail, one that
        // needs test accuracy 1 by step 60 in ≥ 0 of them must pass.
        var preset = Preset.kpBench.config
        preset.training.steps = 60
        preset.data.nTest = 200
        let claim = Claim(
            id: "T1", title: "test claim", preset: Preset(name: "kp-test", summary: "", config: preset),
            statements: [
                .proportion("T1a", "never that fast", [.stepsTo100(atMost: 10)], Threshold(.atLeast, 1)),
                .proportion("T1b", "anything", [.stepsTo100(atMost: 60)], Threshold(.atLeast, 0)),
            ])
        let root = temporaryDirectory("verifier")
        let v = try Verifier.run([claim], seeds: 3, root: root, workers: 2)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(v.rows.map { $0.id } == ["T1a", "T1b"])
        #expect(!v.rows[0].passed && v.rows[1].passed && !v.passed)
        // The rows are the judgement of the summaries on disk.
        let summaries = try (0..<3).map { s in
            try RunSummary(
                json: JSONValue.parse(String(contentsOfFile: "\(root)/T1/seed-\(s)/summary.json", encoding: .utf8)))
        }
        #expect(claim.judge(summaries) == v.rows)
        let written = try JSONValue.parse(String(contentsOfFile: "\(root)/verify.json", encoding: .utf8))
        let rows = try written["rows"]?.decode([ClaimRow].self)
        #expect(rows == v.rows)
        #expect(written["passed"] == .bool(false))
    }

    /// The terminal table: steps as integers, loss ratios in scientific notation, "–" for an info row
    /// without a threshold, and each row's interval named with its coverage (a difference of
    /// medians is ≥ 90%, not 95%).
    @Test func tableFormatsStepsRatiosAndIntervalsTruthfully() throws {
        func row(_ id: String, _ value: Double, _ interval: ClosedRange<Double>, method: String, threshold: String)
            -> ClaimRow
        {
            ClaimRow(
                id: id, statement: "s", value: value, interval: interval, method: method, threshold: threshold,
                rule: "point estimate", judged: false, passed: true, detail: "median of 5 runs")
        }
        let steps = row("S", 925, 925...1544, method: "order statistics 95%", threshold: "–")
        let ratio = row("R", 2.5e-5, 1e-5...4e-5, method: "order statistics 95%", threshold: "≤ 0.01")
        let share = row("P", 1, 0.566...1, method: "Wilson 95%", threshold: "≥ 0.9")
        let difference = row("D", 0.12, -0.122...0.336, method: "order statistics, ≥ 90%", threshold: "≥ 0.05")
        let table = Verification(
            rows: [steps, ratio, share, difference], skipped: [:], directories: [:], seeds: 5, seconds: 0
        ).table
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("measured [interval]") && !lines[0].contains("95% interval"))
        #expect(lines[1].contains("925 [925, 1544]") && !lines[1].contains("925.000"))
        #expect(lines[1].contains(" – "))
        #expect(lines[2].contains("2.50e-05 [1.00e-05, 4.00e-05]"))
        #expect(lines[3].contains("1.000 [0.566, 1.000]") && lines[3].contains("Wilson 95%"))
        #expect(lines[4].contains("0.120 [-0.122, 0.336]") && lines[4].contains("order statistics, ≥ 90%"))
        // The declared info rows without a meaningful threshold show none; judged rows keep theirs.
        let g1Rows = Claim.g1.statements.filter { ["G1a", "G1g"].contains($0.id) }
        #expect(g1Rows.map(\.showsThreshold) == [true, false])
        #expect(try Claim.g1.statements[0].judge([run(t100: nil)]).threshold == "≥ 0.05")
        #expect(try g1Rows[1].judge([run(t100: nil)]).threshold == "–")
    }

    /// report.html on a phone: the verdict sits next to the row id, the table scrolls inside its own
    /// box, each claim is one section whose variants are sub-headings (no repeated titles), and
    /// pMoE variants show test and routing accuracy, not the key-pattern or T₁₀₀ plots that are
    /// empty for them.
    @Test func reportShowsVerdictsFirstAndOnlyInformativePlots() throws {
        var preset = Preset.pmoe.config
        preset.training.steps = 20
        preset.data.nTest = 100
        let claim = Claim(
            id: "T4", title: "pmoe test", preset: Preset(name: "pmoe-test", summary: "", config: preset),
            finalOnly: true,
            statements: [
                ClaimStatement.median("T4a", "routing", Claim.G1.routing, Threshold(.atLeast, 0)).on("n8-pmoe")
                    .measuredOnly(threshold: false)
            ],
            variants: [
                ClaimVariant("n8-pmoe", "N = 8, pMoE") { $0.data.nTrain = 8 },
                ClaimVariant("n8-cnn", "N = 8, CNN") {
                    $0 = Preset.pmoeCNN.config
                    $0.training.steps = 20
                    $0.data.nTest = 100
                    $0.data.nTrain = 8
                },
            ])
        let root = temporaryDirectory("verifier-report")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let v = try Verifier.run([claim], seeds: 2, root: root, workers: 2)
        #expect(v.rows.map(\.threshold) == ["–"])
        let html = try String(contentsOfFile: "\(root)/report.html", encoding: .utf8)
        #expect(html.contains("<div style=\"overflow-x: auto; max-width: 100%\">\n<table>"))
        #expect(
            html.contains(
                "<tr><th style=\"white-space:nowrap\">row</th><th style=\"white-space:nowrap\">verdict</th>"
                    + "<th style=\"text-align:left\">statement</th>"))
        #expect(html.contains("<tr><td>T4a</td><td style=\"color:#555555\"><b>info</b></td>"))
        #expect(!html.contains("95% interval</th>"))
        // One heading per claim, the variants below it.
        #expect(html.components(separatedBy: "T4: pmoe test").count == 2)
        #expect(html.contains("<h3 id=\"T4-n8-pmoe\">N = 8, pMoE</h3>") && !html.contains("N = 8, pMoE: pmoe test"))
        let plots = try FileManager.default.contentsOfDirectory(atPath: "\(root)/plots").sorted()
        #expect(plots.contains("T4-n8-pmoe-seeds-routing-accuracy-hist.svg"))
        #expect(
            plots.contains("T4-n8-pmoe-seeds-accuracy-hist.svg") && plots.contains("T4-n8-cnn-seeds-accuracy-hist.svg"))
        // The CNN has no router; final-only runs get no T₁₀₀ curve; no run has key filters here
        // (20 steps), so no key-pattern plots, and a note says why.
        #expect(!plots.contains("T4-n8-cnn-seeds-routing-accuracy-hist.svg"))
        #expect(!plots.contains { $0.contains("t100") || $0.contains("key-share") || $0.contains("best-key") })
        #expect(html.contains("No run has a key filter at the end"))
    }

    /// Runs evaluated along the way get curves over training; the T₁₀₀ curve only when some run
    /// reached accuracy 1 (60 kp-bench steps), else a note (3 steps).
    @Test func runsOverTrainingGetCurvesAndTheT100CurveOnlyWhenReached() throws {
        func claim(_ id: String, steps: Int) -> Claim {
            var preset = Preset.kpBench.config
            preset.training.steps = steps
            preset.data.nTest = 200
            preset.evaluation.schedule = .every(steps < 25 ? 1 : 25)
            return Claim(
                id: id, title: "kp", preset: Preset(name: "kp-test", summary: "", config: preset),
                statements: [.proportion("\(id)a", "reached", [.stepsTo100(atMost: steps)], Threshold(.atLeast, 0))])
        }
        let root = temporaryDirectory("verifier-t100")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let v = try Verifier.run([claim("T5", steps: 60), claim("T6", steps: 3)], seeds: 2, root: root, workers: 2)
        #expect(v.rows[0].value > 0 && v.rows[1].value == 0)
        let plots = try FileManager.default.contentsOfDirectory(atPath: "\(root)/plots")
        #expect(plots.contains("T5-seeds-accuracy.svg") && plots.contains("T6-seeds-accuracy.svg"))
        #expect(plots.contains("T5-seeds-t100-curve.svg") && !plots.contains("T6-seeds-t100-curve.svg"))
        let html = try String(contentsOfFile: "\(root)/report.html", encoding: .utf8)
        #expect(html.contains("No run reached test accuracy 1 within its 3 steps"))
        #expect(html.components(separatedBy: "No run reached test accuracy 1").count == 2)
    }
}
