import Foundation

@testable import Studies

/// A suite that writes sweep specs into its own scratch directory `dir` and reads back what the
/// sweep wrote.
protocol SweepScratch {
    var dir: String { get }
}

extension SweepScratch {
    /// Writes `text` as `dir/name` and loads it as a sweep spec.
    func spec(_ text: String, name: String) throws -> SweepSpec {
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return try SweepSpec.load("\(dir)/\(name)")
    }

    /// The UTF-8 text of the file at `path`.
    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The plot files report.html names, as `(plots/NAME)` after each figure.
    func plotsNamed(in report: String) -> [String] {
        report.components(separatedBy: "(plots/").dropFirst().map { String($0.prefix { $0 != ")" }) }
    }
}
