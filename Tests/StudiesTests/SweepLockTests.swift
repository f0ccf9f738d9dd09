import Experiments
import Foundation
import Synchronization
import Testing
import _TestSupport

@testable import Studies

/// Run locks: one claimer wins, stale locks are broken and live ones are not, a locked run is never
/// cleared, and a summary.json that does not parse is not done.
@Suite struct SweepLockTests: SweepScratch {
    let dir = temporaryDirectory("sweep-locks")

    init() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }

    static let tiny = """
        preset: kp-small
        seeds: 2
        set: {steps: 10, nTest: 50, schedule: "every(5)"}
        grid:
          M: [2, 4]
        """

    /// The pid of a process that has exited (and been reaped).
    func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Claims `path` from `claimers` threads at once; returns the number that won (all holding their
    /// locks until every thread has tried).
    func race(_ path: String, claimers: Int) -> Int {
        let held = Mutex<[RunLock]>([])
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: claimers) { _ in
            do {
                if let lock = try RunLock.claim(path) { held.withLock { $0.append(lock) } }
            } catch { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        let winners = held.withLock { $0 }
        for lock in winners { lock.release() }
        return winners.count
    }

    @Test func ofManyClaimersExactlyOneWins() throws {
        for round in 0..<20 {
            let path = "\(dir)/fresh-\(round).lock"
            #expect(race(path, claimers: 8) == 1)
            #expect(!FileManager.default.fileExists(atPath: path), "release removes the lock")
        }
    }

    @Test func ofManyBreakersOfAStaleLockExactlyOneWins() throws {
        let host = LockOwner.current.host
        let dead = try deadPid()
        for round in 0..<20 {
            let path = "\(dir)/stale-\(round).lock"
            try "\(host) \(dead) 1 abc\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(race(path, claimers: 8) == 1)
        }
        // Nothing left behind by the breakers (renamed stale locks are removed).
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".stale-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// The interleaving the race above rarely hits: breaker B judged the lock stale, breaker A broke
    /// it and claimed the run, then B's rename catches A's fresh lock: B must put it back and lose.
    @Test func aBreakerThatCatchesAFreshClaimPutsItBack() throws {
        let path = "\(dir)/late.lock"
        try "\(LockOwner.current.host) \(try deadPid()) 1 abc\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let judged = try #require(RunLock.read(path))
        #expect(!judged.isLive())
        let a = try #require(try RunLock.claim(path))  // A breaks and claims
        let claimed = try read(path)
        #expect(!RunLock.breakStale(path, seen: judged))  // B, late
        #expect(try read(path) == claimed && RunLock.isHeld(path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".stale-") }.isEmpty)
        a.release()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func staleAndLiveLocks() throws {
        let host = LockOwner.current.host
        let me = LockOwner.current
        let path = "\(dir)/x.lock"
        func lock(_ text: String, age: TimeInterval = 0) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let then = Date().addingTimeInterval(-age).timeIntervalSince1970
            var times = [timespec](repeating: timespec(tv_sec: Int(then), tv_nsec: 0), count: 2)
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        // This host, a pid that no longer exists: stale, broken and claimed.
        try lock("\(host) \(try deadPid()) 1 abc\n")
        #expect(!RunLock.isHeld(path))
        let claimed = try #require(try RunLock.claim(path))
        #expect(try read(path).hasPrefix("\(host) \(getpid()) \(me.start) "))
        #expect(RunLock.isHeld(path))
        #expect(try RunLock.claim(path) == nil, "a live lock of this very process is not claimed twice")
        claimed.release()
        // This host, a live pid (this process) but another start time: the pid was reused, stale.
        #expect(me.start != "0")
        try lock("\(host) \(getpid()) \(me.start)0 abc\n")
        #expect(!RunLock.isHeld(path))
        try #require(try RunLock.claim(path)).release()
        // This host, this process with its start time: live, even with an old heartbeat.
        try lock("\(host) \(getpid()) \(me.start) abc\n", age: 3600)
        #expect(try RunLock.isHeld(path) && RunLock.claim(path) == nil)
        // This host name in another pid namespace (a container): its pids cannot be looked up, so the
        // heartbeat rule holds.
        let container = me.host.split(separator: "/").dropLast().joined(separator: "/") + "/1"
        try lock("\(container) \(try deadPid()) 1 abc\n", age: 60)
        #expect(try RunLock.isHeld(path) && RunLock.claim(path) == nil)
        // Another host with a fresh heartbeat: live, whatever its pid.
        try lock("node-elsewhere-17 1 1 abc\n", age: 60)
        #expect(try RunLock.isHeld(path) && RunLock.claim(path) == nil)
        #expect(try read(path) == "node-elsewhere-17 1 1 abc\n", "a live lock is left as it was")
        // Another host whose heartbeat stopped more than 10 minutes ago: stale.
        try lock("node-elsewhere-17 1 1 abc\n", age: RunLock.staleAge + 60)
        #expect(!RunLock.isHeld(path))
        try #require(try RunLock.claim(path)).release()
        // Empty (being written) or damaged: live while fresh, stale when old.
        try lock("", age: 5)
        #expect(RunLock.isHeld(path))
        try lock("garbage", age: RunLock.staleAge + 60)
        #expect(!RunLock.isHeld(path))
    }

    @Test func aHeldLockIsKeptFreshAndItsHeartbeatStopsAtRelease() throws {
        let path = "\(dir)/beat.lock"
        let lock = try #require(try RunLock.claim(path, heartbeat: 0.05))
        @Sendable func age() throws -> TimeInterval {
            Date().timeIntervalSince(try #require(RunLock.read(path)).modified)
        }
        // As if the last heartbeat were an hour old: the next one makes the lock fresh again.
        let old = Date().addingTimeInterval(-3600).timeIntervalSince1970
        var times = [timespec](repeating: timespec(tv_sec: Int(old), tv_nsec: 0), count: 2)
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(try age() > 3000)
        // Every thread of the global pool busy (as a sweep's workers keep it): the heartbeat still comes.
        DispatchQueue.concurrentPerform(iterations: 2 * ProcessInfo.processInfo.activeProcessorCount) { _ in
            var waited = 0
            while (try? age()) ?? 0 > 60, waited < 200 {
                usleep(25_000)
                waited += 1
            }
        }
        #expect(try age() < 60, "no heartbeat within 5 s")
        lock.release()
        #expect(!FileManager.default.fileExists(atPath: path))
        usleep(200_000)
        #expect(!FileManager.default.fileExists(atPath: path), "a heartbeat after release recreated the lock")
    }

    @Test func aLockedRunIsNeverClearedAndCountsAsRunning() throws {
        let sweep = try SweepDirectory.create(at: "\(dir)/held", spec: try spec(Self.tiny, name: "tiny.yaml"))
        // Another process holds run 1 (this process's lock stands in for it) and has written a line.
        let other = try #require(try RunLock.claim(sweep.lockPath(1)))
        try FileManager.default.createDirectory(atPath: sweep.runPath(1), withIntermediateDirectories: true)
        try "{\"step\":0}\n".write(toFile: "\(sweep.runPath(1))/metrics.jsonl", atomically: true, encoding: .utf8)
        #expect(sweep.status(of: 1) == .running)
        #expect(try sweep.run(index: 1, threads: 1) == .heldElsewhere)
        #expect(try read("\(sweep.runPath(1))/metrics.jsonl") == "{\"step\":0}\n", "the held run was touched")
        let counts = try sweep.runPending(workers: 2)
        #expect(counts == SweepDirectory.RunCounts(ran: 3, skipped: 0, elsewhere: 1))
        #expect(sweep.counts()[.done] == 3 && sweep.counts()[.running] == 1)
        #expect(try read("\(sweep.runPath(1))/metrics.jsonl") == "{\"step\":0}\n")
        #expect(!FileManager.default.fileExists(atPath: sweep.lockPath(0)), "a finished run keeps no lock")
        // Its owner gone, the run is redone from scratch.
        other.release()
        #expect(sweep.status(of: 1) == .missing)
        #expect(try sweep.run(index: 1, threads: 1) == .ran)
        #expect(try sweep.run(index: 1, threads: 1) == .alreadyDone)
        #expect(try sweep.runPending(workers: 2) == SweepDirectory.RunCounts(ran: 0, skipped: 4, elsewhere: 0))
    }

    @Test func aSummaryThatDoesNotParseIsNotDone() throws {
        let sweep = try SweepDirectory.create(at: "\(dir)/torn", spec: try spec(Self.tiny, name: "tiny.yaml"))
        try sweep.run(index: 0, threads: 1)
        let whole = try read("\(sweep.runPath(0))/summary.json")
        for broken in [String(whole.prefix(whole.count / 2)), "", "[1, 2]"] {
            try broken.write(toFile: "\(sweep.runPath(0))/summary.json", atomically: true, encoding: .utf8)
            #expect(!sweep.isDone(0) && sweep.status(of: 0) == .missing)
            #expect(try sweep.summarize() == 4)
            let row = try read("\(sweep.path)/sweep_summary.csv").split(separator: "\n")[1]
            #expect(row.hasPrefix("0,runs/000000,0,2,missing,"), "\(row)")
        }
        #expect(try sweep.run(index: 0, threads: 1) == .ran)
        #expect(try read("\(sweep.runPath(0))/summary.json") == whole)
        // Drivers that summarize at once (each ends with a summary) all succeed and leave no temporary file.
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { try sweep.summarize() } catch { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        let names = try FileManager.default.subpathsOfDirectory(atPath: sweep.path)
        #expect(names.filter { $0.hasSuffix(".tmp") }.isEmpty, "\(names)")
        #expect(try read("\(sweep.path)/sweep_summary.csv").split(separator: "\n").count == 5)
    }

    @Test func sizesAndDuplicateFieldsAreRefusedBeforeAnythingIsExpanded() throws {
        func message(_ text: String) -> String {
            do {
                _ = try spec(text, name: "limits.yaml")
                return ""
            } catch { return "\(error)" }
        }
        let seeds = message("preset: kp-small\nseeds: 1000000000\ngrid: {M: [2]}\n")
        #expect(seeds.contains("seeds: 1000000000") && seeds.contains("at most 100000 runs"), "\(seeds)")
        #expect(message("preset: kp-small\nseeds: 100000\ngrid: {M: [2, 4]}\n").contains("200000 runs"))
        let values = "[" + (1...1000).map(String.init).joined(separator: ", ") + "]"
        let grid = message("preset: kp-small\nseeds: 1\ngrid: {nTrain: \(values), nTest: \(values)}\n")
        #expect(grid.contains("nTrain (1000 values) × 1 seeds make 1000000 runs") && grid.contains("100000"), "\(grid)")
        // The product of many axes overflows Int: refused, not trapped.
        let axes = (0..<10).map {
            "  \(["M", "K", "D", "sigma", "nTrain", "nTest", "steps", "theta", "seed", "batchSize"][$0]): \(values)"
        }
        let overflow = message("preset: kp-small\ngrid:\n" + axes.joined(separator: "\n") + "\n")
        #expect(overflow.contains("more than \(Int.max) runs"), "\(overflow)")
        let twice = message("preset: kp-small\ngrid: {M: [2, 4], network.M: [8]}\n")
        #expect(twice.contains("grid fields 'M' and 'network.M' name one config field (network.M)"), "\(twice)")
        let setAndGrid = message("preset: kp-small\nset: {data.sigma: 0}\ngrid: {sigma: [0, 0.1]}\n")
        #expect(setAndGrid.contains("set field 'data.sigma' and grid field 'sigma'"), "\(setAndGrid)")
        #expect(message("preset: kp-small\nset: {sigma: 0}\ngrid: {M: [2, 4]}\n") == "")
    }

    @Test func aManifestComesBeforeRunsAndAnEmptyRunsFolderDoesNotBlock() throws {
        let s = try spec(Self.tiny, name: "tiny.yaml")
        // Left by an earlier release that failed while expanding the grid: runs/ and nothing else.
        try FileManager.default.createDirectory(atPath: "\(dir)/left/runs", withIntermediateDirectories: true)
        let sweep = try SweepDirectory.create(at: "\(dir)/left", spec: s)
        #expect(FileManager.default.fileExists(atPath: "\(sweep.path)/sweep.json"))
        // Something else in runs/ still means the directory is not ours.
        try FileManager.default.createDirectory(atPath: "\(dir)/busy/runs/000000", withIntermediateDirectories: true)
        #expect(throws: OutputError.self) { _ = try SweepDirectory.create(at: "\(dir)/busy", spec: s) }
        // Two creators at once: both open the same sweep, one manifest, no temporary files left.
        let errors = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try SweepDirectory.create(at: "\(dir)/both", spec: s) } catch { errors.withLock { $0 += 1 } }
        }
        #expect(errors.withLock { $0 } == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/both").sorted() == ["runs", "sweep.json"])
    }

    @Test func slurmRefusesWhatWouldBreakItsScripts() throws {
        let sweep = try SweepDirectory.create(at: "\(dir)/slurm", spec: try spec(Self.tiny, name: "tiny.yaml"))
        for (partition, time) in [("debug\nrm -rf ~", "00:05:00"), ("a b", "1"), ("gpu", "1;reboot"), ("", "1")] {
            #expect(throws: OutputError.self) {
                try SlurmScripts.write(
                    for: sweep, executable: "/opt/convdyn", maxParallel: nil, partition: partition, time: time)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: "\(sweep.path)/slurm/array.sbatch"))
        #expect(SlurmScripts.problem(option: "--partition", value: "debug\nx")?.contains("\"\\n\"") == true)
        #expect(SlurmScripts.problem(option: "--partition", value: "gpu,debug_2.a-b") == nil)
        #expect(SlurmScripts.problem(option: "--time", value: "1-12:00:00") == nil)
        #expect(SlurmScripts.problem(directory: "/scratch/my sweep") != nil)
        #expect(SlurmScripts.problem(directory: "/scratch/a\nb") != nil)
        #expect(SlurmScripts.problem(directory: "/scratch/sweep-1_a.b") == nil)
        try SlurmScripts.write(
            for: sweep, executable: "/opt/convdyn", maxParallel: nil, partition: "gpu,debug", time: "1-00:00:00")
        #expect(try read("\(sweep.path)/slurm/array.sbatch").contains("#SBATCH --partition=gpu,debug\n"))
    }
}
