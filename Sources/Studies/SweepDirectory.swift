import Datasets
import Experiments
import Foundation
import Reporting
import Synchronization
import Tensors

/// A sweep on disk: `sweep.json` (the manifest: index → swept values, seed and resolved config),
/// `runs/NNNNNN/` (one run directory per index), and after aggregation `sweep_summary.csv`,
/// `phase.svg` and `report.html`.
///
/// A run is done when its `summary.json` exists; a run directory without it was interrupted (or
/// is running: `.running` names the host and process) and is redone from scratch; `.failed`
/// records an error.
public struct SweepDirectory: Sendable {
    /// The sweep's directory (holds sweep.json, runs/, the summary CSV and report).
    public let path: String
    /// The spec it was made from (sweep.json).
    public let spec: SweepSpec

    /// Creates the directory and its manifest, or opens an existing one made from the same spec;
    /// refuses a directory made from a different spec.
    public static func create(at path: String, spec: SweepSpec) throws -> SweepDirectory {
        let fm = FileManager.default
        let manifest = "\(path)/sweep.json"
        if fm.fileExists(atPath: manifest) {
            let existing = try open(path)
            guard existing.spec.hash == spec.hash else {
                throw OutputError(
                    "\(path) holds a different sweep (spec hash \(existing.spec.hash), this spec \(spec.hash)); "
                        + "runs of two sweeps are never mixed: choose another --out"
                )
            }
            return existing
        }
        if fm.fileExists(atPath: path), !((try? fm.contentsOfDirectory(atPath: path)) ?? []).isEmpty {
            throw OutputError("\(path) is not empty and holds no sweep.json; choose another --out")
        }
        do { try fm.createDirectory(atPath: "\(path)/runs", withIntermediateDirectories: true) } catch {
            throw OutputError(
                "cannot create the sweep directory \(path): \(error.localizedDescription); choose a writable --out")
        }
        let sweep = SweepDirectory(path: path, spec: spec)
        var runs: [JSONValue] = []
        for index in 0..<spec.runCount {
            runs.append(
                .object([
                    "index": .int(index), "directory": .string(sweep.relativeRunPath(index)),
                    "seed": .int(spec.seed(of: index)),
                    "params": .object(
                        Dictionary(uniqueKeysWithValues: spec.parameters(of: index).map { ($0.field, $0.value) })),
                    "config": try spec.config(of: index).json,
                ]))
        }
        let json: JSONValue = .object([
            "spec": spec.json, "specHash": .string(spec.hash), "runCount": .int(spec.runCount), "runs": .array(runs),
        ])
        try writeAtomically(json.prettyText, to: manifest)
        return sweep
    }

    /// Opens a sweep directory through its manifest.
    public static func open(_ path: String) throws -> SweepDirectory {
        guard let data = FileManager.default.contents(atPath: "\(path)/sweep.json") else {
            throw OutputError(
                "\(path) is not a sweep directory (no sweep.json); "
                    + "create one with `convdyn sweep SPEC.yaml --out \(path)`"
            )
        }
        let json: JSONValue
        do { json = try JSONValue.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw OutputError("\(path)/sweep.json is malformed: \(error)")
        }
        guard let specJSON = json["spec"] else { throw OutputError("\(path)/sweep.json has no spec") }
        let spec = try SweepSpec(json: specJSON, source: "\(path)/sweep.json")
        guard json["specHash"]?.stringValue == spec.hash else {
            throw OutputError("\(path)/sweep.json was edited: its spec no longer matches its hash; recreate the sweep")
        }
        return SweepDirectory(path: path, spec: spec)
    }

    func relativeRunPath(_ index: Int) -> String { String(format: "runs/%06d", index) }
    /// The directory of run `index`: runs/NNNNNN.
    public func runPath(_ index: Int) -> String { "\(path)/\(relativeRunPath(index))" }

    /// Where a run of the sweep stands: summary.json written (`done`), a live process on it
    /// (`running`), an error recorded (`failed`), or not started or interrupted (`missing`).
    /// Its summary's own `RunStatus` (completed, diverged) is separate.
    public enum RunProgress: String, Sendable { case done, running, failed, missing }

    /// The state of run `index`.
    public func status(of index: Int) -> RunProgress {
        let fm = FileManager.default
        let dir = runPath(index)
        if fm.fileExists(atPath: "\(dir)/summary.json") { return .done }
        if fm.fileExists(atPath: "\(dir)/.failed") { return .failed }
        if let marker = fm.contents(atPath: "\(dir)/.running").map({ String(decoding: $0, as: UTF8.self) }) {
            // "host pid": a process on this host that no longer exists was killed.
            let parts = marker.split(separator: " ")
            if parts.count == 2, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]),
                kill(pid, 0) != 0
            {
                return .missing
            }
            return .running
        }
        return .missing
    }

    /// Runs one entry: skipped when done; an interrupted or failed run directory is cleared and
    /// redone. Returns false when it was already done.
    @discardableResult
    public func run(index: Int, threads: Int, images: (train: ImageSet, test: ImageSet)? = nil) throws -> Bool {
        guard index >= 0, index < spec.runCount else {
            throw OutputError("index \(index) is outside this sweep's 0…\(spec.runCount - 1)")
        }
        if status(of: index) == .done { return false }
        let dir = runPath(index)
        try? FileManager.default.removeItem(atPath: dir)
        let config = try spec.config(of: index)
        let run = try RunDirectory.create(at: dir, overwrite: false)
        try Self.writeAtomically("\(ProcessInfo.processInfo.hostName) \(getpid())", to: "\(dir)/.running")
        do {
            try PreparedExperiment(config, images: images).run(in: run, threads: threads)
            try? FileManager.default.removeItem(atPath: "\(dir)/.running")
        } catch {
            try? Self.writeAtomically("\(error)\n", to: "\(dir)/.failed")
            try? FileManager.default.removeItem(atPath: "\(dir)/.running")
            throw error
        }
        return true
    }

    /// Runs every entry that is not done on `workers` parallel workers; returns (ran, skipped).
    public func runAll(workers: Int, log: (@Sendable (String) -> Void)? = nil) throws -> (ran: Int, skipped: Int) {
        let pending = (0..<spec.runCount).filter { status(of: $0) != .done }
        let skipped = spec.runCount - pending.count
        if pending.isEmpty { return (0, skipped) }
        // Image data are loaded once for the whole sweep when every run reads the same images.
        let configs = try pending.map { try spec.config(of: $0) }
        let distinct = configs.compactMap(\.images).reduce(into: [ImageDataConfig]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        let shared = distinct.count == 1 ? try ImageLoader.load(distinct[0]) : nil
        let threads = threadsPerRun(workers: workers, runs: pending.count)
        let done = Counter()
        let total = pending.count
        _ = try parallelMap(pending.count, workers: workers) { k in
            try self.run(index: pending[k], threads: threads, images: shared)
            log?("run \(pending[k]) done (\(done.increment())/\(total))")
            return 0
        }
        return (pending.count, skipped)
    }

    /// Counts of done, running, failed and missing runs.
    public func counts() -> [RunProgress: Int] {
        var c: [RunProgress: Int] = [.done: 0, .running: 0, .failed: 0, .missing: 0]
        for i in 0..<spec.runCount { c[status(of: i), default: 0] += 1 }
        return c
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        try writeFileAtomically(text, to: path)
    }
}

/// A thread-safe counter for progress lines.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}
