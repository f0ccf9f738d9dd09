import Experiments
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The claim of one run of a sweep: the file `runs/NNNNNN.lock` beside the run directory (so
/// clearing a run never removes its lock), created with `O_CREAT | O_EXCL`, so of any number of
/// processes on any number of hosts sharing the directory exactly one holds it.
///
/// The file holds `HOST PID START CLAIM`: the owner's host (`NAME/BOOT/PIDNS`: host name, kernel
/// boot id and pid namespace, so containers sharing a host name are told apart), process id, start
/// time (clock ticks after boot, from `/proc/PID/stat`; a reused pid has another) and a random
/// claim id. While
/// the lock is held a timer touches its modification time every `heartbeatInterval` (30 s).
///
/// A lock is stale when its owner is gone: on the same host, no process PID exists or the one that
/// does started at another time; on another host (whose processes cannot be seen), its heartbeat is
/// older than `staleAge` (10 min). A stale lock is broken by renaming it to a unique name (of two
/// breakers only one rename finds it) and claiming again with `O_EXCL`.
public final class RunLock: Sendable {
    /// The lock file.
    public let path: String
    /// What this claim wrote into it.
    let text: String
    private let heartbeat: Mutex<DispatchSourceTimer?>

    /// How often a held lock's modification time is refreshed.
    public static let heartbeatInterval: TimeInterval = 30
    /// How old the heartbeat of a lock owned by another host must be before the lock counts as stale:
    /// 20 missed heartbeats, long enough for a file system that shares modification times late.
    public static let staleAge: TimeInterval = 600

    /// A queue of its own: a serial queue gets a thread even while the sweep's workers occupy
    /// every thread of the global pool (as `parallelMap` does), so heartbeats are never starved.
    private static let heartbeatQueue = DispatchQueue(label: "convdyn.sweep.heartbeat")

    private init(path: String, text: String, heartbeatInterval: TimeInterval) {
        self.path = path
        self.text = text
        let timer = DispatchSource.makeTimerSource(queue: Self.heartbeatQueue)
        timer.schedule(
            deadline: .now() + heartbeatInterval, repeating: heartbeatInterval, leeway: .milliseconds(100))
        timer.setEventHandler { _ = utimensat(AT_FDCWD, path, nil, 0) }
        timer.resume()
        heartbeat = Mutex(timer)
    }

    deinit { stopHeartbeat() }

    private func stopHeartbeat() {
        heartbeat.withLock { timer in
            timer?.cancel()
            timer = nil
        }
    }

    /// Removes the lock (when it is still this claim's: a lock broken by another process is left to it).
    public func release() {
        stopHeartbeat()
        if Self.read(path)?.text == text { unlink(path) }
    }

    /// Claims `path`: the lock when this process now holds it, nil when another live process does.
    /// A stale lock is broken and claimed again. `heartbeat`: the interval of the heartbeat.
    public static func claim(_ path: String, heartbeat: TimeInterval = heartbeatInterval) throws -> RunLock? {
        // Each pass either claims, finds a live owner, or breaks one stale lock; a few passes
        // are enough unless other processes keep breaking and claiming it, and then they hold it.
        for _ in 0..<8 {
            let text = LockOwner.current.text(claim: UInt64.random(in: 0...UInt64.max))
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let file = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
                let written: Bool
                do {
                    try file.write(contentsOf: Data(text.utf8))
                    try file.close()
                    written = true
                } catch { written = false }
                guard written else {
                    unlink(path)
                    throw OutputError("cannot write the lock \(path); check free space and permissions")
                }
                return RunLock(path: path, text: text, heartbeatInterval: heartbeat)
            }
            guard errno == EEXIST else {
                throw OutputError(
                    "cannot create the lock \(path): \(String(cString: strerror(errno))); "
                        + "the sweep directory must be writable")
            }
            guard let seen = read(path) else { continue }  // released meanwhile: claim again
            if seen.isLive() { return nil }
            if !breakStale(path, seen: seen) { return nil }
        }
        return nil
    }

    /// Whether a live process holds the lock at `path`.
    public static func isHeld(_ path: String) -> Bool { read(path)?.isLive() ?? false }

    /// Renames the stale lock `seen` away; false when the file renamed turned out to be another,
    /// fresh claim (put back, so that claim stands).
    static func breakStale(_ path: String, seen: LockFile) -> Bool {
        let aside = "\(path).stale-\(UInt64.random(in: 0...UInt64.max))"
        guard rename(path, aside) == 0 else { return true }  // already broken by another: claim again
        let taken = read(aside)
        if let taken, taken.text != seen.text || taken.inode != seen.inode {
            // Between our look and the rename another breaker replaced the stale lock by its own claim.
            _ = link(aside, path)
            unlink(aside)
            return false
        }
        unlink(aside)
        return true
    }

    /// A lock file as read: its text and, for the staleness rule, its inode and modification time.
    struct LockFile {
        var text: String
        var inode: UInt64
        var modified: Date

        /// Whether the owner still holds it (see `RunLock`).
        func isLive(now: Date = Date()) -> Bool {
            guard let owner = LockOwner(text: text) else {
                // Being written (created, text not yet in) or damaged: live while fresh.
                return now.timeIntervalSince(modified) < RunLock.staleAge
            }
            guard owner.host == LockOwner.current.host else {
                return now.timeIntervalSince(modified) < RunLock.staleAge
            }
            guard kill(owner.pid, 0) == 0 || errno == EPERM else { return false }
            guard let start = LockOwner.startTime(of: owner.pid) else { return true }
            return start == owner.start
        }
    }

    /// The lock at `path`, nil when there is none (or it cannot be read).
    static func read(_ path: String) -> LockFile? {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else { return nil }
        let modified = Date(
            timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) * 1e-9)
        return LockFile(text: String(decoding: data, as: UTF8.self), inode: UInt64(info.st_ino), modified: modified)
    }
}

/// Who holds a lock: host (`NAME/BOOT/PIDNS`), process id and the process's start time.
struct LockOwner: Equatable {
    var host: String
    var pid: Int32
    var start: String

    /// This process.
    static let current = LockOwner(
        host: currentHost, pid: getpid(), start: startTime(of: getpid()) ?? "0")

    /// This host as a lock names it: `NAME/BOOT/PIDNS`, where the processes of a lock with the
    /// same host can be looked up by pid (the same machine, boot and pid namespace).
    static var currentHost: String {
        let boot = FileManager.default.contents(atPath: "/proc/sys/kernel/random/boot_id")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        let namespace = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid"))
            .map { String($0.filter(\.isNumber)) }
        return [ProcessInfo.processInfo.hostName, boot ?? "-", namespace ?? "-"].joined(separator: "/")
    }

    /// The lock text of a claim by this owner: `HOST PID START CLAIM`.
    func text(claim: UInt64) -> String { "\(host) \(pid) \(start) \(String(claim, radix: 16))\n" }

    init(host: String, pid: Int32, start: String) {
        self.host = host
        self.pid = pid
        self.start = start
    }

    /// Reads `HOST PID START [CLAIM]`; nil for anything else.
    init?(text: String) {
        let parts = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard parts.count == 3 || parts.count == 4, let pid = Int32(parts[1]), pid > 0 else { return nil }
        self.init(host: parts[0], pid: pid, start: parts[2])
    }

    /// The start time of process `pid` in clock ticks after boot (field 22 of `/proc/PID/stat`),
    /// nil where there is no such file.
    static func startTime(of pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: count after its end.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }
}
