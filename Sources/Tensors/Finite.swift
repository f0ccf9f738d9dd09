/// Whether every value is finite: x · 0 is ±0 for a finite x and NaN for ±∞ or NaN, so the sum
/// of those products is 0 exactly when all are finite (four independent sums of sixteen lanes).
public func allFinite(_ values: [Float]) -> Bool {
    values.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { return true }
        let n = p.count
        func load(_ i: Int) -> SIMD16<Float> { UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self) }
        var (a, b, c, d) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
        var i = 0
        while i + 64 <= n {
            a += load(i) * 0
            b += load(i + 16) * 0
            c += load(i + 32) * 0
            d += load(i + 48) * 0
            i += 64
        }
        while i + 16 <= n {
            a += load(i) * 0
            i += 16
        }
        var rest: Float = 0
        while i < n {
            rest += p[i] * 0
            i += 1
        }
        return ((a + b) + (c + d)).sum() + rest == 0
    }
}
