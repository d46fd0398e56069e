import Foundation
import Testing
@testable import Tensor

@Suite("Parallel work splitting")
struct ParallelTests {
    /// Counts how often each index was visited.
    final class Visits: @unchecked Sendable {
        let lock = NSLock()
        var counts: [Int]
        init(_ n: Int) { counts = [Int](repeating: 0, count: n) }
        func visit(_ r: Range<Int>) { lock.lock(); for i in r { counts[i] += 1 }; lock.unlock() }
    }

    @Test("forRange visits every index once, for sizes around the thread count and the work threshold")
    func coversRange() {
        for count in [0, 1, 2, 3, 7, 64, 1000, 4097] {
            let visits = Visits(count)
            Parallel.forRange(count, costPerItem: 1 << 10, minWork: 1) { visits.visit($0) }
            #expect(visits.counts.allSatisfy { $0 == 1 }, "count \(count)")
        }
    }

    @Test("every share of every job runs exactly once, when the caller's share is slow and when a worker's is")
    func sharesRunOnce() {
        let threads = Parallel.threadCount
        let shares = min(threads, 4)
        guard shares > 1 else { return }
        let runs = Visits(2000 * shares)
        for job in 0..<2000 {
            Parallel.forEachShare(shares) { share in
                // Alternate which share takes long, so that both the caller and the workers sometimes find the
                // other shares taken and sometimes take them themselves.
                if share == job % shares {
                    var x = 0.0
                    for i in 0..<(job % 7) * 200 { x += Double(i).squareRoot() }
                    if x < 0 { runs.visit(0..<0) }
                }
                runs.visit((job * shares + share)..<(job * shares + share + 1))
            }
        }
        #expect(runs.counts.allSatisfy { $0 == 1 })
    }

    @Test("a forRange inside a share, and forRanges from several threads at once, still visit every index once")
    func nestedAndConcurrent() async {
        let outer = Visits(16 * 100)
        Parallel.forRange(16, costPerItem: 1 << 20) { range in
            for i in range {
                Parallel.forRange(100, costPerItem: 1 << 20) { inner in outer.visit((i * 100 + inner.lowerBound)..<(i * 100 + inner.upperBound)) }
            }
        }
        #expect(outer.counts.allSatisfy { $0 == 1 })

        let visits = (0..<4).map { _ in Visits(5000) }
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask {
                    for _ in 0..<50 { Parallel.forRange(100, costPerItem: 1 << 20) { r in visits[t].visit(r) } }
                    Parallel.forRange(5000 - 100, costPerItem: 1 << 20) { r in visits[t].visit((r.lowerBound + 100)..<(r.upperBound + 100)) }
                }
            }
        }
        for v in visits { #expect(v.counts[0..<100].allSatisfy { $0 == 50 } && v.counts[100...].allSatisfy { $0 == 1 }) }
    }
}
