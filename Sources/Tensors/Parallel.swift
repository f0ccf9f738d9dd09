import Dispatch
import Synchronization

/// Runs `body(i)` for i in 0..<count on up to `workers` threads and returns the results in index
/// order. Each index's result depends only on `i`, so the output is the same for any `workers`.
package func parallelMap<T: Sendable>(
    _ count: Int, workers: Int, _ body: @Sendable (Int) throws -> T
) throws -> [T] {
    guard count > 0 else { return [] }
    let box = ResultBox<T>(count: count)
    let jobs = max(1, min(workers, count))
    if jobs == 1 {
        for i in 0..<count { box.set(i, .success(try body(i))) }
    } else {
        let next = AtomicCounter()
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while true {
                let i = next.take()
                guard i < count else { break }
                do { box.set(i, .success(try body(i))) } catch { box.set(i, .failure(error)) }
            }
        }
    }
    return try box.values()
}

/// A lock-protected counter handing out work indices.
final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLockLike()
    func take() -> Int {
        lock.withLock {
            defer { value += 1 }
            return value
        }
    }
}

final class ResultBox<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = NSLockLike()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.withLock { slots[i] = r } }
    func values() throws -> [T] {
        try slots.map { slot in
            switch slot! {
            case .success(let v): return v
            case .failure(let e): throw e
            }
        }
    }
}

/// A minimal mutex over pthreads (keeps Foundation out of this module).
final class NSLockLike: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// The number of cores this process may use.
package var availableCores: Int {
    #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    #else
        return 1
    #endif
}

/// The threads each of `runs` runs gets when `workers` of them run at a time: the cores of the
/// budget, min(workers, cores), shared among the runs in flight, at least 1. So `workers` bounds
/// the cores used (`--jobs 1` is one core), and with fewer runs than workers the spare cores split
/// each run's batches; results do not depend on it.
package func threadsPerRun(workers: Int, runs: Int) -> Int {
    max(1, min(max(workers, 1), availableCores) / max(1, min(workers, runs)))
}

/// Runs `body(k, w)` for every chunk k in 0..<count on up to `threads` workers (worker w takes
/// chunks w, w + workers, …) and returns when all are done. `body` must write only to storage
/// owned by its chunk or its worker.
///
/// Workers 1… are the persistent threads of `WorkerPool.shared`, which wait for work spinning
/// for a short while before they sleep, so a hand-off costs about a microsecond between the
/// steps of a training run (Dispatch's `concurrentPerform` took tens). When the pool is already
/// serving another caller (several runs side by side, each with threads of its own), the shares
/// go to `concurrentPerform` instead, in the same assignment, so the result is the same either way.
package func concurrentChunks(_ count: Int, threads: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
    let workers = max(1, min(threads, count, WorkerPool.shared.threads + 1))
    @inline(__always) func share(_ w: Int) {
        var k = w
        while k < count {
            body(k, w)
            k += workers
        }
    }
    if workers == 1 {
        share(0)
        return
    }
    withoutActuallyEscaping(share) { share in
        if !WorkerPool.shared.run(workers: workers, share) {
            let box = UncheckedBox(share)
            DispatchQueue.concurrentPerform(iterations: workers) { w in box.value(w) }
        }
    }
}

/// Persistent worker threads, one per core beyond the first, that run the shares of
/// `concurrentChunks`. One caller at a time; others are turned away and use Dispatch.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(threads: availableCores - 1)

    /// Threads in the pool (the caller is worker 0, pool thread i is worker i + 1).
    let threads: Int
    /// How long an idle pool thread spins before it sleeps on the condition variable.
    private static let spinNanoseconds: UInt64 = 200_000
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private var job: ((Int) -> Void)? = nil
    private var workers = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private init(threads: Int) {
        self.threads = max(0, threads)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for i in 0..<self.threads {
            let context = Unmanaged.passRetained(PoolThreadContext(pool: self, worker: i + 1)).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(
                &thread, nil,
                { raw in
                    let context = Unmanaged<PoolThreadContext>.fromOpaque(raw!).takeRetainedValue()
                    context.pool.serve(worker: context.worker)
                    return nil
                }, context)
            precondition(started == 0, "WorkerPool: pthread_create failed with \(started)")
            pthread_detach(thread)
        }
    }

    /// Runs `share(w)` for w in 0..<workers, w = 0 on the calling thread; false (and nothing run)
    /// when the pool is serving another caller.
    func run(workers: Int, _ share: @escaping (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        job = share
        self.workers = workers
        pending.store(threads, ordering: .relaxed)
        // Sequentially consistent with the sleepers' count and check in `serve`, so a thread
        // about to sleep either sees this generation or is counted here and woken.
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
        }
        share(0)
        while pending.load(ordering: .acquiring) > 0 {}
        job = nil
        busy.store(false, ordering: .releasing)
        return true
    }

    private func serve(worker: Int) {
        var seen = 0
        while true {
            // Spin, checking the clock every 1,024 looks, then sleep until the next job.
            var start: UInt64 = 0
            var looks = 0
            while generation.load(ordering: .acquiring) == seen {
                looks += 1
                if looks & 1023 != 0 { continue }
                let now = monotonicNanoseconds()
                if start == 0 {
                    start = now
                    continue
                }
                if now - start < Self.spinNanoseconds { continue }
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, mutex) }
                sleepers.subtract(1, ordering: .relaxed)
                pthread_mutex_unlock(mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if worker < workers, let job { job(worker) }
            pending.subtract(1, ordering: .releasing)
        }
    }
}

private final class PoolThreadContext {
    let pool: WorkerPool
    let worker: Int
    init(pool: WorkerPool, worker: Int) {
        self.pool = pool
        self.worker = worker
    }
}

private func monotonicNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// Carries a value across threads where the caller guarantees there is no race (pointers to
/// buffers whose parts the threads touch disjointly).
package struct UncheckedBox<T>: @unchecked Sendable {
    package let value: T
    package init(_ value: T) { self.value = value }
}
