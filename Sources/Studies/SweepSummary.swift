import Experiments
import Foundation
import Reporting

extension SweepDirectory {
    /// The common summary columns of sweep_summary.csv, after index, directory, seed and the swept
    /// fields; the measurement families' summary figures follow (`familyColumns`), then success.
    static let commonColumns: [RunSummary.CodingKeys] = [.status, .steps, .testAccuracy, .trainAccuracy, .stepsTo100]

    /// The summary figures of every registered measurement family, in registry order (a column
    /// stays empty for runs whose model does not record it).
    static var familyColumns: [Figure] {
        MeasurementFamilies.all.flatMap { $0.figures }.filter { $0.source != .metrics }
    }

    /// Writes sweep_summary.csv (one row per run, missing runs marked), phase.svg and report.html;
    /// returns the number of runs not done.
    @discardableResult
    public func summarize() throws -> Int {
        let header: [String] =
            ["index", "directory", "seed"] + spec.axes.map(\.field) + Self.commonColumns.map(\.stringValue)
        var lines = [(header + Self.familyColumns.map(\.column) + ["success"]).joined(separator: ",")]
        var outcomes: [(params: [JSONValue], success: Bool?)] = []
        var notDone = 0
        for index in 0..<spec.runCount {
            let params = spec.parameters(of: index).map(\.value)
            var row = [String(index), relativeRunPath(index), String(spec.seed(of: index))] + params.map(Self.csvValue)
            let summary = FileManager.default.contents(atPath: "\(runPath(index))/summary.json")
                .flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) }
            if let summary {
                let theta = (try? spec.config(of: index).evaluation.theta) ?? 0.9
                let success = spec.success.holds(summary, theta: theta)
                row += Self.commonColumns.map { summary[$0.stringValue].map(Self.csvValue) ?? "" }
                row += Self.familyColumns.map { f in
                    switch f.source {
                    case .summaryEntry(let k): return summary[f.field]?[String(k)].map(Self.csvValue) ?? ""
                    default: return summary[f.field].map(Self.csvValue) ?? ""
                    }
                }
                row.append(success ? "1" : "0")
                outcomes.append((params, success))
            } else {
                notDone += 1
                // The status column, then the other columns empty (families' figures and success).
                row +=
                    [status(of: index).rawValue]
                    + Array(repeating: "", count: Self.commonColumns.count - 1 + Self.familyColumns.count + 1)
                outcomes.append((params, nil))
            }
            lines.append(row.joined(separator: ","))
        }
        try Self.writeAtomically(lines.joined(separator: "\n") + "\n", to: "\(path)/sweep_summary.csv")
        let phase = PhaseDiagram(spec: spec, outcomes: outcomes).render()
        try Self.writeAtomically(phase, to: "\(path)/phase.svg")
        var body = Report.header(
            "Sweep \(path): \(spec.runCount) runs of \(spec.preset)",
            notes: notDone > 0
                ? ["\(notDone) of \(spec.runCount) runs are not done; they are left out of the success rates."] : [])
        body += Report.section(
            "phase", "Success probability",
            Report.figure(
                PlotFile(
                    name: "phase.svg",
                    caption:
                        "Fraction of runs that succeed (\(spec.success.text)) at each grid point over its \(spec.seeds.count) seeds, with the 95% Wilson interval. Every run: sweep_summary.csv.",
                    svg: phase)))
        body += Report.section("spec", "Sweep spec", "<pre>\(escape(spec.json.prettyText))</pre>")
        try Self.writeAtomically(Report.page("ConvDynamics sweep: \(path)", body), to: "\(path)/report.html")
        return notDone
    }

    static func csvValue(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .string(let s):
            return s.contains(",") || s.contains("\"")
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        case .array, .object: return "\"" + v.text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        default: return v.text
        }
    }
}

/// The success probability over the first two swept fields (other fields and seeds pooled), each
/// cell with its Wilson 95% interval; one field gives a row of cells.
struct PhaseDiagram {
    let spec: SweepSpec
    let outcomes: [(params: [JSONValue], success: Bool?)]

    func render() -> String {
        let xAxis = spec.axes[0]
        let yAxis = spec.axes.count > 1 ? spec.axes[1] : nil
        let cols = xAxis.values.count
        let rows = yAxis?.values.count ?? 1
        let cell = 74.0
        let left = 110.0
        let top = 56.0
        let width = left + Double(cols) * cell + 150
        let height = top + Double(rows) * cell + 60
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>\n"
        out +=
            "<text x=\"10\" y=\"22\" font-size=\"14\" font-weight=\"bold\">Success probability (\(escape(spec.success.text))) over \(escape(xAxis.field))\(yAxis.map { " × " + escape($0.field) } ?? "")</text>\n"
        for r in 0..<rows {
            for c in 0..<cols {
                let match = outcomes.filter {
                    $0.params[0] == xAxis.values[c] && (yAxis == nil || $0.params[1] == yAxis!.values[r])
                }
                let finished = match.compactMap(\.success)
                let k = finished.filter { $0 }.count
                let n = finished.count
                let p = n > 0 ? Double(k) / Double(n) : .nan
                let ci = wilsonInterval(successes: k, trials: n)
                let x = left + Double(c) * cell
                let y = top + Double(rows - 1 - r) * cell
                // White (0) to a light green (1), light enough for black text.
                let g = p.isNaN ? 225 : Int(255 - 55 * p)
                let rb = p.isNaN ? 225 : Int(255 - 135 * p)
                out +=
                    "<rect class=\"cell\" data-successes=\"\(k)\" data-runs=\"\(n)\" x=\"\(Int(x))\" y=\"\(Int(y))\" width=\"\(Int(cell) - 2)\" height=\"\(Int(cell) - 2)\" fill=\"rgb(\(rb),\(g),\(rb))\" stroke=\"#888888\" stroke-width=\"0.5\"/>\n"
                let label = n > 0 ? String(format: "%.2f", p) : "n/a"
                out +=
                    "<text x=\"\(Int(x + cell / 2))\" y=\"\(Int(y + cell / 2 - 6))\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(label)</text>\n"
                out +=
                    "<text x=\"\(Int(x + cell / 2))\" y=\"\(Int(y + cell / 2 + 10))\" text-anchor=\"middle\" font-size=\"10\">[\(String(format: "%.2f", ci.lowerBound))–\(String(format: "%.2f", ci.upperBound))]</text>\n"
                out +=
                    "<text x=\"\(Int(x + cell / 2))\" y=\"\(Int(y + cell / 2 + 24))\" text-anchor=\"middle\" font-size=\"9\" fill=\"#555555\">\(k)/\(n)</text>\n"
            }
            if let yAxis {
                out +=
                    "<text x=\"\(Int(left - 8))\" y=\"\(Int(top + Double(rows - 1 - r) * cell + cell / 2 + 4))\" text-anchor=\"end\">\(escape(yAxis.values[r].text))</text>\n"
            }
        }
        for c in 0..<cols {
            out +=
                "<text x=\"\(Int(left + (Double(c) + 0.5) * cell))\" y=\"\(Int(top + Double(rows) * cell + 16))\" text-anchor=\"middle\">\(escape(xAxis.values[c].text))</text>\n"
        }
        out +=
            "<text x=\"\(Int(left + Double(cols) * cell / 2))\" y=\"\(Int(top + Double(rows) * cell + 40))\" text-anchor=\"middle\">\(escape(xAxis.field))</text>\n"
        if let yAxis {
            out +=
                "<text x=\"16\" y=\"\(Int(top + Double(rows) * cell / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(Int(top + Double(rows) * cell / 2)))\">\(escape(yAxis.field))</text>\n"
        }
        out +=
            "<text x=\"\(Int(left + Double(cols) * cell + 12))\" y=\"\(Int(top + 14))\" font-size=\"10\" fill=\"#555555\">cell: success rate</text>\n"
        out +=
            "<text x=\"\(Int(left + Double(cols) * cell + 12))\" y=\"\(Int(top + 28))\" font-size=\"10\" fill=\"#555555\">[Wilson 95% interval]</text>\n"
        out +=
            "<text x=\"\(Int(left + Double(cols) * cell + 12))\" y=\"\(Int(top + 42))\" font-size=\"10\" fill=\"#555555\">successes/finished runs</text>\n"
        if spec.axes.count > 2 {
            out +=
                "<text x=\"\(Int(left + Double(cols) * cell + 12))\" y=\"\(Int(top + 60))\" font-size=\"10\" fill=\"#555555\">pooled over \(escape(spec.axes.dropFirst(2).map(\.field).joined(separator: ", ")))</text>\n"
        }
        return out + "</svg>\n"
    }
}
