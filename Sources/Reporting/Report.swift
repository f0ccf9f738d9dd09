import Experiments
import Foundation

/// A report on a run directory or a directory of runs: `report.html` (self-contained: inline
/// SVG, no scripts, no external resources) and each plot as its own SVG under `plots/`.
public struct Report: Sendable {
    /// The page title (the path reported on).
    public let title: String
    /// The whole page, one self-contained HTML file.
    public let html: String
    /// The plots the page shows, written beside it under plots/.
    public let plots: [PlotFile]
    /// Things the reader must know (partial or diverged runs, skipped lines).
    public let notes: [String]

    /// Builds the report of `path`, which is one run or a directory whose subdirectories are runs.
    public static func build(_ path: String) throws -> Report {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError(
                "\(path) does not exist or is not a directory; pass a run directory or a directory of runs")
        }
        if RunData.isRunDirectory(path) { return try single(RunData.load(path)) }
        let children = runDirectories(in: path)
        guard !children.isEmpty else {
            throw ReportError(
                "\(path) is neither a run directory (no config.json or metrics.jsonl) nor a directory of runs (no "
                    + "subdirectory holds one)"
            )
        }
        let runs = try children.map { try RunData.load($0, includeFilters: false) }
        return try group(path, runs)
    }

    /// Writes report.html and plots/*.svg into `directory`; returns the path of report.html.
    @discardableResult
    public func write(to directory: String) throws -> String {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: "\(directory)/plots", withIntermediateDirectories: true) } catch {
            throw ReportError(
                "cannot create \(directory)/plots: \(error.localizedDescription); choose a writable --out")
        }
        for plot in plots { try atomicWrite("\(directory)/plots/\(plot.name)", plot.svg) }
        try atomicWrite("\(directory)/report.html", html)
        return "\(directory)/report.html"
    }

    private func atomicWrite(_ path: String, _ text: String) throws {
        try writeFileAtomically(text, to: path)
    }

    // MARK: - One run

    static func single(_ run: RunData) throws -> Report {
        let plots = RunPlots.all(run) + familyPlots([run])
        let notes = stateNotes(run) + run.warnings
        let body: Node = .fragment([
            header("Run \(run.path)", notes: notes),
            section("summary", "Summary", .fragment([summaryTable([run]), runFigures(run)])),
            runSections(run, plots: plots, prefix: ""),
            familySections([run], plots: plots),
            section("config", "Configuration", .element("pre", [:], [.text(run.config.json.prettyText)])),
        ])
        return Report(title: run.path, html: page("ConvDynamics: \(run.path)", body), plots: plots, notes: notes)
    }

    /// The families recorded by `runs` that have no sections of their own (see
    /// `MeasurementFamily.hasOwnReportSections`), in registry order.
    static func genericFamilies(_ runs: [RunData]) -> [any MeasurementFamily.Type] {
        MeasurementFamilies.all.filter { f in
            !f.hasOwnReportSections && runs.contains { f.records($0.config) }
        }
    }

    /// A section per generic family: its series plots (files made by `familyPlots`) and a table of
    /// its end figures over the runs.
    static func familySections(_ runs: [RunData], plots: [PlotFile]) -> Node {
        .fragment(
            genericFamilies(runs).map { family in
                let series = family.figures.filter { $0.source == .metrics }
                    .compactMap { f in plots.first { $0.name == familyPlotName(f, runs: runs) } }
                let extras = extraPlotNames(family, runs: runs).compactMap { n in plots.first { $0.name == n } }
                let ends = family.figures.filter { $0.source != .metrics }
                let rows = runs.compactMap { run -> Node? in
                    guard let summary = run.summary else { return nil }
                    return tableRow([run.name] + ends.map { formatValue($0.value(in: summary)) })
                }
                let endTable: Node =
                    ends.isEmpty || rows.isEmpty
                    ? .empty : table(["run"] + ends.map(\.label), rows, note: "Figures at the end of each run.")
                return section(
                    "family-\(family.name.replacingOccurrences(of: " ", with: "-"))", family.name,
                    .fragment(series.map(figure) + extras.map(figure) + [endTable]))
            })
    }

    /// The file name of a generic family's plot of `figure`.
    static func familyPlotName(_ figure: Figure, runs: [RunData]) -> String {
        (runs.count == 1 ? "" : "seeds-") + "family-\(figure.field).svg"
    }

    /// The plots a generic family shows besides its series, for one run: the pattern statistics'
    /// scatter plots (`PatternStatisticsPlots`).
    static func extraPlotNames(_ family: any MeasurementFamily.Type, runs: [RunData]) -> [String] {
        runs.count == 1 && family == PatternStatistics.self ? PatternStatisticsPlots.names : []
    }

    /// The plots of the generic families: each series over training (one run), or its median and
    /// interquartile band across runs; then their other plots (`extraPlotNames`).
    static func familyPlots(_ runs: [RunData]) -> [PlotFile] {
        genericFamilies(runs).flatMap { family in
            let extras = extraPlotNames(family, runs: runs).isEmpty ? [] : PatternStatisticsPlots.all(runs[0])
            return seriesPlots(family, runs) + extras
        }
    }

    /// The series plots of a generic family.
    static func seriesPlots(_ family: any MeasurementFamily.Type, _ runs: [RunData]) -> [PlotFile] {
        family.figures.filter { $0.source == .metrics }.map { f -> PlotFile in
            let name = familyPlotName(f, runs: runs)
            if runs.count > 1 {
                let band = GroupPlots.band(
                    runs, key: f.field, title: "\(f.label) across seeds", yLabel: f.label, file: name,
                    range: f.range)
                return band
            }
            let run = runs[0]
            var p = LinePlot(
                title: f.label, xLabel: RunPlots.stepLabel(run), yLabel: f.label, xScale: RunPlots.stepScale(run))
            p.yRange = f.range
            p.series = [Series(name: f.label, points: run.series(f.field), color: "#1f77b4", width: 2)]
            return PlotFile(
                name: name, caption: "\(f.label) at each evaluation (\(family.name), Docs/Metrics.md).",
                svg: p.render())
        }
    }

    static func stateNotes(_ run: RunData) -> [String] {
        switch run.status {
        case .completed: return []
        case .diverged:
            return [
                "\(run.name) diverged at step \(run.lastStepTaken) (non-finite loss); the plots end at its last "
                    + "evaluation, step \(run.lastStep), and mark the divergence."
            ]
        case .partial:
            return [
                "\(run.name) is partial: it has no summary.json (still running, or interrupted). The plots show the "
                    + "\(run.metrics.count) evaluations recorded up to step \(run.lastStep) of "
                    + "\(run.config.training.steps)."
            ]
        }
    }

    static func runSections(_ run: RunData, plots: [PlotFile], prefix: String) -> Node {
        func figures(_ names: [String]) -> Node {
            .fragment(names.compactMap { name in plots.first { $0.name == prefix + name } }.map(figure))
        }
        var body: [Node] = []
        if run.isImageRun {
            body.append(section("\(prefix)dynamics", "Accuracy and loss", figures(["accuracy.svg", "loss.svg"])))
            body.append(
                section(
                    "\(prefix)norms", "Filter norms: do a few filters dominate?",
                    figures(["sorted-norms.svg", "concentration.svg", "final-norms.svg"])))
            body.append(
                section("\(prefix)ablation", "Keeping only the largest filters", figures(["ablation.svg"])))
            body.append(section("\(prefix)pictures", "The filters", ImagePlots.pictures(run)))
            body.append(section("\(prefix)selectivity", "Class selectivity", figures(["selectivity.svg"])))
            return .fragment(body)
        }
        if QuadraticMeasures.records(run.config) {
            body.append(section("\(prefix)dynamics", "Learning curve", figures(["learning-curve.svg"])))
            body.append(
                section(
                    "\(prefix)conservation", "The conservation law: I_j = ‖w_j‖² − 2a_j²",
                    figures(["invariants.svg", "quadratic-norms.svg", "readout.svg"])))
            body.append(
                section(
                    "\(prefix)alignment", "Alignment with the teacher",
                    figures(["alignments.svg", "cosines-init.svg", "cosines-final.svg", "cosines-steps.svg"])))
            return .fragment(body)
        }
        body.append(section("\(prefix)dynamics", "Accuracy and loss", figures(["accuracy.svg", "loss.svg"])))
        let keys = KeyPatternMeasures.records(run.config)
        if run.filters.isEmpty {
            body.append(
                section(
                    "\(prefix)filters", "Filters",
                    .element(
                        "p", ["class": "note"],
                        [
                            .text(
                                "No filters.jsonl in \(run.path) (evaluation.filterDynamics was off, or the report was "
                                    + "made from summaries only): per-filter plots are omitted.")
                        ])))
        } else {
            body.append(
                section(
                    "\(prefix)filters", keys ? "Filters learning the key patterns" : "Filters",
                    figures(["filter-norms.svg", "key-cosines.svg"])))
            body.append(
                section(
                    "\(prefix)cosines", "Filter × pattern cosines",
                    figures(["cosines-init.svg", "cosines-final.svg", "cosines-steps.svg"])))
        }
        if keys {
            body.append(
                section(
                    "\(prefix)dominance", "Norm dominance of key filters",
                    figures(["key-share.svg", "norm-ratio.svg"])))
        }
        if plots.contains(where: { $0.name == prefix + "growth.svg" }) {
            body.append(section("\(prefix)growth", "Growth shape", figures(["growth.svg"])))
        }
        return .fragment(body)
    }

    static func runFigures(_ run: RunData) -> Node {
        if let images = run.summary?.images { return ImagePlots.figures(images, run: run) }
        guard let s = run.summary?.keys else { return .empty }
        let learned = s.keysLearned.keys.sorted().map {
            "pattern \($0): \(s.keysLearned[$0]! ? "learned" : "not learned")"
        }.joined(separator: ", ")
        let explored = s.explorationAtInit.keys.sorted().map { "pattern \($0): \(s.explorationAtInit[$0]!)" }.joined(
            separator: ", ")
        return list([
            "Key filters at the end: \(s.positiveKeyFilterCount) of class +1, "
                + "\(s.negativeKeyFilterCount) of class −1 "
                + "(cosine with their class's key > θ = \(formatValue(run.config.evaluation.theta))).",
            "Keys: \(learned). Filters of the matching sign with a positive cosine at initialisation: \(explored).",
            "Second half of training, key filters: key projection grew by \(formatValue(s.keyProjectionGrowth)), "
                + "largest common projection by \(formatValue(s.commonProjectionGrowth)); non-key filters grew at most "
                + "\(formatValue(s.nonKeyNormGrowth))× in norm.",
        ])
    }

    // MARK: - Several runs

    static func group(_ path: String, _ runs: [RunData]) throws -> Report {
        var notes = runs.flatMap { stateNotes($0) + $0.warnings }
        var configs: [String] = []
        for run in runs {
            var c = run.config
            c.seed = 0
            let text = c.json.text
            if !configs.contains(text) { configs.append(text) }
        }
        if configs.count > 1 {
            notes.append(
                "The \(runs.count) runs do not share one configuration (\(configs.count) different configs, seeds "
                    + "aside); the plots across runs pool them."
            )
        }
        var plots = GroupPlots.all(runs) + familyPlots(runs)
        var body = [
            header("\(runs.count) runs in \(path)", notes: notes),
            section("summary", "Summary", .fragment([groupFigures(runs), summaryTable(runs)])),
        ]
        let seedNames = [
            "seeds-accuracy.svg", "seeds-test-loss.svg", "seeds-t100-curve.svg", "seeds-key-share.svg",
            "seeds-norm-ratio.svg",
            "seeds-best-key-cosine.svg", "seeds-projections.svg", "seeds-max-norm.svg",
            "seeds-best-key-cosine-hist.svg", "seeds-key-share-hist.svg",
            "seeds-top8-share.svg", "seeds-gini.svg", "seeds-ablation.svg",
        ]
        body.append(
            section(
                "seeds", "Across runs",
                .fragment(seedNames.compactMap { n in plots.first { $0.name == n } }.map(figure))))
        body.append(familySections(runs, plots: plots))
        // One run in detail: the one whose T₁₀₀ is the median (the first run when none reached 100%).
        let reached = runs.filter { $0.stepsTo100 != nil }.sorted { $0.stepsTo100! < $1.stepsTo100! }
        let example = reached.isEmpty ? runs[0] : reached[(reached.count - 1) / 2]
        let detailed = try RunData.load(example.path)
        let examplePlots = RunPlots.all(detailed).map {
            PlotFile(name: "example-" + $0.name, caption: $0.caption, svg: $0.svg)
        }
        plots += examplePlots
        body.append(
            .lines([
                .element("h2", ["id": "example"], [.text("One run in detail: \(detailed.name)")]),
                .element(
                    "p", [:],
                    [
                        .text(
                            (reached.isEmpty ? "The first run" : "The run with the median T₁₀₀")
                                + "; every run has its own report: "),
                        .element("code", [:], [.text("convdyn report \(detailed.path)")]), .text("."),
                    ]),
            ]))
        body.append(runSections(detailed, plots: examplePlots, prefix: "example-"))
        body.append(
            section(
                "config", "Configuration (\(runs[0].name))",
                .element("pre", [:], [.text(runs[0].config.json.prettyText)])))
        return Report(title: path, html: page("ConvDynamics: \(path)", .fragment(body)), plots: plots, notes: notes)
    }

    static func groupFigures(_ runs: [RunData]) -> Node {
        let n = runs.count
        if runs.allSatisfy({ QuadraticMeasures.records($0.config) }) {
            let q = runs.compactMap { $0.summary?.section(QuadraticMeasures.self) }
            let ratios = q.map(\.testLossRatio).sorted()
            return list([
                "Regression runs (½(f − t)² against real targets): no accuracy or T₁₀₀.",
                "Final / initial test loss: median \(formatValue(ratios.isEmpty ? .nan : ratios[(ratios.count - 1) / 2])) "
                    + "over \(q.count) finished runs; plateau just before the first drop in "
                    + "\(q.filter(\.plateauBeforeDrop).count)/\(q.count).",
            ])
        }
        if runs.contains(where: \.isImageRun) {
            let s = runs.compactMap { $0.summary?.images }
            let M = runs[0].config.network.M
            let k = Claim.H1.k
            let shares = s.compactMap { $0.topShare[k] }
            let gains = s.compactMap { $0.ablation[k].map { $0.top - $0.random } }
            let above = shares.filter { $0 > Double(k) / Double(M) }.count
            let wins = gains.filter { $0 > 0 }.count
            let ciShare = wilsonInterval(successes: above, trials: shares.count)
            let ciWin = wilsonInterval(successes: wins, trials: gains.count)
            return list([
                "Top-\(k) share above the uniform \(k)/\(M): \(above)/\(shares.count) runs (95% Wilson interval "
                    + "\(formatValue(ciShare.lowerBound))–\(formatValue(ciShare.upperBound))); median "
                    + "\(formatValue(quantile(shares, 0.5))).",
                "Keeping the top-\(k) filters beats a random \(k): \(wins)/\(gains.count) runs (95% Wilson interval "
                    + "\(formatValue(ciWin.lowerBound))–\(formatValue(ciWin.upperBound))); median accuracy gain "
                    + "\(formatValue(quantile(gains, 0.5))).",
            ])
        }
        let reached = runs.compactMap(\.stepsTo100)
        if !runs.contains(where: { KeyPatternMeasures.records($0.config) }) {
            let ci = wilsonInterval(successes: reached.count, trials: n)
            let median = reached.isEmpty ? "n/a" : formatValue(quantile(reached.map(Double.init), 0.5))
            return list([
                "Reached 100% test accuracy: \(reached.count)/\(n) (95% Wilson interval "
                    + "\(formatValue(ci.lowerBound))–\(formatValue(ci.upperBound))); median T₁₀₀ \(median) steps."
            ])
        }
        let theta = runs[0].config.evaluation.theta
        func rate(_ k: Int) -> String {
            let ci = wilsonInterval(successes: k, trials: n)
            return "\(k)/\(n) (95% Wilson interval \(formatValue(ci.lowerBound))–\(formatValue(ci.upperBound)))"
        }
        let best = runs.map { GroupPlots.final($0, KeyPatternMeasures.bestKeyCosine.field) }
        let share = runs.map { GroupPlots.final($0, KeyPatternMeasures.keyShare.field) }
        let ratio = runs.map { GroupPlots.final($0, KeyPatternMeasures.normRatio.field) }
        let shareMin = Claim.A1.keyShare
        let ratioMin = Claim.A1.normRatio
        let medianT100 = reached.isEmpty ? "n/a" : formatValue(quantile(reached.map(Double.init), 0.5))
        return list([
            "Reached 100% test accuracy: \(rate(reached.count)); median T₁₀₀ \(medianT100) steps.",
            "Best-key cosine > θ = \(formatValue(theta)): \(rate(best.filter { $0 > theta }.count)); "
                + "median \(formatValue(quantile(best, 0.5))).",
            "\(shareMin.text): \(rate(share.filter(shareMin.threshold.holds).count)); "
                + "median \(formatValue(quantile(share, 0.5))).",
            "\(ratioMin.text): \(rate(ratio.filter(ratioMin.threshold.holds).count)); "
                + "median \(formatValue(quantile(ratio, 0.5))).",
        ])
    }

    // MARK: - HTML

    static func summaryTable(_ runs: [RunData]) -> Node {
        if runs.contains(where: \.isImageRun) { return imageTable(runs) }
        if runs.allSatisfy({ QuadraticMeasures.records($0.config) }) { return regressionTable(runs) }
        if !runs.contains(where: { KeyPatternMeasures.records($0.config) }) { return commonTable(runs) }
        let rows = runs.map { run in
            let last = run.metrics.last
            func v(_ key: String) -> String { formatValue(last?[key]?.doubleValue ?? .nan) }
            func count(_ key: String) -> String { (last?[key]?.arrayValue?.count).map(String.init) ?? "n/a" }
            return tableRow([
                run.name, String(run.config.seed), status(run), run.stepsTo100.map(String.init) ?? "never",
                v(CommonFigures.testAccuracy.field), v(KeyPatternMeasures.bestKeyCosine.field),
                v(KeyPatternMeasures.keyShare.field), v(KeyPatternMeasures.normRatio.field),
                "\(count(KeyPatternMeasures.positiveKeyFiltersField))/"
                    + "\(count(KeyPatternMeasures.negativeKeyFiltersField))",
            ])
        }
        return table(
            [
                "run", "seed", "status", "T₁₀₀", "test accuracy", "best-key cosine", "keyShare", "normRatio",
                "key filters +/−",
            ],
            rows,
            note: "Figures at the last evaluation. T₁₀₀: first evaluated step with test accuracy exactly 1. "
                + "Definitions: Docs/Metrics.md.")
    }

    /// The summary table of runs without key-pattern measures (xord, the fc baseline): the common
    /// figures; the families' end figures follow in their own sections.
    static func commonTable(_ runs: [RunData]) -> Node {
        let rows = runs.map { run in
            tableRow([
                run.name, String(run.config.seed), status(run), run.stepsTo100.map(String.init) ?? "never",
                formatValue(run.metrics.last?[CommonFigures.testAccuracy.field]?.doubleValue ?? .nan),
                formatValue(run.metrics.last?[CommonFigures.trainAccuracy.field]?.doubleValue ?? .nan),
            ])
        }
        return table(
            ["run", "seed", "status", "T₁₀₀", "test accuracy", "train accuracy"], rows,
            note: "Figures at the last evaluation. T₁₀₀: first evaluated step with test accuracy exactly 1. "
                + "Definitions: Docs/Metrics.md.")
    }

    /// The summary table of regression runs (gaussianTeacher): losses, no accuracy.
    static func regressionTable(_ runs: [RunData]) -> Node {
        let rows = runs.map { run in
            let q = run.summary?.section(QuadraticMeasures.self)
            return tableRow([
                run.name, String(run.config.seed), status(run),
                formatValue(run.metrics.first?[CommonFigures.testLoss.field]?.doubleValue ?? .nan),
                formatValue(run.metrics.last?[CommonFigures.testLoss.field]?.doubleValue ?? .nan),
                q.map { formatValue($0.testLossRatio) } ?? "n/a",
                q.map { $0.firstDropStep.map(String.init) ?? "never" } ?? "n/a",
                q.map { $0.plateauBeforeDrop ? "yes" : "no" } ?? "n/a",
                q.map { formatValue($0.invariantDriftMax) } ?? "n/a", q.map { formatValue($0.normChange) } ?? "n/a",
            ])
        }
        return table(
            [
                "run", "seed", "status", "test loss at 0", "final test loss", "final / initial", "first drop",
                "plateau before it", "largest scaled drift of I_j", "largest Δ‖w_j‖/‖w_j(0)‖",
            ], rows,
            note: "A regression run (½(f − t)² against real targets): no accuracy. First drop: the first evaluation "
                + "with the test loss ≤ ½ its start. Definitions: Docs/Metrics.md.")
    }

    static func imageTable(_ runs: [RunData]) -> Node {
        let rows = runs.map { run in
            let s = run.summary?.images
            let top8 = s?.topShare[8] ?? run.metrics.last?[ImageMeasures.top8Share.field]?.doubleValue ?? .nan
            let a = s?.ablation[8]
            return tableRow(
                [run.name, String(run.config.seed), status(run)]
                    + [
                        run.metrics.last?[CommonFigures.testAccuracy.field]?.doubleValue ?? .nan, top8,
                        8 / Double(run.config.network.M),
                        s?.gini ?? .nan, a?.top ?? .nan, a?.random ?? .nan, a?.bottom ?? .nan,
                    ].map(formatValue))
        }
        return table(
            [
                "run", "seed", "status", "test accuracy", "top-8 share", "uniform 8/M", "Gini", "keep top-8",
                "keep random 8", "keep bottom-8",
            ],
            rows,
            note: "Top-8 share: Σ of the 8 largest ‖w_j‖² over Σ_j ‖w_j‖². "
                + "Keep-k: test accuracy when only those k filters feed the read-out (random: mean of 10 draws).")
    }

    /// A table with a header row, then a note under it.
    static func table(_ headers: [String], _ rows: [Node], note: String) -> Node {
        .lines([
            .block("table", [:], [tableRow(headers, cell: "th")] + rows),
            .element("p", ["class": "note"], [.text(note)]),
        ])
    }

    /// `<tr>` with one cell per value.
    package static func tableRow(_ values: [String], cell: String = "td") -> Node {
        .element("tr", [:], values.map { .element(cell, [:], [.text($0)]) })
    }

    /// `<ul>` with one item of text per line.
    static func list(_ items: [String]) -> Node {
        .block("ul", [:], items.map { .element("li", [:], [.text($0)]) })
    }

    static func status(_ run: RunData) -> String {
        switch run.status {
        case .completed: return "completed"
        case .diverged: return "diverged at \(run.lastStepTaken)"
        case .partial: return "partial (step \(run.lastStep))"
        }
    }

    /// The page title (`<h1>`), then each note as a warning.
    package static func header(_ title: String, notes: [String]) -> Node {
        .lines([.element("h1", [:], [.text(title)])] + notes.map { .element("p", ["class": "warning"], [.text($0)]) })
    }

    /// `<section id=…>` with its `<h2>` title and the content.
    package static func section(_ id: String, _ title: String, _ content: Node) -> Node {
        .lines([.block("section", ["id": id], [.element("h2", [:], [.text(title)]), content])])
    }

    /// A plot inline (its SVG document as written to plots/), with its caption and file name.
    package static func figure(_ plot: PlotFile) -> Node {
        let caption: Node = .element(
            "figcaption", [:],
            [.text(plot.caption + " "), .element("span", ["class": "file"], [.text("(plots/\(plot.name))")])])
        return .lines([
            .block("figure", [:], [.raw(plot.svg.trimmingCharacters(in: .whitespacesAndNewlines)), caption])
        ])
    }

    /// The self-contained HTML page: title, style sheet and `body`.
    package static func page(_ title: String, _ body: Node) -> String {
        Node.block(
            "html", ["lang": "en"],
            [
                .block(
                    "head", [:],
                    [
                        .element("meta", ["charset": "utf-8"]), .element("title", [:], [.text(title)]),
                        .block("style", [:], [.raw(styleSheet)]),
                    ]),
                .block("body", [:], [body, .element("p", ["class": "note"], [.text(footer)])]),
            ]
        ).htmlDocument
    }

    static let footer = "Written by convdyn report from the files of the run directories; re-run it at any time."

    /// The style sheet of every page (a constant).
    static let styleSheet = """
        body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1440px; color: #222; \
        padding: 0 16px; }
        h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; \
        margin-top: 32px; }
        figure { display: inline-block; margin: 8px 12px 16px 0; vertical-align: top; max-width: 100%; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { font-size: 13px; color: #444; max-width: 640px; }
        .file { color: #888; } .note { color: #555; font-size: 13px; }
        .warning { background: #fff3cd; border: 1px solid #e0c36c; padding: 8px 12px; }
        table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ccc; padding: 3px 8px; \
        text-align: right; }
        pre { background: #f6f6f6; padding: 8px; font-size: 12px; overflow-x: auto; }
        """
}
