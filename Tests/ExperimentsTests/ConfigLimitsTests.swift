import Foundation
import Tensors
import Testing
import _TestSupport

@testable import Experiments

/// Issue 14: config files within `ConfigTextLimits`, duplicate keys, preset conflicts, and run sizes
/// checked before anything is allocated (Docs/Configuration.md, "Limits").
@Suite struct ConfigLimitsTests {
    /// Writes `text` to a file named `name` in a fresh directory; returns its path.
    func file(_ name: String, _ text: String) throws -> String {
        let dir = temporaryDirectory("config-limits")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return "\(dir)/\(name)"
    }

    func loadError(_ name: String, _ text: String) throws -> String {
        let path = try file(name, text)
        do {
            _ = try ConfigResolver.load(path)
            return "accepted"
        } catch { return "\(error)" }
    }

    func resolveError(preset: String? = "kp-bench", file: String? = nil, _ overrides: String...) -> String {
        do {
            _ = try ConfigResolver.resolve(preset: preset, file: file, overrides: overrides)
            return "accepted"
        } catch { return "\(error)" }
    }

    @Test func deepNestingIsRefusedWithoutRecursingIntoIt() throws {
        let block = (0..<5_000).map { String(repeating: " ", count: $0 % 200) + "- \n" }.joined()
        let cases = [
            ("flow.yaml", String(repeating: "[", count: 100_000)),
            ("block.yaml", (0..<1_000).map { String(repeating: " ", count: $0) + "a:\n" }.joined()),
            ("dashes.yaml", String(repeating: "- ", count: 5_000) + "x\n"),
            ("json.yaml", String(repeating: "{\"a\": ", count: 100_000) + "1" + String(repeating: "}", count: 100_000)),
            ("deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
            ("mixed.yaml", block),
        ]
        for (name, text) in cases {
            let message = try loadError(name, text)
            #expect(message.contains("nested deeper than 64 levels"), "\(name): \(message)")
            #expect(message.contains("\(name) line "), "\(name) names the line: \(message)")
        }
        // A quote the estimate takes for the start of a string (a plain scalar's next line) hides no
        // bracket; brackets inside strings close no level.
        let continued = "k: [x\n\"q, [x\n" + String(repeating: "q, [x\n", count: 5_000)
        #expect(try loadError("continued.yaml", continued).contains("nested deeper than 64 levels"))
        let closers = "a: " + String(repeating: "[ \"]]\", ", count: 5_000) + "\n"
        #expect(try loadError("closers.yaml", closers).contains("nested deeper than 64 levels"))
        // Aliases that nest each other (each adds a level once expanded) are stopped in the conversion.
        let chain = "a0: &a0 [1]\n" + (1..<200).map { "a\($0): &a\($0) [*a\($0 - 1)]\n" }.joined()
        #expect(try loadError("chain.yaml", chain).contains("nested deeper than 64 levels"))
    }

    @Test func theDepthEstimateStaysLowForRealConfigs() {
        let config = """
            preset: kp-bench  # a comment with [[[[ brackets
            data:
              sigma: 0.1
              keyPos: [0, 1]
            network:
              router:
                experts: 2
              activation: "leakyRelu(0.1) [[["
            notes: |
              [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
            """
        let estimate = ConfigText.nestingEstimate(Array(config.utf8))
        #expect(estimate.depth <= 12, "\(estimate)")
        #expect(estimate.depth >= 4, "the estimate is an upper bound: network.router.experts is 3 deep")
    }

    @Test func anAliasBombIsRefusedQuickly() throws {
        var text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = name
        }
        let start = Date()
        let message = try loadError("bomb.yaml", text)
        #expect(message.contains("holds more than 100000 values (each use of an alias"), "\(message)")
        #expect(Date().timeIntervalSince(start) < 10)
        // A few aliases are fine.
        #expect(try loadError("alias.yaml", "a: &x [1, 2]\nb: *x\n") == "accepted")
    }

    @Test func aFileOverTheSizeLimitIsRefusedBeforeParsing() throws {
        let big = try loadError("big.yaml", "# " + String(repeating: "x", count: ConfigTextLimits.maxFileBytes) + "\n")
        #expect(big.contains("is larger than 1048576 bytes"), "\(big)")
        #expect(
            try loadError("ok.yaml", "# " + String(repeating: "x", count: 1_000) + "\npreset: kp-bench\n") == "accepted"
        )
        let dir = temporaryDirectory("config-limits-dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(throws: ConfigLoadError.self) { try ConfigResolver.load(dir) }
    }

    @Test func duplicateKeysAreRefusedNamingTheKeyAndLine() throws {
        let yaml = try loadError("dup.yaml", "preset: kp-bench\ntraining:\n  steps: 10\ntraining:\n  steps: 20\n")
        #expect(yaml.contains("dup.yaml line 4: duplicate key 'training' (first on line 2)"), "\(yaml)")
        let nested = try loadError("nested.yaml", "data:\n  sigma: 0\n  sigma: 1\n")
        #expect(nested.contains("line 3: duplicate key 'sigma'"), "\(nested)")
        let json = try loadError("dup.json", "{\"training\": {\"steps\": 10},\n \"training\": {}}")
        #expect(json.contains("dup.json line 2: duplicate key 'training'"), "\(json)")
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(#"{"a": 1, "a": 1}"#) }
    }

    @Test func yamlSyntaxErrorsAreOneLineWithTheirPlace() throws {
        for (name, text, expected) in [
            ("flow.yaml", "data: {sigma: [0.1\n", "flow.yaml line 2 column 1 is not valid YAML: did not find expected"),
            ("tabs.yaml", "data:\n\tsigma: 0\n", "tabs.yaml line 2 column 1 is not valid YAML: found character"),
            ("two.yaml", "a: 1\n---\nb: 2\n", "two.yaml line 2 column 1 is not valid YAML: but found another document"),
            ("alias.yaml", "a: *nope\n", "alias.yaml line 1 column 4 is not valid YAML: found undefined alias"),
        ] {
            let message = try loadError(name, text)
            #expect(message.contains(expected), "\(name): \(message)")
            #expect(!message.contains("\n"), "\(name): one line: \(message)")
        }
        let duplicate = resolveError(preset: "pmoe", #"router={"experts": 2, "experts": 3}"#)
        #expect(duplicate.contains("duplicate key 'experts'"), "\(duplicate)")
    }

    @Test func yamlScalarsKeepTheirTypes() throws {
        let path = try file("types.yaml", "a: 1\nb: 1.5\nc: true\nd: null\ne: text\nf: '2'\ng: [1, x]\nh: 1e400\n")
        let value = try ConfigResolver.load(path)
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(1.5))
        #expect(value["c"] == .bool(true))
        #expect(value["d"] == .null)
        #expect(value["e"] == .string("text"))
        #expect(value["f"] == .string("2"))
        #expect(value["g"] == .array([.int(1), .string("x")]))
        #expect(value["h"] == .double(.infinity))
    }

    @Test func presetIsNotSettableAndAFileMayNotContradictPreset() throws {
        #expect(resolveError("preset=nope").contains("preset is not a field to set"))
        #expect(resolveError("preset=kp-bench").contains("preset is not a field to set"))
        let named = try file("named.yaml", "preset: kp-small\n")
        let conflict = resolveError(preset: "kp-bench", file: named)
        #expect(conflict.contains("names preset: kp-small but --preset kp-bench was given"), "\(conflict)")
        #expect(try ConfigResolver.resolve(preset: "kp-small", file: named).preset == "kp-small")
        #expect(try ConfigResolver.resolve(preset: nil, file: named).preset == "kp-small")
    }

    @Test func runSizesAreCheckedBeforeAllocating() {
        for (override, field) in [
            ("M=1000000000", "network.M = 1000000000"), ("K=1000000000", "data.K = 1000000000"),
            ("D=1000000000", "data.D = 1000000000"), ("nTest=1000000000", "data.nTest = 1000000000"),
            ("nTrain=1000000000", "data.nTrain = 1000000000"), ("P=1000000000", "data.P = 1000000000"),
            ("k=4611686018427387904", "network.M = 9223372036854775807"),
        ] {
            let message = resolveError(override)
            #expect(message.contains(field), "\(override): \(message)")
            #expect(message.contains("over the bound of"), "\(override): \(message)")
        }
        let batch = resolveError("nTrain=100000000", "batchSize=100000000")
        #expect(batch.contains("GiB"), "\(batch)")
        // Every preset fits, far below the bound.
        for preset in Preset.all {
            #expect(preset.config.memoryNeeded < 2 * Double(1 << 30), "\(preset.name)")
            #expect(throws: Never.self) { try preset.config.checkLimits() }
        }
        // The bound is what decides: kp-bench needs a few MB.
        let bench = Preset.named("kp-bench")!.config
        #expect(throws: ConfigurationError.self) { try bench.checkLimits(memoryBound: 1_000) }
    }

    @Test func evaluationSchedulesAreBounded() {
        #expect(resolveError("schedule=log(1000000000)").contains("log(N) takes N from 2 to 100000"))
        #expect(resolveError("schedule=log(9223372036854775807)").contains("evaluation.schedule"))
        let every = resolveError("schedule=every(1)", "steps=1000000000")
        #expect(every.contains("gives 1000000002 evaluations"), "\(every)")
        #expect(every.contains("every(N) with N ≥ 10001"), "\(every)")
        // The count matches the listed steps where they can be listed.
        for schedule in [EvaluationSchedule.every(7), .every(1), .log(60), .log(2)] {
            for steps in [1, 10, 999, 5_000] {
                #expect(schedule.count(upTo: steps) >= schedule.steps(upTo: steps).count, "\(schedule) \(steps)")
            }
        }
        #expect(EvaluationSchedule.log(10).steps(upTo: Int.max).last == Int.max)
    }
}
