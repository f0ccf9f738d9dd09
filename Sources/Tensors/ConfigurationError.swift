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
