import Testing
import _TestSupport

@testable import Tensors

#if arch(x86_64)
    import _TensorsAVX512
#endif

@Suite struct MatMulTests {
    static let shapes: [(Int, Int, Int)] = {
        var s: [(Int, Int, Int)] = []
        for r in [0, 1, 3, 17] {
            for m in [1, 2, 4, 5, 9, 32, 41, 72] { for d in [0, 1, 7, 8, 9, 16, 33] { s.append((r, m, d)) } }
        }
        return s
    }()

    func random(_ n: Int, seed: UInt64) -> [Float] {
        var g = RandomStream(seed: seed)
        return (0..<n).map { _ in Float(g.nextGaussian()) }
    }

    @Test func abtMatchesReference() {
        for (r, m, d) in Self.shapes {
            let a = random(r * d, seed: 1)
            let b = random(m * d, seed: 2)
            var fast = [Float](repeating: .nan, count: r * m)
            var reference = fast
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    fast.withUnsafeMutableBufferPointer { c in
                        if r * m > 0 {
                            MatMul.abt(
                                ap.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                bp.baseAddress ?? UnsafePointer(bitPattern: 8)!, c.baseAddress!, rows: r, cols: m,
                                depth: d)
                        }
                    }
                    reference.withUnsafeMutableBufferPointer { c in
                        if r * m > 0 {
                            MatMul.abtReference(
                                ap.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                bp.baseAddress ?? UnsafePointer(bitPattern: 8)!, c.baseAddress!, rows: r, cols: m,
                                depth: d)
                        }
                    }
                }
            }
            // Sums of d products of unit Gaussians: tolerance grows with the reduction length.
            let result = closeness(fast, reference, rtol: 1e-5, atol: 1e-6 * Double(max(d, 1)))
            #expect(result.isClose, "abt \(r)×\(m)×\(d): \(result)")
        }
    }

    @Test func abMatchesReference() {
        for (r, m, d) in Self.shapes where r * m > 0 {
            let a = random(r * d, seed: 6)
            let b = random(d * m, seed: 7)
            var fast = [Float](repeating: .nan, count: r * m)
            var reference = fast
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    fast.withUnsafeMutableBufferPointer {
                        MatMul.ab(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                    }
                    reference.withUnsafeMutableBufferPointer {
                        MatMul.abReference(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                    }
                }
            }
            let result = closeness(fast, reference, rtol: 1e-5, atol: 1e-6 * Double(max(d, 1)))
            #expect(result.isClose, "ab \(r)×\(m)×\(d): \(result)")
        }
    }

    @Test func transposeIsExact() {
        let a = random(15, seed: 8)
        var t = [Float](repeating: 0, count: 15)
        a.withUnsafeBufferPointer { ap in
            t.withUnsafeMutableBufferPointer {
                MatMul.transpose(ap.baseAddress!, into: $0.baseAddress!, rows: 3, cols: 5)
            }
        }
        for r in 0..<3 { for c in 0..<5 { #expect(t[c * 3 + r] == a[r * 5 + c]) } }
    }

    @Test func atbAccumulateMatchesReference() {
        for (r, m, d) in Self.shapes where m * d > 0 {
            let a = random(r * m, seed: 3)
            let b = random(r * d, seed: 4)
            let start = random(m * d, seed: 5)
            var fast = start
            var reference = start
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    fast.withUnsafeMutableBufferPointer {
                        MatMul.atbAccumulate(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                    }
                    reference.withUnsafeMutableBufferPointer {
                        MatMul.atbAccumulateReference(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                    }
                }
            }
            let result = closeness(fast, reference, rtol: 1e-5, atol: 1e-6 * Double(max(r, 1)))
            #expect(result.isClose, "atb \(r)×\(m)×\(d): \(result)")
        }
    }

    @Test func abtHandWorked() {
        // A = [[1, 2], [3, 4]], B = [[1, 0], [1, 1], [0, 2]]: A·Bᵀ = [[1, 3, 4], [3, 7, 8]].
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [1, 0, 1, 1, 0, 2]
        var c = [Float](repeating: 0, count: 6)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer {
                    MatMul.abt(ap.baseAddress!, bp.baseAddress!, $0.baseAddress!, rows: 2, cols: 3, depth: 2)
                }
            }
        }
        #expect(c == [1, 3, 4, 3, 7, 8])
    }

    #if arch(x86_64)
        /// The AVX-512 kernels must give exactly the AVX2 kernels' bits (same operations per element,
        /// in the same order), so results never depend on the machine's vector width.
        @Test(.enabled(if: CPU.avx512, "this processor has no AVX-512"))
        func avx512KernelsEqualAVX2Bitwise() {
            var shapes = Self.shapes
            shapes += [(16, 32, 64), (1024, 32, 64), (300, 32, 25), (520, 48, 25), (9, 16, 8), (257, 33, 17)]
            for (r, m, d) in shapes where r * m > 0 {
                let a = random(r * d, seed: 9)
                let b = random(d * m, seed: 10)
                var wide = [Float](repeating: .nan, count: r * m)
                var narrow = wide
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                        let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                        wide.withUnsafeMutableBufferPointer {
                            abAVX512(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                        }
                        narrow.withUnsafeMutableBufferPointer {
                            MatMul.abSIMD(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                        }
                    }
                }
                #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "ab \(r)×\(m)×\(d)")
            }
            for (r, m, d) in shapes where m * d > 0 {
                let a = random(r * m, seed: 11)
                let b = random(r * d, seed: 12)
                let start = random(m * d, seed: 13)
                var wide = start
                var narrow = start
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        let aPtr = ap.baseAddress ?? UnsafePointer(bitPattern: 8)!
                        let bPtr = bp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                        wide.withUnsafeMutableBufferPointer {
                            atbAccumulateAVX512(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                        }
                        narrow.withUnsafeMutableBufferPointer {
                            MatMul.atbAccumulateSIMD(aPtr, bPtr, $0.baseAddress!, rows: r, cols: m, depth: d)
                        }
                    }
                }
                #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern), "atb \(r)×\(m)×\(d)")
            }
        }
    #endif

    /// The products that read rows in place give exactly the bits of the dense products on the
    /// copied rows: image windows (channels 1 and 3, strides 1 and 2) and arbitrary row starts.
    /// Every variant: the entry point (AVX-512 where the processor has it), the AVX2 variant on
    /// every processor, and the AVX-512 kernels themselves where they run.
    @Test func gatheredProductsEqualDenseOnCopiedRows() {
        typealias Rows = UnsafePointer<UnsafePointer<Float>>
        typealias Gathered = (
            ab: (Rows, UnsafePointer<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int, Int) -> Void,
            atb: (UnsafePointer<Float>, Rows, UnsafePointer<Int>, UnsafeMutablePointer<Float>, Int, Int, Int) -> Void
        )
        var variants: [(name: String, Gathered)] = [
            (
                "entry point",
                (
                    { MatMul.abGathered($0, offsets: $1, $2, $3, rows: $4, cols: $5, depth: $6) },
                    { MatMul.atbAccumulateGathered($0, $1, offsets: $2, $3, rows: $4, cols: $5, depth: $6) }
                )
            ),
            (
                "AVX2",
                (
                    { MatMul.abGatheredSIMD($0, offsets: $1, $2, $3, rows: $4, cols: $5, depth: $6) },
                    { MatMul.atbAccumulateGatheredSIMD($0, $1, offsets: $2, $3, rows: $4, cols: $5, depth: $6) }
                )
            ),
        ]
        #if arch(x86_64)
            if CPU.avx512 {
                variants.append(
                    (
                        "AVX-512",
                        (
                            { abGatheredAVX512($0, offsets: $1, $2, $3, rows: $4, cols: $5, depth: $6) },
                            { atbAccumulateGatheredAVX512($0, $1, offsets: $2, $3, rows: $4, cols: $5, depth: $6) }
                        )
                    ))
            }
        #endif
        var rng = RandomStream(seed: 14)
        let pixels = random(3 * 3 * 13 * 11, seed: 15)
        for (channels, r, stride, M) in [(1, 5, 1, 32), (3, 3, 2, 7), (1, 2, 1, 40), (3, 4, 1, 16)] {
            let h = 13
            let w = 11
            let Ho = (h - r) / stride + 1
            let Wo = (w - r) / stride + 1
            let D = channels * r * r
            var offsets: [Int] = []
            for c in 0..<channels { for dy in 0..<r { for dx in 0..<r { offsets.append(c * h * w + dy * w + dx) } } }
            pixels.withUnsafeBufferPointer { px in
                // Windows of images 2 and 0, then 300 windows at random places of image 1.
                var starts: [UnsafePointer<Float>] = []
                for image in [2, 0] {
                    for oy in 0..<Ho {
                        for ox in 0..<Wo {
                            starts.append(px.baseAddress! + image * channels * h * w + oy * stride * w + ox * stride)
                        }
                    }
                }
                for _ in 0..<300 {
                    starts.append(
                        px.baseAddress! + channels * h * w + rng.nextIndex(below: h - r + 1) * w
                            + rng.nextIndex(below: w - r + 1))
                }
                let R = starts.count
                let wT = random(D * M, seed: 16)
                let dS = random(R * M, seed: 17)
                var dense = [Float](repeating: 0, count: R * D)
                for i in 0..<R { for k in 0..<D { dense[i * D + k] = starts[i][offsets[k]] } }
                var sDense = [Float](repeating: .nan, count: R * M)
                var gDense = random(M * D, seed: 18)
                wT.withUnsafeBufferPointer { b in
                    dS.withUnsafeBufferPointer { ds in
                        dense.withUnsafeBufferPointer { x in
                            sDense.withUnsafeMutableBufferPointer {
                                MatMul.ab(x.baseAddress!, b.baseAddress!, $0.baseAddress!, rows: R, cols: M, depth: D)
                            }
                            gDense.withUnsafeMutableBufferPointer {
                                MatMul.atbAccumulate(
                                    ds.baseAddress!, x.baseAddress!, $0.baseAddress!, rows: R, cols: M, depth: D)
                            }
                        }
                    }
                }
                for (name, gathered) in variants {
                    var s = [Float](repeating: .nan, count: R * M)
                    var g = random(M * D, seed: 18)
                    starts.withUnsafeBufferPointer { rows in
                        offsets.withUnsafeBufferPointer { off in
                            wT.withUnsafeBufferPointer { b in
                                dS.withUnsafeBufferPointer { ds in
                                    s.withUnsafeMutableBufferPointer {
                                        gathered.ab(
                                            rows.baseAddress!, off.baseAddress!, b.baseAddress!, $0.baseAddress!, R, M,
                                            D)
                                    }
                                    g.withUnsafeMutableBufferPointer {
                                        gathered.atb(
                                            ds.baseAddress!, rows.baseAddress!, off.baseAddress!, $0.baseAddress!, R,
                                            M, D)
                                    }
                                }
                            }
                        }
                    }
                    let label = "\(name), channels \(channels) r \(r) stride \(stride) M \(M)"
                    let sameProduct = s.map(\.bitPattern) == sDense.map(\.bitPattern)
                    let sameGradient = g.map(\.bitPattern) == gDense.map(\.bitPattern)
                    #expect(sameProduct, "ab, \(label)")
                    #expect(sameGradient, "atb, \(label)")
                }
            }
        }
    }
}
