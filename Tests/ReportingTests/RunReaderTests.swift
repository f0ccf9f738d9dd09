import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// Malformed run files: each is reported with its file, line and field, never a trap.
@Suite struct RunReaderTests {
    /// A copy of the tiny fixture run whose `file` is replaced by `edit` of its text.
    func corrupted(_ file: String, _ name: String, _ edit: (String) -> String) throws -> String {
        let dir = temporaryDirectory("reader-\(name)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in ["config.json", "metrics.jsonl", "filters.jsonl", "summary.json"] {
            try FileManager.default.copyItem(atPath: fixture("tiny-run/\(f)"), toPath: "\(dir)/\(f)")
        }
        let text = try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8)
        try edit(text).write(toFile: "\(dir)/\(file)", atomically: true, encoding: .utf8)
        return dir
    }

    /// The message of the error `RunData.load` and `TerminalSummary.render` throw for `dir`.
    func message(_ dir: String) -> String {
        var messages: [String] = []
        for read in [{ _ = try RunData.load(dir) }, { _ = try TerminalSummary.render(dir) }] {
            do {
                try read()
                messages.append("no error")
            } catch let e as ReportError {
                messages.append(e.message)
            } catch {
                messages.append("unexpected \(type(of: error)): \(error)")
            }
        }
        #expect(messages[0] == messages[1])
        return messages[0]
    }

    @Test func shortNormsArrayNamesFileLineAndField() throws {
        // The first filters line loses its last norm: 3 entries for M = 4.
        let dir = try corrupted("filters.jsonl", "short-norms") { text in
            var lines = text.split(separator: "\n").map(String.init)
            lines[0] = lines[0].replacingOccurrences(of: ",0.043409742]", with: "]")
            return lines.joined(separator: "\n") + "\n"
        }
        let m = message(dir)
        #expect(m.contains("filters.jsonl line 1") && m.contains("field norms has 3 entries, not M = 4"), "\(m)")
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let dir = try corrupted("metrics.jsonl", "deep") { text in
            let lines = text.split(separator: "\n").map(String.init)
            return ([lines[0], "{\"step\":\(deep)}"] + lines.dropFirst()).joined(separator: "\n") + "\n"
        }
        let m = message(dir)
        #expect(m.contains("metrics.jsonl line 2") && m.contains("nested deeper than 64 levels"), "\(m)")
    }

    @Test func unknownStatusIsNotShownAsCompleted() throws {
        let dir = try corrupted("summary.json", "status") {
            $0.replacingOccurrences(of: "\"completed\"", with: "\"exploded\"")
        }
        let m = message(dir)
        #expect(m.contains("summary.json") && m.contains("field status is \"exploded\""), "\(m)")
    }

    @Test func outOfRangeAndIllTypedFieldsAreNamed() throws {
        // keyShare is a fraction; a filter index must be below M = 4; step must be an integer.
        let cases: [(String, String, String)] = [
            ("\"keyShare\":0.0,", "\"keyShare\":1.5,", "field keyShare is 1.5, outside 0.0…1.0"),
            ("\"positiveKeyFilters\":[]", "\"positiveKeyFilters\":[7]", "field positiveKeyFilters[0] is 7"),
            ("\"step\":0,", "\"step\":\"zero\",", "field step is not an integer"),
        ]
        for (i, (old, new, expected)) in cases.enumerated() {
            let dir = try corrupted("metrics.jsonl", "field-\(i)") { $0.replacingOccurrences(of: old, with: new) }
            let m = message(dir)
            #expect(m.contains("metrics.jsonl line 1") && m.contains(expected), "\(m)")
        }
    }

    @Test func aFileThatIsNotARegularFileIsNamed() throws {
        let dir = try corrupted("metrics.jsonl", "not-regular") { $0 }
        try FileManager.default.removeItem(atPath: "\(dir)/metrics.jsonl")
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/metrics.jsonl", withDestinationPath: "/dev/zero")
        let m = message(dir)
        #expect(m.contains("metrics.jsonl is not a regular file"), "\(m)")
        try FileManager.default.removeItem(atPath: "\(dir)/metrics.jsonl")
        try FileManager.default.createDirectory(atPath: "\(dir)/metrics.jsonl", withIntermediateDirectories: false)
        #expect(message(dir).contains("metrics.jsonl is not a regular file"))
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        let dir = try corrupted("metrics.jsonl", "bom") { "\u{FEFF}" + $0 }
        let plain = try RunData.load(fixture("tiny-run"))
        let run = try RunData.load(dir)
        #expect(run.metrics == plain.metrics && run.warnings.isEmpty)
    }

    @Test func infinityInARunFileIsNamed() throws {
        let dir = try corrupted("metrics.jsonl", "infinity") {
            $0.replacingOccurrences(of: "\"maxFilterNorm\":", with: "\"maxFilterNorm\":\"Infinity\",\"was\":")
        }
        let m = message(dir)
        #expect(m.contains("metrics.jsonl line 1") && m.contains("field maxFilterNorm is Infinity"), "\(m)")
        let huge = try corrupted("filters.jsonl", "huge") {
            $0.replacingOccurrences(of: "\"norms\":[", with: "\"norms\":[1e999,")
        }
        #expect(message(huge).contains("filters.jsonl line 1: field norms[0] is Infinity"), "\(message(huge))")
    }

    /// `convdyn train --preset kp-small --set steps=200 --set loss=square --set learningRate=1000`:
    /// its weights overflow with a finite loss; `report` and `show` read the run and say it diverged.
    @Test func aRunWhoseWeightsDivergedReportsAndSaysSo() throws {
        let config = try ConfigResolver.resolve(
            preset: "kp-small", overrides: ["steps=200", "loss=square", "learningRate=1000"], seed: 0)
        let dir = temporaryDirectory("weights-diverged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try Experiment(config).run(in: RunDirectory.create(at: dir, overwrite: false))
        let run = try RunData.load(dir)
        #expect(run.status == .diverged && run.lastStepTaken == summary.steps && run.warnings.isEmpty)
        let report = try Report.build(dir)
        #expect(report.notes.contains { $0.contains("diverged at step \(summary.steps)") })
        #expect(try TerminalSummary.render(dir).contains("diverged@\(summary.steps)"))
    }

    /// Across runs, a diverged run counts as a run that reached nothing: its T₁₀₀ and final figures,
    /// recorded before it diverged, are not results.
    @Test func divergedRunsAreNotResultsAcrossSeeds() throws {
        let root = temporaryDirectory("group-diverged")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for name in ["seed-1", "seed-2", "seed-3"] {
            try FileManager.default.copyItem(atPath: fixture("tiny-run"), toPath: "\(root)/\(name)")
        }
        let text = try String(contentsOfFile: "\(root)/seed-3/summary.json", encoding: .utf8)
        try text.replacingOccurrences(of: "\"completed\"", with: "\"diverged\"")
            .write(toFile: "\(root)/seed-3/summary.json", atomically: true, encoding: .utf8)
        let html = try Report.build(root).html
        #expect(html.contains("Reached 100% test accuracy: 2/3"), "\(html)")
        #expect(html.contains("seed-3 diverged at step"))
    }

    @Test func crlfLinesReadLikeLF() throws {
        let dir = try corrupted("metrics.jsonl", "crlf") { $0.replacingOccurrences(of: "\n", with: "\r\n") }
        let crlf = try RunData.load(dir)
        let lf = try RunData.load(fixture("tiny-run"))
        #expect(crlf.metrics == lf.metrics && crlf.metrics.count > 1)
        #expect(crlf.warnings.isEmpty)
    }

    @Test func nonUTF8IsNamed() throws {
        let dir = try corrupted("metrics.jsonl", "latin1") { $0 }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/metrics.jsonl")))
        bytes[10] = 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/metrics.jsonl"))
        let m = message(dir)
        #expect(m.contains("metrics.jsonl is not UTF-8 text"), "\(m)")
    }

    @Test func cutLastLineIsSkippedWithAWarning() throws {
        let dir = try corrupted("metrics.jsonl", "cut") { String($0.dropLast(40)) }
        let run = try RunData.load(dir)
        let full = try RunData.load(fixture("tiny-run"))
        #expect(run.metrics.count == full.metrics.count - 1)
        #expect(run.warnings.count == 1 && run.warnings[0].contains("last line is incomplete"))
    }
}
