import Dispatch

/// Runs `body(i)` for i in 0..<count on up to `workers` threads and returns the results in index
/// order. Each index's result depends only on `i`, so the output is the same for any `workers`.
public func parallelMap<T: Sendable>(
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
    func take() -> Int { lock.withLock { defer { value += 1 }; return value } }
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
public var availableCores: Int {
    #if canImport(Glibc)
    return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    #else
    return 1
    #endif
}

/// Runs `body(k, w)` for every chunk k in 0..<count on up to `threads` workers (worker w takes
/// chunks w, w + workers, …) and returns when all are done. `body` must write only to storage
/// owned by its chunk or its worker.
public func concurrentChunks(_ count: Int, threads: Int, _ body: (_ chunk: Int, _ worker: Int) -> Void) {
    let workers = max(1, min(threads, count))
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < count {
                box.value(k, w)
                k += workers
            }
        }
    }
}

/// Carries a value across threads where the caller guarantees there is no race.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
