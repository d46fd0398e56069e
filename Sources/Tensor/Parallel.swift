import Foundation

/// Splits work across the machine's cores.
public enum Parallel {
    /// Threads used for dsh's own loops (BLAS has its own setting). `DSH_NUM_THREADS` overrides the
    /// core count.
    public static let threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["DSH_NUM_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

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
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let lo = t * chunk, hi = min(count, lo + chunk)
                if lo < hi { body(lo..<hi) }
            }
        }
    }
}
