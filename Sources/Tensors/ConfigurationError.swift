/// A configuration value that cannot be used, with the field, the value and what is allowed.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dotted path of the field, e.g. `data.P`.
    public var field: String
    /// The offending value as written.
    public var value: String
    /// What is allowed instead, as a sentence fragment.
    public var allowed: String

    /// An error for `field` = `value`, saying what is `allowed`.
    public init(field: String, value: String, allowed: String) {
        self.field = field
        self.value = value
        self.allowed = allowed
    }

    /// "invalid configuration: field = value: allowed".
    public var description: String {
        "invalid configuration: \(field) = \(value): \(allowed)"
    }
}

extension KeyedDecodingContainer {
    /// The value of a config field added after the first release: `absent` when the key is missing
    /// (a config written before the field existed), else the decoded value, so that an explicit
    /// null is an error ("missing a value") as for every other field without a documented null.
    package func decode<T: Decodable>(_ type: T.Type, forKey key: Key, ifAbsent absent: T) throws -> T {
        contains(key) ? try decode(type, forKey: key) : absent
    }
}
