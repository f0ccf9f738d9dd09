/// The textual form of a configuration choice that may carry numbers: `relu`, `leakyRelu(0.1)`,
/// `fixedSign(1/M)`. Config files and `--set` use it, so one string names a whole choice.
package struct CallSyntax: Equatable, Sendable {
    /// The part before the parenthesis.
    package var name: String
    /// The comma-separated arguments inside the parentheses, trimmed; empty without parentheses.
    package var arguments: [String]

    /// Parses `name` or `name(a, b)`; returns nil when the text has another shape.
    package init?(_ text: String) {
        let t = text.trimmingSpaces()
        guard let open = t.firstIndex(of: "(") else {
            guard !t.isEmpty, t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
            name = t
            arguments = []
            return
        }
        guard t.hasSuffix(")") else { return nil }
        name = String(t[..<open]).trimmingSpaces()
        let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
        arguments = inner.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard !name.isEmpty, !arguments.contains(where: \.isEmpty) else { return nil }
    }

    /// The argument at `index` as a finite number, or nil.
    package func number(at index: Int) -> Double? {
        guard index < arguments.count, let v = Double(arguments[index]), v.isFinite else { return nil }
        return v
    }
}

/// Formats a number the way configs print it: integers without a fraction, others in Swift's
/// shortest round-trip form.
package func formatConfigNumber(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
    return "\(v)"
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

/// A choice among named cases (`max`, `mean`, `sum`) whose decoding error lists every case.
public protocol NamedChoice: RawRepresentable<String>, CaseIterable, Codable {}

extension NamedChoice {
    /// Decodes the raw value; the error for an unknown one lists every case.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let allowed = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not one of \(allowed)")
        }
        self = value
    }

    /// Encodes the raw value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
