import Experiments
import Foundation

/// The plots and pictures of an image run (SPEC §3 item 14), from its files.
enum ImagePlots {
    static func all(_ run: RunData) -> [PlotFile] {
        var plots = [RunPlots.accuracy(run), RunPlots.loss(run), sortedNorms(run), concentration(run)]
        if let final = finalNorms(run) { plots.append(final) }
        if let ablation = ablation(run) { plots.append(ablation) }
        if let selectivity = selectivity(run) { plots.append(selectivity) }
        return plots
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
            title: "Norm concentration", xLabel: RunPlots.stepLabel(run), yLabel: "share of Σ‖w_j‖², or Gini",
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
            title: "Filter norms at step \(run.lastStep), sorted", xLabel: "rank", yLabel: "‖w_j‖",
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

    static func selectivity(_ run: RunData) -> PlotFile? {
        guard let text = try? RunData.read("\(run.path)/selectivity.json"), let json = try? JSONValue.parse(text),
            let filters = json["filtersByNorm"]?.arrayValue
        else { return nil }
        let rows: [[Double]] = filters.compactMap { f in
            guard let means = f["classMeans"]?.arrayValue?.compactMap(\.doubleValue) else { return nil }
            let scale = means.map(abs).max() ?? 1
            return means.map { scale > 0 ? $0 / scale : 0 }
        }
        guard !rows.isEmpty else { return nil }
        let heat = Heatmap(
            title: "Class selectivity", rowLabel: "filter, by norm rank",
            columnLabel: "class", values: rows, cellSize: 14, columnName: "class")
        return PlotFile(
            name: "selectivity.svg",
            caption:
                "Mean pooled activation of each filter on the test images of each class, rows ordered by filter norm "
                + "(largest first) and scaled by their largest entry.",
            svg: heat.render())
    }

    /// Pictures of the run as HTML `img` elements with PNG data URIs: the filters at a few
    /// evaluations and the top-activating patches.
    static func pictures(_ run: RunData) -> Node {
        let dir = "\(run.path)/filters"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".png") }
            .sorted()
        var html: [Node] = []
        if !files.isEmpty {
            let picks =
                files.count <= 5
                ? files : [0, files.count / 4, files.count / 2, 3 * files.count / 4, files.count - 1].map { files[$0] }
            var figures: [Node] = []
            for f in picks {
                guard let data = FileManager.default.contents(atPath: "\(dir)/\(f)") else { continue }
                let step = Int(f.filter(\.isNumber)) ?? 0
                figures.append(picture(data, alt: "filters at step \(step)", caption: "step \(step) (filters/\(f))"))
            }
            let patch = run.config.images?.patchSize ?? 0
            html.append(.element("div", [:], figures))
            html.append(
                .element(
                    "p", ["class": "note"],
                    [
                        .text(
                            "Each filter drawn as its \(patch)×\(patch) window, sorted by norm (largest first, "
                                + "left to right, top to bottom), scaled by its own largest |weight|: mid-grey is 0. "
                                + "All \(files.count) evaluations are in filters/.")
                    ]))
            html.append(.text("\n"))
        }
        if let data = FileManager.default.contents(atPath: "\(run.path)/top-patches.png") {
            html.append(
                picture(
                    data, alt: "top-activating patches",
                    caption: "The four largest filters (left) and the nine test patches that excite each most "
                        + "(contrast-stretched); positions in top-patches.json."))
        }
        return .fragment(html)
    }

    /// A figure with the PNG embedded as a data URI, drawn 1.5 times its own width (read from its
    /// IHDR chunk), pixelated; then a line break.
    static func picture(_ png: Data, alt: String, caption: String) -> Node {
        var width: Int? = nil
        if png.count > 24 {
            let bytes = [UInt8](png.prefix(24))
            width = (Int(bytes[16]) << 24 | Int(bytes[17]) << 16 | Int(bytes[18]) << 8 | Int(bytes[19])) * 3 / 2
        }
        let image: Node = .element(
            "img",
            [
                "alt": alt, "width": width, "style": width.map { _ in "image-rendering: pixelated" },
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
                "The \(k) largest of \(M) filters hold \(formatValue(share)) of Σ‖w_j‖² (uniform share: "
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
