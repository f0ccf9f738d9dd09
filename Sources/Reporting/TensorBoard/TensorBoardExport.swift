import Experiments
import Foundation

/// Writes TensorBoard event files for convdyn's run directories, read back from their files: one
/// event file per run in its own subdirectory of the output, so that `tensorboard --logdir OUT`
/// shows the runs side by side.
///
/// Per run: every numeric field of metrics.jsonl as a scalar (tag = field name, step = `step`,
/// float32; "NaN" skipped), ‖w_j‖ of filters.jsonl as a histogram `filterNorms` per evaluation,
/// the filter pictures filters/step-*.png of an image run as images `filters`, and config.json as
/// text `config` (a Markdown code block) at step 0.
public enum TensorBoardExport {
    /// One run to export: its directory and the name of its subdirectory in the output.
    public struct Run: Sendable, Equatable {
        /// The run directory.
        public var path: String
        /// Its subdirectory of the output (may hold "/", e.g. "A1/seed-0" in a verify directory).
        public var name: String
    }

    /// What `export` wrote.
    public struct Result: Sendable {
        /// The event files, one per run.
        public var files: [String]
        /// Runs not exported, each with the reason (a run directory that has no metrics.jsonl yet).
        public var skipped: [String]
        /// Problems that did not stop the reading (a truncated last line, say).
        public var warnings: [String]
    }

    /// How deep below PATH runs are looked for (a verify directory holds CLAIM/VARIANT/seed-S).
    static let searchDepth = 3

    /// The runs at `path`: the run itself, the runs of a sweep (named by their swept values and
    /// seed, from sweep.json), or the run directories below a directory of runs or a verify
    /// directory (named by their paths relative to `path`). `exclude` (the output) is not searched.
    public static func runs(at path: String, excluding exclude: String? = nil) throws -> [Run] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReportError("\(path) does not exist; pass a run, sweep or verify directory written by convdyn")
        }
        guard isDirectory.boolValue else {
            throw ReportError("\(path) is not a directory; pass a run, sweep or verify directory written by convdyn")
        }
        let root = trimmed(path)
        if RunData.isRunDirectory(root) {
            return [Run(path: root, name: URL(fileURLWithPath: root).standardized.lastPathComponent)]
        }
        var found: [Run] = []
        let skip = exclude.map { URL(fileURLWithPath: trimmed($0)).standardized.path }
        func search(_ relative: String, depth: Int) {
            let directory = relative.isEmpty ? root : "\(root)/\(relative)"
            guard depth < searchDepth else { return }
            for run in runDirectories(in: directory) {
                let name = URL(fileURLWithPath: run).lastPathComponent
                found.append(Run(path: run, name: relative.isEmpty ? name : "\(relative)/\(name)"))
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            for name in names where !name.hasPrefix(".") {
                let child = "\(directory)/\(name)"
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: child, isDirectory: &isDir), isDir.boolValue,
                    !RunData.isRunDirectory(child), URL(fileURLWithPath: child).standardized.path != skip
                else { continue }
                search(relative.isEmpty ? name : "\(relative)/\(name)", depth: depth + 1)
            }
        }
        search("", depth: 0)
        guard !found.isEmpty else {
            throw ReportError(
                "\(path) is neither a run directory nor a directory of runs, a sweep or a verify directory "
                    + "(no config.json or metrics.jsonl in it or below it); pass a directory written by "
                    + "`convdyn train`, `demo`, `sweep` or `verify`")
        }
        return sweepNames(root, found)
    }

    /// A sweep's runs (runs/NNNNNN) renamed by their swept values and seed, e.g. "M=4,sigma=0.1,seed=0",
    /// from sweep.json; unchanged when the manifest cannot be read or the names would collide.
    static func sweepNames(_ root: String, _ runs: [Run]) -> [Run] {
        guard let text = try? RunData.read("\(root)/sweep.json"), let manifest = try? JSONValue.parse(text),
            let entries = manifest["runs"]?.arrayValue
        else { return runs }
        var names: [String: String] = [:]
        for entry in entries {
            guard let directory = entry["directory"]?.stringValue,
                let params = entry["params"]?.objectValue
            else { continue }
            var parts = params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? $0.value.text)" }
            if let seed = entry["seed"]?.intValue { parts.append("seed=\(seed)") }
            names[directory] = parts.joined(separator: ",").replacingOccurrences(of: "/", with: "∕")
        }
        let renamed = runs.map { run in Run(path: run.path, name: names[run.name] ?? run.name) }
        return Set(renamed.map(\.name)).count == renamed.count ? renamed : runs
    }

    /// The event file of one run, framed records in file order (deterministic for a given `wallTime`).
    public static func events(of run: RunData, configText: String, wallTime: Double) -> [UInt8] {
        // (step, order within a step, value): sorted by step so that every tag's steps increase.
        var values: [(step: Int, kind: Int, value: ProtobufWriter)] = []
        values.append((0, 0, TensorBoardEvent.text(tag: "config", "```json\n\(configText)\n```")))
        let stepField = CommonFigures.step.field
        for line in run.metrics {
            guard let step = line[stepField]?.intValue, let fields = line.objectValue else { continue }
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) where key != stepField {
                switch value {
                case .int, .double, .float:
                    if let d = value.doubleValue, d.isFinite {
                        values.append((step, 1, TensorBoardEvent.scalar(tag: key, value: Float(d))))
                    }
                default: continue
                }
            }
        }
        for record in run.filters where !record.norms.isEmpty && record.norms.allSatisfy(\.isFinite) {
            values.append((record.step, 2, TensorBoardEvent.histogram(tag: "filterNorms", values: record.norms)))
        }
        for (step, file) in filterPictures(run.path) {
            guard let data = FileManager.default.contents(atPath: file),
                let image = TensorBoardEvent.image(tag: "filters", png: Array(data))
            else { continue }
            values.append((step, 3, image))
        }
        values.sort { ($0.step, $0.kind) < ($1.step, $1.kind) }
        var out = TFRecord.frame(TensorBoardEvent.fileVersionEvent(wallTime: wallTime).bytes)
        var i = 0
        while i < values.count {
            // One event per step and kind, holding all of its values.
            var j = i
            while j < values.count && values[j].step == values[i].step && values[j].kind == values[i].kind { j += 1 }
            let event = TensorBoardEvent.event(
                wallTime: wallTime, step: values[i].step, values: values[i..<j].map(\.value))
            out += TFRecord.frame(event.bytes)
            i = j
        }
        return out
    }

    /// The filter pictures of an image run, filters/step-NNNNNNN.png, by step.
    static func filterPictures(_ run: String) -> [(step: Int, file: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(run)/filters")) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".png"),
                let step = Int(name.dropFirst(5).dropLast(4))
            else { return nil }
            return (step, "\(run)/filters/\(name)")
        }
        .sorted { $0.0 < $1.0 }
    }

    /// The name of an event file: events.out.tfevents.<seconds>.<host> (TensorBoard finds files
    /// by "tfevents" in the name).
    public static func fileName(wallTime: Double, host: String) -> String {
        let safeHost = String(host.map { $0 == "/" ? "_" : $0 })
        return "events.out.tfevents.\(Int(wallTime)).\(safeHost.isEmpty ? "localhost" : safeHost)"
    }

    /// Exports the runs at `path` into `out`, one subdirectory per run. Refuses an `out` that
    /// holds anything unless `overwrite`, which first removes the event files of the runs it
    /// writes (other files are kept). Throws one line naming what failed and what to do.
    public static func export(
        _ path: String, to out: String, overwrite: Bool, wallTime: Double, host: String
    ) throws -> Result {
        let runs = try runs(at: path, excluding: out)
        let fm = FileManager.default
        if !overwrite, let contents = try? fm.contentsOfDirectory(atPath: out), !contents.isEmpty {
            throw ReportError(
                "output \(out) is not empty; pass --overwrite to replace its event files, or choose another --out")
        }
        try makeDirectory(out)
        var result = Result(files: [], skipped: [], warnings: [])
        let name = fileName(wallTime: wallTime, host: host)
        for run in runs {
            guard fm.fileExists(atPath: "\(run.path)/metrics.jsonl") else {
                result.skipped.append("\(run.path): no metrics.jsonl yet (a run not started)")
                continue
            }
            let data = try RunData.load(run.path)
            result.warnings += data.warnings.map { "\(run.path): \($0)" }
            guard let configText = try RunData.read("\(run.path)/config.json") else {
                throw ReportError("\(run.path)/config.json is missing; the run directory is incomplete")
            }
            let directory = "\(trimmed(out))/\(run.name)"
            try makeDirectory(directory)
            if overwrite {
                for old in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where old.contains("tfevents") {
                    try? fm.removeItem(atPath: "\(directory)/\(old)")
                }
            }
            let file = "\(directory)/\(name)"
            let bytes = events(of: data, configText: configText, wallTime: wallTime)
            guard fm.createFile(atPath: "\(file).tmp", contents: Data(bytes)),
                rename("\(file).tmp", file) == 0
            else {
                let reason = String(cString: strerror(errno))
                try? fm.removeItem(atPath: "\(file).tmp")
                throw ReportError(
                    "cannot write \(file) (\(reason)); check free space and permissions, or choose another --out")
            }
            result.files.append(file)
        }
        return result
    }

    /// Creates `directory` part by part, so that the reason a part cannot be made is the system's own.
    static func makeDirectory(_ directory: String) throws {
        var parts: [Substring] = []
        for part in directory.split(separator: "/") {
            parts.append(part)
            let made = (directory.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: made, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw ReportError(
                        "output \(directory) cannot be created: \(made) is not a directory; choose another --out")
                }
                continue
            }
            if mkdir(made, 0o777) != 0 && errno != EEXIST {
                let reason = String(cString: strerror(errno))
                throw ReportError(
                    "output \(directory) cannot be created (\(made): \(reason)); choose another --out")
            }
        }
        guard access(directory, W_OK) == 0 else {
            throw ReportError("output \(directory) is not writable; choose another --out")
        }
    }

    static func trimmed(_ path: String) -> String {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
