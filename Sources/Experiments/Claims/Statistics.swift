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

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom: tabulated up to 30,
/// then the Cornish–Fisher expansion around z (error < 10⁻⁴).
public func studentT95(df: Double) -> Double {
    let table: [Double] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]
    guard df.isFinite else { return 1.959963984540054 }
    if df < 1 { return .infinity }
    if df <= 30 && df == df.rounded() { return table[Int(df) - 1] }
    let z = 1.959963984540054
    let z3 = z * z * z
    let z5 = z3 * z * z
    return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df)
}

/// The mean of `values` (NaN left out) with its Student-t 95% interval; NaN and 0…0 when empty,
/// the mean with an infinite interval from one value.
public func meanInterval(_ values: [Double]) -> (mean: Double, interval: ClosedRange<Double>) {
    let v = values.filter { !$0.isNaN }
    guard !v.isEmpty else { return (.nan, 0...0) }
    let n = Double(v.count)
    let mean = v.reduce(0, +) / n
    guard v.count > 1 else { return (mean, -Double.infinity...Double.infinity) }
    let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    let half = studentT95(df: n - 1) * (variance / n).squareRoot()
    return (mean, (mean - half)...(mean + half))
}

/// mean(a) − mean(b) (NaN left out) with the Welch 95% interval (Welch–Satterthwaite degrees of
/// freedom); NaN and 0…0 when either is empty, an infinite interval when either has one value.
public func meanDifferenceInterval(_ a: [Double], _ b: [Double]) -> (
    difference: Double, interval: ClosedRange<Double>
) {
    let x = a.filter { !$0.isNaN }
    let y = b.filter { !$0.isNaN }
    guard !x.isEmpty, !y.isEmpty else { return (.nan, 0...0) }
    func moments(_ v: [Double]) -> (mean: Double, seSquared: Double) {
        let n = Double(v.count)
        let m = v.reduce(0, +) / n
        let variance = v.count > 1 ? v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1) : .infinity
        return (m, variance / n)
    }
    let (mx, sx) = moments(x)
    let (my, sy) = moments(y)
    let d = mx - my
    guard sx.isFinite, sy.isFinite else { return (d, -Double.infinity...Double.infinity) }
    let se = (sx + sy).squareRoot()
    guard se > 0 else { return (d, d...d) }
    let df = (sx + sy) * (sx + sy) / (sx * sx / Double(x.count - 1) + sy * sy / Double(y.count - 1))
    let half = studentT95(df: df) * se
    return (d, (d - half)...(d + half))
}
