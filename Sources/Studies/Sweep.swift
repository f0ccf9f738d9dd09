import Experiments
import Foundation
import Reporting
import Tensors

/// A grid of experiments: a preset, fixed overrides, swept fields and seeds (a YAML or JSON file).
///
///     preset: kp-small
///     seeds: 20                # seeds 0…19; or a list [0, 5, 9]
///     set: {steps: 500}        # fixed overrides, optional
///     grid:                    # field → values; every combination is run for every seed
///       M: [2, 4, 8]
///       sigma: [0, 0.05]
///     success: reached100      # or keysLearned, or FIELD>=X with a summary field
///
/// Axes are ordered by field name; run index = combination index × seeds + seed index.
public struct SweepSpec: Equatable, Sendable {
    /// The preset every run starts from.
    public var preset: String
    /// The seeds run at every grid point.
    public var seeds: [Int]
    /// Overrides applied to every run (`set:`), as config field and value.
    public var fixed: [(field: String, value: JSONValue)]
    /// The swept fields (`grid:`) in field-name order, each with its values in the order given.
    public var axes: [(field: String, values: [JSONValue])]
    /// What counts as a successful run in the phase diagram.
    public var success: SuccessCriterion

    /// Specs are equal when their canonical JSON is.
    public static func == (a: SweepSpec, b: SweepSpec) -> Bool { a.json == b.json }

    /// The canonical form written into sweep.json.
    public var json: JSONValue {
        .object([
            "preset": .string(preset), "seeds": .array(seeds.map(JSONValue.int)),
            "set": .object(Dictionary(uniqueKeysWithValues: fixed.map { ($0.field, $0.value) })),
            "grid": .object(Dictionary(uniqueKeysWithValues: axes.map { ($0.field, JSONValue.array($0.values)) })),
            "success": .string(success.text),
        ])
    }

    /// Reads and checks a spec file; every field is resolved against the preset here, so a bad
    /// field or value is reported before anything runs.
    public static func load(_ path: String) throws -> SweepSpec {
        let value = try ConfigResolver.load(path)
        return try SweepSpec(json: value, source: path)
    }

    /// A spec from its parsed form; `source` names it in error messages.
    public init(json value: JSONValue, source: String) throws {
        func fail(_ message: String) -> ConfigLoadError { ConfigLoadError("sweep spec \(source): \(message)") }
        guard let fields = value.objectValue else {
            throw fail("must be a mapping with preset, seeds, grid (and optionally set, success)")
        }
        let allowed: Set<String> = ["preset", "seeds", "set", "grid", "success"]
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail("unknown key '\(unknown)'; the keys are preset, seeds, set, grid, success")
        }
        guard let preset = fields["preset"]?.stringValue else {
            throw fail("needs `preset: NAME` (see `convdyn presets`)")
        }
        self.preset = preset
        switch fields["seeds"] {
        case .int(let n)?:
            guard n >= 1 else { throw fail("seeds must be ≥ 1, got \(n)") }
            guard n <= Self.maxRuns else {
                throw fail("seeds: \(n) is more than a sweep may have: at most \(Self.maxRuns) runs (Docs/Sweeps.md)")
            }
            seeds = Array(0..<n)
        case .array(let list)?:
            guard list.count <= Self.maxRuns else {
                throw fail(
                    "seeds: a list of \(list.count) is more than a sweep may have: at most \(Self.maxRuns) runs "
                        + "(Docs/Sweeps.md)")
            }
            let ints = list.compactMap(\.intValue)
            guard ints.count == list.count, !ints.isEmpty, ints.allSatisfy({ $0 >= 0 }), Set(ints).count == ints.count
            else {
                throw fail("seeds must be a count or a list of distinct integers ≥ 0")
            }
            seeds = ints
        case nil: seeds = [0]
        default: throw fail("seeds must be a count or a list of integers")
        }
        guard let set = (fields["set"] ?? .object([:])).objectValue else {
            throw fail("set must be a mapping field: value")
        }
        fixed = set.keys.sorted().map { ($0, set[$0]!) }
        guard let grid = fields["grid"]?.objectValue else {
            throw fail("needs `grid:` mapping fields to lists of values")
        }
        guard !grid.isEmpty else { throw fail("the grid is empty; give at least one field with a list of values") }
        axes = try grid.keys.sorted().map { field in
            guard let values = grid[field]?.arrayValue, !values.isEmpty else {
                throw fail("grid field '\(field)' must have a non-empty list of values, e.g. \(field): [1, 2]")
            }
            return (field, values)
        }
        // The number of runs, checked before anything is expanded (the product may overflow).
        var runs = seeds.count
        for axis in axes {
            let (product, overflow) = runs.multipliedReportingOverflow(by: axis.values.count)
            guard !overflow, product <= Self.maxRuns else {
                let factors = axes.map { "\($0.field) (\($0.values.count) values)" } + ["\(seeds.count) seeds"]
                // The whole product, which may overflow though the product so far did not.
                let whole = axes.reduce((seeds.count, false)) {
                    let (p, o) = $0.0.multipliedReportingOverflow(by: $1.values.count)
                    return (p, $0.1 || o)
                }
                let total = whole.1 ? "more than \(Int.max)" : "\(whole.0)"
                throw fail(
                    "grid: \(factors.joined(separator: " × ")) make \(total) runs; a sweep may have at most "
                        + "\(Self.maxRuns) (Docs/Sweeps.md)")
            }
            runs = product
        }
        try Self.checkDistinctFields(preset: preset, fixed: fixed.map(\.field), axes: axes.map(\.field), fail: fail)
        success = try SuccessCriterion(text: fields["success"]?.stringValue ?? "reached100", source: source)
        // Resolve one config per combination now, so unknown fields and bad values stop here.
        for combination in 0..<combinationCount { _ = try config(combination: combination, seed: seeds[0]) }
    }

    /// The most runs a sweep may have. The manifest holds every run's resolved config: about 1.6 KB
    /// of sweep.json and 7.5 KB of memory while it is written per run (measured: a peak of 175 MB at
    /// 20 000 runs), so 100 000 runs take 160 MB on disk and about 0.8 GB of memory (and
    /// `runs/NNNNNN` has room for 1 000 000). Docs/Sweeps.md.
    public static let maxRuns = 100_000

    /// Refuses two fields of `set:` and `grid:` that name one config field (`M` and `network.M`),
    /// naming both: the run would use one value and the manifest and CSV record the other.
    static func checkDistinctFields(
        preset: String, fixed: [String], axes: [String], fail: (String) -> ConfigLoadError
    ) throws {
        guard let base = Preset.named(preset)?.config.json else { return }  // resolving names the preset
        var leaves: [[String]] = []
        func collect(_ value: JSONValue, _ prefix: [String]) {
            guard case .object(let fields) = value else { return leaves.append(prefix) }
            if !prefix.isEmpty { leaves.append(prefix) }  // a section given whole (network.router)
            for (key, field) in fields { collect(field, prefix + [key]) }
        }
        collect(base, [])
        func path(_ field: String) -> [String] {
            let parts = field.split(separator: ".").map(String.init)
            if leaves.contains(parts) { return parts }
            let matches = leaves.filter { $0.last == field }
            return matches.count == 1 ? matches[0] : parts  // unknown or ambiguous: resolving says so
        }
        let named = fixed.map { ("set", $0) } + axes.map { ("grid", $0) }
        for (i, a) in named.enumerated() {
            for b in named[(i + 1)...] {
                let (pa, pb) = (path(a.1), path(b.1))
                guard pa.starts(with: pb) || pb.starts(with: pa) else { continue }
                let what = a.0 == b.0 ? "\(a.0) fields" : "set field '\(a.1)' and grid field"
                let first = a.0 == b.0 ? "'\(a.1)' and " : ""
                throw fail(
                    "\(what) \(first)'\(b.1)' name one config field (\(pa.joined(separator: "."))); "
                        + "give each field once")
            }
        }
    }

    /// Grid points: the product of the axes' value counts.
    public var combinationCount: Int { axes.reduce(1) { $0 * $1.values.count } }
    /// Runs: grid points × seeds.
    public var runCount: Int { combinationCount * seeds.count }

    /// The value index of each axis for a combination (first axis slowest).
    public func valueIndices(combination: Int) -> [Int] {
        var rest = combination
        var indices = [Int](repeating: 0, count: axes.count)
        for a in stride(from: axes.count - 1, through: 0, by: -1) {
            indices[a] = rest % axes[a].values.count
            rest /= axes[a].values.count
        }
        return indices
    }

    /// The swept values of run `index`.
    public func parameters(of index: Int) -> [(field: String, value: JSONValue)] {
        let indices = valueIndices(combination: index / seeds.count)
        return axes.enumerated().map { ($0.element.field, $0.element.values[indices[$0.offset]]) }
    }

    /// The seed of run `index` (index = combination × seeds + seed index).
    public func seed(of index: Int) -> Int { seeds[index % seeds.count] }

    func config(combination: Int, seed: Int) throws -> ExperimentConfig {
        let indices = valueIndices(combination: combination)
        let overrides =
            fixed.map { "\($0.field)=\($0.value.text)" }
            + axes.enumerated().map { "\($0.element.field)=\($0.element.values[indices[$0.offset]].text)" }
        do {
            return try ConfigResolver.resolve(preset: preset, overrides: overrides, seed: seed)
        } catch {
            let where_ = axes.enumerated().map { "\($0.element.field)=\($0.element.values[indices[$0.offset]].text)" }
                .joined(separator: ", ")
            throw ConfigLoadError("sweep spec: the grid point \(where_) does not make a valid config: \(error)")
        }
    }

    /// The resolved config of run `index`.
    public func config(of index: Int) throws -> ExperimentConfig {
        try config(combination: index / seeds.count, seed: seed(of: index))
    }

    /// FNV-1a of the canonical spec text: identifies the sweep a directory belongs to.
    public var hash: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in json.text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return String(h, radix: 16)
    }
}

/// What counts as success for the phase diagram.
public struct SuccessCriterion: Equatable, Sendable {
    /// The criterion as written in the spec, e.g. "reached100" or "keyShare>=0.9".
    public let text: String
    let field: String?
    let threshold: Double

    init(text: String, source: String) throws {
        self.text = text
        switch text {
        case "reached100":
            field = nil
            threshold = 0
        case "keysLearned":
            field = "bestKeyCosine"
            threshold = .nan
        default:
            let parts = text.components(separatedBy: ">=")
            guard parts.count == 2, let t = Double(parts[1].trimmingCharacters(in: .whitespaces)),
                !parts[0].trimmingCharacters(in: .whitespaces).isEmpty
            else {
                throw ConfigLoadError(
                    "sweep spec \(source): success '\(text)' is not one of reached100, keysLearned, "
                        + "FIELD>=X (e.g. testAccuracy>=0.9)"
                )
            }
            field = parts[0].trimmingCharacters(in: .whitespaces)
            threshold = t
        }
    }

    /// Whether a run succeeded, from its summary JSON (`theta` for keysLearned). A diverged run
    /// never succeeds: its figures are not results (as in claims).
    public func holds(_ summary: JSONValue, theta: Double) -> Bool {
        if summary["status"]?.stringValue == "diverged" { return false }
        guard let field else { return summary["stepsTo100"]?.intValue != nil }
        guard let v = summary[field]?.doubleValue else { return false }
        return text == "keysLearned" ? v > theta : v >= threshold
    }
}
