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

    /// Builds the report of `path`, which is one run or a directory whose subdirectories are runs;
    /// `destination` is where it will be written (default: `path`), the directory its links start from.
    public static func build(_ path: String, destination: String? = nil) throws -> Report {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError(
                "\(path) does not exist or is not a directory; pass a run, a directory of runs, a sweep or a verify directory"
            )
        }
        if RunData.isRunDirectory(path) { return try single(RunData.load(path)) }
        let children = runDirectories(in: path)
        guard !children.isEmpty else {
            throw ReportError(
                "\(path) is neither a run directory (no config.json or metrics.jsonl) nor a directory of runs (no "
                    + "subdirectory holds one), a sweep (no sweep.json) or a verify directory (no verify.json)"
            )
        }
        let runs = try children.map { try RunData.load($0, includeFilters: false) }
        return try group(path, runs, destination: destination ?? path)
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
        let notes = distinct(stateNotes(run) + run.warnings)
        let body: Node = .fragment([
            header("Run \(run.path)", notes: notes),
            section("summary", "Summary", .fragment([summaryTable([run]), runFigures(run)])),
            // pMoE's routing right after accuracy and loss, the other families after the run's figures.
            runSections(
                run, plots: plots, prefix: "",
                afterDynamics: familySections([run], plots: plots, only: { $0 == RoutingMeasures.self })),
            familySections([run], plots: plots, only: { $0 != RoutingMeasures.self }),
            section("config", "Configuration", .element("pre", [:], [.text(run.config.json.prettyText)])),
        ])
        return Report(title: run.path, html: page("ConvDynamics: \(run.path)", body), plots: plots, notes: notes)
    }

    /// The families whose figures `show` and the report give for runs of `config`: those it records,
    /// pMoE's routing first (the figure that sets pMoE apart). The pattern statistics (Brutzkus &
    /// Globerson's PSI) are left out of pMoE runs: they relate the filters to how often each pattern
    /// occurs in the training points, a reading of the plain CNN whose filters see every patch,
    /// while a pMoE expert sees only the patches its router sends it.
    public static func shownFamilies(_ config: ExperimentConfig) -> [any MeasurementFamily.Type] {
        let routed = RoutingMeasures.records(config)
        let recorded = MeasurementFamilies.recorded(by: config).filter { !(routed && $0 == PatternStatistics.self) }
        return recorded.filter { $0 == RoutingMeasures.self } + recorded.filter { $0 != RoutingMeasures.self }
    }

    /// The families shown for `runs` (`shownFamilies`) that have no sections of their own (see
    /// `MeasurementFamily.hasOwnReportSections`): routing first, then registry order.
    static func genericFamilies(_ runs: [RunData]) -> [any MeasurementFamily.Type] {
        let order = [RoutingMeasures.self] + MeasurementFamilies.all.filter { $0 != RoutingMeasures.self }
        return order.filter { f in
            !f.hasOwnReportSections && runs.contains { run in shownFamilies(run.config).contains { $0 == f } }
        }
    }

    /// The runs whose family sections show `family` (`shownFamilies`).
    static func members(_ family: any MeasurementFamily.Type, _ runs: [RunData]) -> [RunData] {
        runs.filter { run in shownFamilies(run.config).contains { $0 == family } }
    }

    /// For pMoE's routing accuracy (the routers are frozen): when every run's series of `field`
    /// holds the same finite value at every evaluation, that value; else, and for other families, nil.
    static func constantValue(_ family: any MeasurementFamily.Type, _ field: String, runs: [RunData]) -> Double? {
        guard family == RoutingMeasures.self else { return nil }
        let values = runs.flatMap { $0.series(field).map(\.y) }
        guard let first = values.first, first.isFinite, runs.allSatisfy({ $0.series(field).count >= 2 }) else {
            return nil
        }
        return values.allSatisfy { $0 == first } ? first : nil
    }

    /// True when some point of `series` is finite (a plot of it would show something).
    static func hasData(_ series: [(x: Double, y: Double)]) -> Bool {
        series.contains { $0.x.isFinite && $0.y.isFinite }
    }

    /// A section title from a family name: its first letter capitalised ("quadratic network" →
    /// "Quadratic network").
    static func sectionTitle(_ name: String) -> String {
        name.prefix(1).uppercased() + name.dropFirst()
    }

    /// A label at the start of a sentence: capitalised when its first word is a plain word
    /// ("routing accuracy" → "Routing accuracy"), as it is otherwise ("max_j |ΔI_j| …", "keyShare").
    static func sentence(_ label: String) -> String {
        let word = label.prefix { $0 != " " }
        return word.allSatisfy({ $0.isLowercase && $0.isLetter }) ? sectionTitle(label) : label
    }

    /// What a family's section says before its figures: pMoE's experts, top-l and routers for the
    /// routing section (Docs/Configuration.md "pMoE", Docs/Metrics.md "Routing accuracy").
    static func familyIntro(_ family: any MeasurementFamily.Type, runs: [RunData]) -> Node {
        guard family == RoutingMeasures.self, let run = runs.first(where: \.isRouted),
            let router = run.config.network.router
        else { return .empty }
        let d = run.config.data
        let text =
            "pMoE (patch-level mixture of experts, Chowdhury et al. 2023): the M = \(run.config.network.M) filters "
            + "form E = \(router.experts) experts of \(router.filtersPerExpert) filters each, and the filters of "
            + "an expert share one read-out sign (expert 0 votes for class +1, expert \(router.experts - 1) for "
            + "class −1). Each expert has a router, a vector r_e scoring every patch by ⟨r_e, x_i⟩; of an "
            + "example's K = \(d.K) patches the expert's filters see, and pool over, only the top l = "
            + "\(router.topPatches). The routers are pre-trained for \(router.pretrainSteps) steps on the training "
            + "set (nTrain = \(d.nTrain)) and then frozen while the experts train. Routing accuracy: the share of "
            + "test examples whose key patch is among the patches routed to an expert of its class's sign (1: "
            + "every key reaches the right expert). Docs/Configuration.md \"pMoE\", Docs/Metrics.md \"Routing "
            + "accuracy\"."
        return .element("p", [:], [.text(text)])
    }

    /// A section per generic family: its series plots (files made by `familyPlots`) and a table of
    /// its end figures over the runs.
    static func familySections(
        _ runs: [RunData], plots: [PlotFile], only include: (any MeasurementFamily.Type) -> Bool = { _ in true }
    ) -> Node {
        // A report on several runs names the runs in tables, also where one run records the family.
        let group = runs.count > 1
        return .fragment(
            genericFamilies(runs).filter(include).map { family in
                let all = runs
                let runs = members(family, runs)
                let metrics = family.figures.filter { $0.source == .metrics }
                let series = metrics.compactMap { f in plots.first { $0.name == familyPlotName(f, runs: runs) } }
                // The routing accuracy, constant by design (frozen routers), is said in words, not drawn
                // as a flat line.
                let constants = metrics.compactMap { f in
                    constantValue(family, f.field, runs: runs).map { (figure: f, value: $0) }
                }
                let constantText = constants.map { c -> Node in
                    .element(
                        "p", [:],
                        [
                            .text(
                                "\(sentence(c.figure.label)): \(formatValue(c.value)) at every evaluation"
                                    + (runs.count > 1 ? " of every run" : group ? " of \(runs[0].name)" : "")
                                    + (family == RoutingMeasures.self
                                        ? " (the routers are frozen while the experts train)." : "."))
                        ])
                }
                let extras = extraPlotNames(family, runs: group ? all : runs).compactMap { n in
                    plots.first { $0.name == n }
                }
                let ends = family.figures.filter { f in
                    f.source != .metrics && !(!group && constants.contains { $0.figure.field == f.field })
                }
                var endTable: Node = .empty
                if !group, let summary = runs[0].summary, !ends.isEmpty {
                    endTable = .lines([
                        .element("p", [:], [.text("At the end of the run:")]),
                        list(ends.map { "\($0.label): \(formatValue($0.value(in: summary)))" }),
                    ])
                } else if group {
                    let rows = runs.compactMap { run -> Node? in
                        guard let summary = run.summary else { return nil }
                        return tableRow([run.name] + ends.map { formatValue($0.value(in: summary)) })
                    }
                    if !ends.isEmpty && !rows.isEmpty {
                        endTable = table(["run"] + ends.map(\.label), rows, note: "Figures at the end of each run.")
                    }
                }
                return section(
                    "family-\(family.name.replacingOccurrences(of: " ", with: "-"))", sectionTitle(family.name),
                    .fragment(
                        [familyIntro(family, runs: runs)] + constantText + series.map(figure) + extras.map(figure)
                            + [endTable]))
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
            return seriesPlots(family, members(family, runs)) + extras
        }
    }

    /// The series plots of a generic family.
    static func seriesPlots(_ family: any MeasurementFamily.Type, _ runs: [RunData]) -> [PlotFile] {
        // No plot of a series without data, nor of one constant throughout (said in words instead).
        family.figures.filter { f in
            f.source == .metrics && runs.contains { hasData($0.series(f.field)) }
                && constantValue(family, f.field, runs: runs) == nil
        }.map { f -> PlotFile in
            let name = familyPlotName(f, runs: runs)
            let scale =
                f.range == nil ? valueScale(runs.flatMap { $0.series(f.field).map(\.y) }) : AxisScale.linear
            let yLabel = f.label + (scale == .linear ? "" : " (log scale)")
            if runs.count > 1 {
                let band = GroupPlots.band(
                    runs, key: f.field, title: "\(f.label) across seeds", yLabel: yLabel, file: name,
                    range: f.range, yScale: scale)
                return band
            }
            let run = runs[0]
            var p = LinePlot(
                title: f.label, xLabel: RunPlots.stepLabel(run), yLabel: yLabel, xScale: RunPlots.stepScale(run),
                yScale: scale)
            p.yRange = f.range
            p.series = [Series(name: f.label, points: run.series(f.field), color: "#1f77b4", width: 2)]
            p.markers = RunPlots.markers(run)
            return PlotFile(
                name: name, caption: "\(f.label) at each evaluation (\(family.name), Docs/Metrics.md).",
                svg: p.render())
        }
    }

    /// A log value axis for values that are all ≥ 0 and whose positive ones span two decades or more
    /// (a loss falling to 1e-7 next to its start), linear otherwise.
    static func valueScale(_ values: [Double]) -> AxisScale {
        let finite = values.filter(\.isFinite)
        let positive = finite.filter { $0 > 0 }
        guard finite.allSatisfy({ $0 >= 0 }), let lo = positive.min(), let hi = positive.max() else { return .linear }
        return hi / lo >= 100 ? .logWithZero : .linear
    }

    /// `notes` without repeats, in order.
    static func distinct(_ notes: [String]) -> [String] {
        var seen = Set<String>()
        return notes.filter { seen.insert($0).inserted }
    }

    static func stateNotes(_ run: RunData) -> [String] {
        switch run.status {
        case .completed: return []
        case .diverged:
            return [
                "\(run.name) diverged at step \(run.lastStepTaken) (a non-finite loss, weight, norm or measurement); "
                    + "its figures are not results: the plots end at its last finite evaluation, step "
                    + "\(run.lastStep), and mark the divergence."
            ]
        case .partial:
            return [
                "\(run.name) is partial: it has no summary.json (still running, or interrupted). The plots show the "
                    + "\(run.metrics.count) evaluations recorded up to step \(run.lastStep) of "
                    + "\(run.config.training.steps)."
            ]
        }
    }

    /// The sections of one run's own figures; `afterDynamics` goes right after its accuracy and loss.
    static func runSections(_ run: RunData, plots: [PlotFile], prefix: String, afterDynamics: Node = .empty) -> Node {
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
            body.append(
                section(
                    "\(prefix)pictures", "The filters",
                    .fragment([figures(["filters.svg"]), ImagePlots.pictures(run)])))
            body.append(section("\(prefix)selectivity", "Class selectivity", figures(["selectivity.svg"])))
            return .fragment(body)
        }
        if QuadraticMeasures.records(run.config) {
            body.append(section("\(prefix)dynamics", "Learning curve", figures(["learning-curve.svg"])))
            body.append(
                section(
                    "\(prefix)conservation", "The conservation law: Iⱼ = ‖wⱼ‖² − 2aⱼ²",
                    figures(["invariants.svg", "quadratic-norms.svg", "readout.svg"])))
            body.append(
                section(
                    "\(prefix)alignment", "Alignment with the teacher",
                    figures(["alignments.svg", "cosines-init.svg", "cosines-final.svg", "cosines-steps.svg"])))
            return .fragment(body)
        }
        body.append(section("\(prefix)dynamics", "Accuracy and loss", figures(["accuracy.svg", "loss.svg"])))
        body.append(afterDynamics)
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
            let never: Node =
                hasData(run.series(KeyPatternMeasures.normRatio.field))
                ? .empty
                : .element(
                    "p", ["class": "note"],
                    [
                        .text(
                            "No key filters at any evaluation (no filter's cosine with its class's key exceeded θ = "
                                + "\(formatValue(run.config.evaluation.theta))): keyShare stays 0, and normRatio is "
                                + "undefined throughout, so it has no plot.")
                    ])
            body.append(
                section(
                    "\(prefix)dominance", "Norm dominance of key filters",
                    .fragment([figures(["key-share.svg", "norm-ratio.svg"]), never])))
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
            s.keyProjectionGrowth.isNaN
                ? "Second half of training: no key filters at the end, so no key-projection growth to show; "
                    + "non-key filters grew at most \(formatValue(s.nonKeyNormGrowth))× in norm."
                : "Second half of training, key filters: key projection grew by "
                    + "\(formatValue(s.keyProjectionGrowth)), largest common projection by "
                    + "\(formatValue(s.commonProjectionGrowth)); non-key filters grew at most "
                    + "\(formatValue(s.nonKeyNormGrowth))× in norm.",
        ])
    }

    // MARK: - Several runs

    static func group(_ path: String, _ runs: [RunData], destination: String) throws -> Report {
        var notes = distinct(runs.flatMap { stateNotes($0) + $0.warnings })
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
            section(
                "summary", "Summary", .fragment([groupFigures(runs), summaryTable(runs), runLinks(runs, destination)])),
        ]
        let seedNames = [
            "seeds-accuracy.svg", "seeds-test-loss.svg", "seeds-t100-curve.svg", "seeds-key-share.svg",
            "seeds-norm-ratio.svg",
            "seeds-best-key-cosine.svg", "seeds-projections.svg", "seeds-max-norm.svg",
            "seeds-best-key-cosine-hist.svg", "seeds-key-share-hist.svg", "seeds-norm-ratio-final.svg",
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
                        .element("code", [:], [.text("convdyn report \(detailed.path)")]),
                    ]
                        + (subReportLink(detailed.path, from: destination).map { [.text(", written to "), $0] } ?? [])
                        + [.text(".")]),
            ]))
        body.append(runSections(detailed, plots: examplePlots, prefix: "example-"))
        body.append(
            section(
                "config", "Configuration (\(detailed.name), the run in detail)",
                .element("pre", [:], [.text(detailed.config.json.prettyText)])))
        return Report(title: path, html: page("ConvDynamics: \(path)", .fragment(body)), plots: plots, notes: notes)
    }

    /// "Each run's own report: …", a link to each run's report.html that exists (none: nothing).
    static func runLinks(_ runs: [RunData], _ destination: String) -> Node {
        let links = runs.compactMap { subReportLink($0.path, from: destination) }
        guard !links.isEmpty else { return .empty }
        var content: [Node] = [.text("Each run's own report: ")]
        for (i, link) in links.enumerated() { content += (i == 0 ? [] : [.text(", ")]) + [link] }
        return .element("p", ["class": "note"], content + [.text(".")])
    }

    /// A link from a page in `directory` to the report of the run or runs in `target` (a directory
    /// inside it): `<a href="RELATIVE/report.html">RELATIVE/report.html</a>`; nil when the target is
    /// not inside `directory` or has no report.html yet (a link must lead to a file).
    package static func subReportLink(_ target: String, from directory: String) -> Node? {
        let base = (directory as NSString).standardizingPath
        let full = (target as NSString).standardizingPath
        guard full.hasPrefix(base + "/"), FileManager.default.fileExists(atPath: "\(full)/report.html") else {
            return nil
        }
        let relative = String(full.dropFirst(base.count + 1)) + "/report.html"
        return .element("a", ["href": relative], [.text(relative)])
    }

    /// The headline figures across `runs`; with regression runs among classifiers, each kind on its
    /// own (the regression runs count in no accuracy or T₁₀₀ tally).
    static func groupFigures(_ runs: [RunData]) -> Node {
        let regression = runs.filter(\.isRegression)
        if !regression.isEmpty && regression.count < runs.count {
            return .fragment([
                groupFigures(runs.filter { !$0.isRegression }, kind: " classification runs"),
                groupFigures(regression),
            ])
        }
        return groupFigures(runs, kind: "")
    }

    /// The headline figures across runs of one kind; `kind` follows the run count in the tallies
    /// (" classification runs": "3 of 5 classification runs").
    ///
    /// A diverged run counts among the runs but its figures are not results: it reaches nothing and
    /// its figures are NaN (left out of the medians).
    static func groupFigures(_ runs: [RunData], kind: String) -> Node {
        let n = runs.count
        func tally(_ k: Int) -> String { kind.isEmpty ? "\(k)/\(n)" : "\(k) of \(n)\(kind)" }
        let results = runs.filter { $0.status != .diverged }
        func final(_ run: RunData, _ key: String) -> Double {
            run.status == .diverged ? .nan : GroupPlots.final(run, key)
        }
        let routed = results.filter(\.isRouted).map { GroupPlots.final($0, RoutingMeasures.figures[0].field) }
        let routing =
            routed.isEmpty
            ? []
            : [
                routed.count == 1
                    ? "Routing accuracy (the pMoE run): \(formatValue(routed[0]))."
                    : "Routing accuracy (\(routed.count) pMoE runs): median \(formatValue(quantile(routed, 0.5))), from "
                        + "\(formatValue(routed.min()!)) to \(formatValue(routed.max()!))."
            ]
        if runs.allSatisfy({ QuadraticMeasures.records($0.config) }) {
            let q = results.compactMap { $0.summary?.section(QuadraticMeasures.self) }
            let ratios = q.map(\.testLossRatio).sorted()
            return list([
                "Regression runs (\(n) of them; ½(f − t)² against real targets): no accuracy or T₁₀₀.",
                "Final / initial test loss: median \(formatValue(ratios.isEmpty ? .nan : ratios[(ratios.count - 1) / 2])) "
                    + "over \(q.count) finished runs; plateau just before the first drop in "
                    + "\(q.filter(\.plateauBeforeDrop).count)/\(q.count).",
            ])
        }
        if runs.contains(where: \.isImageRun) {
            let s = results.compactMap { $0.summary?.images }
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
        let reached = results.compactMap(\.stepsTo100)
        if !runs.contains(where: { KeyPatternMeasures.records($0.config) }) {
            let ci = wilsonInterval(successes: reached.count, trials: n)
            let median = reached.isEmpty ? "n/a" : formatValue(quantile(reached.map(Double.init), 0.5))
            return list(
                [
                    "Reached 100% test accuracy: \(tally(reached.count)) (95% Wilson interval "
                        + "\(formatValue(ci.lowerBound))–\(formatValue(ci.upperBound))); median T₁₀₀ \(median) steps."
                ] + routing)
        }
        let theta = runs[0].config.evaluation.theta
        func rate(_ k: Int) -> String {
            let ci = wilsonInterval(successes: k, trials: n)
            return "\(tally(k)) (95% Wilson interval \(formatValue(ci.lowerBound))–\(formatValue(ci.upperBound)))"
        }
        let best = runs.map { final($0, KeyPatternMeasures.bestKeyCosine.field) }
        let share = runs.map { final($0, KeyPatternMeasures.keyShare.field) }
        let ratio = runs.map { final($0, KeyPatternMeasures.normRatio.field) }
        let shareMin = Claim.A1.keyShare
        let ratioMin = Claim.A1.normRatio
        let medianT100 = reached.isEmpty ? "n/a" : formatValue(quantile(reached.map(Double.init), 0.5))
        return list(
            [
                "Reached 100% test accuracy: \(rate(reached.count)); median T₁₀₀ \(medianT100) steps."
            ] + routing + [

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
        let regression = runs.filter(\.isRegression)
        if !regression.isEmpty && regression.count < runs.count {
            // Classification and regression runs: a table for each.
            return .fragment([summaryTable(runs.filter { !$0.isRegression }), regressionTable(regression)])
        }
        if !regression.isEmpty { return regressionTable(runs) }
        if !runs.contains(where: { KeyPatternMeasures.records($0.config) }) { return commonTable(runs) }
        // pMoE runs: their routing accuracy beside the test accuracy.
        let routed = runs.contains(where: \.isRouted)
        let rows = runs.map { run in
            let last = run.metrics.last
            func v(_ key: String) -> String { formatValue(last?[key]?.doubleValue ?? .nan) }
            func count(_ key: String) -> String { (last?[key]?.arrayValue?.count).map(String.init) ?? "n/a" }
            return tableRow(
                [
                    run.name, String(run.config.seed), status(run), run.stepsTo100.map(String.init) ?? "never",
                    v(CommonFigures.testAccuracy.field),
                ]
                    + (routed
                        ? [run.isRouted ? v(RoutingMeasures.Line.CodingKeys.routingAccuracy.stringValue) : "n/a"] : [])
                    + [
                        v(KeyPatternMeasures.bestKeyCosine.field),
                        v(KeyPatternMeasures.keyShare.field), v(KeyPatternMeasures.normRatio.field),
                        "\(count(KeyPatternMeasures.positiveKeyFiltersField))/"
                            + "\(count(KeyPatternMeasures.negativeKeyFiltersField))",
                    ])
        }
        return table(
            ["run", "seed", "status", "T₁₀₀", "test accuracy"] + (routed ? ["routing accuracy"] : [])
                + ["best-key cosine", "keyShare", "normRatio", "key filters +/−"],
            rows,
            note: "Figures at the last evaluation. T₁₀₀: first evaluated step with test accuracy exactly 1."
                + (routed
                    ? " Routing accuracy (pMoE): the share of test examples whose key patch is routed to an expert of "
                        + "its class's sign." : "")
                + " Definitions: Docs/Metrics.md.")
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
                "plateau before it", "largest scaled drift of Iⱼ", "largest Δ‖wⱼ‖/‖wⱼ(0)‖",
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
            note: "Top-8 share: Σ of the 8 largest ‖wⱼ‖² over Σⱼ ‖wⱼ‖². "
                + "Keep-k: test accuracy when only those k filters feed the read-out (random: mean of 10 draws).")
    }

    /// A table with a header row, then a note under it.
    static func table(_ headers: [String], _ rows: [Node], note: String) -> Node {
        .lines([
            .block("div", ["class": "table-wrap"], [.block("table", [:], [tableRow(headers, cell: "th")] + rows)]),
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

    /// A plot inline (its SVG document as written to plots/), with its caption and its file name as
    /// a link to that file.
    package static func figure(_ plot: PlotFile) -> Node {
        let caption: Node = .element(
            "figcaption", [:],
            [
                .text(plot.caption + " "),
                .element("a", ["class": "file", "href": "plots/\(plot.name)"], [.text("(plots/\(plot.name))")]),
            ])
        return .lines([
            .block("figure", [:], [.raw(plot.svg.trimmingCharacters(in: .whitespacesAndNewlines)), caption])
        ])
    }

    /// The self-contained HTML page: title, viewport, style sheet, the header saying who made it
    /// (`PageStamp`), then `body`.
    package static func page(_ title: String, _ body: Node) -> String {
        Node.block(
            "html", ["lang": "en"],
            [
                .block(
                    "head", [:],
                    [
                        .element("meta", ["charset": "utf-8"]),
                        .element("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"]),
                        .element("title", [:], [.text(title)]), .block("style", [:], [.raw(styleSheet)]),
                    ]),
                .block("body", [:], [PageStamp.current.node, body, .element("p", ["class": "note"], [.text(footer)])]),
            ]
        ).htmlDocument
    }

    static let footer = "Written by convdyn report from the files of the run directories; re-run it at any time."
}
