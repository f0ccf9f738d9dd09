import Experiments
import Foundation

/// A problem reading run directories, with what to do about it.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// How far a run got.
public enum RunState: Equatable, Sendable {
    case completed
    /// Stopped at `step` with a non-finite loss.
    case diverged(step: Int)
    /// No summary.json: still running, or interrupted.
    case partial
}

/// One evaluation of `filters.jsonl`.
public struct FilterRecord: Sendable {
    public var step: Int
    public var norms: [Double]
    /// [M][P].
    public var cosines: [[Double]]
    /// [M][P].
    public var projections: [[Double]]
    /// The sign of each filter's read-out weight, −1, 0 or +1 (synthetic runs).
    public var signs: [Int]
    /// The filters themselves, [M][D] (image runs).
    public var weights: [[Double]]
}

/// Everything a run directory holds, read back from its files (never from training state).
public struct RunData: Sendable {
    public let path: String
    public let config: ExperimentConfig
    /// The lines of metrics.jsonl.
    public let metrics: [JSONValue]
    /// The lines of filters.jsonl (empty when not recorded or not loaded).
    public let filters: [FilterRecord]
    public let summary: RunSummary?
    public let state: RunState
    /// Problems that did not stop the reading (a truncated last line, say).
    public let warnings: [String]

    /// True when `path` looks like one run (it holds config.json or metrics.jsonl).
    public static func isRunDirectory(_ path: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: "\(path)/config.json") || fm.fileExists(atPath: "\(path)/metrics.jsonl")
    }

    /// Reads the run at `path`; `includeFilters` also reads filters.jsonl.
    public static func load(_ path: String, includeFilters: Bool = true) throws -> RunData {
        var warnings: [String] = []
        guard RunData.isRunDirectory(path) else {
            throw ReportError(
                "\(path) is not a run directory (it has no config.json or metrics.jsonl); pass a directory written by `convdyn train` or `convdyn demo`"
            )
        }
        guard let configText = read("\(path)/config.json") else {
            throw ReportError("\(path)/config.json is missing or unreadable; the run directory is incomplete")
        }
        let config: ExperimentConfig
        do { config = try ExperimentConfig.decode(JSONValue.parse(configText)) } catch {
            throw ReportError("\(path)/config.json is malformed: \(error)")
        }
        guard let metricsText = read("\(path)/metrics.jsonl") else {
            throw ReportError("\(path)/metrics.jsonl is missing; the run recorded no evaluation yet")
        }
        let metrics = try parseLines(metricsText, file: "\(path)/metrics.jsonl", warnings: &warnings)
        guard !metrics.isEmpty else { throw ReportError("\(path)/metrics.jsonl holds no evaluation yet") }
        for (i, m) in metrics.enumerated() where m["step"]?.intValue == nil {
            throw ReportError("\(path)/metrics.jsonl line \(i + 1) has no integer \"step\"; the file is malformed")
        }
        var filters: [FilterRecord] = []
        if includeFilters, let text = read("\(path)/filters.jsonl") {
            for (i, line) in try parseLines(text, file: "\(path)/filters.jsonl", warnings: &warnings).enumerated() {
                let isImage = config.images != nil
                guard let step = line["step"]?.intValue, let norms = numbers(line["norms"]),
                    isImage
                        ? matrix(line["weights"]) != nil
                        : (matrix(line["cosines"]) != nil && matrix(line["projections"]) != nil)
                else {
                    throw ReportError(
                        "\(path)/filters.jsonl line \(i + 1) lacks step, norms or \(isImage ? "weights" : "cosines and projections"); the file is malformed"
                    )
                }
                let M = norms.count
                let signs = numbers(line["signs"])?.map { Int($0) } ?? (0..<M).map { $0 < M / 2 ? 1 : -1 }
                filters.append(
                    FilterRecord(
                        step: step, norms: norms, cosines: matrix(line["cosines"]) ?? [],
                        projections: matrix(line["projections"]) ?? [], signs: signs,
                        weights: matrix(line["weights"]) ?? []))
            }
        }
        var summary: RunSummary? = nil
        var state = RunState.partial
        if let text = read("\(path)/summary.json") {
            do { summary = try RunSummary(json: JSONValue.parse(text)) } catch {
                throw ReportError("\(path)/summary.json is malformed: \(error)")
            }
            state = summary!.status == "diverged" ? .diverged(step: summary!.steps) : .completed
        }
        return RunData(
            path: path, config: config, metrics: metrics, filters: filters, summary: summary, state: state,
            warnings: warnings)
    }

    /// (step, value) pairs of a metrics.jsonl key; "NaN" values are kept as NaN.
    public func series(_ key: String) -> [(x: Double, y: Double)] {
        metrics.compactMap { m in
            guard let s = m["step"]?.intValue, let v = m[key]?.doubleValue else { return nil }
            return (Double(s), v)
        }
    }

    /// The last evaluated step.
    public var lastStep: Int { metrics.last?["step"]?.intValue ?? 0 }

    /// T₁₀₀ from the summary, or from metrics.jsonl for a partial run.
    public var stepsTo100: Int? {
        if let summary { return summary.stepsTo100 }
        return metrics.first { $0["testAccuracy"]?.doubleValue == 1 }?["step"]?.intValue
    }

    /// True for runs on image data.
    public var isImageRun: Bool { config.images != nil }

    /// A name for tables: the directory's last component.
    public var name: String { URL(fileURLWithPath: path).lastPathComponent }

    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Parses JSON lines; a malformed last line without a newline (a write cut short) is dropped
    /// with a warning, any other malformed line is an error naming the line.
    static func parseLines(_ text: String, file: String, warnings: inout [String]) throws -> [JSONValue] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        var values: [JSONValue] = []
        for (i, line) in lines.enumerated() {
            do { values.append(try JSONValue.parse(String(line))) } catch {
                if i == lines.count - 1 && !text.hasSuffix("\n") {
                    warnings.append(
                        "\(file): the last line is incomplete (the run was cut off while writing it) and was skipped")
                } else {
                    throw ReportError("\(file) line \(i + 1) is not valid JSON (\(error)); the file is malformed")
                }
            }
        }
        return values
    }

    static func numbers(_ v: JSONValue?) -> [Double]? {
        guard let items = v?.arrayValue else { return nil }
        let out = items.compactMap(\.doubleValue)
        return out.count == items.count ? out : nil
    }

    static func matrix(_ v: JSONValue?) -> [[Double]]? {
        guard let rows = v?.arrayValue else { return nil }
        let out = rows.compactMap(numbers)
        return out.count == rows.count ? out : nil
    }
}

/// The runs directly below a directory, in natural order (seed-2 before seed-10).
public func runDirectories(in path: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    return names.filter { RunData.isRunDirectory("\(path)/\($0)") }
        .sorted { a, b in
            let na = Int(a.filter(\.isNumber))
            let nb = Int(b.filter(\.isNumber))
            if let na, let nb, a.filter({ !$0.isNumber }) == b.filter({ !$0.isNumber }) { return na < nb }
            return a < b
        }
        .map { "\(path)/\($0)" }
}
