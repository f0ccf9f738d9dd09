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
/// A run is done when its `summary.json` exists and parses; a run is claimed by its lock
/// `runs/NNNNNN.lock` (`RunLock`) before its directory is touched, so two drivers never run or
/// clear the same run; a run directory without a summary and without a live lock was interrupted
/// and is redone from scratch; `.failed` records an error.
public struct SweepDirectory: Sendable {
    /// The sweep's directory (holds sweep.json, runs/, the summary CSV and report).
    public let path: String
    /// The spec it was made from (sweep.json).
    public let spec: SweepSpec

    /// Creates the directory and its manifest, or opens an existing one made from the same spec;
    /// refuses a directory made from a different spec.
    ///
    /// The manifest is built in memory first and written before `runs/`, so a failure leaves no
    /// `runs/` without `sweep.json`; two drivers creating one directory at once both end up with
    /// the same manifest (it is linked into place, never replaced).
    public static func create(at path: String, spec: SweepSpec) throws -> SweepDirectory {
        let fm = FileManager.default
        let manifest = "\(path)/sweep.json"
        if fm.fileExists(atPath: manifest) { return try reopen(path, spec: spec) }
        // An empty `runs/` (left by an earlier release that failed) and other drivers' temporary
        // manifests do not count as contents.
        let contents = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { name in
            if name.hasPrefix(".sweep.json.") { return false }
            return !(name == "runs" && ((try? fm.contentsOfDirectory(atPath: "\(path)/runs")) ?? ["?"]).isEmpty)
        }
        if !contents.isEmpty {
            throw OutputError("\(path) is not empty and holds no sweep.json; choose another --out")
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
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw OutputError(
                "cannot create the sweep directory \(path): \(error.localizedDescription); choose a writable --out")
        }
        let temporary = "\(path)/.sweep.json.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        guard fm.createFile(atPath: temporary, contents: Data(json.prettyText.utf8)) else {
            try? fm.removeItem(atPath: temporary)
            throw OutputError("cannot write \(manifest); check free space and permissions")
        }
        // link, not rename: a manifest another driver wrote meanwhile is kept (and compared below).
        let linked = link(temporary, manifest) == 0 || errno == EEXIST
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        guard linked else { throw OutputError("cannot write \(manifest): \(reason); choose a writable --out") }
        do { try fm.createDirectory(atPath: "\(path)/runs", withIntermediateDirectories: true) } catch {
            throw OutputError("cannot create \(path)/runs: \(error.localizedDescription); choose a writable --out")
        }
        return try reopen(path, spec: spec)
    }

    /// Opens the sweep at `path` and checks it was made from `spec`.
    static func reopen(_ path: String, spec: SweepSpec) throws -> SweepDirectory {
        let existing = try open(path)
        guard existing.spec.hash == spec.hash else {
            throw OutputError(
                "\(path) holds a different sweep (spec hash \(existing.spec.hash), this spec \(spec.hash)); "
                    + "runs of two sweeps are never mixed: choose another --out"
            )
        }
        try? FileManager.default.createDirectory(atPath: "\(path)/runs", withIntermediateDirectories: true)
        return existing
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

    /// The lock that claims run `index`: runs/NNNNNN.lock, beside its directory.
    public func lockPath(_ index: Int) -> String { "\(runPath(index)).lock" }

    /// Where a run of the sweep stands: summary.json written and readable (`done`), a live process
    /// holding its lock (`running`), an error recorded (`failed`), or not started or interrupted
    /// (`missing`). Its summary's own `RunStatus` (completed, diverged) is separate.
    public enum RunProgress: String, Sendable { case done, running, failed, missing }

    /// The state of run `index`.
    public func status(of index: Int) -> RunProgress {
        if isDone(index) { return .done }
        if RunLock.isHeld(lockPath(index)) { return .running }
        if FileManager.default.fileExists(atPath: "\(runPath(index))/.failed") { return .failed }
        return .missing
    }

    /// Whether run `index` is complete: its summary.json (written last, through a rename) parses
    /// as a summary with a status.
    public func isDone(_ index: Int) -> Bool { summary(of: index) != nil }

    /// The parsed summary.json of run `index`, nil when it is missing or not a summary, or when the
    /// run's config.json is not the config the sweep gives that index (a run written there by
    /// something else — `train --out runs/000003 --overwrite`, a copied directory — is not this
    /// sweep's result; it is redone).
    func summary(of index: Int) -> JSONValue? {
        let dir = runPath(index)
        guard let data = FileManager.default.contents(atPath: "\(dir)/summary.json"),
            let json = try? JSONValue.parse(String(decoding: data, as: UTF8.self)), json["status"]?.stringValue != nil,
            let configData = FileManager.default.contents(atPath: "\(dir)/config.json"),
            let recorded = try? JSONValue.parse(String(decoding: configData, as: UTF8.self)),
            let expected = try? spec.config(of: index).json, recorded == expected
        else { return nil }
        return json
    }

    /// What `run(index:threads:images:)` did.
    public enum RunOutcome: Sendable, Equatable {
        /// This process ran it to the end.
        case ran
        /// It was done already.
        case alreadyDone
        /// Another live process holds its lock (runs it): left to that process.
        case heldElsewhere
    }

    /// Runs one entry: skipped when done or claimed by another live process; otherwise its lock is
    /// taken and an interrupted or failed run directory is cleared and redone.
    @discardableResult
    public func run(index: Int, threads: Int, images: (train: ImageSet, test: ImageSet)? = nil) throws -> RunOutcome {
        guard index >= 0, index < spec.runCount else {
            throw OutputError("index \(index) is outside this sweep's 0…\(spec.runCount - 1)")
        }
        if isDone(index) { return .alreadyDone }
        guard let lock = try RunLock.claim(lockPath(index)) else { return .heldElsewhere }
        defer { lock.release() }
        // Finished by another process between the look above and the claim.
        if isDone(index) { return .alreadyDone }
        let dir = runPath(index)
        try? FileManager.default.removeItem(atPath: dir)
        let config = try spec.config(of: index)
        let run = try RunDirectory.create(at: dir, overwrite: false)
        do {
            try PreparedExperiment(config, images: images).run(in: run, threads: threads)
        } catch {
            try? Self.writeAtomically("\(error)\n", to: "\(dir)/.failed")
            throw error
        }
        return .ran
    }

    /// What `runPending` did: runs run here, runs already done, runs left to other processes.
    public struct RunCounts: Sendable, Equatable {
        /// Runs this process ran.
        public var ran: Int
        /// Runs done before (or finished by another process meanwhile).
        public var skipped: Int
        /// Runs another live process held: left to it.
        public var elsewhere: Int
    }

    /// Runs every entry that is not done on `workers` parallel workers; returns (ran, skipped), the
    /// runs held by other processes counted as skipped.
    public func runAll(workers: Int, log: (@Sendable (String) -> Void)? = nil) throws -> (ran: Int, skipped: Int) {
        let counts = try runPending(workers: workers, log: log)
        return (counts.ran, counts.skipped + counts.elsewhere)
    }

    /// Runs every entry that is not done and not held by another process, on `workers` parallel workers.
    public func runPending(workers: Int, log: (@Sendable (String) -> Void)? = nil) throws -> RunCounts {
        let pending = (0..<spec.runCount).filter { !isDone($0) }
        let skipped = spec.runCount - pending.count
        if pending.isEmpty { return RunCounts(ran: 0, skipped: skipped, elsewhere: 0) }
        // Image data are loaded once for the whole sweep when every run reads the same images.
        let configs = try pending.map { try spec.config(of: $0) }
        let distinct = configs.compactMap(\.images).reduce(into: [ImageDataConfig]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        let shared = distinct.count == 1 ? try ImageLoader.load(distinct[0]) : nil
        let threads = threadsPerRun(workers: workers, runs: pending.count)
        let done = Counter()
        let total = pending.count
        let outcomes = try parallelMap(pending.count, workers: workers) { k in
            let outcome = try self.run(index: pending[k], threads: threads, images: shared)
            switch outcome {
            case .ran: log?("run \(pending[k]) done (\(done.increment())/\(total))")
            case .alreadyDone: log?("run \(pending[k]) was done by another process (\(done.increment())/\(total))")
            case .heldElsewhere:
                log?("run \(pending[k]) is held by another process: left to it (\(done.increment())/\(total))")
            }
            return outcome
        }
        return RunCounts(
            ran: outcomes.count { $0 == .ran }, skipped: skipped + outcomes.count { $0 == .alreadyDone },
            elsewhere: outcomes.count { $0 == .heldElsewhere })
    }

    /// Counts of done, running, failed and missing runs.
    public func counts() -> [RunProgress: Int] {
        var c: [RunProgress: Int] = [.done: 0, .running: 0, .failed: 0, .missing: 0]
        for i in 0..<spec.runCount { c[status(of: i), default: 0] += 1 }
        return c
    }

    /// Writes through a temporary file of this process's own and a rename: two drivers that
    /// summarize at once each replace the file whole, neither renames the other's temporary file.
    static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        ).path
        do { try writeFileAtomically(text, to: path, temporary: temporary) } catch {
            unlink(temporary)
            throw error
        }
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
