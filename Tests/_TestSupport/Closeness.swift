/// The worst disagreement between two sequences under |a − b| ≤ atol + rtol·|b|.
public struct Closeness: CustomStringConvertible {
    public var isClose: Bool
    public var worstIndex: Int
    public var actual: Double
    public var expected: Double
    public var count: Int

    public var description: String {
        isClose
            ? "close (\(count) values)"
            : "not close at index \(worstIndex): \(actual) vs expected \(expected) (|Δ| = \(abs(actual - expected)))"
    }
}

/// Compares `actual` with `expected` elementwise with an absolute and a relative tolerance;
/// reports the index where the tolerance is exceeded the most. Sizes must match.
public func closeness<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [B], rtol: Double = 1e-5, atol: Double = 1e-7
) -> Closeness {
    guard actual.count == expected.count else {
        return Closeness(
            isClose: false, worstIndex: -1, actual: Double(actual.count), expected: Double(expected.count), count: 0)
    }
    var worst = 0
    var worstExcess = -Double.infinity
    for i in 0..<actual.count {
        let a = Double(actual[i])
        let b = Double(expected[i])
        let excess = a.isNaN || b.isNaN ? (a.isNaN && b.isNaN ? -1 : .infinity) : abs(a - b) - (atol + rtol * abs(b))
        if excess > worstExcess {
            worstExcess = excess
            worst = i
        }
    }
    let isClose = actual.isEmpty || worstExcess <= 0
    return Closeness(
        isClose: isClose, worstIndex: worst,
        actual: actual.isEmpty ? 0 : Double(actual[worst]),
        expected: expected.isEmpty ? 0 : Double(expected[worst]), count: actual.count)
}

/// A scratch directory under the system temporary directory, unique per call.
public func temporaryDirectory(_ name: String) -> String {
    var rng = SystemRandomForTests()
    return "/tmp/convdyn-tests-\(name)-\(rng.next())"
}

/// Test-only source of unique names (library code never uses system randomness).
struct SystemRandomForTests {
    var generator = SystemRandomNumberGenerator()
    mutating func next() -> UInt64 { generator.next() }
}
