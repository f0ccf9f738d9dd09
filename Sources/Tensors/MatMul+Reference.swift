extension MatMul {
    /// Reference for `abt`: C[R×M] = A[R×D] · B[M×D]ᵀ with plain loops, accumulated in order.
    package static func abtReference(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        for r in 0..<rows {
            for m in 0..<cols {
                var s: Float = 0
                for k in 0..<depth { s += a[r * depth + k] * b[m * depth + k] }
                c[r * cols + m] = s
            }
        }
    }

    /// Reference for `ab`: C[R×M] = A[R×D] · B[D×M] with plain loops.
    package static func abReference(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        for r in 0..<rows {
            for m in 0..<cols {
                var s: Float = 0
                for k in 0..<depth { s += a[r * depth + k] * b[k * cols + m] }
                c[r * cols + m] = s
            }
        }
    }

    /// Reference for `atbAccumulate`: C[M×D] += A[R×M]ᵀ · B[R×D] with plain loops.
    package static func atbAccumulateReference(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        rows: Int, cols: Int, depth: Int
    ) {
        for m in 0..<cols {
            for k in 0..<depth {
                var s: Float = 0
                for r in 0..<rows { s += a[r * cols + m] * b[r * depth + k] }
                c[m * depth + k] += s
            }
        }
    }
}
