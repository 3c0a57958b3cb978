#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import CFlintBLAS

/// Flint's own threads: one persistent pool that kernels fork onto and join.
///
/// The pool keeps `threadCount - 1` workers. A fork/join costs under a microsecond while the
/// workers spin (they spin for a short while after each job), and tens of microseconds once they
/// have parked. OpenBLAS is set to one thread: Flint splits large GEMMs itself, so its threads and
/// OpenBLAS's never compete for the cores. `FLINT_NUM_THREADS` sets the count (default: all cores).
public enum Parallel {
    /// Threads kernels use, including the calling one.
    public static var threadCount: Int { pool.workerCount + 1 }

    /// The threads OpenBLAS would use for one call now (`openblas_get_num_threads`): 1 once any Flint
    /// kernel or GEMM has run, since Flint splits large GEMMs over its own pool.
    public static var blasThreadCount: Int { Int(openblas_get_num_threads()) }

    /// Creates the pool if needed, which sets OpenBLAS to one thread. Every BLAS call site calls it
    /// first, so that a GEMM made before any parallel kernel never runs on OpenBLAS's default threads
    /// (all cores) next to Flint's `FLINT_NUM_THREADS`.
    @inline(__always)
    static func configureBLAS() {
        _ = pool
    }

    static let pool: WorkerPool = {
        var count = ProcessInfo.processInfo.activeProcessorCount
        if let value = ProcessInfo.processInfo.environment["FLINT_NUM_THREADS"], let n = Int(value), n > 0 {
            count = n
        }
        openblas_set_num_threads(1)
        return WorkerPool(workerCount: max(count, 1) - 1)
    }()

    /// Runs `body(i)` for `i` in `0..<tasks`, spread over the pool. Runs serially when the pool is
    /// busy (a nested call, or another thread using it).
    public static func run(tasks: Int, _ body: (Int) -> Void) {
        if tasks <= 0 { return }
        if tasks == 1 || pool.workerCount == 0 {
            for i in 0..<tasks { body(i) }
            return
        }
        pool.run(tasks: tasks, body)
    }

    /// Splits `0..<count` into at most `threadCount` ranges of at least `minimumChunk` elements and
    /// runs them in parallel.
    public static func forChunks(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = max(1, min(threadCount, count / max(minimumChunk, 1)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        run(tasks: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

/// A fork/join pool of spinning-then-parking workers.
final class WorkerPool: @unchecked Sendable {
    let workerCount: Int
    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let finishedTasks = Atomic<Int>(0)
    private let workersOut = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private var taskCount = 0
    private var job: UnsafeRawPointer? = nil
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    /// Spin iterations before a worker parks (roughly 100–200 µs).
    private let spinLimit = 200_000
    /// Spin iterations (a few microseconds) before the thread that forked a job starts yielding
    /// its core while it waits for the workers to finish.
    private let joinSpinLimit = 4_000

    init(workerCount: Int) {
        self.workerCount = workerCount
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for i in 0..<workerCount {
            let thread = Thread { [unowned self] in
                WorkerPool.setKernelThreadName("flint-worker-\(i)")
                self.workerLoop()
            }
            thread.name = "flint-worker-\(i)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    typealias Body = (Int) -> Void

    /// Gives the calling thread its kernel-visible name (`/proc/PID/task/*/comm`, at most 15 bytes), so that
    /// tools such as scripts/bench-serve.sh can count the pool's threads: Foundation's `Thread.name` does
    /// not set it on Linux, and Glibc's module does not export `pthread_setname_np`.
    static func setKernelThreadName(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #endif
    }

    func run(tasks: Int, _ body: Body) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<tasks { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            var boxed = escaping
            withUnsafePointer(to: &boxed) { pointer in
                job = UnsafeRawPointer(pointer)
                taskCount = tasks
                nextTask.store(0, ordering: .relaxed)
                finishedTasks.store(0, ordering: .relaxed)
                workersOut.store(workerCount, ordering: .relaxed)
                generation.add(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(&mutex)
                    pthread_cond_broadcast(&condition)
                    pthread_mutex_unlock(&mutex)
                }
                drain(pointer.pointee)
                // Wait for the workers. Spin briefly, then yield the core: on a machine with more
                // runnable threads than cores, a worker still busy with (or still to check out of)
                // this job may be waiting for exactly this core.
                var spins = 0
                while finishedTasks.load(ordering: .acquiring) < tasks || workersOut.load(ordering: .acquiring) > 0 {
                    spins += 1
                    if spins >= joinSpinLimit { sched_yield() }
                }
                job = nil
            }
        }
        busy.store(false, ordering: .releasing)
    }

    private func drain(_ body: Body) {
        while true {
            let i = nextTask.add(1, ordering: .relaxed).oldValue
            if i >= taskCount { return }
            body(i)
            finishedTasks.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        // Generation 0 is the state before any job: a worker that starts late must still see job 1.
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins >= spinLimit {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(&condition, &mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(&mutex)
                    break
                }
            }
            seen = generation.load(ordering: .acquiring)
            drainCurrentJob()
            workersOut.subtract(1, ordering: .releasing)
        }
    }

    /// Runs tasks of the current job. A separate function so that the worker's copy of the closure
    /// is released before it reports itself done: `run` checks, when its `withoutActuallyEscaping`
    /// block ends, that no copy of the closure is left alive.
    @inline(never)
    private func drainCurrentJob() {
        let body = job!.assumingMemoryBound(to: Body.self).pointee
        drain(body)
    }
}
