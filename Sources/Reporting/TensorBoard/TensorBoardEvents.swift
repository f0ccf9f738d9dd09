// The messages of a TensorBoard event file, by field number (tensorflow/core/util/event.proto,
// framework/summary.proto, tensor.proto, tensor_shape.proto; only the fields convdyn writes):
//
//   Event           wall_time 1 (double), step 2 (int64), file_version 3 (string), summary 5
//   Summary         value 1 (repeated Summary.Value)
//   Summary.Value   tag 1, simple_value 2 (float), image 4, histo 5, tensor 8, metadata 9
//   Summary.Image   height 1, width 2, colorspace 3 (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA),
//                   encoded_image_string 4 (PNG bytes)
//   HistogramProto  min 1, max 2, num 3, sum 4, sum_squares 5 (doubles),
//                   bucket_limit 6, bucket 7 (packed doubles)
//   SummaryMetadata plugin_data 1 (PluginData: plugin_name 1, content 2)
//   TensorProto     dtype 1 (DT_STRING = 7), tensor_shape 2 (no dims: a scalar), string_val 8

/// Encoders for the TensorBoard event messages convdyn writes: scalars, histograms, PNG images,
/// text; each `Summary.Value` encoder returns the value for `event(wallTime:step:values:)`.
package enum TensorBoardEvent {
    /// The version string of the first event of every file (readers reject files without it).
    package static let fileVersion = "brain.Event:2"

    /// The first event of a file: wall_time and file_version.
    package static func fileVersionEvent(wallTime: Double) -> ProtobufWriter {
        var event = ProtobufWriter()
        event.field(1, double: wallTime)
        event.field(3, string: fileVersion)
        return event
    }

    /// An event holding one Summary with `values` at `step`.
    package static func event(wallTime: Double, step: Int, values: [ProtobufWriter]) -> ProtobufWriter {
        var summary = ProtobufWriter()
        for v in values { summary.field(1, message: v) }
        var event = ProtobufWriter()
        event.field(1, double: wallTime)
        event.field(2, varint: Int64(step))
        event.field(5, message: summary)
        return event
    }

    /// A scalar (simple_value, float32: what the scalars dashboard reads).
    package static func scalar(tag: String, value: Float) -> ProtobufWriter {
        var v = ProtobufWriter()
        v.field(1, string: tag)
        v.field(2, float: value)
        return v
    }

    /// A histogram of `values` (finite, at least one) in `buckets` equal-width buckets over
    /// [min, max]; bucket i counts the values in (limit[i−1], limit[i]], the first also min itself.
    package static func histogram(tag: String, values: [Double], buckets: Int = 30) -> ProtobufWriter {
        precondition(!values.isEmpty && values.allSatisfy(\.isFinite), "histogram of \(tag): need finite values")
        let lo = values.min()!
        let hi = values.max()!
        let k = hi > lo ? max(1, min(buckets, values.count)) : 1
        let width = (hi - lo) / Double(k)
        var limits = (1...k).map { lo + Double($0) * width }
        limits[k - 1] = hi
        var counts = [Double](repeating: 0, count: k)
        for x in values {
            // The first limit ≥ x (values on an inner limit belong to the bucket it closes).
            let i = limits.firstIndex { x <= $0 } ?? k - 1
            counts[i] += 1
        }
        var h = ProtobufWriter()
        h.field(1, double: lo)
        h.field(2, double: hi)
        h.field(3, double: Double(values.count))
        h.field(4, double: values.reduce(0, +))
        h.field(5, double: values.reduce(0) { $0 + $1 * $1 })
        h.field(6, packedDoubles: limits)
        h.field(7, packedDoubles: counts)
        var v = ProtobufWriter()
        v.field(1, string: tag)
        v.field(5, message: h)
        return v
    }

    /// A PNG image; nil when `png` is not a PNG (its size and colour type come from the IHDR chunk).
    package static func image(tag: String, png: [UInt8]) -> ProtobufWriter? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard png.count >= 33, Array(png[0..<8]) == signature, Array(png[12..<16]) == Array("IHDR".utf8) else {
            return nil
        }
        func bigEndian(_ at: Int) -> Int64 { png[at..<at + 4].reduce(0) { $0 << 8 | Int64($1) } }
        // PNG colour types 0 grey, 4 grey+alpha, 2 RGB, 6 RGBA; palettes (3) decode to RGB.
        let colourspace: Int64 = [0: 1, 4: 2, 2: 3, 3: 3, 6: 4][png[25]] ?? 3
        var image = ProtobufWriter()
        image.field(1, varint: bigEndian(20))
        image.field(2, varint: bigEndian(16))
        image.field(3, varint: colourspace)
        image.field(4, bytes: png)
        var v = ProtobufWriter()
        v.field(1, string: tag)
        v.field(4, message: image)
        return v
    }

    /// A text summary in the text plugin's format: a scalar DT_STRING tensor with plugin "text"
    /// (rendered as Markdown).
    package static func text(tag: String, _ text: String) -> ProtobufWriter {
        var plugin = ProtobufWriter()
        plugin.field(1, string: "text")
        var metadata = ProtobufWriter()
        metadata.field(1, message: plugin)
        var tensor = ProtobufWriter()
        tensor.field(1, varint: 7)
        tensor.field(2, message: ProtobufWriter())
        tensor.field(8, string: text)
        var v = ProtobufWriter()
        v.field(1, string: tag)
        v.field(8, message: tensor)
        v.field(9, message: metadata)
        return v
    }
}
