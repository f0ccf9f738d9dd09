import CPNG

/// Writes 8-bit pixels, row-major with `channels` 1 (grey) or 3 (RGB) interleaved, as a PNG file
/// through libpng's simplified API; returns nil, or libpng's message when it failed.
package func writePNGFile(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) -> String? {
    precondition(
        pixels.count == width * height * channels && (channels == 1 || channels == 3),
        "writePNGFile: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
    var image = png_image()
    image.version = 1  // PNG_IMAGE_VERSION
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = channels == 3 ? 2 : 0  // PNG_FORMAT_RGB : PNG_FORMAT_GRAY
    let ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
    guard ok == 0 else { return nil }
    return withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
