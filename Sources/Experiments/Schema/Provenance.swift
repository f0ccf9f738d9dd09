import Foundation

/// Where and how a run was made: `provenance.json`.
struct Provenance: Codable, Sendable {
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
    /// When the run started: when its data and network began to be built (router pre-training
    /// included).
    var startTime: Date
    /// When the run finished; nil until then.
    var endTime: Date? = nil
    /// Seconds spent in SGD steps (evaluations excluded); nil until the run finishes.
    var trainingSeconds: Double? = nil
    /// Steps taken / `trainingSeconds`; nil until the run finishes.
    var stepsPerSecond: Double? = nil
    /// Seconds of pre-training before the SGD steps (pMoE's routers; not in `trainingSeconds`); nil
    /// for a model that pre-trains nothing.
    var pretrainingSeconds: Double? = nil

    /// Provenance for a run starting now; the git revision is that of the source checkout the
    /// tool was built from, when it is still there, read once per process (asking git costs tens
    /// of milliseconds, as much as a whole kp-bench run).
    static func current() -> Provenance {
        let (revision, dirty) = processGitState
        return Provenance(
            gitRevision: revision, gitDirty: dirty, swiftVersion: compilerVersion,
            host: ProcessInfo.processInfo.hostName, commandLine: CommandLine.arguments, startTime: Date())
    }

    /// The JSON field names.
    enum CodingKeys: String, CodingKey {
        case gitRevision, gitDirty, swiftVersion, host, commandLine, startTime, endTime, trainingSeconds
        case stepsPerSecond, pretrainingSeconds
    }

    /// Writes provenance.json's fields: dates in ISO 8601, `gitDirty` null when unknown, the
    /// fields not yet known left out.
    func encode(to encoder: any Encoder) throws {
        let iso = ISO8601DateFormatter()
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(gitRevision, forKey: .gitRevision)
        try c.encode(gitDirty.map(JSONValue.bool) ?? .null, forKey: .gitDirty)
        try c.encode(swiftVersion, forKey: .swiftVersion)
        try c.encode(host, forKey: .host)
        try c.encode(commandLine, forKey: .commandLine)
        try c.encode(iso.string(from: startTime), forKey: .startTime)
        try c.encodeIfPresent(endTime.map(iso.string), forKey: .endTime)
        try c.encodeIfPresent(trainingSeconds, forKey: .trainingSeconds)
        try c.encodeIfPresent(stepsPerSecond, forKey: .stepsPerSecond)
        try c.encodeIfPresent(pretrainingSeconds, forKey: .pretrainingSeconds)
    }

    /// The JSON of provenance.json.
    var json: JSONValue {
        // Encoding plain values cannot fail.
        (try? JSONValue(encoding: self)) ?? .null
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
        // This file lives under <checkout>/Sources/: the checkout is the nearest folder above it
        // holding .git.
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.path + "/.git") {
            folder = folder.deletingLastPathComponent()
        }
        let checkout = folder.path
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

extension Provenance {
    /// Reads provenance.json; a date that is not ISO 8601 is a `SchemaError` naming the field.
    init(from decoder: any Decoder) throws {
        let iso = ISO8601DateFormatter()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func date(_ key: CodingKeys) throws -> Date? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let d = iso.date(from: text) else {
                throw SchemaError(field: key.stringValue, "is not an ISO 8601 date")
            }
            return d
        }
        gitRevision = try c.decode(String.self, forKey: .gitRevision)
        gitDirty = try c.decodeIfPresent(Bool.self, forKey: .gitDirty)
        swiftVersion = try c.decode(String.self, forKey: .swiftVersion)
        host = try c.decode(String.self, forKey: .host)
        commandLine = try c.decode([String].self, forKey: .commandLine)
        guard let start = try date(.startTime) else { throw SchemaError(field: "startTime", "is missing") }
        startTime = start
        endTime = try date(.endTime)
        trainingSeconds = try c.decodeIfPresent(Double.self, forKey: .trainingSeconds)
        stepsPerSecond = try c.decodeIfPresent(Double.self, forKey: .stepsPerSecond)
        pretrainingSeconds = try c.decodeIfPresent(Double.self, forKey: .pretrainingSeconds)
    }
}

/// The git revision of the checkout convdyn was built from ("unknown" outside a checkout) and
/// whether it had local changes (nil when unknown), read once per process.
package var buildGitState: (revision: String, dirty: Bool?) { Provenance.processGitState }
