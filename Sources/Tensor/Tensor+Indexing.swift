// PyTorch's `__getitem__`/`__setitem__`: basic indexing (ints, slices, `...`, `None`) gives a view
// sharing storage; integer and boolean index tensors give advanced indexing (a copy on read, a
// scatter on write).

/// One item of a subscript such as `x[0, 1:3, ..., None, idx]`.
public enum TensorIndex: Sendable {
    /// `x[i]`: selects one position and removes the dimension (negative counts from the end).
    case int(Int)
    /// `x[start:stop:step]`; omitted parts are `nil`. Bounds clamp as Python's do; the step must be
    /// positive, as in PyTorch.
    case slice(start: Int?, stop: Int?, step: Int?)
    /// `...`: as many full slices as the other items leave.
    case ellipsis
    /// `None`: inserts a dimension of size 1.
    case newAxis
    /// An integer tensor (positions along one dimension) or a boolean mask over the next dimensions.
    case tensor(Tensor)
}

/// Where indexing lands: a strided view, or (with index tensors) a list of storage positions.
enum IndexPlan {
    case view(Tensor)
    /// Storage positions of the result's elements in row-major order of `shape`.
    case gather(shape: [Int], positions: [Int])
}

extension Tensor {
    /// `self[indices]` with PyTorch semantics. Ints, slices, `...` and `None` give a view that shares
    /// storage with `self`; integer index tensors and boolean masks give a new tensor.
    ///
    /// Throws ``TensorError`` (`.index`) for out-of-range positions, too many indices or a mask of the
    /// wrong shape, and (`.value`) for a non-positive step or a float index tensor.
    public func indexed(_ indices: [TensorIndex]) throws -> Tensor {
        switch try indexPlan(indices) {
        case .view(let v):
            return v
        case .gather(let shape, let positions):
            let out = Tensor(uninitializedShape: shape, dtype: dtype)
            let src = storage.pointer, dst = out.storage.pointer
            for (i, p) in positions.enumerated() { dst[i] = src[p] }
            return out
        }
    }

    /// `self[indices] = value`: writes `value` (broadcast to the indexed shape, converted to this
    /// tensor's dtype) into this tensor's storage, so every view of the same storage sees it, as in
    /// PyTorch. Works through the shared storage, which is why the method is not `mutating`.
    public func assign(_ value: Tensor, at indices: [TensorIndex]) throws {
        // PyTorch drops leading size-1 dimensions of the value before broadcasting it.
        var v = value
        while v.rank > 0 && v.shape[0] == 1 {
            v = Tensor(shape: Array(v.shape.dropFirst()), strides: Array(v.strides.dropFirst()),
                       offset: v.offset, storage: v.storage, dtype: v.dtype)
        }
        switch try indexPlan(indices) {
        case .view(let dst):
            try dst.copy_(from: try v.expand(to: dst.shape))
        case .gather(let shape, let positions):
            // Read the value out first: it may alias the destination.
            let src = try v.expand(to: shape).scalars
            let p = storage.pointer, dt = dtype
            storage.didMutate()
            for (i, pos) in positions.enumerated() { p[pos] = dt.normalize(src[i]) }
        }
    }

    /// `self[indices] = value` for a Python number; see ``assign(_:at:)-(Tensor,_)``.
    public func assign(_ value: Float, at indices: [TensorIndex]) throws {
        switch try indexPlan(indices) {
        case .view(let dst):
            dst.fill_(value)
        case .gather(_, let positions):
            let p = storage.pointer, v = dtype.normalize(value)
            storage.didMutate()
            for pos in positions { p[pos] = v }
        }
    }

    // MARK: Planning

    /// Applies the basic items to get a view, then the index tensors (if any) to get positions.
    /// A port of `applySlicing` and `index` in PyTorch's `TensorIndexing`.
    func indexPlan(_ indices: [TensorIndex]) throws -> IndexPlan {
        var specified = 0
        for item in indices {
            switch item {
            case .int, .slice: specified += 1
            case .tensor(let t): specified += t.dtype == .bool ? t.rank : 1
            case .ellipsis, .newAxis: break
            }
        }
        guard specified <= rank else { throw indexError("too many indices for tensor of dimension \(rank)") }

        var shape = self.shape, strides = self.strides, offset = self.offset
        var dim = 0       // position in the view being built
        var realDim = 0   // position in `self`, for messages
        var advanced: [(dim: Int, index: Tensor)] = []
        var forceCopy = false

        for var item in indices {
            // A 0-d integer tensor indexes like a Python int (a view), as in PyTorch.
            if case .tensor(let t) = item, t.rank == 0, t.dtype.isIntegral, t.dtype != .bool {
                item = .int(Int(t.storage.pointer[t.offset]))
            }
            switch item {
            case .int(let i):
                let n = shape[dim]
                guard i >= -n && i < n else {
                    throw indexError("index \(i) is out of bounds for dimension \(realDim) with size \(n)")
                }
                offset += (i < 0 ? i + n : i) * strides[dim]
                shape.remove(at: dim); strides.remove(at: dim)
                realDim += 1
            case .slice(let start, let stop, let step):
                let st = step ?? 1
                guard st > 0 else {
                    throw valueError(st == 0 ? "slice step cannot be zero" : "step must be greater than zero")
                }
                let n = shape[dim]
                var lo = start ?? 0, hi = stop ?? n
                if lo < 0 { lo += n }
                if hi < 0 { hi += n }
                lo = Swift.min(Swift.max(lo, 0), n)
                hi = Swift.min(Swift.max(hi, lo), n)
                offset += lo * strides[dim]
                shape[dim] = (hi - lo + st - 1) / st
                strides[dim] *= st
                dim += 1; realDim += 1
            case .ellipsis:
                dim += rank - specified
                realDim += rank - specified
            case .newAxis:
                let s = dim < shape.count ? strides[dim] * shape[dim] : 1
                shape.insert(1, at: dim); strides.insert(s, at: dim)
                dim += 1
            case .tensor(let t):
                if t.dtype == .bool {
                    if t.rank == 0 {
                        // x[True] adds a dimension of size 1, x[False] one of size 0.
                        let s = dim < shape.count ? strides[dim] * shape[dim] : 1
                        shape.insert(t.storage.pointer[t.offset] != 0 ? 1 : 0, at: dim); strides.insert(s, at: dim)
                        dim += 1
                        forceCopy = true  // PyTorch treats it as advanced indexing
                        continue
                    }
                    for k in 0..<t.rank where dim + k >= shape.count || t.shape[k] != shape[dim + k] {
                        throw indexError("The shape of the mask \(shapeString(t.shape)) at index \(k) does not match the shape of the indexed tensor \(shapeString(shape)) at index \(dim + k)")
                    }
                    // A mask becomes one index tensor per dimension it covers (`nonzero`).
                    for (k, idx) in try Tensor.nonzeroColumns(t).enumerated() {
                        advanced.append((dim + k, idx))
                    }
                    dim += t.rank; realDim += t.rank
                } else {
                    guard t.dtype.isIntegral else {
                        throw indexError("tensors used as indices must be long, int, byte or bool tensors")
                    }
                    advanced.append((dim, t))
                    dim += 1; realDim += 1
                }
            }
        }
        let view = Tensor(shape: shape, strides: strides, offset: offset, storage: storage, dtype: dtype)
        if advanced.isEmpty {
            if forceCopy {
                return .gather(shape: shape, positions: Tensor.linearOffsets(shape, strides).map { $0 + offset })
            }
            return .view(view)
        }
        return try view.advancedPlan(advanced)
    }

    /// Positions for indexing this view with index tensors along `items`' dimensions (PyTorch's
    /// advanced indexing: the index tensors broadcast together; their shape replaces the indexed
    /// dimensions in place when those are adjacent, else it goes first).
    private func advancedPlan(_ items: [(dim: Int, index: Tensor)]) throws -> IndexPlan {
        var bshape: [Int] = []
        for item in items { bshape = try Tensor.broadcastShape(bshape, item.index.shape, op: "index") }
        let nB = bshape.reduce(1, *)
        // Offsets contributed by the index tensors, one per broadcast position.
        var advOffsets = [Int](repeating: 0, count: nB)
        for item in items {
            let n = shape[item.dim], st = strides[item.dim]
            let idx = try item.index.expand(to: bshape).scalars
            for j in 0..<nB {
                var i = Int(idx[j])
                guard i >= -n && i < n else {
                    throw indexError("index \(i) is out of bounds for dimension \(item.dim) with size \(n)")
                }
                if i < 0 { i += n }
                advOffsets[j] += i * st
            }
        }
        let advDims = Set(items.map(\.dim))
        let sortedDims = advDims.sorted()
        let adjacent = (sortedDims.last ?? 0) - (sortedDims.first ?? 0) + 1 == sortedDims.count
        let rest = (0..<rank).filter { !advDims.contains($0) }
        let first = sortedDims.first ?? 0
        let pre = adjacent ? rest.filter { $0 < first } : []
        let post = adjacent ? rest.filter { $0 > first } : rest
        let outShape = pre.map { shape[$0] } + bshape + post.map { shape[$0] }
        let preOffsets = Tensor.linearOffsets(pre.map { shape[$0] }, pre.map { strides[$0] })
        let postOffsets = Tensor.linearOffsets(post.map { shape[$0] }, post.map { strides[$0] })
        var positions: [Int] = []
        positions.reserveCapacity(preOffsets.count * nB * postOffsets.count)
        for a in preOffsets {
            for b in advOffsets {
                for c in postOffsets { positions.append(offset + a + b + c) }
            }
        }
        return .gather(shape: outShape, positions: positions)
    }

    /// Storage offsets (from 0) of every element of a strided layout, in row-major order.
    static func linearOffsets(_ sizes: [Int], _ strides: [Int]) -> [Int] {
        var out = [0]
        for (n, s) in Swift.zip(sizes, strides) {
            var next: [Int] = []
            next.reserveCapacity(out.count * n)
            for o in out { for i in 0..<n { next.append(o + i * s) } }
            out = next
        }
        return out
    }

    /// `mask.nonzero()` split into one int64 index tensor per dimension.
    static func nonzeroColumns(_ mask: Tensor) throws -> [Tensor] {
        let values = mask.scalars
        let strides = Tensor.contiguousStrides(for: mask.shape)
        var columns = [[Float]](repeating: [], count: mask.rank)
        for (flat, v) in values.enumerated() where v != 0 {
            var rem = flat
            for k in 0..<mask.rank {
                columns[k].append(Float(rem / strides[k]))
                rem %= strides[k]
            }
        }
        return columns.map { Tensor($0, dtype: .int64) }
    }
}
