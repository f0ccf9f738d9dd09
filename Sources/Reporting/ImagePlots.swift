import Experiments
import Foundation

/// The plots and pictures of an image run (SPEC §3 item 14), from its files.
enum ImagePlots {
    static func all(_ run: RunData) -> [PlotFile] {
        var plots = [accuracy(run), RunPlots.loss(run), sortedNorms(run), concentration(run)]
        if let final = finalNorms(run) { plots.append(final) }
        if let grids = filterGrids(run) { plots.append(grids) }
        if let ablation = ablation(run) { plots.append(ablation) }
        if let selectivity = selectivity(run) { plots.append(selectivity) }
        return plots
    }

    /// Train and test accuracy with the chance level 1/C (no T₁₀₀: images are not learned to 100%).
    static func accuracy(_ run: RunData) -> PlotFile {
        var p = LinePlot(
            title: "Accuracy", xLabel: RunPlots.stepLabel(run), yLabel: "accuracy (fraction correct)",
            xScale: RunPlots.stepScale(run))
        p.yRange = 0...1.02
        let test = run.series(CommonFigures.testAccuracy.field)
        let train = run.series(CommonFigures.trainAccuracy.field)
        p.series = [
            Series(name: "test set", points: test, color: Palette.test, width: 2),
            Series(
                name: run.config.data.nTrain > 0 ? "train set" : "training batches (since the last evaluation)",
                points: train, color: Palette.train, width: 1.5, dash: "4,2"),
        ]
        let classes = run.config.images?.classCount ?? 0
        let xs = (test + train).map(\.x)
        if classes > 1, let lo = xs.min(), let hi = xs.max() {
            let chance = 1 / Double(classes)
            p.series.append(
                Series(
                    name: "chance, 1/\(classes)", points: [(lo, chance), (hi, chance)], color: Palette.other, width: 1,
                    dash: "2,3"))
        }
        p.markers = RunPlots.markers(run).filter { !$0.label.hasPrefix("T₁₀₀") }
        return PlotFile(
            name: "accuracy.svg",
            caption:
                "Accuracy on the test images and on the training batches seen since the previous evaluation, at "
                + "each of the \(test.count) evaluations; the dotted line is chance level.",
            svg: p.render())
    }

    static func sortedNorms(_ run: RunData) -> PlotFile {
        let rows = run.metrics.compactMap { m -> (Double, [Double])? in
            guard let s = m[CommonFigures.step.field]?.intValue,
                let norms = m[ImageMeasures.sortedNormsField]?.arrayValue?.compactMap(\.doubleValue)
            else { return nil }
            return (Double(s), norms)
        }
        let M = rows.first?.1.count ?? 0
        var p = LinePlot(
            title: "Filter norms, sorted, over training", xLabel: RunPlots.stepLabel(run),
            yLabel: "‖w‖ of the filter at that rank", xScale: RunPlots.stepScale(run))
        let k = Claim.H1.k
        for rank in (0..<M).reversed() {
            let top = rank < k
            p.series.append(
                Series(
                    name: top ? "ranks 1–\(k) (largest)" : "ranks \(k + 1)–\(M)",
                    points: rows.map { ($0.0, $0.1[rank]) },
                    color: top ? Palette.positive : Palette.other, width: top ? 1.6 : 1, group: "rank \(rank + 1)"))
        }
        p.note = "rank r: the r-th largest norm at that step"
        return PlotFile(
            name: "sorted-norms.svg",
            caption: "The filter norms sorted at each evaluation: does a handful of filters take over the norm?",
            svg: p.render())
    }

    static func concentration(_ run: RunData) -> PlotFile {
        let M = Double(run.config.network.M)
        var p = LinePlot(
            title: "Norm concentration", xLabel: RunPlots.stepLabel(run), yLabel: "share of Σ‖wⱼ‖², or Gini",
            xScale: RunPlots.stepScale(run))
        p.yRange = 0...1.02
        let colors = [4: "#9ecae1", 8: "#3182bd", 16: "#08519c"]
        let shares: [(Int, Figure)] = [
            (4, Figure(ImageMeasures.Line.CodingKeys.top4Share, label: "top-4 share")), (8, ImageMeasures.top8Share),
            (16, Figure(ImageMeasures.Line.CodingKeys.top16Share, label: "top-16 share")),
        ]
        for (k, figure) in shares where Double(k) < M {
            let points = run.series(figure.field)
            p.series.append(Series(name: "top-\(k) share", points: points, color: colors[k]!, width: 2))
            if k == Claim.H1.k, let first = points.first, let last = points.last {
                let uniform = Double(k) / M
                p.series.append(
                    Series(
                        name: "uniform share \(k)/\(Int(M))", points: [(first.x, uniform), (last.x, uniform)],
                        color: "#3182bd", width: 1, dash: "6,3"))
            }
        }
        p.series.append(
            Series(
                name: "Gini of the norms", points: run.series(ImageMeasures.gini.field), color: "#e6550d", width: 1.5,
                dash: "4,2"))
        p.markers = RunPlots.markers(run)
        return PlotFile(
            name: "concentration.svg",
            caption:
                "Share of the total squared filter norm held by the k largest filters, against the uniform share "
                + "k/M, and the Gini coefficient of the norms.",
            svg: p.render())
    }

    static func finalNorms(_ run: RunData) -> PlotFile? {
        guard let norms = run.metrics.last?[ImageMeasures.sortedNormsField]?.arrayValue?.compactMap(\.doubleValue),
            !norms.isEmpty
        else {
            return nil
        }
        let chart = BarChart(
            title: "Filter norms at step \(run.lastStep), sorted", xLabel: "rank", yLabel: "‖wⱼ‖",
            categories: norms.indices.map { String($0 + 1) },
            series: [("filter norm", Palette.positive, norms, nil)])
        return PlotFile(
            name: "final-norms.svg", caption: "The final filter norms from largest to smallest.", svg: chart.render())
    }

    static func ablation(_ run: RunData) -> PlotFile? {
        guard let a = run.summary?.images?.ablation, !a.isEmpty else { return nil }
        let ks = a.keys.sorted()
        let chart = BarChart(
            title: "Keeping only k filters", xLabel: "filters kept (k of \(run.config.network.M))",
            yLabel: "test accuracy",
            categories: ks.map { "k = \($0)" },
            series: [
                ("top-k by norm", Palette.positive, ks.map { a[$0]!.top }, nil),
                ("random k (mean ± sd of 10)", Palette.other, ks.map { a[$0]!.random }, ks.map { a[$0]!.randomStd }),
                ("bottom-k by norm", Palette.negative, ks.map { a[$0]!.bottom }, nil),
            ],
            yRange: 0...1,
            reference: (run.summary!.testAccuracy, "all filters: \(formatValue(run.summary!.testAccuracy))"))
        return PlotFile(
            name: "ablation.svg",
            caption:
                "Test accuracy when only k filters contribute to the read-out: the k largest by norm, k chosen at "
                + "random (10 draws) and the k smallest. Claim H1: keeping the top 8 clearly beats a random 8.",
            svg: chart.render())
    }

    /// The filters of up to six evaluations (the first, the last and four evenly between) from
    /// filters.jsonl: every filter in the same place in every snapshot, ordered once by its final
    /// norm (largest first), on one signed grey scale shared by all snapshots (−R black, 0
    /// mid-grey, +R white, R the largest |weight| shown), with that scale as a bar. The first
    /// `maxFilters` filters by final norm when there are more. Nil without recorded weights.
    static func filterGrids(_ run: RunData, maxFilters: Int = 64) -> PlotFile? {
        let records = run.filters.filter { r in
            !r.weights.isEmpty && r.weights.allSatisfy { w in w.allSatisfy(\.isFinite) }
        }
        guard let last = records.last, let images = run.config.images else { return nil }
        let r = images.patchSize
        let D = last.weights[0].count
        guard r > 0, D % (r * r) == 0 else { return nil }
        let channels = D / (r * r)
        let order = Array(last.norms.indices.sorted { last.norms[$0] > last.norms[$1] }.prefix(maxFilters))
        let n = records.count
        var picks: [Int] = []
        for i in 0..<min(6, n) where !picks.contains(n <= 6 ? i : i * (n - 1) / 5) {
            picks.append(n <= 6 ? i : i * (n - 1) / 5)
        }
        let shown = picks.map { records[$0] }
        let R = max(shown.flatMap { rec in order.flatMap { rec.weights[$0] }.map(abs) }.max() ?? 1, 1e-12)
        let cell = 5.0
        let tile = Double(r) * cell
        let gap = 3.0
        let columns = min(8, order.count)
        let gridRows = (order.count + columns - 1) / columns
        let gridW = Double(columns) * (tile + gap) - gap
        let gridH = Double(gridRows) * (tile + gap) - gap
        let perRow = 1  // one snapshot a row: narrow enough that its text stays ≥ 9 px on a phone
        let left = 34.0
        let top = 40.0
        let blockW = gridW + 24
        let blockH = gridH + 30
        let barX = left + Double(perRow) * blockW + 8
        let snapshotRows = (shown.count + perRow - 1) / perRow
        let barH = max(120, min(Double(snapshotRows) * blockH - 30, 200))
        var svg = SVG(
            width: max(barX + 110, 360), height: max(top + Double(snapshotRows) * blockH, top + barH + 30) + 4)
        svg.text("The filters over training, each in a fixed place", x: 8, y: 22, size: 14, weight: "bold")
        func grey(_ v: Double) -> Int { Int(max(0, min(255, (127.5 + 127.5 * v / R).rounded()))) }
        func color(_ values: [Double]) -> String {
            let g = values.map(grey)
            return String(format: "#%02x%02x%02x", g[0], g[g.count > 1 ? 1 : 0], g[g.count > 2 ? 2 : 0])
        }
        for (s, rec) in shown.enumerated() {
            let x0 = left + Double(s % perRow) * blockW
            let y0 = top + Double(s / perRow) * blockH
            svg.text("step \(rec.step)", x: x0, y: y0 + 10, size: 11, weight: "bold")
            for (k, j) in order.enumerated() {
                let tx = x0 + Double(k % columns) * (tile + gap)
                let ty = y0 + 16 + Double(k / columns) * (tile + gap)
                let w = rec.weights[j]
                for row in 0..<r {
                    for col in 0..<r {
                        let values = (0..<channels).map { w[$0 * r * r + row * r + col] }
                        svg.rect(tx + Double(col) * cell, ty + Double(row) * cell, cell, cell, fill: color(values))
                    }
                }
                svg.add(
                    "rect",
                    [
                        "x": tx, "y": ty, "width": tile, "height": tile, "fill": "none", "stroke": "#bbbbbb",
                        "stroke-width": "0.5", "pointer-events": "all",
                    ],
                    [
                        .element(
                            "title", [:],
                            [.text("rank \(k + 1) by final norm: filter \(j), ‖w‖ = \(formatValue(rec.norms[j]))")])
                    ])
            }
            if s % perRow == 0 {
                for gr in 0..<gridRows {
                    svg.text(
                        "\(gr * columns + 1)", x: x0 - 4, y: y0 + 16 + Double(gr) * (tile + gap) + tile / 2 + 3,
                        anchor: "end", size: 10, color: "#555555")
                }
            }
        }
        // The scale bar: +R (white) at the top, −R (black) at the bottom.
        let steps = 40
        for i in 0..<steps {
            let v = R * (1 - 2 * (Double(i) + 0.5) / Double(steps))
            svg.rect(
                barX, top + Double(i) * barH / Double(steps), 14, barH / Double(steps) + 0.3,
                fill: color([Double](repeating: v, count: channels)))
        }
        svg.rect(barX, top, 14, barH, fill: "none", stroke: "#888888")
        for (v, label) in [(R, "+" + formatValue(R)), (0, "0"), (-R, "−" + formatValue(R))] {
            svg.text(label, x: barX + 20, y: top + (1 - v / R) / 2 * barH + 4, size: 10)
        }
        svg.text("weight", x: barX, y: top - 8, size: 10)
        let more = last.norms.count > order.count ? " (the \(order.count) largest of \(last.norms.count))" : ""
        return PlotFile(
            name: "filters.svg",
            caption:
                "Every filter\(more) as its \(r)×\(r) window at \(shown.count) of the \(n) evaluations, in the same "
                + "place at every step: ordered once by the final norm, largest first, left to right and top to "
                + "bottom (the numbers on the left are the rank of the row's first filter). One signed grey scale "
                + "for all snapshots: black −\(formatValue(R)), mid-grey 0, white +\(formatValue(R)), the "
                + "largest |weight| shown. Pictures of every evaluation, in filter index order, are in filters/.",
            svg: svg.text)
    }

    /// The class names of a run's outputs, in label order.
    static func classNames(_ run: RunData, count: Int) -> [String] {
        let names = run.config.images?.classNames ?? []
        return names.count == count ? names : (0..<count).map { "class \($0)" }
    }

    /// Sequential white → dark blue colour for v in [0, 1].
    static func sequential(_ v: Double) -> String {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (158, 202, 225), (49, 130, 189), (8, 48, 107)]
        let t = max(0, min(1, v.isFinite ? v : 0)) * Double(stops.count - 1)
        let i = min(Int(t), stops.count - 2)
        let f = t - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// Class selectivity from selectivity.json: each filter's mean pooled activation on each class
    /// divided by its largest class mean (0…1, negative means drawn as 0), and its selectivity
    /// index, on one sequential scale; columns named by class, rows by final norm rank.
    static func selectivity(_ run: RunData) -> PlotFile? {
        guard let text = try? RunData.read("\(run.path)/selectivity.json"), let json = try? JSONValue.parse(text),
            let filters = json["filtersByNorm"]?.arrayValue
        else { return nil }
        let entries: [(filter: Int, means: [Double], index: Double)] = filters.compactMap { f in
            guard let means = f["classMeans"]?.arrayValue?.compactMap(\.doubleValue) else { return nil }
            return (f["filter"]?.intValue ?? -1, means, f["selectivity"]?.doubleValue ?? .nan)
        }
        guard let C = entries.first?.means.count, C > 0 else { return nil }
        let names = classNames(run, count: C)
        let cell = 14.0
        let left = 60.0
        let top = 40.0
        let gridW = Double(C) * cell
        let gridH = Double(entries.count) * cell
        let indexX = left + gridW + 10
        let barX = indexX + cell + 30
        let nameH = Double(names.map(\.count).max() ?? 0) * 6.5 + 10
        let barH = max(min(gridH, 240), 120)
        var svg = SVG(width: max(barX + 150, 380), height: top + max(gridH + nameH + 10, barH + 30))
        svg.text("Class selectivity of each filter", x: 8, y: 22, size: 14, weight: "bold")
        for (rank, e) in entries.enumerated() {
            let y = top + Double(rank) * cell
            let largest = e.means.filter(\.isFinite).max() ?? 0
            for (c, mean) in e.means.enumerated() {
                let v = largest > 0 ? max(0, mean / largest) : 0
                svg.rect(
                    left + Double(c) * cell, y, cell, cell, fill: sequential(v),
                    title: "rank \(rank + 1) (filter \(e.filter)), \(names[c]): mean activation \(formatValue(mean)), "
                        + "\(formatValue(v)) of its largest")
            }
            svg.rect(
                indexX, y, cell, cell, fill: sequential(e.index),
                title: "rank \(rank + 1) (filter \(e.filter)): selectivity index \(formatValue(e.index))")
            if entries.count <= 40 || rank % 4 == 0 {
                svg.text("\(rank + 1)", x: left - 6, y: y + cell / 2 + 3, anchor: "end", size: 10, color: "#555555")
            }
        }
        svg.rect(left, top, gridW, gridH, fill: "none", stroke: "#888888")
        svg.rect(indexX, top, cell, gridH, fill: "none", stroke: "#888888")
        for (c, name) in names.enumerated() {
            svg.text(
                name, x: left + (Double(c) + 0.5) * cell + 3, y: top + gridH + 6, anchor: "end", size: 10, rotate: true)
        }
        svg.text(
            "selectivity index", x: indexX + cell / 2 + 3, y: top + gridH + 6, anchor: "end", size: 10, rotate: true)
        svg.text("filter, by final norm rank", x: 14, y: top + gridH / 2, anchor: "middle", size: 11, rotate: true)
        let steps = 40
        for i in 0..<steps {
            let v = 1 - (Double(i) + 0.5) / Double(steps)
            svg.rect(barX, top + Double(i) * barH / Double(steps), 14, barH / Double(steps) + 0.3, fill: sequential(v))
        }
        svg.rect(barX, top, 14, barH, fill: "none", stroke: "#888888")
        for v in [1.0, 0.5, 0.0] {
            svg.text(formatValue(v), x: barX + 20, y: top + (1 - v) * barH + 4, size: 10)
        }
        for (i, line) in ["class mean ÷ the filter's", "largest class mean;", "selectivity index"].enumerated() {
            svg.text(line, x: barX, y: top + barH + 16 + Double(i) * 12, size: 10)
        }
        return PlotFile(
            name: "selectivity.svg",
            caption:
                "Mean pooled activation of each filter on the test images of each class, divided by the filter's "
                + "largest class mean (1: the class it responds to most; 0: no response), rows ordered by final "
                + "filter norm (largest first). The last column is the selectivity index (largest mean − mean of "
                + "the others) ÷ (largest mean + mean of the others): 0 for a filter that responds to every class "
                + "alike, 1 for one that responds to a single class.",
            svg: svg.text)
    }

    /// Pictures of the run: the top-activating patches (a PNG data URI) with the classes of their
    /// images. The filters over training are `filters.svg`.
    static func pictures(_ run: RunData) -> Node {
        var html: [Node] = []
        if let data = FileManager.default.contents(atPath: "\(run.path)/top-patches.png") {
            html.append(
                picture(
                    data, alt: "top-activating patches",
                    caption: "The four largest filters by final norm (left, each scaled by its largest |weight|, "
                        + "mid-grey 0) and, for each, the nine test images holding the windows that excite it most, "
                        + "strongest first, each image contrast-stretched with the window outlined in orange; "
                        + "positions in top-patches.json."))
            if let text = try? RunData.read("\(run.path)/top-patches.json"), let json = try? JSONValue.parse(text),
                let filters = json["filters"]?.arrayValue
            {
                let rows: [Node] = filters.enumerated().map { rank, f in
                    let patches = f["patches"]?.arrayValue ?? []
                    let names = patches.map { p in
                        p["className"]?.stringValue ?? run.config.images?.className(label: p["label"]?.intValue ?? -1)
                            ?? "?"
                    }
                    return Report.tableRow(
                        ["\(rank + 1)", f["filter"]?.intValue.map(String.init) ?? "?"] + names)
                }
                html.append(
                    Report.table(
                        ["rank", "filter"] + (1...9).map { "image \($0)" }, rows,
                        note: "The class of each image above, row by row."))
            }
        }
        return .fragment(html)
    }

    /// A figure with the PNG embedded as a data URI, drawn 1.5 times its own width (read from its
    /// IHDR chunk), pixelated, narrower on a narrow screen; then a line break.
    static func picture(_ png: Data, alt: String, caption: String) -> Node {
        var width: Int? = nil
        if png.count > 24 {
            let bytes = [UInt8](png.prefix(24))
            width = (Int(bytes[16]) << 24 | Int(bytes[17]) << 16 | Int(bytes[18]) << 8 | Int(bytes[19])) * 3 / 2
        }
        let image: Node = .element(
            "img",
            [
                "alt": alt, "width": width,
                "style": width.map { _ in "image-rendering: pixelated; max-width: 100%; height: auto" },
                "src": "data:image/png;base64,\(png.base64EncodedString())",
            ])
        return .lines([.element("figure", [:], [image, .element("figcaption", [:], [.text(caption)])])])
    }

    static func figures(_ s: ImageSummary, run: RunData) -> Node {
        let M = s.filterCount
        var items: [String] = []
        let k = Claim.H1.k
        if let share = s.topShare[k] {
            items.append(
                "The \(k) largest of \(M) filters hold \(formatValue(share)) of Σ‖wⱼ‖² (uniform share: "
                    + "\(formatValue(Double(k) / Double(M)))); Gini of the norms \(formatValue(s.gini)).")
        }
        for k in s.ablation.keys.sorted() {
            let a = s.ablation[k]!
            items.append(
                "Keeping \(k) filters: top-\(k) by norm \(formatValue(a.top)), random \(k) \(formatValue(a.random)) ± "
                    + "\(formatValue(a.randomStd)), bottom-\(k) \(formatValue(a.bottom)).")
        }
        return .lines([Report.list(items)])
    }
}
