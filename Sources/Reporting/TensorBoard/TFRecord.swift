// The two encodings beneath a TensorBoard event file, written by hand so that convdyn needs no
// protobuf or TensorFlow library: protobuf's wire format (varints, tagged fields, length-delimited
// messages) and TFRecord framing (each record: its length as a little-endian UInt64, the masked
// CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data).

/// Appends fields in protobuf's wire format to a byte array (proto3: fields in any order, a
/// message nested as a length-delimited field).
package struct ProtobufWriter {
    /// The encoded message.
    package private(set) var bytes: [UInt8] = []

    /// An empty message.
    package init() {}

    /// Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit.
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// Base-128 varint, least significant group first, high bit set on all but the last byte.
    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ type: WireType) {
        precondition(field > 0 && field < 1 << 29, "protobuf field number \(field) out of range")
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// An int32, int64, uint64, bool or enum field (a negative number takes ten bytes, as in protobuf).
    package mutating func field(_ field: Int, varint value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// A double field.
    package mutating func field(_ field: Int, double value: Double) {
        key(field, .fixed64)
        littleEndian(value.bitPattern)
    }

    /// A float field.
    package mutating func field(_ field: Int, float value: Float) {
        key(field, .fixed32)
        littleEndian(value.bitPattern)
    }

    /// A bytes field.
    package mutating func field(_ field: Int, bytes value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes += value
    }

    /// A string field (UTF-8).
    package mutating func field(_ field: Int, string value: String) {
        self.field(field, bytes: Array(value.utf8))
    }

    /// A nested message.
    package mutating func field(_ field: Int, message: ProtobufWriter) {
        self.field(field, bytes: message.bytes)
    }

    /// A packed repeated double field (proto3's default encoding of `repeated double`).
    package mutating func field(_ field: Int, packedDoubles values: [Double]) {
        key(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        for v in values { littleEndian(v.bitPattern) }
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ value: T) {
        bytes += TFRecord.littleEndian(value)
    }
}

/// CRC-32C (Castagnoli): the reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF;
/// "123456789" → 0xE3069283.
package enum CRC32C {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32C of `bytes`.
    package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked form, ((crc >> 15) | (crc << 17)) + 0xA282EAD8 (mod 2³²): a CRC stored
    /// inside data that is itself checksummed would otherwise be a weak check.
    package static func masked(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

/// TFRecord framing: length (UInt64 LE), masked CRC-32C of the length, data, masked CRC-32C of data.
package enum TFRecord {
    /// `data` framed as one record.
    package static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = littleEndian(UInt64(data.count))
        out += length
        out += littleEndian(CRC32C.masked(length))
        out += data
        out += littleEndian(CRC32C.masked(data))
        return out
    }

    /// The bytes of `value`, least significant first.
    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
