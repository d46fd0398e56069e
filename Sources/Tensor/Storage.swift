import Foundation

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
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
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
        if owned { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}
