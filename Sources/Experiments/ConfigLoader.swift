import Foundation
import Networks
import Tensors
import Yams

/// A config that cannot be read or does not fit the schema, with what to do about it.
public struct ConfigLoadError: Error, CustomStringConvertible, Equatable {
    /// What failed and what to do about it, shown to the user as it is.
    public var message: String
    public var description: String { message }

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message for a config that does not fit the schema, naming the field and, from `config`
    /// (the JSON decoded), the value it holds.
    init(decoding error: DecodingError, in config: JSONValue) {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        func got(_ context: DecodingError.Context) -> String {
            var value: JSONValue? = config
            for key in context.codingPath {
                if let i = key.intValue, let items = value?.arrayValue {
                    value = items.indices.contains(i) ? items[i] : nil
                } else {
                    value = value?.objectValue?[key.stringValue]
                }
            }
            switch value {
            case nil: return ""
            case .string(let s): return ", got \(s)"
            case .double(let d): return ", got \(d)"
            case let v?: return ", got \(v.text)"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            message = "config field \(path(context)) has the wrong type: expected \(Self.typeName(type))\(got(context))"
        case .valueNotFound(let type, let context):
            message = "config field \(path(context)) is missing a value: expected \(Self.typeName(type))"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            message = "config field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue) is missing"
        case .dataCorrupted(let context):
            message = "config field \(path(context)): \(context.debugDescription)"
        @unknown default:
            message = "config does not fit the schema: \(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is [Double].Type: return "a list of numbers, e.g. [1, 0.5]"
        case is [Int].Type: return "a list of integers, e.g. [0, 1]"
        case is [String: JSONValue].Type: return "a mapping of its fields"
        case let choice as any NamedChoice.Type: return "one of \(names(choice))"
        case let forms as any CallSyntaxCodable.Type: return "one of \(forms.allowedForms)"
        default: return "\(type)"
        }
    }

    private static func names<T: NamedChoice>(_: T.Type) -> String {
        T.allCases.map(\.rawValue).joined(separator: ", ")
    }
}

/// Builds a resolved `ExperimentConfig` from a preset, an optional file and `key=value` overrides.
public enum ConfigResolver {
    /// The validated config of `preset`, with `file` merged over it, then each override in order,
    /// then `seed`; throws a `ConfigLoadError` or `ConfigurationError` naming the bad field.
    ///
    /// - Parameters:
    ///   - preset: the preset to start from; when nil, the file must name one with `preset: NAME`.
    ///   - file: a YAML or JSON file holding any part of the config, merged over the preset.
    ///   - overrides: `field=value` strings; `field` is a dotted path (`data.sigma`) or a field
    ///     name that is unique across sections (`sigma`); `value` is JSON (numbers, true, [1, 2]) or
    ///     plain text (`leakyRelu(0.1)`).
    ///   - seed: replaces the seed when given.
    public static func resolve(preset: String?, file: String? = nil, overrides: [String] = [], seed: Int? = nil) throws
        -> ExperimentConfig
    {
        var fileValue: JSONValue? = nil
        if let file {
            fileValue = try load(file)
            guard case .object = fileValue else {
                throw ConfigLoadError("config file \(file) must hold a mapping of fields, e.g. `data: {sigma: 0}`")
            }
        }
        if let preset, let named = fileValue?["preset"], named != .string(preset) {
            throw ConfigLoadError(
                "config file \(file!) names preset: \(named.stringValue ?? named.text) but --preset \(preset) was "
                    + "given; remove one, or make them agree")
        }
        guard let name = preset ?? fileValue?["preset"]?.stringValue else {
            throw ConfigLoadError(
                "no preset given: pass --preset NAME (see `convdyn presets`) or put `preset: NAME` in the config file")
        }
        guard let base = Preset.named(name) else {
            throw ConfigLoadError(
                "unknown preset '\(name)'; available: \(Preset.all.map(\.name).joined(separator: ", ")) "
                    + "(see `convdyn presets`)"
            )
        }
        var value = base.config.json
        if let fileValue {
            value = try merge(fileValue, into: value, path: "")
            value = set(value, path: ["preset"], to: .string(name))
        }
        var explicit = fileValue.map { leafPaths(of: $0) } ?? []
        for override in overrides {
            let (path, newValue) = try apply(override, to: value)
            explicit.append(path)
            value = newValue
        }
        if let seed { value = set(value, path: ["seed"], to: .int(seed)) }
        var config = try ExperimentConfig.decode(value)
        // Derived fields follow their sources unless given explicitly; then `validate` checks they agree.
        var derived = config
        derived.deriveFields()
        if !explicit.contains(["network", "M"]) { config.network.M = derived.network.M }
        if !explicit.contains(["network", "init"]) { config.network.`init` = derived.network.`init` }
        if !explicit.contains(["training", "batchSize"]) { config.training.batchSize = derived.training.batchSize }
        if !explicit.contains(["training", "steps"]) { config.training.steps = derived.training.steps }
        try config.validate()
        return config
    }

    /// Reads a YAML or JSON file into a JSON value, within `ConfigTextLimits` (size, nesting, values
    /// after YAML aliases); a key given twice in one mapping is refused, naming it and its line.
    public static func load(_ path: String) throws -> JSONValue {
        let text = try ConfigText.read(path)
        if path.hasSuffix(".json") { return try ConfigText.json(text, path: path) }
        return try ConfigText.yaml(text, path: path)
    }

    /// Merges `overlay` into `base`; every key of the overlay must exist in the base.
    static func merge(_ overlay: JSONValue, into base: JSONValue, path: String) throws -> JSONValue {
        guard case .object(let o) = overlay, case .object(var b) = base else { return overlay }
        for (key, value) in o {
            let here = path.isEmpty ? key : "\(path).\(key)"
            guard let existing = b[key] else {
                throw ConfigLoadError(
                    "unknown config field '\(here)'; fields here are: "
                        + "\(b.keys.sorted().map { path.isEmpty ? $0 : "\(path).\($0)" }.joined(separator: ", "))"
                )
            }
            if case .object = existing {
                if value == .null && nullableFields.contains(here.split(separator: ".").map(String.init)) {
                    b[key] = .null
                    continue
                }
                guard case .object = value else {
                    throw ConfigLoadError("config field '\(here)' must be a mapping of its fields")
                }
                b[key] = try merge(value, into: existing, path: here)
            } else {
                b[key] = value
            }
        }
        return .object(b)
    }

    /// Applies one `field=value` override; returns the field's full path and the new config.
    static func apply(_ override: String, to config: JSONValue) throws -> (path: [String], config: JSONValue) {
        guard let eq = override.firstIndex(of: "=") else {
            throw ConfigLoadError("--set \(override): expected field=value, e.g. --set data.sigma=0 or --set M=8")
        }
        let field = String(override[..<eq]).trimmingCharacters(in: .whitespaces)
        let text = String(override[override.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        let path = try resolvePath(field, in: config)
        if path == ["preset"] {
            throw ConfigLoadError(
                "--set \(override): preset is not a field to set; it names where the config started: pass --preset "
                    + "NAME (see `convdyn presets`)")
        }
        let existing = value(at: path, in: config)
        var value: JSONValue
        do { value = try JSONValue.parse(text) } catch let error as JSONSyntaxError {
            if error.reason.hasPrefix("duplicate key") { throw ConfigLoadError("--set \(override): \(error.reason)") }
            value = nonFiniteNumbers(text, for: existing) ?? .string(text)
        }
        // A whole section that may be null (`router={…}` over an existing router): merged field by
        // field, like a config file, so that unknown fields are reported.
        if let existing, case .object = existing, case .object = value {
            value = try merge(value, into: existing, path: path.joined(separator: "."))
        }
        return (path, set(config, path: path, to: value))
    }

    /// The fields that may be null, with a meaning (Docs/Configuration.md): those null in the
    /// canonical config, e.g. `network.router` (no router: the plain CNN) and `network.k`. When
    /// such a field holds a mapping (a router), `--set router=null` and `router: null` in a file
    /// set it back to null.
    static let nullableFields: Set<[String]> = {
        func nulls(_ value: JSONValue, _ prefix: [String]) -> [[String]] {
            guard case .object(let fields) = value else { return value == .null ? [prefix] : [] }
            return fields.flatMap { nulls($0.value, prefix + [$0.key]) }
        }
        return Set(nulls(ExperimentConfig(preset: "").json, []))
    }()

    /// The value at `path`, or nil where there is none.
    static func value(at path: [String], in config: JSONValue) -> JSONValue? {
        path.reduce(config as JSONValue?) { $0?.objectValue?[$1] }
    }

    /// `nan`, `inf`, `-inf` (and lists holding them, `[nan, 1]`), which are not JSON, as numbers, so
    /// that the field's own check says which finite values it needs; nil for anything else and for a
    /// text field (`existing` a string), which keeps the text.
    static func nonFiniteNumbers(_ text: String, for existing: JSONValue?) -> JSONValue? {
        if case .string = existing { return nil }
        func number(_ item: String) -> JSONValue? {
            if let parsed = try? JSONValue.parse(item) { return parsed }
            guard let d = Double(item.trimmingCharacters(in: .whitespaces)), !d.isFinite else { return nil }
            return .double(d)
        }
        if text.hasPrefix("["), text.hasSuffix("]") {
            let items = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
            let numbers = items.map { number(String($0)) }
            guard !numbers.contains(where: { $0 == nil }) else { return nil }
            return .array(numbers.map { $0! })
        }
        return number(text)
    }

    /// Every leaf field of `config` as a dotted path.
    static func leafPaths(of config: JSONValue, prefix: [String] = []) -> [[String]] {
        guard case .object(let fields) = config else { return [prefix] }
        return fields.keys.sorted().flatMap { leafPaths(of: fields[$0]!, prefix: prefix + [$0]) }
    }

    static func resolvePath(_ field: String, in config: JSONValue) throws -> [String] {
        // A nullable section that is set (`network.router`) can be given whole, or null.
        let sections = nullableFields.filter { path in
            if case .object = value(at: path, in: config) { return true } else { return false }
        }
        let leaves = (leafPaths(of: config) + sections).sorted { $0.lexicographicallyPrecedes($1) }
        let parts = field.split(separator: ".").map(String.init)
        if leaves.contains(parts) { return parts }
        let matches = leaves.filter { $0.last == field }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw ConfigLoadError(
                "config field '\(field)' is ambiguous; write one of: "
                    + "\(matches.map { $0.joined(separator: ".") }.joined(separator: ", "))"
            )
        }
        throw ConfigLoadError(
            "unknown config field '\(field)'; fields are: "
                + "\(leaves.map { $0.joined(separator: ".") }.joined(separator: ", "))"
        )
    }

    static func set(_ value: JSONValue, path: [String], to newValue: JSONValue) -> JSONValue {
        guard let first = path.first else { return newValue }
        var fields = value.objectValue ?? [:]
        fields[first] = set(fields[first] ?? .null, path: Array(path.dropFirst()), to: newValue)
        return .object(fields)
    }
}
