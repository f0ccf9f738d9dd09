// Codable records ⇄ JSONValue, so that every file a run writes is one Codable record type and its
// bytes come from JSONValue's writer (sorted keys, shortest round-trip numbers, non-finite values as
// strings). Several containers requested from one encoder merge into one object: a record can
// flatten another record's fields into its own (`try keys?.encode(to: encoder)`).

extension JSONValue {
    /// The JSON form of `value`, written field by field through its `Encodable` conformance.
    public init(encoding value: some Encodable) throws {
        let box = JSONBox()
        try value.encode(to: JSONValueEncoder(box: box, codingPath: []))
        self = box.value
    }

    /// Decodes a `T` from this value; a missing or ill-typed field throws a `SchemaError` naming
    /// the field's path (e.g. `keys.keyShare`, `norms[3]`).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try T(from: JSONValueDecoder(value: self, codingPath: []))
        } catch let error as DecodingError {
            throw SchemaError(error)
        }
    }
}

/// A field of a file that is missing or has the wrong type or range, with its path in the record.
public struct SchemaError: Error, CustomStringConvertible, Equatable {
    /// The dotted path of the field, e.g. `norms[3]` or `status`.
    public var field: String
    /// What is wrong with it.
    public var reason: String

    /// A problem with `field`.
    public init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    init(_ error: DecodingError) {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue, key.stringValue == "Index \(i)" || key.stringValue == String(i) {
                    out += "[\(i)]"
                } else {
                    out += out.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return out
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: path(context.codingPath + [key]), "is missing")
        case .typeMismatch(let type, let context):
            self.init(field: path(context.codingPath), "is not \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(field: path(context.codingPath), "is null where \(Self.describe(type)) is needed")
        case .dataCorrupted(let context):
            self.init(field: path(context.codingPath), context.debugDescription)
        @unknown default:
            self.init(field: "", "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "of the expected shape (\(type))"
        }
    }

    public var description: String { field.isEmpty ? reason : "field \(field) \(reason)" }
}

// MARK: - Encoding

/// The value being built; containers share it by reference so that they merge.
final class JSONBox {
    var value: JSONValue = .null
}

struct JSONValueEncoder: Encoder {
    let box: JSONBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.value {} else { box.value = .object([:]) }
        return KeyedEncodingContainer(JSONKeyedEncoder<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        box.value = .array([])
        return JSONUnkeyedEncoder(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleEncoder(box: box, codingPath: codingPath)
    }

    /// The JSON form of one scalar or nested value.
    static func encode(_ value: some Encodable, path: [any CodingKey]) throws -> JSONValue {
        switch value {
        case let v as Double: return .double(v)
        case let v as Float: return .float(v)
        case let v as Int: return .int(v)
        case let v as Bool: return .bool(v)
        case let v as String: return .string(v)
        case let v as JSONValue: return v
        default:
            let box = JSONBox()
            try value.encode(to: JSONValueEncoder(box: box, codingPath: path))
            return box.value
        }
    }
}

struct JSONKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONBox
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ value: JSONValue) {
        guard case .object(var fields) = box.value else { return }
        fields[key.stringValue] = value
        box.value = .object(fields)
    }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .float(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .int(value)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(key, try JSONValueEncoder.encode(value, path: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("nested containers are not used by the run records")
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        preconditionFailure("nested containers are not used by the run records")
    }

    mutating func superEncoder() -> any Encoder { JSONValueEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { JSONValueEncoder(box: box, codingPath: codingPath) }
}

struct JSONUnkeyedEncoder: UnkeyedEncodingContainer {
    let box: JSONBox
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items) = box.value { return items.count }
        return 0
    }

    private func append(_ value: JSONValue) {
        guard case .array(var items) = box.value else { return }
        items.append(value)
        box.value = .array(items)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.float(value)) }
    mutating func encode(_ value: Int) throws { append(.int(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try JSONValueEncoder.encode(value, path: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("nested containers are not used by the run records")
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("nested containers are not used by the run records")
    }

    mutating func superEncoder() -> any Encoder { JSONValueEncoder(box: box, codingPath: codingPath) }
}

struct JSONSingleEncoder: SingleValueEncodingContainer {
    let box: JSONBox
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.value = .null }
    mutating func encode(_ value: Bool) throws { box.value = .bool(value) }
    mutating func encode(_ value: String) throws { box.value = .string(value) }
    mutating func encode(_ value: Double) throws { box.value = .double(value) }
    mutating func encode(_ value: Float) throws { box.value = .float(value) }
    mutating func encode(_ value: Int) throws { box.value = .int(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.value = try JSONValueEncoder.encode(value, path: codingPath)
    }
}

struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String
    init(_ index: Int) {
        intValue = index
        stringValue = "Index \(index)"
    }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { nil }
}

// MARK: - Decoding

struct JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let fields) = value else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self, .init(codingPath: codingPath, debugDescription: "is not an object"))
        }
        return KeyedDecodingContainer(JSONKeyedDecoder<Key>(fields: fields, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw DecodingError.typeMismatch(
                [JSONValue].self, .init(codingPath: codingPath, debugDescription: "is not an array"))
        }
        return JSONUnkeyedDecoder(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleDecoder(value: value, codingPath: codingPath)
    }

    /// Decodes one value of `type` from `value`; numbers accept the "NaN"/"Infinity" strings.
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, path: [any CodingKey]) throws -> T {
        func mismatch() -> DecodingError {
            .typeMismatch(type, .init(codingPath: path, debugDescription: "has the wrong type"))
        }
        switch type {
        case is Double.Type:
            guard let d = value.doubleValue else { throw mismatch() }
            return d as! T
        case is Float.Type:
            guard let d = value.doubleValue else { throw mismatch() }
            return Float(d) as! T
        case is Int.Type:
            guard let i = value.intValue else { throw mismatch() }
            return i as! T
        case is Bool.Type:
            guard let b = value.boolValue else { throw mismatch() }
            return b as! T
        case is String.Type:
            guard let s = value.stringValue else { throw mismatch() }
            return s as! T
        case is JSONValue.Type:
            return value as! T
        default:
            do {
                return try T(from: JSONValueDecoder(value: value, codingPath: path))
            } catch DecodingError.typeMismatch(let found, let context)
                where found == [JSONValue].self && context.codingPath.count == path.count
            {
                // Not an array where a list is needed: name the list type ([Double]: "a list of numbers").
                throw DecodingError.typeMismatch(type, context)
            }
        }
    }
}

struct JSONKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: [String: JSONValue]
    let codingPath: [any CodingKey]
    var allKeys: [Key] { fields.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

    private func field(_ key: Key) throws -> JSONValue {
        guard let v = fields[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool { try field(key) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let v = try field(key)
        if v == .null {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [key], debugDescription: "null"))
        }
        return try JSONValueDecoder.decode(type, from: v, path: codingPath + [key])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = fields[key.stringValue], v != .null else { return nil }
        return try JSONValueDecoder.decode(type, from: v, path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try JSONValueDecoder(value: field(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONValueDecoder(value: field(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { JSONValueDecoder(value: .object(fields), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONValueDecoder(value: .object(fields), codingPath: codingPath)
    }
}

struct JSONUnkeyedDecoder: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next<T>(_ type: T.Type) throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath + [IndexKey(currentIndex)], debugDescription: "past the end"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, path) = try next(type)
        if v == .null { throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "null")) }
        return try JSONValueDecoder.decode(type, from: v, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, path) = try next([String: JSONValue].self)
        return try JSONValueDecoder(value: v, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, path) = try next([JSONValue].self)
        return try JSONValueDecoder(value: v, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (v, path) = try next(JSONValue.self)
        return JSONValueDecoder(value: v, codingPath: path)
    }
}

struct JSONSingleDecoder: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONValueDecoder.decode(type, from: value, path: codingPath)
    }
}
