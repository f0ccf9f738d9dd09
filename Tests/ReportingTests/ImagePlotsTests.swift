import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// The pictures of image runs (issue 15): filters in a fixed order on one signed grey scale,
/// class names, a sequential selectivity scale, no T₁₀₀ in the accuracy caption.
@Suite struct ImagePlotsTests {
    /// A tiny Fashion-MNIST-format run, 30 steps evaluated every 10, read back.
    func tinyRun(_ name: String) throws -> (run: RunData, path: String, cleanup: () -> Void) {
        let data = temporaryDirectory("\(name)-data")
        let out = temporaryDirectory("\(name)-run")
        try trainTinyImageRun(data: data, out: out, overrides: ["learningRate=0.5"])
        return (
            try RunData.load(out), out, { for p in [data, out] { try? FileManager.default.removeItem(atPath: p) } }
        )
    }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (1..<m.numberOfRanges).map { String(text[Range(m.range(at: $0), in: text)!]) }
        }
    }

    @Test func filterGridsKeepOneOrderAndOneSignedGreyScale() throws {
        let (run, _, cleanup) = try tinyRun("grids")
        defer { cleanup() }
        #expect(run.filters.count == 4)
        let plot = try #require(ImagePlots.filterGrids(run))
        #expect(XMLCheck(plot.svg).error == nil)
        // The order: by the final norm, the same in every snapshot.
        let final = run.filters.last!.norms
        let order = final.indices.sorted { final[$0] > final[$1] }
        let first = run.filters.first!.norms
        #expect(
            first.indices.sorted { first[$0] > first[$1] } != order,
            "the norms' order must change during the run for this test to tell a fixed order from a re-sorted one")
        let placed = Self.matches(#"rank (\d+) by final norm: filter (\d+)"#, in: plot.svg).map {
            (Int($0[0])!, Int($0[1])!)
        }
        #expect(placed.count == 4 * 16)
        for s in 0..<4 {
            let snapshot = placed[(s * 16)..<((s + 1) * 16)]
            #expect(snapshot.map(\.0) == Array(1...16) && snapshot.map(\.1) == order, "snapshot \(s)")
        }
        // The pixels: one symmetric range R = the largest |weight| of all snapshots, −R black,
        // 0 mid-grey, +R white.
        let R = run.filters.flatMap { $0.weights.flatMap { $0 } }.map(abs).max()!
        var expected: [String] = []
        for record in run.filters {
            for j in order {
                for v in record.weights[j] {
                    let g = Int((127.5 + 127.5 * v / R).rounded())
                    expected.append(String(format: "#%02x%02x%02x", g, g, g))
                }
            }
        }
        let fills = Self.matches(#"<rect [^>]*width="5.00" height="5.00" fill="(#[0-9a-f]{6})""#, in: plot.svg).map {
            $0[0]
        }
        #expect(fills == expected)
        #expect(fills.contains("#000000") || fills.contains("#ffffff"))
        // The scale bar is labelled with ±R.
        #expect(plot.svg.contains(">+\(formatValue(R))<") && plot.svg.contains(">−\(formatValue(R))<"))
        #expect(plot.caption.contains("same place at every step"))
    }

    @Test func selectivityIsSequentialAndNamesTheClasses() throws {
        let (run, _, cleanup) = try tinyRun("selectivity")
        defer { cleanup() }
        let plot = try #require(ImagePlots.selectivity(run))
        #expect(XMLCheck(plot.svg).error == nil)
        for name in ImageDatasetNames.fashion { #expect(plot.svg.contains(">\(name)<"), "no column \(name)") }
        #expect(!plot.svg.contains("cosine") && !plot.svg.contains("−1"))
        #expect(plot.svg.contains("largest class mean"))
        // Sequential: lighter for 0, darker for every larger value, negatives as 0.
        func luminance(_ hex: String) -> Double {
            let v = Int(hex.dropFirst(), radix: 16)!
            return 0.299 * Double(v >> 16) + 0.587 * Double((v >> 8) & 255) + 0.114 * Double(v & 255)
        }
        let scale = (0...10).map { luminance(ImagePlots.sequential(Double($0) / 10)) }
        #expect(zip(scale, scale.dropFirst()).allSatisfy { $0 > $1 }, "\(scale)")
        #expect(ImagePlots.sequential(-0.5) == ImagePlots.sequential(0))
        // Every filter with a positive class mean has a cell at the top of the scale (its largest class).
        let rows = Self.matches(#"fill="(#[0-9a-f]{6})"><title>rank (\d+) \(filter \d+\), "#, in: plot.svg)
        #expect(rows.count == 16 * 10)
        let top = ImagePlots.sequential(1)
        let text = try String(contentsOfFile: "\(run.path)/selectivity.json", encoding: .utf8)
        let filters = try #require(JSONValue.parse(text)["filtersByNorm"]?.arrayValue)
        for (rank, f) in filters.enumerated() {
            let means = f["classMeans"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            let cells = rows.filter { $0[1] == "\(rank + 1)" }.map { $0[0] }
            #expect(cells.count == 10)
            if means.max()! > 0 { #expect(cells.contains(top), "rank \(rank + 1)") }
        }
    }

    @Test func imageReportNamesClassesAndLeavesOutT100() throws {
        let (_, path, cleanup) = try tinyRun("image-report")
        defer { cleanup() }
        let report = try Report.build(path)
        let accuracy = try #require(report.plots.first { $0.name == "accuracy.svg" })
        #expect(!accuracy.caption.contains("T₁₀₀") && !accuracy.svg.contains("T₁₀₀"))
        #expect(accuracy.svg.contains("chance, 1/10"))
        // The top patches' classes, by name, in a table under the picture.
        let text = try String(contentsOfFile: "\(path)/top-patches.json", encoding: .utf8)
        let patches = try #require(JSONValue.parse(text)["filters"]?.arrayValue?.first?["patches"]?.arrayValue)
        let names = patches.compactMap { $0["className"]?.stringValue }
        #expect(names.count == patches.count && !names.isEmpty)
        #expect(names.allSatisfy(ImageDatasetNames.fashion.contains))
        let filter = try #require(JSONValue.parse(text)["filters"]?.arrayValue?.first?["filter"]?.intValue)
        let cells = (["1", "\(filter)"] + names).map { "<td>\($0)</td>" }.joined()
        #expect(report.html.contains("<tr>\(cells)</tr>"), "no row \(cells)")
        #expect(report.html.contains("filters.svg"))
    }
}

/// The Fashion-MNIST class names, written out here to check the code's list against.
enum ImageDatasetNames {
    static let fashion = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
}
