// Array entry points to the raw-buffer code, for the modules above Tensors and Networks, which
// hold no unsafe code: each checks its ranges and then works on the array's storage directly.
// The generic ones are inlinable so that callers get them specialised (an unspecialised copy
// moves one element at a time through the value witnesses).

extension Array {
    /// Copies `count` elements of `source` starting at `sourceStart` over the elements of this
    /// array starting at `start`.
    @inlinable
    package mutating func overwrite(_ count: Int, at start: Int, from source: [Element], at sourceStart: Int) {
        precondition(
            count >= 0 && start >= 0 && start + count <= self.count && sourceStart >= 0
                && sourceStart + count <= source.count,
            "overwrite: \(count) elements at \(start) of \(self.count) from \(sourceStart) of \(source.count)")
        withUnsafeMutableBufferPointer { dst in
            source.withUnsafeBufferPointer { src in
                (dst.baseAddress! + start).update(from: src.baseAddress! + sourceStart, count: count)
            }
        }
    }

    /// Sets every element of `range` (all of them by default) to `value`.
    @inlinable
    package mutating func setAll(to value: Element, in range: Range<Int>? = nil) {
        let range = range ?? 0..<count
        precondition(
            range.lowerBound >= 0 && range.upperBound <= count, "setAll: range \(range) outside 0..<\(count)")
        withUnsafeMutableBufferPointer {
            ($0.baseAddress! + range.lowerBound).update(repeating: value, count: range.count)
        }
    }
}

extension Array where Element == Float {
    /// self[start + i] = scale · source[sourceStart + i] for i in 0..<count.
    package mutating func assign(
        _ count: Int, at start: Int, from source: [Float], at sourceStart: Int, scaledBy scale: Float
    ) {
        precondition(
            count >= 0 && start >= 0 && start + count <= self.count && sourceStart >= 0
                && sourceStart + count <= source.count,
            "assign: \(count) elements at \(start) of \(self.count) from \(sourceStart) of \(source.count)")
        withUnsafeMutableBufferPointer { dst in
            source.withUnsafeBufferPointer { src in
                let x = dst.baseAddress! + start
                let p = src.baseAddress! + sourceStart
                for k in 0..<count { x[k] = scale * p[k] }
            }
        }
    }
}

extension MatMul {
    /// y += alpha · x elementwise (`axpy` on whole arrays of equal length).
    package static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count, "axpy: \(x.count) elements added to \(y.count)")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in axpy(alpha, x.baseAddress!, y.baseAddress!, count: y.count) }
        }
    }
}

extension RandomStream {
    /// `fillGaussians` on x[start..<start + count].
    package mutating func fillGaussians(_ x: inout [Float], from start: Int, count n: Int, scale: Double, add: Bool) {
        precondition(start >= 0 && n >= 0 && start + n <= x.count, "fillGaussians: \(n) at \(start) of \(x.count)")
        x.withUnsafeMutableBufferPointer { fillGaussians($0.baseAddress! + start, count: n, scale: scale, add: add) }
    }
}

/// One slot per chunk of a batch, which the chunks' work writes from several threads: slot k is
/// written only by chunk k's work and read after all of it is done (`concurrentChunks`), so no
/// two threads touch the same slot. The storage is allocated once and never moves.
package final class ChunkSlots<Element>: @unchecked Sendable {
    @usableFromInline let storage: UnsafeMutableBufferPointer<Element>

    /// `count` slots holding `initial`.
    @inlinable
    package init(count: Int, initial: Element) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: initial)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    /// The number of slots.
    @inlinable package var count: Int { storage.count }

    /// Slot k.
    @inlinable
    package subscript(k: Int) -> Element {
        get {
            precondition(k >= 0 && k < storage.count, "ChunkSlots: slot \(k) of \(storage.count)")
            return storage[k]
        }
        set {
            precondition(k >= 0 && k < storage.count, "ChunkSlots: slot \(k) of \(storage.count)")
            storage[k] = newValue
        }
    }

    /// Sets every slot to `value`.
    @inlinable package func setAll(to value: Element) { storage.update(repeating: value) }
}
