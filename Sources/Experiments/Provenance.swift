import Foundation

/// Where and how a run was made: `provenance.json`.
struct Provenance: Sendable {
    /// The commit of the checkout the tool was built from, or "unknown".
    var gitRevision: String
    /// Whether tracked files differed from that commit; nil when unknown.
    var gitDirty: Bool?
    /// The compiler version the tool was built with.
    var swiftVersion: String
    /// The machine's host name.
    var host: String
    /// The process's arguments, the executable first.
    var commandLine: [String]
    /// When the run started.
    var startTime: Date
    /// When the run finished; nil until then.
    var endTime: Date? = nil
    /// Seconds spent in SGD steps (evaluations excluded); nil until the run finishes.
    var trainingSeconds: Double? = nil
    /// Steps taken / `trainingSeconds`; nil until the run finishes.
    var stepsPerSecond: Double? = nil

    /// Provenance for a run starting now; the git revision is that of the source checkout the
    /// tool was built from, when it is still there, read once per process (asking git costs tens
    /// of milliseconds, as much as a whole kp-bench run).
    static func current() -> Provenance {
        let (revision, dirty) = processGitState
        return Provenance(
            gitRevision: revision, gitDirty: dirty, swiftVersion: compilerVersion,
            host: ProcessInfo.processInfo.hostName, commandLine: CommandLine.arguments, startTime: Date())
    }

    /// The JSON of provenance.json: dates in ISO 8601, fields not yet known left out.
    var json: JSONValue {
        let iso = ISO8601DateFormatter()
        var o: [String: JSONValue] = [
            "gitRevision": .string(gitRevision),
            "gitDirty": gitDirty.map(JSONValue.bool) ?? .null,
            "swiftVersion": .string(swiftVersion),
            "host": .string(host),
            "commandLine": .array(commandLine.map(JSONValue.string)),
            "startTime": .string(iso.string(from: startTime)),
        ]
        if let endTime { o["endTime"] = .string(iso.string(from: endTime)) }
        if let trainingSeconds { o["trainingSeconds"] = .double(trainingSeconds) }
        if let stepsPerSecond { o["stepsPerSecond"] = .double(stepsPerSecond) }
        return .object(o)
    }

    static let compilerVersion: String = {
        #if compiler(>=6.3)
            return "6.3 or later"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1)
            return "6.1"
        #else
            return "6.0"
        #endif
    }()

    static let processGitState = gitState()

    static func gitState() -> (String, Bool?) {
        // This file lives at <checkout>/Sources/Experiments/Provenance.swift.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: checkout + "/.git"),
            let revision = run("/usr/bin/env", ["git", "-C", checkout, "rev-parse", "HEAD"])
        else { return ("unknown", nil) }
        let status = run("/usr/bin/env", ["git", "-C", checkout, "status", "--porcelain", "--untracked-files=no"])
        return (revision.trimmingCharacters(in: .whitespacesAndNewlines), status.map { !$0.isEmpty })
    }

    private static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
