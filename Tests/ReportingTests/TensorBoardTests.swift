import Experiments
import Foundation
import Testing
import _TestSupport

@testable import Reporting

/// A protobuf decoder written for these tests, independent of `ProtobufWriter`: a message as its
/// fields in order.
struct Decoded {
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes([UInt8])
    }
    var fields: [(number: Int, value: Value)] = []

    struct Malformed: Error { var reason: String }

    init(_ bytes: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw Malformed(reason: "varint runs past the end") }
                let b = bytes[i]
                i += 1
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
        func fixed(_ n: Int) throws -> UInt64 {
            guard i + n <= bytes.count else { throw Malformed(reason: "fixed field runs past the end") }
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            i += n
            return v
        }
        while i < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint())))
            case 1: fields.append((number, .fixed64(try fixed(8))))
            case 5: fields.append((number, .fixed32(UInt32(try fixed(4)))))
            case 2:
                let n = Int(try varint())
                guard i + n <= bytes.count else { throw Malformed(reason: "field \(number) runs past the end") }
                fields.append((number, .bytes(Array(bytes[i..<i + n]))))
                i += n
            default: throw Malformed(reason: "wire type \(key & 7)")
            }
        }
    }

    func all(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }
    func varint(_ n: Int) -> UInt64? { if case .varint(let v)? = all(n).last { v } else { nil } }
    func double(_ n: Int) -> Double? { if case .fixed64(let v)? = all(n).last { Double(bitPattern: v) } else { nil } }
    func float(_ n: Int) -> Float? { if case .fixed32(let v)? = all(n).last { Float(bitPattern: v) } else { nil } }
    func bytes(_ n: Int) -> [UInt8]? { if case .bytes(let v)? = all(n).last { v } else { nil } }
    func string(_ n: Int) -> String? { bytes(n).map { String(decoding: $0, as: UTF8.self) } }
    func message(_ n: Int) throws -> Decoded? { try bytes(n).map(Decoded.init) }
    func messages(_ n: Int) throws -> [Decoded] {
        try all(n).map { v in
            guard case .bytes(let b) = v else { throw Malformed(reason: "field \(n) is not a message") }
            return try Decoded(b)
        }
    }
    func packedDoubles(_ n: Int) -> [Double] {
        guard let b = bytes(n) else { return [] }
        return stride(from: 0, to: b.count, by: 8).map { o in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) })
        }
    }
}

/// The records of a TFRecord file, each checked against both of its masked CRC-32Cs.
func records(_ file: [UInt8]) throws -> [[UInt8]] {
    func le(_ at: Int, _ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 | UInt64(file[at + $1]) << (8 * UInt64($1)) } }
    var out: [[UInt8]] = []
    var i = 0
    while i < file.count {
        guard i + 12 <= file.count else { throw Decoded.Malformed(reason: "truncated header at \(i)") }
        let n = Int(le(i, 8))
        guard UInt32(le(i + 8, 4)) == CRC32C.masked(file[i..<i + 8]) else {
            throw Decoded.Malformed(reason: "length CRC at \(i)")
        }
        guard i + 16 + n <= file.count else { throw Decoded.Malformed(reason: "truncated record at \(i)") }
        let data = Array(file[i + 12..<i + 12 + n])
        guard UInt32(le(i + 12 + n, 4)) == CRC32C.masked(data) else {
            throw Decoded.Malformed(reason: "data CRC at \(i)")
        }
        out.append(data)
        i += 16 + n
    }
    return out
}

@Suite struct TensorBoardFormatTests {
    @Test func crc32cMatchesPublishedVectors() {
        // RFC 3720 (iSCSI) appendix B.4 and the usual check value of "123456789".
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // Masking: rotate right by 15, add 0xA282EAD8; crc("") = 0 masks to the constant itself.
        #expect(CRC32C.masked([UInt8]()) == 0xA282_EAD8)
        let crc: UInt32 = 0xE306_9283
        #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    @Test func varintsHaveProtobufsBytes() {
        // 300 = 0b10_0101100 → 0xAC 0x02 (protobuf's own example); −1 as int64 takes ten bytes.
        var w = ProtobufWriter()
        w.varint(300)
        #expect(w.bytes == [0xAC, 0x02])
        var m = ProtobufWriter()
        m.field(1, varint: 150)
        #expect(m.bytes == [0x08, 0x96, 0x01])
        var n = ProtobufWriter()
        n.field(2, varint: -1)
        #expect(n.bytes == [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
    }

    @Test func fieldsRoundTripThroughAnIndependentDecoder() throws {
        let edges: [UInt64] = [0, 1, 127, 128, 16383, 16384, 1 << 35, UInt64(Int64.max)]
        var inner = ProtobufWriter()
        inner.field(3, string: "filterNorms ✓")
        var w = ProtobufWriter()
        for (i, v) in edges.enumerated() { w.field(i + 1, varint: Int64(v)) }
        w.field(20, double: -0.1)
        w.field(21, float: 0.3)
        w.field(22, bytes: [0, 255, 7])
        w.field(2047, message: inner)
        w.field(23, packedDoubles: [1.5, -2, .pi])
        let d = try Decoded(w.bytes)
        for (i, v) in edges.enumerated() { #expect(d.varint(i + 1) == v) }
        #expect(d.double(20) == -0.1)
        #expect(d.float(21) == Float(0.3))
        #expect(d.bytes(22) == [0, 255, 7])
        #expect(try d.message(2047)?.string(3) == "filterNorms ✓")
        #expect(d.packedDoubles(23) == [1.5, -2, .pi])
        #expect(d.fields.count == edges.count + 5)
    }

    @Test func recordsAreFramedWithMaskedChecksums() throws {
        let payloads: [[UInt8]] = [[], [1, 2, 3], Array(repeating: 9, count: 300)]
        let file = payloads.flatMap(TFRecord.frame)
        #expect(file.count == payloads.reduce(0) { $0 + $1.count + 16 })
        #expect(try records(file) == payloads)
        var damaged = file
        damaged[13 + 2] ^= 1  // a byte of the second record's data
        #expect(throws: Decoded.Malformed.self) { try records(damaged) }
    }

    @Test func histogramCountsEveryValueOnceWithinItsLimits() throws {
        let values = [0.5, 0.1, 0.9, 0.3, 0.3, 0.7, 0.1]
        let v = try Decoded(TensorBoardEvent.histogram(tag: "h", values: values, buckets: 4).bytes)
        let h = try #require(try v.message(5))
        #expect(h.double(1) == 0.1 && h.double(2) == 0.9 && h.double(3) == 7)
        #expect(abs(h.double(4)! - values.reduce(0, +)) < 1e-12)
        let limits = h.packedDoubles(6)
        let counts = h.packedDoubles(7)
        #expect(limits.count == 4 && counts.count == 4 && limits.last == 0.9)
        // Width 0.2: (…, 0.3] holds 0.1, 0.1, 0.3, 0.3; (0.3, 0.5] holds 0.5; (0.5, 0.7] 0.7; (0.7, 0.9] 0.9.
        #expect(counts == [4, 1, 1, 1])
        let same = try #require(try Decoded(TensorBoardEvent.histogram(tag: "h", values: [2, 2]).bytes).message(5))
        #expect(same.packedDoubles(7) == [2] && same.packedDoubles(6) == [2])
    }
}

@Suite struct TensorBoardExportTests {
    /// The events of an event file: (step, [Summary.Value]) after the file-version event.
    func events(_ file: String) throws -> (version: String?, events: [(step: Int, values: [Decoded])]) {
        let data = try #require(FileManager.default.contents(atPath: file))
        let all = try records(Array(data)).map(Decoded.init)
        let first = try #require(all.first)
        let rest = try all.dropFirst().map { e in
            (Int(e.varint(2) ?? 0), try e.message(5)?.messages(1) ?? [])
        }
        return (first.string(3), rest)
    }

    func copyFixture(_ name: String, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in try FileManager.default.contentsOfDirectory(atPath: fixture(name)) {
            try FileManager.default.copyItem(atPath: fixture("\(name)/\(f)"), toPath: "\(dir)/\(f)")
        }
    }

    @Test func aRunReadsBackWithTheValuesOfItsFiles() throws {
        let root = temporaryDirectory("tb-run")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try copyFixture("tiny-run", to: "\(root)/tiny")
        let result = try TensorBoardExport.export(
            "\(root)/tiny", to: "\(root)/tb", overwrite: false, wallTime: 1_700_000_000, host: "h")
        #expect(result.files == ["\(root)/tb/tiny/events.out.tfevents.1700000000.h"])
        let (version, events) = try self.events(result.files[0])
        #expect(version == "brain.Event:2")
        let run = try RunData.load("\(root)/tiny")

        // Every numeric, finite field of every metrics line, as float32, at its step; nothing else.
        var expected: [String: Float] = [:]
        for line in run.metrics {
            let step = try #require(line["step"]?.intValue)
            for (key, value) in try #require(line.objectValue) where key != "step" {
                switch value {
                case .int, .double, .float:
                    if let d = value.doubleValue, d.isFinite { expected["\(step) \(key)"] = Float(d) }
                default: break
                }
            }
        }
        var scalars: [String: Float] = [:]
        var histograms: [Int: Decoded] = [:]
        var texts: [String] = []
        var steps: [String: Int] = [:]
        for (step, values) in events {
            for v in values {
                let tag = try #require(v.string(1))
                // Every tag's steps increase through the file (TensorBoard reads them in order).
                #expect(step >= steps[tag, default: 0], "\(tag) goes back to step \(step)")
                steps[tag] = step
                if let x = v.float(2) {
                    #expect(scalars.updateValue(x, forKey: "\(step) \(tag)") == nil, "\(tag) twice at \(step)")
                } else if let h = try v.message(5) {
                    #expect(tag == "filterNorms")
                    histograms[step] = h
                } else if let t = try v.message(8) {
                    #expect(tag == "config" && step == 0)
                    #expect(t.varint(1) == 7)
                    #expect(try v.message(9)?.message(1)?.string(1) == "text")
                    texts += t.all(8).compactMap {
                        if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil }
                    }
                }
            }
        }
        #expect(!expected.isEmpty)
        #expect(scalars == expected)
        // "NaN" fields (trainAccuracy at step 0, say) are skipped, not written.
        #expect(run.metrics.contains { $0.objectValue?.values.contains(.string("NaN")) == true })

        #expect(histograms.count == run.filters.count)
        for record in run.filters {
            let h = try #require(histograms[record.step], "no histogram at step \(record.step)")
            #expect(h.double(3) == Double(run.config.network.M))
            #expect(h.packedDoubles(7).reduce(0, +) == Double(run.config.network.M))
            #expect(h.double(1) == record.norms.min() && h.double(2) == record.norms.max())
        }

        let config = try String(contentsOfFile: "\(root)/tiny/config.json", encoding: .utf8)
        #expect(texts == ["```json\n\(config)\n```"])
    }

    @Test func aDirectoryOfRunsAndASweepGetOneSubdirectoryPerRun() throws {
        let root = temporaryDirectory("tb-runs")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A verify-like tree: CLAIM/seed-S and CLAIM/VARIANT/seed-S.
        for dir in ["A1/seed-0", "A1/seed-1", "B2/cnn/seed-0"] { try copyFixture("tiny-run", to: "\(root)/v/\(dir)") }
        let runs = try TensorBoardExport.runs(at: "\(root)/v")
        #expect(runs.map(\.name) == ["A1/seed-0", "A1/seed-1", "B2/cnn/seed-0"])

        // A sweep: runs/NNNNNN named by sweep.json's swept values and seed.
        for i in 0..<2 { try copyFixture("tiny-run", to: "\(root)/s/runs/00000\(i)") }
        let manifest = """
            {"runCount": 2, "runs": [
              {"directory": "runs/000000", "index": 0, "params": {"M": 4, "sigma": 0.05}, "seed": 0},
              {"directory": "runs/000001", "index": 1, "params": {"M": 4, "sigma": 0.1}, "seed": 0}]}
            """
        try manifest.write(toFile: "\(root)/s/sweep.json", atomically: true, encoding: .utf8)
        let result = try TensorBoardExport.export(
            "\(root)/s", to: "\(root)/s/tensorboard", overwrite: false,
            wallTime: 0, host: "h")
        #expect(
            result.files.map { $0.replacingOccurrences(of: "\(root)/s/tensorboard/", with: "") } == [
                "M=4,sigma=0.05,seed=0/events.out.tfevents.0.h", "M=4,sigma=0.1,seed=0/events.out.tfevents.0.h",
            ])
        // The output inside the sweep is not taken for runs; a second export needs --overwrite.
        #expect(try TensorBoardExport.runs(at: "\(root)/s", excluding: "\(root)/s/tensorboard").count == 2)
        #expect(throws: ReportError.self) {
            try TensorBoardExport.export(
                "\(root)/s", to: "\(root)/s/tensorboard", overwrite: false, wallTime: 1, host: "h")
        }
        let again = try TensorBoardExport.export(
            "\(root)/s", to: "\(root)/s/tensorboard", overwrite: true, wallTime: 1, host: "h")
        #expect(again.files.count == 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(root)/s/tensorboard/M=4,sigma=0.1,seed=0")
        #expect(left == ["events.out.tfevents.1.h"])
    }

    @Test func badInputsAreOneLineErrors() throws {
        let root = temporaryDirectory("tb-bad")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/empty", withIntermediateDirectories: true)
        try copyFixture("tiny-run", to: "\(root)/run")
        try "x".write(toFile: "\(root)/file", atomically: true, encoding: .utf8)
        func message(_ path: String, _ out: String) -> String {
            do {
                _ = try TensorBoardExport.export(path, to: out, overwrite: false, wallTime: 0, host: "h")
                return ""
            } catch { return "\(error)" }
        }
        #expect(message("\(root)/missing", "\(root)/o1").contains("does not exist"))
        #expect(message("\(root)/empty", "\(root)/o2").contains("is neither a run directory"))
        #expect(message("\(root)/file", "\(root)/o3").contains("is not a directory"))
        #expect(message("\(root)/run", "\(root)/file/tb").contains("is not a directory; choose another --out"))
        #expect(message("\(root)/run", "\(root)").contains("is not empty"))
        for m in [message("\(root)/missing", "\(root)/o1"), message("\(root)/run", "\(root)")] {
            #expect(!m.contains("\n"))
        }
    }

    @Test func anImageRunExportsItsFilterPictures() throws {
        let data = temporaryDirectory("tb-images")
        let out = temporaryDirectory("tb-image-run")
        defer { for p in [data, out] { try? FileManager.default.removeItem(atPath: p) } }
        try trainTinyImageRun(data: data, out: "\(out)/run")
        let pictures = try FileManager.default.contentsOfDirectory(atPath: "\(out)/run/filters").filter {
            $0.hasSuffix(".png")
        }
        let result = try TensorBoardExport.export(
            "\(out)/run", to: "\(out)/tb", overwrite: false, wallTime: 0, host: "h")
        let (_, events) = try self.events(result.files[0])
        var images: [(step: Int, image: Decoded)] = []
        for (step, values) in events {
            for v in values { if let image = try v.message(4) { images.append((step, image)) } }
        }
        #expect(!pictures.isEmpty && images.count == pictures.count)
        for (step, image) in images {
            let png = try #require(
                FileManager.default.contents(atPath: String(format: "\(out)/run/filters/step-%07d.png", step)))
            #expect(image.bytes(4) == Array(png))
            #expect((image.varint(1) ?? 0) > 0 && (image.varint(2) ?? 0) > 0)
        }
    }
}
