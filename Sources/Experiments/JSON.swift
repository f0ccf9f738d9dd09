/// A JSON document, written with sorted keys and a fixed number format so that the same values
/// always give the same bytes.
///
/// Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity" (pandas reads
/// them with `pd.read_json`; Python's `json` with `parse_constant` or as strings).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    /// A float32 value, written in Float's shortest round-trip form (per-filter dynamics).
    case float(Float)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    // MARK: Writing

    /// The compact text, keys sorted.
    public var text: String {
        var out = ""
        write(into: &out, indent: nil, level: 0)
        return out
    }

    /// The indented text, keys sorted, ending with a newline.
    public var prettyText: String {
        var out = ""
        write(into: &out, indent: "  ", level: 0)
        return out + "\n"
    }

    private func write(into out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.format(d)
        case .float(let f): out += f.isFinite ? f.description : JSONValue.format(Double(f))
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            let scalarOnly = items.allSatisfy { !$0.isContainer }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += indent != nil && scalarOnly ? ", " : "," }
                if let ind = indent, !scalarOnly { out += "\n" + String(repeating: ind, count: level + 1) }
                item.write(into: &out, indent: indent, level: level + 1)
            }
            if let ind = indent, !scalarOnly { out += "\n" + String(repeating: ind, count: level) }
            out += "]"
        case .object(let fields):
            if fields.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (i, key) in fields.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                if let ind = indent { out += "\n" + String(repeating: ind, count: level + 1) }
                JSONValue.writeString(key, into: &out)
                out += indent != nil ? ": " : ":"
                fields[key]!.write(into: &out, indent: indent, level: level + 1)
            }
            if let ind = indent { out += "\n" + String(repeating: ind, count: level) }
            out += "}"
        }
    }

    private var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }

    /// Swift's shortest round-trip form; non-finite values as strings.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "\"NaN\"" }
        if d.isInfinite { return d > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        return d.description
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    // MARK: Reading

    /// Parses one JSON document.
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(Array(text.utf8))
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.atEnd else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    // MARK: Access

    /// The field `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The number as a Double ("NaN", "Infinity" and "-Infinity" strings included).
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .float(let f): return Double(f)
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: return nil
        }
    }

    /// The number as an Int: an integer, or a double with an integral value below 9·10¹⁵ in
    /// magnitude; nil otherwise.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }

    /// The string, or nil for any other kind of value ("NaN" included: it is a string here).
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The Boolean, or nil for any other kind of value.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The elements of an array, or nil for any other kind of value.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The fields of an object, or nil for any other kind of value.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
}

/// A JSON text that does not parse, with the byte offset.
public struct JSONSyntaxError: Error, CustomStringConvertible {
    /// The 0-based byte offset in the UTF-8 text where parsing stopped.
    public var offset: Int
    /// What was expected or found there.
    public var reason: String
    public var description: String { "JSON syntax error at byte \(offset): \(reason)" }
}

struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    /// Arrays and objects open at the current position.
    var depth = 0
    /// The deepest nesting accepted: run files nest three levels, configs four; anything deeper is
    /// malformed (and unbounded recursion would overflow the stack).
    static let maxDepth = 64
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i >= bytes.count }
    func error(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: i, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func expect(_ literal: String) throws {
        let l = Array(literal.utf8)
        guard i + l.count <= bytes.count, Array(bytes[i..<(i + l.count)]) == l else {
            throw error("expected \(literal)")
        }
        i += l.count
    }

    mutating func value() throws -> JSONValue {
        guard i < bytes.count else { throw error("unexpected end of text") }
        let opens = bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[")
        if opens {
            depth += 1
            guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        }
        defer { if opens { depth -= 1 } }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var fields = [String: JSONValue]()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                i += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let keyOffset = i
                let key = try string()
                // A second value for a key would silently replace the first.
                guard fields[key] == nil else {
                    throw JSONSyntaxError(offset: keyOffset, reason: "duplicate key '\(key)'; a key may appear once")
                }
                skipSpace()
                try expect(":")
                skipSpace()
                fields[key] = try value()
                skipSpace()
                guard i < bytes.count else { throw error("unterminated object") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(fields)
                }
                throw error("expected , or }")
            }
        case UInt8(ascii: "["):
            i += 1
            var items = [JSONValue]()
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value())
                skipSpace()
                guard i < bytes.count else { throw error("unterminated array") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                if bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                }
                throw error("expected , or ]")
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        default: return try number()
        }
    }

    mutating func number() throws -> JSONValue {
        let start = i
        var isInteger = true
        while i < bytes.count {
            let b = bytes[i]
            if (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") {
                i += 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                isInteger = false
                i += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !text.isEmpty else { throw error("unexpected character") }
        if isInteger, let v = Int(text) { return .int(v) }
        guard let d = Double(text) else { throw JSONSyntaxError(offset: start, reason: "bad number '\(text)'") }
        return .double(d)
    }

    mutating func string() throws -> String {
        i += 1  // opening quote
        var out = [UInt8]()
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { break }
                switch bytes[i] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 < bytes.count,
                        let code = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16)
                    else { throw error("bad \\u escape") }
                    out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "?").utf8))
                    i += 4
                default: out.append(bytes[i])
                }
                i += 1
            } else {
                out.append(b)
                i += 1
            }
        }
        throw error("unterminated string")
    }
}
