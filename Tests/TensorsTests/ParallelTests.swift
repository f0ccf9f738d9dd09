import Dispatch
import Foundation
import Testing

@testable import Tensors

/// `concurrentChunks` runs every chunk exactly once, worker w taking chunks w, w + workers, …,
/// whether the pool serves the call, is busy with another caller, or is called from inside a job.
@Suite struct ParallelTests {
    /// Slots written from several threads. Each write goes through a lock: concurrent mutations of
    /// one Swift array, even of different elements, are a data race (the array's copy-on-write
    /// check can copy the buffer and lose or double-free it), which once corrupted the heap of the
    /// whole test process.
    final class Record: @unchecked Sendable {
        private var runs_: [Int]
        private var workers_: [Int]
        private let lock = NSLock()
        init(_ n: Int) {
            runs_ = Array(repeating: 0, count: n)
            workers_ = Array(repeating: -1, count: n)
        }
        func count(_ k: Int, worker w: Int) {
            lock.lock()
            runs_[k] += 1
            workers_[k] = w
            lock.unlock()
        }
        func set(_ k: Int, _ value: Int) {
            lock.lock()
            runs_[k] = value
            lock.unlock()
        }
        var runs: [Int] {
            lock.lock()
            defer { lock.unlock() }
            return runs_
        }
        var workers: [Int] {
            lock.lock()
            defer { lock.unlock() }
            return workers_
        }
    }

    static func check(_ count: Int, threads: Int) -> Bool {
        let record = Record(count)
        concurrentChunks(count, threads: threads) { k, w in record.count(k, worker: w) }
        let workers = max(1, min(threads, count, availableCores))
        let assigned = record.workers
        return record.runs.allSatisfy { $0 == 1 } && (0..<count).allSatisfy { assigned[$0] == $0 % workers }
    }

    @Test func everyChunkOnceInTheFixedAssignment() {
        for count in [1, 2, 3, 7, 64] {
            for threads in [1, 2, 3, 8] {
                #expect(Self.check(count, threads: threads), "count \(count), threads \(threads)")
            }
        }
    }

    @Test func concurrentAndNestedCallers() {
        let ok = Record(8)
        // Each iteration writes only its own slot.
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            var good = true
            for _ in 0..<200 { good = good && Self.check(5 + i, threads: 2) }
            // A call from inside a job finds the pool busy (or not) and must still be complete.
            let nested = Record(2)
            concurrentChunks(2, threads: 2) { k, _ in nested.set(k, Self.check(3, threads: 2) ? 1 : 0) }
            ok.set(i, good && nested.runs == [1, 1] ? 1 : 0)
        }
        #expect(ok.runs.allSatisfy { $0 == 1 })
    }
}
