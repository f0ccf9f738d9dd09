import Foundation
import Testing
import _TestSupport

@testable import Experiments

/// The Schema records read back what the writer wrote, byte for byte.
@Suite struct RunRecordTests {
    /// A 60-step kp-bench run written into a temporary directory.
    func run() throws -> String {
        let config = try ConfigResolver.resolve(
            preset: "kp-bench", overrides: ["steps=60", "nTest=200", "schedule=every(20)"], seed: 4)
        let dir = temporaryDirectory("records")
        try Experiment(config).run(in: RunDirectory.create(at: dir, overwrite: false))
        return dir
    }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// provenance.json's git revision is the checkout's (it read "unknown" once its source file
    /// moved one folder deeper): in a checkout, 40 hex digits, the same as `git rev-parse HEAD`.
    @Test func gitRevisionIsTheCheckouts() throws {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.path + "/.git") {
            folder = folder.deletingLastPathComponent()
        }
        guard folder.path != "/" else { return }  // not built from a git checkout
        let (revision, dirty) = Provenance.processGitState
        #expect(revision.count == 40 && revision.allSatisfy(\.isHexDigit), "\(revision)")
        #expect(dirty != nil)
    }

    @Test func everyFileRoundTripsThroughItsRecord() throws {
        let dir = try run()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ExperimentConfig.decode(JSONValue.parse(text("\(dir)/config.json")))
        // summary.json: decode, encode, same bytes.
        let summaryText = try text("\(dir)/summary.json")
        let summary = try RunSummary(json: JSONValue.parse(summaryText))
        #expect(summary.json.prettyText == summaryText)
        #expect(summary.status == .completed && summary.keys != nil && summary.images == nil)
        try MeasurementFamilies.validate(summary: summary, config: config)
        // provenance.json likewise.
        let provenanceText = try text("\(dir)/provenance.json")
        let provenance = try JSONValue.parse(provenanceText).decode(Provenance.self)
        #expect(provenance.json.prettyText == provenanceText)
        #expect(provenance.trainingSeconds != nil && provenance.endTime != nil)
        // Each filters.jsonl line, and each metrics.jsonl line's common record and families.
        let filters = try text("\(dir)/filters.jsonl").split(separator: "\n")
        #expect(filters.count == 4)
        for line in filters {
            let record = try FiltersLine(
                validating: JSONValue.parse(String(line)), filters: 32, patterns: 32, weights: false)
            #expect(try JSONValue(encoding: record).text == String(line))
        }
        let metrics = try text("\(dir)/metrics.jsonl").split(separator: "\n")
        #expect(metrics.count == 4)
        for (i, line) in metrics.enumerated() {
            let value = try JSONValue.parse(String(line))
            try MeasurementFamilies.validate(line: value, config: config)
            #expect(try EvaluationRecord(validating: value).step == 20 * i)
            let keys = try value.decode(KeyPatternMeasures.Line.self)
            #expect(keys.keyFilterCount == keys.positiveKeyFilters.count + keys.negativeKeyFilters.count)
        }
    }

    @Test func schemaErrorsNameTheField() throws {
        let line: JSONValue = .object(["step": .int(0), "norms": .array([.double(1), .string("x")])])
        #expect(throws: SchemaError(field: "norms[1]", "is not a number")) {
            _ = try FiltersLine(validating: line, filters: 2, patterns: nil, weights: false)
        }
        let missing: JSONValue = .object(["step": .int(3)])
        #expect(throws: SchemaError(field: "norms", "is missing")) {
            _ = try FiltersLine(validating: missing, filters: 2, patterns: nil, weights: false)
        }
        #expect(throws: SchemaError(field: "signs[0]", "is 2, not −1, 0 or 1")) {
            _ = try FiltersLine(
                validating: .object([
                    "step": .int(0), "norms": .array([.double(1)]), "cosines": .array([.array([.double(0.5)])]),
                    "projections": .array([.array([.double(0.5)])]), "signs": .array([.int(2)]),
                ]), filters: 1, patterns: 1, weights: false)
        }
    }

    @Test func nonFiniteValuesAreWrittenAsStringsAndReadBack() throws {
        // NaN as "NaN", ±∞ as "Infinity"/"-Infinity", float32 text for Float.
        let record = FiltersLine(step: 1, norms: [.nan, .infinity, -.infinity, 0.1])
        let text = try JSONValue(encoding: record).text
        #expect(text == #"{"norms":["NaN","Infinity","-Infinity",0.1],"step":1}"#)
        let back = try JSONValue.parse(text).decode(FiltersLine.self)
        #expect(back.norms[0].isNaN && back.norms[1] == .infinity && back.norms[2] == -.infinity)
        #expect(back.norms[3] == 0.1)
    }
}
