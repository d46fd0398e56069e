import Foundation
import Synchronization

/// A flat buffer of float32 values shared by a tensor and its views.
///
/// Storage either owns its memory (allocated with 64-byte alignment for SIMD and BLAS) or borrows
/// it from an owner that keeps it alive, e.g. a memory-mapped safetensors file.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    private let owner: AnyObject?
    private let owned: Bool
    /// Counts in-place writes through the tensor API (`copy_`, `fill_`, `add_`, `x[i] = v`, …), so a
    /// cache derived from the values (a layer's transformed convolution weights) can tell that it is stale.
    public private(set) var version = 0

    /// Records an in-place write (see ``version``).
    func didMutate() { version &+= 1 }

    /// Allocates `count` uninitialised floats.
    public init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferCache.shared.take(count) ?? UnsafeMutableRawPointer
            .allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
        self.owner = nil
        self.owned = true
    }

    /// Allocates `count` floats set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// Wraps memory that `owner` keeps alive; the storage does not free it.
    public init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
        self.owned = false
    }

    deinit {
        if owned && !BufferCache.shared.keep(pointer, count: count) { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}

/// Buffers of freed storage kept for the next storage of the same size, newest first.
///
/// A model's forward pass allocates the same hundred-odd tensor sizes, in the same order, every step. Reusing a
/// buffer of exactly the size asked for skips `posix_memalign` and `free` (with glibc's consolidation of free chunks,
/// 3% of a 32×32 UNet's forward pass), and hands back memory that was written a moment ago and is still in cache. The
/// cache holds at most ``capacity`` bytes, and buffers up to ``largest`` floats; others go back to malloc as before.
final class BufferCache: Sendable {
    static let shared = BufferCache()

    /// Bytes the cache may hold: 64 MB.
    static let capacity = 64 << 20
    /// Largest buffer kept, in floats (16 MB).
    static let largest = 4 << 20
    /// Smallest buffer kept, in floats (1 KB); malloc's own caches serve smaller ones well.
    static let smallest = 256

    private struct State {
        var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
        var bytes = 0
    }
    private let state = Mutex(State())

    /// A kept buffer of exactly `count` floats, if there is one.
    func take(_ count: Int) -> UnsafeMutablePointer<Float>? {
        guard count >= BufferCache.smallest && count <= BufferCache.largest else { return nil }
        return state.withLock { state -> UnsafeMutablePointer<Float>? in
            guard let p = state.free[count]?.popLast() else { return nil }
            state.bytes -= count * MemoryLayout<Float>.stride
            return p
        }
    }

    /// Keeps `pointer` (of `count` floats) for reuse; false when it is not kept and the caller should free it.
    func keep(_ pointer: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        guard count >= BufferCache.smallest && count <= BufferCache.largest else { return false }
        let bytes = count * MemoryLayout<Float>.stride
        return state.withLock { state in
            guard state.bytes + bytes <= BufferCache.capacity else { return false }
            state.free[count, default: []].append(pointer)
            state.bytes += bytes
            return true
        }
    }
}
