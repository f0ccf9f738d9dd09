import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The elements of an SVG document, with their attributes and text, in document order.
private final class SVGElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        /// How deep in nested `<svg>` elements (1: the document's own).
        var depth: Int
    }

    var elements: [Element] = []
    private var open: [Int] = []
    private var svgDepth = 0

    init(_ document: String) {
        super.init()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = self
        _ = parser.parse()
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == "svg" { svgDepth += 1 }
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes, depth: svgDepth))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        // Every open element: a dot's text is that of its <title>.
        for i in open { elements[i].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
        if name == "svg" { svgDepth -= 1 }
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }
    func number(_ e: Element, _ attribute: String) -> Double { Double(e.attributes[attribute] ?? "") ?? .nan }

    /// The texts, "a b c", of every `<text>` element.
    var texts: [String] { all("text").map(\.text) }

    /// The smallest text as rendered when the drawing is shrunk to `screen` px wide (or shown at its
    /// own width when that is smaller).
    func smallestRenderedFont(screen: Double) -> Double {
        guard let root = elements.first, root.name == "svg" else { return .nan }
        let viewBox = (root.attributes["viewBox"] ?? "").split(separator: " ").compactMap { Double($0) }
        let width = number(root, "width")
        guard viewBox.count == 4 else { return .nan }
        let scale = min(width, screen) / viewBox[2]
        let sizes = all("text").map { Double($0.attributes["font-size"] ?? "12") ?? 12 }
        return (sizes.min() ?? 12) * scale
    }
}

/// The fixture run copied `count` times into a fresh directory.
private func fixtureGroup(_ name: String, count: Int = 3) throws -> String {
    let root = temporaryDirectory(name)
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    for k in 0..<count { try FileManager.default.copyItem(atPath: fixture("tiny-run"), toPath: "\(root)/seed-\(k)") }
    return root
}

@Suite struct PlotLayoutTests {
    @Test func finalValuesAreDotsOnAnAxisZoomedToTheRunsWithTheThreshold() {
        let values = [0.93, 0.95, 0.96, 0.97, 0.97, 0.97, 0.98, 0.99]
        let strip = StripPlot(
            title: "Final best-key cosine", xLabel: "best-key cosine", values: values + [.nan],
            threshold: (0.9, "θ = 0.9", { $0 > 0.9 }), limits: -1...1)
        // Zoomed: the axis spans the runs and θ, not −1…1.
        #expect(strip.axisRange.lowerBound > 0.8 && strip.axisRange.lowerBound < 0.9)
        #expect(strip.axisRange.upperBound > 0.99 && strip.axisRange.upperBound <= 1)
        let svg = SVGElements(strip.render())
        let dots = svg.all("circle").filter { $0.attributes["class"] == "run" }
        #expect(dots.count == values.count, "one dot per run with a value")
        // The three runs at 0.97 are stacked, not drawn on top of each other.
        let at97 = dots.filter { $0.text == "0.97" }
        #expect(Set(at97.map { $0.attributes["cy"] ?? "" }).count == 3)
        let threshold = svg.all("line").filter { $0.attributes["class"] == "threshold" }
        #expect(threshold.count == 1)
        #expect(svg.texts.contains("θ = 0.9: 8 of 8 runs"))
        #expect(svg.texts.contains { $0.contains("1 run without a value") })
        // The threshold's x lies left of every dot, inside the frame.
        let x = svg.number(threshold[0], "x1")
        #expect(dots.allSatisfy { svg.number($0, "cx") > x })
    }

    @Test func aGroupReportShowsStripPlotsNotHistograms() throws {
        let root = try fixtureGroup("strips")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let report = try Report.build(root)
        for name in ["seeds-best-key-cosine-hist.svg", "seeds-key-share-hist.svg"] {
            let plot = try #require(report.plots.first { $0.name == name })
            let svg = SVGElements(plot.svg)
            #expect(svg.all("circle").filter { $0.attributes["class"] == "run" }.count == 3, "\(name)")
            #expect(svg.all("line").contains { $0.attributes["class"] == "threshold" }, "\(name)")
            #expect(!svg.all("polyline").contains { $0.attributes["data-name"]?.contains("per bin") == true })
        }
    }

    /// No text of a line plot inside its plot area: markers and thresholds are named in the legend.
    @Test func labelsAreNeverDrawnOverTheData() throws {
        let root = try fixtureGroup("labels")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plots = try Report.build(root).plots + Report.build(fixture("tiny-run")).plots
        var checked = 0
        for plot in plots where !plot.name.contains("cosines") {
            let svg = SVGElements(plot.svg)
            // The plot area: the first framed rectangle after the background.
            guard let frame = svg.all("rect").first(where: { $0.attributes["stroke"] == "#888888" }) else { continue }
            let (fx, fy) = (svg.number(frame, "x"), svg.number(frame, "y"))
            let (fw, fh) = (svg.number(frame, "width"), svg.number(frame, "height"))
            for text in svg.all("text") where text.attributes["transform"] == nil {
                let (x, y) = (svg.number(text, "x"), svg.number(text, "y"))
                let inside = x > fx + 1 && x < fx + fw - 1 && y > fy + 1 && y < fy + fh - 1
                #expect(!inside, "\(plot.name): “\(text.text)” at (\(x), \(y)) lies inside the plot area")
            }
            checked += 1
        }
        #expect(checked >= 15)
        // The T₁₀₀ marker is named in the accuracy plot's legend.
        let run = try RunData.load(fixture("tiny-run"))
        let t100 = try #require(run.stepsTo100)
        #expect(SVGElements(RunPlots.accuracy(run).svg).texts.contains("T₁₀₀ = \(t100)"))
    }

    @Test func thresholdLinesAtNormRatioTwoAndTheStepBudget() throws {
        let run = try RunData.load(fixture("tiny-run"))
        let ratio = SVGElements(RunPlots.normRatio(run).svg)
        let reference = try #require(ratio.all("line").first { $0.attributes["class"] == "reference" })
        #expect(reference.attributes["data-name"] == "threshold \(Claim.A1.normRatio.text)")
        #expect(Claim.A1.normRatio.threshold.value == 2)
        let curve = SVGElements(GroupPlots.successCurve([run, run]).svg)
        let budget = try #require(curve.all("line").first { $0.attributes["class"] == "marker" })
        #expect(budget.attributes["data-name"] == "step budget, \(run.config.training.steps) steps")
        // At the right edge of the step axis: the budget is the last evaluated step.
        let frame = try #require(curve.all("rect").first { $0.attributes["stroke"] == "#888888" })
        let right = curve.number(frame, "x") + curve.number(frame, "width")
        #expect(curve.number(budget, "x1") > curve.number(frame, "x") && curve.number(budget, "x1") < right)
        #expect(curve.texts.contains("step budget, \(run.config.training.steps) steps"))
    }

    @Test func chanceLevelInImageAccuracyAcrossSeeds() throws {
        var plot = LinePlot(title: "t", xLabel: "x", yLabel: "y")
        plot.series = [Series(name: "s", points: [(0, 0.1), (10, 0.9)], color: "#000000")]
        plot.yRange = 0...1.02
        plot.references = [Reference(y: 0.1, label: "chance level, 1/10")]
        let svg = SVGElements(plot.render())
        let line = try #require(svg.all("line").first { $0.attributes["class"] == "reference" })
        let frame = try #require(svg.all("rect").first { $0.attributes["stroke"] == "#888888" })
        // y = 0.1 of 0…1.02: 0.1/1.02 of the height up from the bottom.
        let expected = svg.number(frame, "y") + svg.number(frame, "height") * (1 - 0.1 / 1.02)
        #expect(abs(svg.number(line, "y1") - expected) < 0.02)
        #expect(svg.texts.contains("chance level, 1/10"))
    }

    @Test func theGrowthPlotTellsItsLinesApart() throws {
        let run = try RunData.load(fixture("tiny-run"))
        let growth = try #require(RunPlots.growth(run))
        let svg = SVGElements(growth.svg)
        let linear = try #require(
            svg.all("polyline").first { $0.attributes["data-name"] == "reference: linear growth ∝ t" })
        let root = try #require(svg.all("polyline").first { $0.attributes["data-name"] == "reference: growth ∝ √t" })
        let t100 = try #require(svg.all("line").first { $0.attributes["class"] == "marker" })
        func look(_ e: SVGElements.Element) -> String {
            (e.attributes["stroke"] ?? "") + "/" + (e.attributes["stroke-dasharray"] ?? "")
        }
        #expect(Set([look(linear), look(root), look(t100)]).count == 3)
        #expect(linear.attributes["stroke"] != t100.attributes["stroke"])
        for name in ["reference: linear growth ∝ t", "reference: growth ∝ √t", "T₁₀₀ = \(run.stepsTo100!)"] {
            #expect(svg.texts.contains(name), "the legend names \(name)")
        }
    }

    @Test func oneStepAxisPerPageLinearUnlessLogSpaced() throws {
        #expect(RunPlots.stepScale([0, 30, 60, 90, 100].map(Double.init)) == .linear)
        #expect(RunPlots.stepScale(EvaluationSchedule.every(10).steps(upTo: 100_000).map(Double.init)) == .linear)
        #expect(RunPlots.stepScale(EvaluationSchedule.log(30).steps(upTo: 1000).map(Double.init)) == .logWithZero)
        #expect(RunPlots.stepScale(try RunData.load(fixture("tiny-run"))) == .linear)
        // Every step plot of a group's page has the same step axis: log for a log-spaced schedule.
        let root = try fixtureGroup("axis")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let config = "\(root)/seed-0/config.json"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "\"every(5)\"", with: "\"log(20)\"").write(
            toFile: config, atomically: true, encoding: .utf8)
        let logged = try RunData.load("\(root)/seed-0")
        #expect(RunPlots.stepScale([logged]) == .logWithZero)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let labels = Set(
            try Report.build(root).plots.flatMap { plot in
                SVGElements(plot.svg).texts.filter { $0.hasPrefix("training step") || $0.hasPrefix("step T") }
            })
        #expect(labels == ["training step", "step T"])
    }

    @Test func cosineSnapshotsShareOneColourBarAndKeysAreNamed() throws {
        let report = try Report.build(fixture("tiny-run"))
        let steps = SVGElements(try #require(report.plots.first { $0.name == "cosines-steps.svg" }).svg)
        #expect(steps.texts.filter { $0 == "cosine" }.count == 1)
        #expect(steps.all("svg").filter { $0.depth == 2 }.count == 4, "four snapshots")
        #expect(
            try #require(report.plots.first { $0.name == "cosines-steps.svg" }).caption.contains("(0: key⁺, 1: key⁻)"))
        let final = SVGElements(try #require(report.plots.first { $0.name == "cosines-final.svg" }).svg)
        let names = final.all("text").filter { $0.attributes["class"] == "column-name" }
        #expect(names.map(\.text) == ["key⁺", "key⁻"])
    }

    @Test func captionsAndPlotTextAreReadableMathematics() throws {
        let root = try fixtureGroup("captions")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reports = [try Report.build(root), try Report.build(fixture("tiny-run"))]
        for report in reports {
            for plot in report.plots {
                let texts = [plot.caption] + SVGElements(plot.svg).texts
                for text in texts {
                    for source in ["_{", "SPEC", "§", "\\", "^{", "max_", "w_j"] {
                        #expect(!text.contains(source), "\(plot.name): “\(text)” contains \(source)")
                    }
                }
            }
        }
    }

    /// At a 400 px window (a drawing about 368 px wide) every plot's text is 9 px or more.
    @Test func plotTextStaysReadableOnAPhone() throws {
        let root = try fixtureGroup("phone")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plots = try Report.build(root).plots + Report.build(fixture("tiny-run")).plots
        for plot in plots {
            let smallest = SVGElements(plot.svg).smallestRenderedFont(screen: PlotStyle.phoneWidth)
            #expect(smallest >= PlotStyle.minimumRenderedFont, "\(plot.name): text of \(smallest) px at 400 px")
        }
        // A plot is drawn larger than its viewBox on a wide screen and shrinks with the page.
        let accuracy = SVGElements(try #require(plots.first { $0.name == "accuracy.svg" }).svg)
        let svg = try #require(accuracy.elements.first)
        #expect(accuracy.number(svg, "width") > PlotStyle.width)
        #expect(svg.attributes["viewBox"]?.hasPrefix("0 0 480.00 ") == true)
    }

    @Test func everyPageHasTheViewportTheStyleAndTheHeader() throws {
        let html = Report.page("t", .text("body"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        #expect(html.contains("figure svg { display: block; max-width: 100%; height: auto; }"))
        #expect(html.contains(".table-wrap { overflow-x: auto; max-width: 100%; }"))
        let stamp = PageStamp.current
        #expect(html.contains("<p class=\"stamp\">convdyn \(convdynVersion) · git \(stamp.revision) · "))
        #expect(stamp.revision == "unknown" || stamp.revision.prefix(12).allSatisfy(\.isHexDigit))
        let date = try #require(html.range(of: #"\d{4}-\d\d-\d\d \d\d:\d\d UTC"#, options: .regularExpression))
        #expect(html[date].count == 20)
        #expect(html.contains("<code>\(URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent)"))
    }

    @Test func theStampQuotesTheCommandLineAsAShellWould() {
        let stamp = PageStamp(
            version: "9.9", revision: "abc", date: Date(timeIntervalSince1970: 86_400 * 365),
            commandLine: ["/usr/local/bin/convdyn", "demo", "--out", "my runs", "--set", "a='b'", "x<y"])
        #expect(stamp.commandText == #"convdyn demo --out 'my runs' --set 'a='\''b'\''' 'x<y'"#)
        #expect(stamp.dateText == "1971-01-01 00:00 UTC")
        #expect(
            stamp.node.rendered(as: .html)
                == #"<p class="stamp">convdyn 9.9 · git abc · 1971-01-01 00:00 UTC · <code>convdyn demo --out 'my runs' "#
                + #"--set 'a='\''b'\''' 'x&lt;y'</code></p>"#)
    }
}
