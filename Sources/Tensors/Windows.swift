// The r×r×channels windows of images [N × channels × height × width] at a stride: cut out into
// dense [K × D] blocks, or pointed at in place (`ImageWindows`). A patch vector is ordered
// (channel, row, column) of the window; positions are ordered row by row.

/// The shape of a set of images and of the windows cut from them.
package struct WindowGeometry: Equatable, Sendable {
    /// Channels, height and width of one image.
    package let channels: Int, height: Int, width: Int
    /// Window side r and stride.
    package let patchSize: Int, stride: Int

    /// The shape of `channels`×`height`×`width` images cut into `patchSize` windows at `stride`.
    package init(channels: Int, height: Int, width: Int, patchSize: Int, stride: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.patchSize = patchSize
        self.stride = stride
    }

    /// Window rows and columns.
    package var outputHeight: Int { (height - patchSize) / stride + 1 }
    package var outputWidth: Int { (width - patchSize) / stride + 1 }
    /// Windows per image.
    package var K: Int { outputHeight * outputWidth }
    /// Elements per window.
    package var D: Int { channels * patchSize * patchSize }
    /// Pixels per image.
    package var imageSize: Int { channels * height * width }

    /// Where element d of a window sits relative to the window's first pixel, [D] in patch
    /// order (channel, row, column): c·height·width + row·width + column.
    package var windowOffsets: [Int] {
        var offsets: [Int] = []
        for c in 0..<channels {
            for dy in 0..<patchSize {
                for dx in 0..<patchSize {
                    offsets.append(c * height * width + dy * width + dx)
                }
            }
        }
        return offsets
    }

    /// Writes the windows of the images `indices` of `pixels` as consecutive [K × D] blocks into
    /// `x` from element `start` on.
    package func cutWindows(of indices: ArraySlice<Int>, from pixels: [Float], into x: inout [Float], at start: Int = 0)
    {
        precondition(
            start >= 0 && start + indices.count * K * D <= x.count,
            "cutWindows: \(indices.count) images of \(K)×\(D) at \(start) of \(x.count)")
        precondition(
            indices.allSatisfy { $0 >= 0 && ($0 + 1) * imageSize <= pixels.count },
            "cutWindows: an image index beyond the \(pixels.count / max(1, imageSize)) images")
        pixels.withUnsafeBufferPointer { px in
            x.withUnsafeMutableBufferPointer { xb in
                cutWindows(of: indices, from: px.baseAddress!, count: px.count, into: xb.baseAddress! + start)
            }
        }
    }

    /// Writes the windows of the images `indices` as consecutive [K × D] blocks at `x`, for the
    /// `pixelCount` pixels at `pixels`.
    func cutWindows(
        of indices: ArraySlice<Int>, from pixels: UnsafePointer<Float>, count pixelCount: Int,
        into x: UnsafeMutablePointer<Float>
    ) {
        let r = patchSize
        let Ho = outputHeight
        let Wo = outputWidth
        let D = self.D
        let K = self.K
        let imageSize = self.imageSize
        let pixelEnd = pixels + pixelCount
        for (b, image) in indices.enumerated() {
            let src = pixels + image * imageSize
            let dst = x + b * K * D
            let dstEnd = dst + K * D
            // Eight floats per window row: the r ≤ 8 wanted ones, and up to 7 more that the
            // next row (written after this one, at a higher address) replaces. Safe for the
            // windows k < kFast, whose last row's 8 floats end inside the example, when reading
            // 8 floats from any row start stays inside the pixel buffer.
            var k = 0
            let kFast = K * D + r >= 8 ? (K * D + r - 8) / D : 0
            if r <= 8 && src + imageSize + 8 <= pixelEnd {
                let rowStride = stride
                for oy in 0..<Ho {
                    let top = src + oy * rowStride * width
                    for ox in 0..<Wo where k < kFast {
                        var out = dst + k * D
                        for c in 0..<channels {
                            var row = top + c * height * width + ox * rowStride
                            for _ in 0..<r {
                                UnsafeMutableRawPointer(out).storeBytes(
                                    of: UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self),
                                    as: SIMD8<Float>.self)
                                out += r
                                row += width
                            }
                        }
                        k += 1
                    }
                }
            }
            // The rest (the last window, or every window near the end of the pixel buffer or
            // with r > 8), with the same checks per row.
            while k < K {
                let oy = k / Wo
                let ox = k % Wo
                var out = dst + k * D
                for c in 0..<channels {
                    for dy in 0..<r {
                        let row = src + c * height * width + (oy * stride + dy) * width + ox * stride
                        if r <= 8 && row + 8 <= pixelEnd && out + 8 <= dstEnd {
                            UnsafeMutableRawPointer(out).storeBytes(
                                of: UnsafeRawPointer(row).loadUnaligned(as: SIMD8<Float>.self),
                                as: SIMD8<Float>.self)
                        } else {
                            for i in 0..<r { out[i] = row[i] }
                        }
                        out += r
                    }
                }
                k += 1
            }
        }
    }
}

/// Room to read the windows of up to `capacity` images in place instead of copying them out:
/// `rows` [capacity × K] holds the first pixel of each window (set by `point(at:pixels:)`),
/// `offsets` [D] where a window's element d sits relative to it. Made for one image geometry.
package final class ImageWindows: @unchecked Sendable {
    package let rows: UnsafeMutablePointer<UnsafePointer<Float>>
    package let offsets: UnsafeMutablePointer<Int>
    /// The most images it can point at.
    package let capacity: Int
    /// The images it was made for.
    package let geometry: WindowGeometry

    /// Room for `capacity` images of `geometry`.
    package init(capacity: Int, of geometry: WindowGeometry) {
        self.capacity = capacity
        self.geometry = geometry
        rows = .allocate(capacity: max(1, capacity * geometry.K))
        let list = geometry.windowOffsets
        offsets = .allocate(capacity: max(1, list.count))
        offsets.initialize(from: list, count: list.count)
    }

    deinit {
        rows.deallocate()
        offsets.deallocate()
    }

    /// Whether it can point at `count` images of `geometry`.
    package func fits(_ geometry: WindowGeometry, count: Int) -> Bool {
        count <= capacity && geometry == self.geometry
    }

    /// Sets `rows` to the windows of the images `indices`, whose pixels are at `pixels` (from
    /// `withUnsafeBufferPointer` on the images' pixels, and valid only as long as that pointer is).
    package func point(at indices: some Collection<Int>, pixels: UnsafePointer<Float>) {
        precondition(
            indices.count <= capacity, "ImageWindows: \(indices.count) images beyond the capacity \(capacity)")
        let Ho = geometry.outputHeight
        let Wo = geometry.outputWidth
        let K = geometry.K
        let stride = geometry.stride
        let width = geometry.width
        let imageSize = geometry.imageSize
        for (b, image) in indices.enumerated() {
            let src = pixels + image * imageSize
            for oy in 0..<Ho {
                for ox in 0..<Wo {
                    rows[b * K + oy * Wo + ox] = src + oy * stride * width + ox * stride
                }
            }
        }
    }
}
