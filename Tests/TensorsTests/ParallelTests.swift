import Dispatch
import Testing

@testable import Tensors

/// `concurrentChunks` runs every chunk exactly once, worker w taking chunks w, w + workers, …,
/// whether the pool serves the call, is busy with another caller, or is called from inside a job.
@Suite struct ParallelTests {
    final class Record: @unchecked Sendable {
        var runs: [Int]
        var workers: [Int]
        init(_ n: Int) {
            runs = Array(repeating: 0, count: n)
            workers = Array(repeating: -1, count: n)
        }
    }

    static func check(_ count: Int, threads: Int) -> Bool {
        let record = Record(count)
        concurrentChunks(count, threads: threads) { k, w in
            record.runs[k] += 1
            record.workers[k] = w
        }
        let workers = max(1, min(threads, count, availableCores))
        return record.runs.allSatisfy { $0 == 1 } && (0..<count).allSatisfy { record.workers[$0] == $0 % workers }
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
            concurrentChunks(2, threads: 2) { k, _ in nested.runs[k] = Self.check(3, threads: 2) ? 1 : 0 }
            ok.runs[i] = good && nested.runs == [1, 1] ? 1 : 0
        }
        #expect(ok.runs.allSatisfy { $0 == 1 })
    }
}
