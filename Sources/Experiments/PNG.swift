import Foundation
import Tensors

/// An 8-bit grey or RGB picture, row-major, written through libpng's simplified API.
struct Picture: Sendable {
    /// Pixels per row.
    let width: Int
    /// Rows.
    let height: Int
    /// 1 (grey) or 3 (RGB).
    let channels: Int
    /// [height × width × channels], 0 black, 255 white.
    var pixels: [UInt8]

    /// A `width`×`height` picture filled with `fill` (white by default).
    init(width: Int, height: Int, channels: Int, fill: UInt8 = 255) {
        precondition(channels == 1 || channels == 3, "Picture: channels must be 1 or 3, got \(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        pixels = Array(repeating: fill, count: width * height * channels)
    }

    /// Writes the picture as a PNG file.
    func write(to path: String) throws {
        if let message = writePNGFile(pixels, width: width, height: height, channels: channels, to: path) {
            throw OutputError("cannot write the PNG \(path): \(message)")
        }
    }

    /// Draws a tile of `size`×`size`-pixel cells from values in [−1, 1] (channel-major
    /// [channels × rows × cols]); 0 is mid-grey.
    mutating func drawTile(
        _ values: [Float], rows: Int, cols: Int, valueChannels: Int, at x0: Int, _ y0: Int, cell: Int
    ) {
        for r in 0..<rows {
            for c in 0..<cols {
                for dy in 0..<cell {
                    for dx in 0..<cell {
                        let x = x0 + c * cell + dx
                        let y = y0 + r * cell + dy
                        guard x < width, y < height else { continue }
                        for ch in 0..<channels {
                            let v = values[(valueChannels == 1 ? 0 : ch) * rows * cols + r * cols + c]
                            pixels[(y * width + x) * channels + ch] = UInt8(
                                max(0, min(255, (127.5 + 127.5 * v).rounded())))
                        }
                    }
                }
            }
        }
    }
}

/// A grid of filters as a picture, each filter scaled by its own largest |weight| so 0 is
/// mid-grey; `order` gives the filters to draw, left to right, top to bottom.
func filterGrid(
    _ filters: [Float], D: Int, patchSize r: Int, channels: Int, order: [Int], columns: Int = 8, cell: Int = 6
) -> Picture {
    let tile = r * cell
    let gap = 3
    let cols = min(columns, max(order.count, 1))
    let rows = (order.count + cols - 1) / cols
    var picture = Picture(
        width: cols * (tile + gap) + gap, height: max(rows, 1) * (tile + gap) + gap, channels: channels == 3 ? 3 : 1)
    for (k, j) in order.enumerated() {
        let w = Array(filters[(j * D)..<((j + 1) * D)])
        let scale = max(w.map(abs).max() ?? 1, 1e-12)
        picture.drawTile(
            w.map { $0 / scale }, rows: r, cols: r, valueChannels: channels, at: gap + (k % cols) * (tile + gap),
            gap + (k / cols) * (tile + gap), cell: cell)
    }
    return picture
}
