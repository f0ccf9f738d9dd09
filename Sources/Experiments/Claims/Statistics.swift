import Foundation

/// The Wilson score interval for k successes in n trials at 95% (z = 1.96); 0…1 when n = 0.
public func wilsonInterval(successes k: Int, trials n: Int, z: Double = 1.959963984540054) -> ClosedRange<Double> {
    guard n > 0 else { return 0...1 }
    let p = Double(k) / Double(n)
    let nn = Double(n)
    let denominator = 1 + z * z / nn
    let center = (p + z * z / (2 * nn)) / denominator
    let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denominator
    return max(0, center - half)...min(1, center + half)
}

/// The q-quantile (0…1) of values by linear interpolation between order statistics; NaN if empty.
public func quantile(_ values: [Double], _ q: Double) -> Double {
    let s = values.filter { !$0.isNaN }.sorted()
    guard !s.isEmpty else { return .nan }
    let h = q * Double(s.count - 1)
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, s.count - 1)
    return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
}

/// A distribution-free 95% interval for the median from order statistics (normal approximation
/// of the binomial ranks: n/2 ∓ 0.98·√n, 1-based).
public func medianInterval(_ values: [Double]) -> ClosedRange<Double> {
    let s = values.filter { !$0.isNaN }.sorted()
    guard !s.isEmpty else { return 0...0 }
    let n = Double(s.count)
    let lo = max(1, Int((n / 2 - 0.98 * n.squareRoot()).rounded(.down)))
    let hi = min(s.count, Int((n / 2 + 1 + 0.98 * n.squareRoot()).rounded(.up)))
    return s[lo - 1]...s[hi - 1]
}
