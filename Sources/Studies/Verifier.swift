import Datasets
import Experiments
import Foundation
import Reporting
import Tensors

/// The outcome of `convdyn verify`: every row of every claim run, and the claims skipped.
public struct Verification: Sendable {
    /// Every statement's verdict, claims in order.
    public var rows: [ClaimRow]
    /// Claim id → why it was not run.
    public var skipped: [String: String]
    /// Claim id → the directory of its runs.
    public var directories: [String: String]
    /// Seeds per claim: the --seeds given, or without it the largest of the claims' defaults.
    public var seeds: Int
    /// Wall time of the whole verification.
    public var seconds: Double

    /// True when every judged row passed (contrasts are not judged).
    public var passed: Bool { rows.allSatisfy { !$0.judged || $0.passed } }

    /// The content of verify.json.
    public var json: JSONValue {
        .object([
            "passed": .bool(passed), "seeds": .int(seeds), "seconds": .double(seconds),
            "rows": .array(rows.map { (try? JSONValue(encoding: $0)) ?? .null }),
            "skipped": .object(skipped.mapValues(JSONValue.string)),
            "directories": .object(directories.mapValues(JSONValue.string)),
        ])
    }

    /// The table printed by `convdyn verify`. "interval" names each row's interval and its
    /// coverage (95%, or at least 90% for a difference of medians); "pass on" says what PASS
    /// compares with the threshold: the point estimate, or the interval's bound on the unfavourable
    /// side; "–" stands for the threshold of a row shown without one.
    public var table: String {
        func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        let statementWidth = max(20, rows.map(\.statement.count).max() ?? 20)
        let measured = rows.map { "\(Verification.measured($0)) \($0.detail)" }
        let measuredWidth = max(24, measured.map(\.count).max() ?? 24)
        let methodWidth = max(8, rows.map(\.method.count).max() ?? 8)
        var lines = [
            pad("claim", 5) + " " + pad("statement", statementWidth) + "  " + pad("measured [interval]", measuredWidth)
                + "  " + pad("interval", methodWidth) + "  " + pad("threshold", 10) + " " + pad("pass on", 15)
                + " verdict"
        ]
        for (r, m) in zip(rows, measured) {
            lines.append(
                pad(r.id, 5) + " " + pad(r.statement, statementWidth) + "  " + pad(m, measuredWidth) + "  "
                    + pad(r.method, methodWidth) + "  " + pad(r.threshold, 10) + " "
                    + pad(r.judged ? r.rule : "not judged", 15) + " " + r.verdict)
        }
        for (id, why) in skipped.sorted(by: { $0.key < $1.key }) { lines.append("\(id)    skipped: \(why)") }
        return lines.joined(separator: "\n")
    }

    /// The verification recorded in `root`/verify.json; the claims' directories are taken as
    /// `root`/NAME (the last part of each recorded path), so that a moved or copied verify
    /// directory still finds its runs.
    public static func load(_ root: String) throws -> Verification {
        let file = "\(root)/verify.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            throw OutputError("\(root) is not a verify directory (no verify.json); make one with `convdyn verify`")
        }
        do {
            let json = try JSONValue.parse(String(decoding: data, as: UTF8.self))
            guard let rows = json["rows"]?.arrayValue, let seeds = json["seeds"]?.intValue else {
                throw OutputError("\(file) has no rows or seeds")
            }
            var directories: [String: String] = [:]
            for (id, dir) in json["directories"]?.objectValue ?? [:] {
                guard let dir = dir.stringValue else { continue }
                directories[id] = "\(root)/\((dir as NSString).lastPathComponent)"
            }
            return Verification(
                rows: try rows.map { try $0.decode(ClaimRow.self) },
                skipped: (json["skipped"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                directories: directories, seeds: seeds, seconds: json["seconds"]?.doubleValue ?? .nan)
        } catch let error as OutputError {
            throw error
        } catch {
            throw OutputError("\(file) is malformed: \(error)")
        }
    }

    /// The claims of `all` this verification ran or skipped, in that order.
    public func claims(among all: [Claim] = Claim.all) -> [Claim] {
        all.filter { directories[$0.id] != nil || skipped[$0.id] != nil }
    }

    /// "0.120 [-0.122, 0.336]": the value and its interval, with three decimals, three
    /// significant digits below 0.001 (loss ratios), and as integers when all three are whole
    /// numbers and one exceeds 1 (steps).
    static func measured(_ r: ClaimRow) -> String {
        let values = [r.value, r.interval.lowerBound, r.interval.upperBound]
        let whole = values.allSatisfy { $0 == $0.rounded() } && values.contains { abs($0) > 1 }
        func f(_ x: Double) -> String {
            if whole { return x.isFinite ? String(format: "%.0f", x) : (x > 0 ? "∞" : "−∞") }
            return x != 0 && abs(x) < 1e-3 ? String(format: "%.2e", x) : String(format: "%.3f", x)
        }
        return "\(f(r.value)) [\(f(r.interval.lowerBound)), \(f(r.interval.upperBound))]"
    }
}

/// Runs the claims of SPEC §7 over many seeds.
public enum Verifier {
    /// Runs `claims` for seeds firstSeed..<firstSeed+seeds into root/CLAIM/seed-S (no per-filter
    /// files), judges them, and writes verify.json and report.html into `root`. Without `seeds`,
    /// each claim runs its own default (`Claim.seeds(_:)`).
    public static func run(
        _ claims: [Claim], seeds requested: Int?, firstSeed: Int = 0, root: String, workers: Int,
        log: (@Sendable (String) -> Void)? = nil
    ) throws -> Verification {
        let start = Date()
        var rows: [ClaimRow] = []
        var skipped: [String: String] = [:]
        var directories: [String: String] = [:]
        var results: [String: [RunSummary]] = [:]
        let fm = FileManager.default
        if fm.fileExists(atPath: root), !((try? fm.contentsOfDirectory(atPath: root)) ?? []).isEmpty {
            throw OutputError("output directory \(root) is not empty; choose another --out")
        }
        for claim in claims {
            let seeds = claim.seeds(requested)
            if let images = claim.preset.config.images {
                do { _ = try ImageLoader.locate(images) } catch {
                    skipped[claim.id] = "no image data (\(error))"
                    log?("\(claim.id): skipped, no image data")
                    continue
                }
            }
            func configs(_ base: ExperimentConfig) -> [ExperimentConfig] {
                (firstSeed..<(firstSeed + seeds)).map { seed -> ExperimentConfig in
                    var c = base
                    c.seed = seed
                    c.evaluation.filterDynamics = false
                    if claim.finalOnly { c.evaluation.schedule = .every(c.training.steps) }
                    return c
                }
            }
            if !claim.variants.isEmpty {
                let dir = "\(root)/\(claim.id)"
                directories[claim.id] = dir
                var variantRuns: [String: [RunSummary]] = [:]
                for variant in claim.variants {
                    let claimStart = Date()
                    let runs = configs(variant.config(from: claim.preset.config))
                    // The variant's own preset (karp-lsa-frozen for E1's frozen bias), not the claim's.
                    log?("\(claim.id), \(variant.label): \(seeds) runs of \(runs.first?.preset ?? claim.preset.name)…")
                    variantRuns[variant.name] = try RunBatch.run(
                        runs, into: runs.map { "\(dir)/\(variant.name)/seed-\($0.seed)" }, workers: workers)
                    log?(
                        String(
                            format: "%@, %@: done in %.1f s", claim.id, variant.label,
                            Date().timeIntervalSince(claimStart)))
                }
                rows += claim.judge([], variantRuns: variantRuns, others: results)
                continue
            }
            let summaries: [RunSummary]
            if let other = claim.sharesRunsWith, let shared = results[other] {
                summaries = shared
                directories[claim.id] = directories[other]
                log?("\(claim.id): judged on the runs of \(other)")
            } else {
                let dir = "\(root)/\(claim.id)"
                directories[claim.id] = dir
                let configs = configs(claim.preset.config)
                let claimStart = Date()
                log?("\(claim.id): \(seeds) runs of \(claim.preset.name)…")
                summaries = try RunBatch.run(configs, into: configs.map { "\(dir)/seed-\($0.seed)" }, workers: workers)
                log?(String(format: "%@: done in %.1f s", claim.id, Date().timeIntervalSince(claimStart)))
            }
            results[claim.id] = summaries
            rows += claim.judge(summaries, others: results)
        }
        let verification = Verification(
            rows: rows, skipped: skipped, directories: directories,
            seeds: requested ?? claims.map { $0.seeds(nil) }.max() ?? Claim.standardSeeds,
            seconds: Date().timeIntervalSince(start))
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try write(verification.json.prettyText, to: "\(root)/verify.json")
        try writeReport(verification, claims: claims, root: root)
        return verification
    }

    /// Re-makes `root`/report.html, its plots and each claim directory's report from verify.json
    /// and the run directories (`convdyn report` on a verify directory); returns the verification.
    @discardableResult
    public static func rewriteReport(_ root: String, among all: [Claim] = Claim.all) throws -> Verification {
        let v = try Verification.load(root)
        try writeReport(v, claims: v.claims(among: all), root: root)
        return v
    }

    static func write(_ text: String, to path: String) throws {
        try writeFileAtomically(text, to: path)
    }

    /// report.html: the verdict table, then per claim its curve over the variants (if any) and,
    /// for its runs or each variant's, the plots that hold information for the model
    /// (`ClaimPlots`); each claim's directory also gets its own full report.
    static func writeReport(_ v: Verification, claims: [Claim], root: String) throws {
        let nowrap: Attributes = ["style": "white-space:nowrap"]
        let rows = v.rows.map { r -> Node in
            let interval =
                "[\(formatValue(r.interval.lowerBound)), \(formatValue(r.interval.upperBound))] (\(r.method))"
            return .element(
                "tr", [:],
                [
                    .element("td", [:], [.text(r.id)]),
                    .element(
                        "td", ["style": "color:\(r.judged ? (r.passed ? "#2ca02c" : "#d62728") : "#555555")"],
                        [.element("b", [:], [.text(r.verdict)])]),
                    .element("td", ["style": "text-align:left; min-width:12em"], [.text(r.statement)]),
                    // Figures stay on one line; the statement wraps.
                    .element("td", nowrap, [.text(formatValue(r.value))]), .element("td", nowrap, [.text(interval)]),
                    .element("td", nowrap, [.text(r.detail)]), .element("td", nowrap, [.text(r.threshold)]),
                    .element("td", nowrap, [.text(r.judged ? r.rule : "not judged")]),
                ])
        }
        let headers = [
            "row", "verdict", "statement", "measured", "interval (method, coverage)", "runs", "threshold",
            "pass on",
        ]
        let verdict = v.passed ? "Every judged row passed." : "At least one judged row failed."
        var body = [
            Report.header(
                "The papers' claims over \(v.seeds) seeds",
                notes: v.skipped.sorted { $0.key < $1.key }.map { "\($0.key) skipped: \($0.value)" }),
            Report.section(
                "verdicts", "Verdicts",
                .fragment([
                    // The table scrolls sideways inside its own box on a narrow screen; the verdict
                    // stays in view next to the row id.
                    .block(
                        "div", ["style": "overflow-x: auto; max-width: 100%"],
                        [
                            .block(
                                "table", [:],
                                [
                                    .element(
                                        "tr", [:],
                                        headers.map { h in
                                            .element(
                                                "th", h == "statement" ? ["style": "text-align:left"] : nowrap,
                                                [.text(h)])
                                        })
                                ] + rows)
                        ]),
                    .text("\n"),
                    .element(
                        "p", ["class": "note"],
                        [
                            .text(
                                "\(verdict) Info rows are shown, not judged; – marks a row without a threshold. "
                                    + "Definitions of the thresholds and intervals: Docs/Claims.md.")
                        ]),
                ])),
        ]
        try FileManager.default.createDirectory(atPath: "\(root)/plots", withIntermediateDirectories: true)
        for claim in claims where v.skipped[claim.id] == nil && claim.sharesRunsWith == nil {
            guard let dir = v.directories[claim.id] else { continue }
            var content = try curveFigures(claim, dir: dir, root: root)
            if claim.variants.isEmpty {
                content += try groupContent(prefix: claim.id, dir: dir, root: root)
            } else {
                for variant in claim.variants {
                    content.append(.element("h3", ["id": "\(claim.id)-\(variant.name)"], [.text(variant.label)]))
                    content += try groupContent(
                        prefix: "\(claim.id)-\(variant.name)", dir: "\(dir)/\(variant.name)", root: root)
                }
            }
            body.append(Report.section(claim.id, "\(claim.id): \(claim.title)", .lines(content)))
        }
        try write(Report.page("ConvDynamics: verify", .fragment(body)), to: "\(root)/report.html")
    }

    /// The claim's curves over its variants (none when it draws no curve), written to root/plots.
    static func curveFigures(_ claim: Claim, dir: String, root: String) throws -> [Node] {
        guard let curve = claim.curve else { return [] }
        var summaries: [(point: (series: String, x: Double), runs: [RunSummary])] = []
        for variant in claim.variants {
            guard let point = variant.point else { continue }
            let runs = try runDirectories(in: "\(dir)/\(variant.name)").compactMap {
                try RunData.load($0, includeFilters: false).summary
            }
            summaries.append((point, runs))
        }
        // A log x axis when the variants' x values are positive and span 8× or more (B2's k, C2's n).
        let xs = Set(summaries.map(\.point.x)).sorted()
        let logX = (xs.first ?? 0) > 0 && xs.last! >= 8 * xs.first!
        var figures: [Node] = []
        for (i, figure) in curve.figures.enumerated() {
            var lines: [(series: String, points: [(x: Double, runs: [Double])])] = []
            for (point, runs) in summaries {
                let values = runs.map(figure.value)
                // A series without the figure (G1's CNN has no routing accuracy) draws nothing.
                guard values.contains(where: { !$0.isNaN }) else { continue }
                if let j = lines.firstIndex(where: { $0.series == point.series }) {
                    lines[j].points.append((point.x, values))
                } else {
                    lines.append((point.series, [(point.x, values)]))
                }
            }
            let plot = GroupPlots.curve(
                title: "\(claim.id): \(figure.label) against \(curve.xLabel)", xLabel: curve.xLabel,
                yLabel: figure.label, values: lines, file: "\(claim.id)-curve\(i == 0 ? "" : "-\(i + 1)").svg",
                logX: logX, xTicks: logX ? xs : nil, mean: curve.mean)
            try write(plot.svg, to: "\(root)/plots/\(plot.name)")
            figures.append(Report.figure(plot))
        }
        return figures
    }

    /// The plots of the runs in `dir` (written to root/plots as PREFIX-…), the notes on plots left
    /// out, and the command for the full report, which is written to dir/report.html.
    static func groupContent(prefix: String, dir: String, root: String) throws -> [Node] {
        let runs = try runDirectories(in: dir).map { try RunData.load($0, includeFilters: false) }
        let (found, notes) = ClaimPlots.group(runs)
        let plots = found.map { PlotFile(name: "\(prefix)-\($0.name)", caption: $0.caption, svg: $0.svg) }
        for plot in plots { try write(plot.svg, to: "\(root)/plots/\(plot.name)") }
        try Report.build(dir).write(to: dir)
        let link =
            Report.subReportLink(dir, from: root).map { [.text(", written to "), $0] } ?? [
                .text(" (written to \(dir)/report.html)")
            ]
        let allRuns: Node = .element(
            "p", ["class": "note"],
            [.text("All runs: "), .element("code", [:], [.text("convdyn report \(dir)")])] + link + [.text(".")])
        return plots.map(Report.figure) + notes.map { .element("p", ["class": "note"], [.text($0)]) } + [allRuns]
    }
}
