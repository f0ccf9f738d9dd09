import Experiments
import Foundation

/// A problem reading run directories, with what to do about it.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    /// What failed and what to do about it.
    public var message: String
    public var description: String { message }
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
}

/// One evaluation of `filters.jsonl`, with the shapes checked (see `FiltersLine`).
public struct FilterRecord: Sendable {
    /// The evaluated step.
    public var step: Int
    /// ‖w_j‖ for each filter, [M].
    public var norms: [Double]
    /// [M][P].
    public var cosines: [[Double]]
    /// [M][P].
    public var projections: [[Double]]
    /// The sign of each filter's read-out weight, −1, 0 or +1 (synthetic runs).
    public var signs: [Int]
    /// The filters themselves, [M][D] (image runs).
    public var weights: [[Double]]

    init(_ line: FiltersLine) {
        let M = line.norms.count
        step = line.step
        norms = line.norms
        cosines = line.cosines ?? []
        projections = line.projections ?? []
        signs = line.signs ?? (0..<M).map { 2 * $0 < M ? 1 : -1 }
        weights = line.weights ?? []
    }
}

/// Everything a run directory holds, read back from its files (never from training state).
public struct RunData: Sendable {
    /// The run directory.
    public let path: String
    /// Its config.json.
    public let config: ExperimentConfig
    /// The lines of metrics.jsonl.
    public let metrics: [JSONValue]
    /// The lines of filters.jsonl (empty when not recorded or not loaded).
    public let filters: [FilterRecord]
    /// Its summary.json, nil for a partial run.
    public let summary: RunSummary?
    /// `completed` or `diverged` from summary.json, `partial` without one.
    public let status: RunStatus
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
                "\(path) is not a run directory (it has no config.json or metrics.jsonl); "
                    + "pass a directory written by `convdyn train` or `convdyn demo`"
            )
        }
        guard let configText = try read("\(path)/config.json") else {
            throw ReportError("\(path)/config.json is missing or unreadable; the run directory is incomplete")
        }
        let config: ExperimentConfig
        do { config = try ExperimentConfig.decode(JSONValue.parse(configText)) } catch {
            throw ReportError("\(path)/config.json is malformed: \(error)")
        }
        let metricsFile = "\(path)/metrics.jsonl"
        guard let metricsText = try read(metricsFile) else {
            throw ReportError("\(metricsFile) is missing; the run recorded no evaluation yet")
        }
        let metrics = try parseLines(metricsText, file: metricsFile, warnings: &warnings) { line, _ in
            try refuseInfinity(line)
            try MeasurementFamilies.validate(line: line, config: config)
            return line
        }
        guard !metrics.isEmpty else {
            throw ReportError(
                warnings.isEmpty
                    ? "\(metricsFile) holds no evaluation yet"
                    : "\(metricsFile) holds no evaluation yet: its only line is incomplete (cut off while written)")
        }
        var filters: [FilterRecord] = []
        let filtersFile = "\(path)/filters.jsonl"
        if includeFilters, let text = try read(filtersFile) {
            let isImage = config.images != nil
            filters = try parseLines(text, file: filtersFile, warnings: &warnings) { line, _ in
                try refuseInfinity(line)
                return FilterRecord(
                    try FiltersLine(
                        validating: line, filters: config.network.M, patterns: isImage ? nil : config.data.P,
                        weights: isImage))
            }
        }
        var summary: RunSummary? = nil
        let summaryFile = "\(path)/summary.json"
        if let text = try read(summaryFile) {
            do {
                let s = try RunSummary(json: JSONValue.parse(text))
                try MeasurementFamilies.validate(summary: s, config: config)
                summary = s
            } catch {
                throw ReportError("\(summaryFile) is malformed: \(error)")
            }
        }
        return RunData(
            path: path, config: config, metrics: metrics, filters: filters, summary: summary,
            status: summary?.status ?? .partial, warnings: warnings)
    }

    /// (step, value) pairs of a metrics.jsonl key; "NaN" values are kept as NaN.
    public func series(_ key: String) -> [(x: Double, y: Double)] {
        metrics.compactMap { m in
            guard let s = m[CommonFigures.step.field]?.intValue, let v = m[key]?.doubleValue else { return nil }
            return (Double(s), v)
        }
    }

    /// Steps taken: from the summary, else the last evaluated step (for a diverged run, the step
    /// at which the loss became non-finite).
    public var lastStepTaken: Int { summary?.steps ?? lastStep }

    /// The last evaluated step.
    public var lastStep: Int { metrics.last?[CommonFigures.step.field]?.intValue ?? 0 }

    /// T₁₀₀ from the summary, or from metrics.jsonl for a partial run.
    public var stepsTo100: Int? {
        if let summary { return summary.stepsTo100 }
        return metrics.first { $0[CommonFigures.testAccuracy.field]?.doubleValue == 1 }?[CommonFigures.step.field]?
            .intValue
    }

    /// True for runs on image data.
    public var isImageRun: Bool { config.images != nil }

    /// True for a regression run (`gaussianTeacher`, `QuadraticMeasures`): no accuracy, no T₁₀₀.
    public var isRegression: Bool { QuadraticMeasures.records(config) }

    /// True for a pMoE run (a key-pattern network with a router, `RoutingMeasures`).
    public var isRouted: Bool { RoutingMeasures.records(config) }

    /// A name for tables: the directory's last component.
    public var name: String { URL(fileURLWithPath: path).lastPathComponent }

    /// Throws naming the first field of a run-file line that holds ±∞ ("Infinity", or a literal
    /// too large for a Double): a run stops as diverged before it writes one, so such a line comes
    /// from a damaged file or from a diverged run that an older convdyn marked completed.
    static func refuseInfinity(_ value: JSONValue, field: String = "") throws {
        switch value {
        case .double(let d) where d.isInfinite: throw infinite(field, d > 0 ? "Infinity" : "-Infinity")
        case .float(let f) where f.isInfinite: throw infinite(field, f > 0 ? "Infinity" : "-Infinity")
        case .string(let s) where s == "Infinity" || s == "-Infinity": throw infinite(field, s)
        case .array(let a): for (i, v) in a.enumerated() { try refuseInfinity(v, field: "\(field)[\(i)]") }
        case .object(let o):
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                try refuseInfinity(v, field: field.isEmpty ? k : "\(field).\(k)")
            }
        default: break
        }
    }

    private static func infinite(_ field: String, _ text: String) -> SchemaError {
        SchemaError(
            field: field,
            "is \(text); run files hold only finite figures (a run that reaches ±∞ stops as diverged), so this "
                + "run's figures are not results (rerun it with this convdyn)")
    }

    /// The longest line read from a run file (a filters.jsonl line of 1024 filters × 1024 inputs
    /// as float32 text is ≈ 12 MB); longer lines are malformed.
    static let maxLineBytes = 64 << 20

    /// The file's text (without a leading byte-order mark), nil when it does not exist; throws when
    /// it is not a regular file (a directory, or a device such as /dev/zero, which would never end),
    /// cannot be read, or is not UTF-8.
    static func read(_ path: String) throws -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw ReportError("\(path) cannot be read: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ReportError(
                "\(path) is not a regular file (a directory, device or pipe); a run directory holds it as a plain file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError("\(path) cannot be read: \(String(cString: strerror(errno)))")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ReportError("\(path) is not UTF-8 text; the file is corrupt (rerun the experiment)")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text
    }

    /// Parses JSON lines (LF or CRLF) with `decode`; a malformed last line without a newline (a
    /// write cut short) is dropped with a warning, any other bad line is an error naming the file,
    /// the line and the field.
    static func parseLines<T>(
        _ text: String, file: String, warnings: inout [String], _ decode: (JSONValue, Int) throws -> T
    ) throws -> [T] {
        // "\r\n" is one Character in Swift: split on both forms.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        var values: [T] = []
        for (i, raw) in lines.enumerated() {
            let line = raw
            if line.allSatisfy(\.isWhitespace) { continue }
            let isLast = i == lines.count - 1
            do {
                guard line.utf8.count <= maxLineBytes else {
                    throw SchemaError(field: "", "is longer than \(maxLineBytes >> 20) MiB")
                }
                values.append(try decode(try JSONValue.parse(String(line)), i + 1))
            } catch let error as JSONSyntaxError where isLast {
                _ = error
                warnings.append(
                    "\(file): the last line is incomplete (the run was cut off while writing it) and was skipped")
            } catch let error as SchemaError {
                throw ReportError("\(file) line \(i + 1): \(error); the file is malformed")
            } catch let error as JSONSyntaxError {
                throw ReportError("\(file) line \(i + 1) is not valid JSON (\(error)); the file is malformed")
            }
        }
        return values
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
