/// An n-dimensional array of numbers, laid out as PyTorch lays out its CPU tensors: a shared
/// ``Storage`` plus a shape, strides and an offset. Views (`permute`, `transpose`, slicing,
/// `expand`) share storage with their base; in-place operations are visible through every view,
/// as in PyTorch.
///
/// Operations that can fail on bad shapes or arguments throw ``TensorError`` naming the operation
/// and the shapes; nothing traps on user input.
public struct Tensor: @unchecked Sendable {
    /// Size of each dimension.
    public internal(set) var shape: [Int]
    /// Elements to skip in storage to move one step along each dimension.
    public internal(set) var strides: [Int]
    /// Index of element `[0, 0, …]` in storage.
    public internal(set) var offset: Int
    /// The shared buffer.
    public internal(set) var storage: Storage
    /// Element type (see ``DType``).
    public internal(set) var dtype: DType

    init(shape: [Int], strides: [Int], offset: Int, storage: Storage, dtype: DType) {
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.storage = storage
        self.dtype = dtype
    }

    /// A contiguous tensor over fresh, uninitialised storage.
    init(uninitializedShape shape: [Int], dtype: DType = .float32) {
        let n = shape.reduce(1, *)
        self.init(shape: shape, strides: Tensor.contiguousStrides(for: shape), offset: 0,
                  storage: Storage(uninitializedCount: n), dtype: dtype)
    }

    /// A contiguous tensor over `storage` (which must hold at least the shape's element count).
    public init(storage: Storage, shape: [Int], dtype: DType = .float32) {
        self.init(shape: shape, strides: Tensor.contiguousStrides(for: shape), offset: 0, storage: storage, dtype: dtype)
    }

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float], dtype: DType = .float32) throws {
        let n = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }) else { throw valueError("tensor: negative dimension in shape \(shapeString(shape))") }
        guard n == scalars.count else {
            throw shapeError("tensor: shape \(shapeString(shape)) is invalid for input of size \(scalars.count)")
        }
        self.init(uninitializedShape: shape, dtype: dtype)
        scalars.withUnsafeBufferPointer { src in
            for i in 0..<n { storage.pointer[i] = dtype.normalize(src[i]) }
        }
    }

    /// A 0-dimensional tensor holding one value.
    public init(_ value: Float, dtype: DType = .float32) {
        self.init(uninitializedShape: [], dtype: dtype)
        storage.pointer[0] = dtype.normalize(value)
    }

    /// A 1-dimensional tensor holding `scalars`.
    public init(_ scalars: [Float], dtype: DType = .float32) {
        self.init(uninitializedShape: [scalars.count], dtype: dtype)
        for i in 0..<scalars.count { storage.pointer[i] = dtype.normalize(scalars[i]) }
    }

    // MARK: Geometry

    /// Number of dimensions (`dim()` in PyTorch).
    public var rank: Int { shape.count }
    /// Number of elements (`numel()` in PyTorch).
    public var count: Int { shape.reduce(1, *) }

    /// Row-major strides for a shape.
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= max(shape[i], 1)
        }
        return strides
    }

    /// True when the elements lie in storage in row-major order without gaps.
    public var isContiguous: Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Normalises a possibly negative dimension index against `rank`, PyTorch style.
    public func normalizedDim(_ dim: Int, op: String, rank r: Int? = nil) throws -> Int {
        let n = r ?? rank
        let lo = n == 0 ? -1 : -n, hi = n == 0 ? 0 : n - 1
        guard dim >= lo && dim <= hi else {
            throw indexError("\(op): Dimension out of range (expected to be in range of [\(lo), \(hi)], but got \(dim))")
        }
        return dim < 0 ? dim + max(n, 1) : dim
    }

    // MARK: Element access

    /// The tensor's elements in row-major order.
    public var scalars: [Float] {
        let c = contiguous()
        return Array(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
    }

    /// The single value of a one-element tensor (`item()` in PyTorch).
    public func item() throws -> Float {
        guard count == 1 else {
            throw valueError("a Tensor with \(count) elements cannot be converted to Scalar")
        }
        return storage.pointer[offset]
    }

    /// Storage position of a multi-index (no bounds checks).
    @inline(__always)
    func storageIndex(_ index: [Int]) -> Int {
        var p = offset
        for d in 0..<index.count { p += index[d] * strides[d] }
        return p
    }

    /// Calls `body` with the elements of a contiguous copy (or the tensor itself if contiguous).
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        let c = contiguous()
        return try withExtendedLifetime(c.storage) {
            try body(UnsafeBufferPointer(start: c.storage.pointer + c.offset, count: c.count))
        }
    }

    /// Calls `body` with the tensor's elements for writing. The tensor is made contiguous and
    /// given storage of its own first if needed (so writes never reach other tensors).
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isContiguous || !isKnownUniquelyReferenced(&storage) || offset != 0 {
            self = copied()
        }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    // MARK: Copies

    /// This tensor if it is contiguous, else a contiguous copy (`contiguous()` in PyTorch).
    public func contiguous() -> Tensor {
        isContiguous ? self : copied()
    }

    /// A contiguous copy with storage of its own (`clone()` in PyTorch).
    public func copied() -> Tensor {
        var out = Tensor(uninitializedShape: shape, dtype: dtype)
        out.copyElements(from: self)
        return out
    }

    /// Writes `source`'s elements (same shape) into this tensor's storage, in place.
    mutating func copyElements(from source: Tensor) {
        let n = count
        if n == 0 { return }
        let dst = storage.pointer
        if isContiguous && source.isContiguous {
            (dst + offset).update(from: source.storage.pointer + source.offset, count: n)
            return
        }
        StridedLoop.forEach2(shape: shape, stridesA: strides, offsetA: offset, stridesB: source.strides, offsetB: source.offset) { a, b, len, sa, sb in
            let src = source.storage.pointer
            var ia = a, ib = b
            for _ in 0..<len { dst[ia] = src[ib]; ia += sa; ib += sb }
        }
    }

    /// The same values with another element type (values rounded as `dtype` requires).
    public func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        var out = contiguous().copied()
        out.dtype = dtype
        if dtype != .float32 && dtype != .float64 {
            let p = out.storage.pointer
            for i in 0..<out.count { p[i] = dtype.normalize(p[i]) }
        }
        return out
    }
}

/// Iteration over strided n-d layouts, one innermost row at a time.
enum StridedLoop {
    /// Calls `body(startA, startB, length, strideA, strideB)` for each innermost row.
    @inline(__always)
    static func forEach2(shape: [Int], stridesA: [Int], offsetA: Int, stridesB: [Int], offsetB: Int,
                         _ body: (Int, Int, Int, Int, Int) -> Void) {
        let r = shape.count
        if r == 0 { body(offsetA, offsetB, 1, 0, 0); return }
        if shape.contains(0) { return }
        let inner = shape[r - 1], sa = stridesA[r - 1], sb = stridesB[r - 1]
        var idx = [Int](repeating: 0, count: r)
        var pa = offsetA, pb = offsetB
        while true {
            body(pa, pb, inner, sa, sb)
            var d = r - 2
            while d >= 0 {
                idx[d] += 1
                pa += stridesA[d]; pb += stridesB[d]
                if idx[d] < shape[d] { break }
                pa -= stridesA[d] * shape[d]; pb -= stridesB[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Calls `body(startOut, startA, startB, length, strideA, strideB)` for each innermost row of a
    /// contiguous output of `shape` with two strided inputs.
    @inline(__always)
    static func forEach3(shape: [Int], stridesA: [Int], offsetA: Int, stridesB: [Int], offsetB: Int,
                         rowRange: Range<Int>? = nil,
                         _ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let r = shape.count
        if r == 0 { body(0, offsetA, offsetB, 1, 0, 0); return }
        if shape.contains(0) { return }
        let inner = shape[r - 1], sa = stridesA[r - 1], sb = stridesB[r - 1]
        let rows = shape.count == 1 ? 1 : shape[0..<(r - 1)].reduce(1, *)
        let range = rowRange ?? 0..<rows
        if range.isEmpty { return }
        // Decompose the first row index into a multi-index.
        var idx = [Int](repeating: 0, count: r)
        var rem = range.lowerBound
        var pa = offsetA, pb = offsetB
        for d in stride(from: r - 2, through: 0, by: -1) {
            idx[d] = rem % shape[d]; rem /= shape[d]
            pa += idx[d] * stridesA[d]; pb += idx[d] * stridesB[d]
        }
        var row = range.lowerBound
        while row < range.upperBound {
            body(row * inner, pa, pb, inner, sa, sb)
            row += 1
            var d = r - 2
            while d >= 0 {
                idx[d] += 1
                pa += stridesA[d]; pb += stridesB[d]
                if idx[d] < shape[d] { break }
                pa -= stridesA[d] * shape[d]; pb -= stridesB[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
        }
    }
}
