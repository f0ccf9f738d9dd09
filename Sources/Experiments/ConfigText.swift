import Foundation
import Synchronization
import Yams

/// The limits on a config or sweep-spec file (Docs/Configuration.md, "Limits"), checked before and
/// while it is parsed so that no file can crash the parser, exhaust the stack or the memory, or take
/// long: real configs are a few kilobytes, nest four levels and hold a few hundred values.
public enum ConfigTextLimits {
    /// The largest file read, in bytes (1 MiB); checked before reading it.
    public static let maxFileBytes = 1 << 20
    /// The deepest nesting of mappings and lists, as for JSON (`JSONParser.maxDepth`).
    public static let maxDepth = JSONParser.maxDepth
    /// The most values (scalars, lists and mappings) a file may hold once YAML aliases are expanded;
    /// an alias bomb ("billion laughs") stops here, after at most this much work.
    public static let maxValues = 100_000
}

/// Reads config text (YAML or JSON) into a `JSONValue` within `ConfigTextLimits`, refusing
/// duplicate keys.
enum ConfigText {
    /// The text of the file at `path`, refused unreadable, over `maxFileBytes` or not UTF-8.
    static func read(_ path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigLoadError("cannot read config file \(path): it does not exist or is not readable")
        }
        if isDirectory.boolValue {
            throw ConfigLoadError("config file \(path) is a directory; give a YAML or JSON file")
        }
        // A named pipe would block until something writes to it; a socket cannot be opened.
        var info = stat()
        if stat(path, &info) == 0, [S_IFIFO, S_IFSOCK].contains(info.st_mode & S_IFMT) {
            throw ConfigLoadError("config file \(path) is a named pipe or socket; give a YAML or JSON file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigLoadError("cannot read config file \(path): it is not readable")
        }
        defer { try? handle.close() }
        // Reads at most one byte over the limit, so that /dev/zero or a huge file costs nothing.
        let limit = ConfigTextLimits.maxFileBytes
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw ConfigLoadError("cannot read config file \(path): it is not a readable file")
        }
        guard data.count <= limit else {
            throw ConfigLoadError(
                "config file \(path) is larger than \(limit) bytes (1 MiB), the most a config or sweep spec may be")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigLoadError("config file \(path) is not UTF-8 text")
        }
        return text
    }

    /// Parses JSON text, naming the line of a syntax error or a duplicate key.
    static func json(_ text: String, path: String) throws -> JSONValue {
        do { return try JSONValue.parse(text) } catch let error as JSONSyntaxError {
            let bytes = Array(text.utf8)
            let line = 1 + bytes[..<min(error.offset, bytes.count)].count(where: { $0 == 0x0A })
            throw ConfigLoadError("config file \(path) line \(line): \(error.reason)")
        }
    }

    /// Parses YAML text: its nesting is estimated from the text first (the parser recurses once per
    /// level), then the document is composed without expanding aliases and converted here, counting
    /// every value reached through an alias.
    static func yaml(_ text: String, path: String) throws -> JSONValue {
        let estimate = nestingEstimate(Array(text.utf8), stopAbove: 2 * ConfigTextLimits.maxDepth)
        if estimate.depth > 2 * ConfigTextLimits.maxDepth {
            throw ConfigLoadError(
                "config file \(path) line \(estimate.line): nested deeper than \(ConfigTextLimits.maxDepth) levels "
                    + "(a config nests four)")
        }
        // The estimate is a heuristic; a stack of 256 MiB is the backstop for text that misleads it.
        let result = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let outcome: Result<JSONValue, ConfigLoadError>
            do {
                outcome = .success(try convert(text, path: path))
            } catch let error as ConfigLoadError {
                outcome = .failure(error)
            } catch {
                outcome = .failure(ConfigLoadError(yamlError: error, path: path))
            }
            result.value.withLock { $0 = outcome }
            done.signal()
        }
        thread.stackSize = 256 << 20
        thread.start()
        done.wait()
        return try result.value.withLock { $0! }.get()
    }

    /// The result of the parsing thread.
    private final class Outcome: Sendable {
        let value = Mutex<Result<JSONValue, ConfigLoadError>?>(nil)
    }

    private static func convert(_ text: String, path: String) throws -> JSONValue {
        guard let root = try Yams.compose(yaml: text) else { throw ConfigLoadError("config file \(path) is empty") }
        var converter = Converter(path: path)
        return try converter.value(root, depth: 1)
    }

    /// Turns composed YAML into JSON values as `Yams.load` would (same scalar types), within the limits.
    private struct Converter {
        let path: String
        var values = 0

        func fail(_ node: Node, _ message: String) -> ConfigLoadError {
            ConfigLoadError("config file \(path)\(node.mark.map { " line \($0.line)" } ?? ""): \(message)")
        }

        mutating func value(_ node: Node, depth: Int) throws -> JSONValue {
            values += 1
            guard values <= ConfigTextLimits.maxValues else {
                throw fail(
                    node,
                    "holds more than \(ConfigTextLimits.maxValues) values (each use of an alias *name counted in "
                        + "full); a config holds a few hundred")
            }
            guard depth <= ConfigTextLimits.maxDepth else {
                throw fail(node, "nested deeper than \(ConfigTextLimits.maxDepth) levels (a config nests four)")
            }
            switch node {
            case .scalar(let scalar):
                switch Tag.Name(rawValue: node.tag.description) {
                case .str: return .string(scalar.string)
                case .null: return .null
                case .bool: return Bool.construct(from: scalar).map(JSONValue.bool) ?? .string(scalar.string)
                case .int: return Int.construct(from: scalar).map(JSONValue.int) ?? .string(scalar.string)
                case .float: return Double.construct(from: scalar).map(JSONValue.double) ?? .string(scalar.string)
                default:
                    throw fail(node, "'\(scalar.string)' is a YAML \(node.tag.description) value, which no field takes")
                }
            case .sequence(let sequence):
                var items: [JSONValue] = []
                for item in sequence { items.append(try value(item, depth: depth + 1)) }
                return .array(items)
            case .mapping(let mapping):
                var fields: [String: JSONValue] = [:]
                var lines: [String: Int] = [:]
                for (key, item) in mapping {
                    guard case .scalar(let scalar) = key else {
                        throw fail(key, "a key must be a name, not a list or mapping")
                    }
                    if Tag.Name(rawValue: key.tag.description) == .merge {
                        throw fail(key, "YAML merge keys (<<) are not supported in configs; write the fields out")
                    }
                    let name = scalar.string
                    let line = key.mark?.line ?? 0
                    if let first = lines[name] {
                        throw fail(
                            key,
                            "duplicate key '\(name)' (first on line \(first)); a key may appear once per mapping")
                    }
                    lines[name] = line
                    fields[name] = try value(item, depth: depth + 1)
                }
                return .object(fields)
            }
        }
    }

    /// An upper estimate of the nesting depth of YAML text and the line where it is reached: each
    /// column at which a block collection may be open counts two levels (a mapping, and a list at its
    /// keys' column), each open `[` or `{` one. Comments and block scalars (`|`, `>`) are skipped; in
    /// a quoted scalar a bracket still opens a level (a quote the estimate mistakes cannot hide
    /// one) and a closing bracket only closes one opened in the same scalar (a bracket that is text
    /// cannot hide one either). Stops at the first line whose estimate is over `limit`.
    static func nestingEstimate(_ bytes: [UInt8], stopAbove limit: Int = .max) -> (depth: Int, line: Int) {
        let space = UInt8(ascii: " ")
        let newline = UInt8(ascii: "\n")
        let hash = UInt8(ascii: "#")
        var worst = (depth: 0, line: 1)
        var columns: [Int] = []
        var flow = 0
        var quote: UInt8? = nil
        var opensInQuote = 0
        // Brackets opened inside quoted scalars and not closed there, counted apart from `flow`.
        var quoted = 0
        var blockScalar: (parent: Int, content: Int?)? = nil
        var line = 0
        var start = 0
        while start <= bytes.count {
            line += 1
            var end = start
            while end < bytes.count, bytes[end] != newline { end += 1 }
            defer { start = end + 1 }
            var i = start
            while i < end, bytes[i] == space { i += 1 }
            let indent = i - start
            if i == end { continue }
            if let block = blockScalar {
                if let content = block.content, indent >= content { continue }
                if block.content == nil, indent > block.parent {
                    blockScalar = (block.parent, indent)
                    continue
                }
                blockScalar = nil
            }
            if quote == nil && bytes[i] == hash { continue }
            if quote == nil {
                while let last = columns.last, last > indent { columns.removeLast() }
                if columns.last != indent { columns.append(indent) }
                // Compact collections on one line: `- - x`, `? x`, `- key: …`.
                while i < end, [UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":")].contains(bytes[i]),
                    i + 1 == end || bytes[i + 1] == space
                {
                    i += 1
                    while i < end, bytes[i] == space { i += 1 }
                    if i < end { columns.append(i - start) }
                }
            }
            var tokenStart = true
            var plain = false
            while i < end {
                let b = bytes[i]
                if let q = quote {
                    if b == q {
                        if q == UInt8(ascii: "'"), i + 1 < end, bytes[i + 1] == q {
                            i += 2
                            continue
                        }
                        quote = nil
                    } else if q == UInt8(ascii: "\""), b == UInt8(ascii: "\\") {
                        i += 1
                    } else if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") {
                        quoted += 1
                        opensInQuote += 1
                    } else if (b == UInt8(ascii: "]") || b == UInt8(ascii: "}")) && opensInQuote > 0 {
                        quoted -= 1
                        opensInQuote -= 1
                    }
                } else {
                    switch b {
                    case space, UInt8(ascii: "\t"):
                        if i + 1 < end, bytes[i + 1] == hash { i = end }
                        if !plain { tokenStart = true }
                    case UInt8(ascii: "\""),
                        UInt8(ascii: "'") where tokenStart && !plain:
                        quote = b
                        opensInQuote = 0
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        flow += 1
                        plain = false
                        tokenStart = true
                    case UInt8(ascii: "]"), UInt8(ascii: "}"):
                        flow = max(0, flow - 1)
                        plain = false
                        tokenStart = true
                    case UInt8(ascii: ","):
                        if flow > 0 {
                            plain = false
                            tokenStart = true
                        }
                    case UInt8(ascii: ":") where i + 1 == end || bytes[i + 1] == space || flow > 0:
                        plain = false
                        tokenStart = true
                    default:
                        if tokenStart && !plain && b != UInt8(ascii: "&") && b != UInt8(ascii: "!")
                            && b != UInt8(ascii: "|") && b != UInt8(ascii: ">")
                        {
                            plain = true
                        }
                        tokenStart = false
                    }
                }
                let depth = 2 * columns.count + flow + quoted + 1
                if depth > worst.depth { worst = (depth, line) }
                if depth > limit { return worst }
                i += 1
            }
            let depth = 2 * columns.count + flow + quoted + 1
            if depth > worst.depth { worst = (depth, line) }
            if depth > limit { return worst }
            // A block scalar's lines (more indented than the line that opens it) are text.
            if quote == nil, flow == 0, !plain, opensBlockScalar(bytes[start..<end]) { blockScalar = (indent, nil) }
        }
        return worst
    }

    /// Whether a line ends in a block scalar header: `|` or `>`, then chomping and indentation
    /// indicators (`|-`, `>+2`), after a space or at the start.
    private static func opensBlockScalar(_ line: ArraySlice<UInt8>) -> Bool {
        var j = line.endIndex
        while j > line.startIndex, line[j - 1] == UInt8(ascii: " ") { j -= 1 }
        while j > line.startIndex, "+-0123456789".utf8.contains(line[j - 1]) { j -= 1 }
        guard j > line.startIndex, line[j - 1] == UInt8(ascii: "|") || line[j - 1] == UInt8(ascii: ">") else {
            return false
        }
        return j - 1 == line.startIndex || line[j - 2] == UInt8(ascii: " ")
    }
}

extension ConfigLoadError {
    /// One line for a YAML syntax error: the file, line and column, what libyaml found and while
    /// doing what (without the quoted source line of Yams's own description).
    init(yamlError error: any Error, path: String) {
        let what: (problem: String, context: YamlError.Context?, mark: Mark?)
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            what = (problem, context, mark)
        case .reader(let problem, let offset, _, _):
            what = (problem + (offset.map { " at byte \($0)" } ?? ""), nil, nil)
        default:
            what = ("\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)", nil, nil)
        }
        let place = what.mark.map { " line \($0.line) column \($0.column)" } ?? ""
        let context = what.context.map { " (\($0.text) on line \($0.mark.line))" } ?? ""
        self.init("config file \(path)\(place) is not valid YAML: \(what.problem)\(context)")
    }
}
