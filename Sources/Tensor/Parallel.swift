import Foundation
import Synchronization
import CSupport

/// Splits work across the machine's cores.
///
/// The work runs on a small pool of long-lived worker threads (one fewer than `threadCount`; the calling
/// thread takes the first share). A worker that has finished its share keeps polling for the next job for
/// ``spinMicroseconds`` before it sleeps, because a model's forward pass issues hundreds of short
/// operations back to back: waking a sleeping thread costs 20–40 µs here (`DispatchQueue.concurrentPerform`
/// took 43 µs for two 16 µs shares, slower than running them one after the other), and a polling worker
/// starts within a microsecond. `park()` sends polling workers to sleep at once; BLAS calls it before a
/// GEMM large enough for OpenBLAS to use its own threads, so the two pools never compete for a core.
public enum Parallel {
    /// Threads used for dsh's own loops (BLAS has its own setting). `DSH_NUM_THREADS` overrides the
    /// core count.
    public static let threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["DSH_NUM_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// How long an idle worker polls for the next job before it sleeps.
    public static let spinMicroseconds = 100

    /// Runs `body` over `0..<count` in contiguous chunks on all threads when the work is large
    /// enough (`count * costPerItem` at least `minWork`), else on the calling thread.
    @inline(__always)
    public static func forRange(_ count: Int, costPerItem: Int = 1, minWork: Int = 1 << 15,
                                _ body: (Range<Int>) -> Void) {
        let threads = min(threadCount, count)
        if threads <= 1 || count * costPerItem < minWork {
            if count > 0 { body(0..<count) }
            return
        }
        let chunk = (count + threads - 1) / threads
        forEachShare(threads) { t in
            let lo = t * chunk, hi = min(count, lo + chunk)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(0)`, …, `body(shares - 1)`, one share per thread where the pool is free; when another
    /// thread is already using the pool (or this is a nested call from inside a share), runs them all on
    /// the calling thread, in order.
    public static func forEachShare(_ shares: Int, _ body: (Int) -> Void) {
        if shares <= 1 || threadCount <= 1 {
            for t in 0..<shares { body(t) }
            return
        }
        let pool = WorkerPool.shared
        guard shares <= pool.workers + 1, pool.acquire() else {
            for t in 0..<shares { body(t) }
            return
        }
        defer { pool.release() }
        pool.run(shares: shares, body)
    }

    /// Sends idle workers to sleep now instead of after their polling time (before work that brings its
    /// own threads, such as a large OpenBLAS GEMM).
    public static func park() {
        if threadCount > 1 { WorkerPool.shared.park() }
    }
}

/// The long-lived worker threads behind ``Parallel``.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: Parallel.threadCount - 1,
                                   spinNanoseconds: UInt64(Parallel.spinMicroseconds) * 1000)

    let workers: Int
    private let spinNanoseconds: UInt64
    /// The current job's ticket: its number (bits 32…), its share count (bits 16–31) and the next share to hand out
    /// (bits 0–15). A thread takes share i by moving the ticket from i to i + 1 with a compare-and-swap, so it can
    /// only ever take a share of the job the ticket names, however late it comes.
    private let ticket = Atomic<Int>(0)
    /// Shares of the current job that have finished.
    private let finished = Atomic<Int>(0)
    /// Set while some thread owns the pool.
    private let busy = Atomic<Bool>(false)
    /// Asks polling workers to sleep now.
    private let parked = Atomic<Bool>(false)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The current job; written by the owner before it publishes the job's ticket, read by a thread only after it
    /// has taken one of the job's shares.
    private nonisolated(unsafe) var job: ((Int) -> Void)?

    private init(workers: Int, spinNanoseconds: UInt64) {
        self.workers = max(0, workers)
        self.spinNanoseconds = spinNanoseconds
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for index in 0..<self.workers {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "dsh-worker-\(index + 1)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func acquire() -> Bool {
        busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    }

    func release() {
        busy.store(false, ordering: .releasing)
    }

    func park() {
        parked.store(true, ordering: .relaxed)
    }

    /// A hint to the CPU (and to a hypervisor that watches for spinning) that this thread is waiting.
    @inline(__always)
    static func relax() {
        dsh_cpu_relax()
    }

    /// Runs one job: share 0 on the calling thread, the others on whichever thread takes them first; returns
    /// when all are done. The caller takes any share no worker has started by the time its own is done, so a
    /// worker that is slow to wake (or whose core the machine has lent elsewhere) delays nothing it has not begun.
    func run(shares: Int, _ body: (Int) -> Void) {
        precondition(shares < 1 << 16)
        withoutActuallyEscaping(body) { body in
            job = body
            finished.store(0, ordering: .relaxed)
            let number = (ticket.load(ordering: .relaxed) >> 32) &+ 1
            parked.store(false, ordering: .relaxed)
            pthread_mutex_lock(mutex)
            ticket.store(number << 32 | shares << 16 | 1, ordering: .releasing)  // share 0 is the caller's
            pthread_cond_broadcast(wake)
            pthread_mutex_unlock(mutex)
            body(0)
            var done = 1
            while let share = takeShare() {
                body(share)
                done += 1
            }
            finished.add(done, ordering: .acquiringAndReleasing)
            while finished.load(ordering: .acquiring) < shares { WorkerPool.relax() }
            job = nil
        }
    }

    /// Takes the current job's next share, or returns nil when all have been taken.
    @inline(__always)
    private func takeShare() -> Int? {
        var t = ticket.load(ordering: .acquiring)
        while true {
            let share = t & 0xFFFF, shares = (t >> 16) & 0xFFFF
            if share >= shares { return nil }
            let (taken, now) = ticket.compareExchange(expected: t, desired: t &+ 1, ordering: .acquiringAndReleasing)
            if taken { return share }
            t = now
        }
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    @inline(never)
    private func runShare(_ share: Int) {
        if let job { job(share) }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var current = ticket.load(ordering: .acquiring) >> 32
            if current == seen {
                let start = WorkerPool.now()
                var polls = 0
                while current == seen {
                    WorkerPool.relax()
                    polls &+= 1
                    if polls & 63 == 0,
                       parked.load(ordering: .relaxed) || WorkerPool.now() &- start > spinNanoseconds {
                        pthread_mutex_lock(mutex)
                        while ticket.load(ordering: .acquiring) >> 32 == seen { pthread_cond_wait(wake, mutex) }
                        pthread_mutex_unlock(mutex)
                    }
                    current = ticket.load(ordering: .acquiring) >> 32
                }
            }
            seen = current
            while let share = takeShare() {
                runShare(share)
                // Only now that this thread holds no reference to the job may the owner see it finished.
                finished.add(1, ordering: .releasing)
            }
        }
    }
}

