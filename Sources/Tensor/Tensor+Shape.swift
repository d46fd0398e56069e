extension Tensor {
    /// Resolves one `-1` in a requested shape against `count`.
    static func inferShape(_ requested: [Int], count: Int, op: String) throws -> [Int] {
        var shape = requested
        let negatives = shape.indices.filter { shape[$0] == -1 }
        guard negatives.count <= 1 else { throw valueError("\(op): only one dimension can be inferred") }
        guard shape.allSatisfy({ $0 >= -1 }) else { throw valueError("\(op): invalid shape dimension in \(shapeString(requested))") }
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        if let i = negatives.first {
            guard known != 0, count % known == 0 else {
                throw shapeError("\(op): shape '\(shapeString(requested))' is invalid for input of size \(count)")
            }
            shape[i] = count / known
        }
        guard shape.reduce(1, *) == count else {
            throw shapeError("\(op): shape '\(shapeString(requested))' is invalid for input of size \(count)")
        }
        return shape
    }

    /// Strides for viewing this tensor with `newShape` without copying, if possible
    /// (PyTorch's `computeStride`).
    func viewStrides(_ newShape: [Int]) -> [Int]? {
        if count == 0 { return Tensor.contiguousStrides(for: newShape) }
        if isContiguous { return Tensor.contiguousStrides(for: newShape) }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var viewD = newShape.count - 1
        var chunkBase = strides.last ?? 1
        var tensorNumel = 1, viewNumel = 1
        var tensorD = shape.count - 1
        while tensorD >= 0 {
            tensorNumel *= shape[tensorD]
            if tensorD == 0 || (shape[tensorD - 1] != 1 && strides[tensorD - 1] != tensorNumel * chunkBase) {
                while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                    newStrides[viewD] = viewNumel * chunkBase
                    viewNumel *= newShape[viewD]
                    viewD -= 1
                }
                if viewNumel != tensorNumel { return nil }
                if tensorD > 0 {
                    chunkBase = strides[tensorD - 1]
                    tensorNumel = 1
                    viewNumel = 1
                }
            }
            tensorD -= 1
        }
        if viewD != -1 { return nil }
        return newStrides
    }

    /// A view with another shape (`view` in PyTorch); fails when the strides do not allow it.
    public func view(_ newShape: [Int]) throws -> Tensor {
        let shape = try Tensor.inferShape(newShape, count: count, op: "view")
        guard let s = viewStrides(shape) else {
            throw shapeError("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        }
        return Tensor(shape: shape, strides: s, offset: offset, storage: storage, dtype: dtype)
    }

    /// Another shape for the same elements: a view when possible, else a copy.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let shape = try Tensor.inferShape(newShape, count: count, op: "reshape")
        if let s = viewStrides(shape) {
            return Tensor(shape: shape, strides: s, offset: offset, storage: storage, dtype: dtype)
        }
        return try copied().view(shape)
    }

    /// Reorders dimensions (a view).
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == rank else {
            throw shapeError("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = \(rank) is not equal to len(dims) = \(dims.count)")
        }
        let d = try dims.map { try normalizedDim($0, op: "permute") }
        guard Set(d).count == d.count else { throw valueError("permute(): duplicate dims are not allowed.") }
        return Tensor(shape: d.map { shape[$0] }, strides: d.map { strides[$0] }, offset: offset, storage: storage, dtype: dtype)
    }

    /// Swaps two dimensions (a view).
    public func transpose(_ a: Int, _ b: Int) throws -> Tensor {
        if rank == 0 { return self }
        let x = try normalizedDim(a, op: "transpose"), y = try normalizedDim(b, op: "transpose")
        var p = Array(0..<rank)
        p.swapAt(x, y)
        return try permute(p)
    }

    /// Transpose of a matrix of rank ≤ 2 (`.T` for 2-D).
    public func t() throws -> Tensor {
        guard rank <= 2 else { throw shapeError("t() expects a tensor with <= 2 dimensions, but self is \(rank)D") }
        return rank < 2 ? self : try transpose(0, 1)
    }

    /// Inserts a dimension of size 1 at `dim`.
    public func unsqueeze(_ dim: Int) throws -> Tensor {
        let d = try normalizedDim(dim, op: "unsqueeze", rank: rank + 1)
        var s = shape, st = strides
        let newStride = d < rank ? strides[d] * shape[d] : 1
        s.insert(1, at: d)
        st.insert(newStride, at: d)
        return Tensor(shape: s, strides: st, offset: offset, storage: storage, dtype: dtype)
    }

    /// Removes dimensions of size 1 (all, or only `dim`).
    public func squeeze(_ dim: Int? = nil) throws -> Tensor {
        var s = shape, st = strides
        if let dim {
            if rank == 0 { return self }
            let d = try normalizedDim(dim, op: "squeeze")
            if shape[d] == 1 { s.remove(at: d); st.remove(at: d) }
        } else {
            let keep = shape.indices.filter { shape[$0] != 1 }
            s = keep.map { shape[$0] }; st = keep.map { strides[$0] }
        }
        return Tensor(shape: s, strides: st, offset: offset, storage: storage, dtype: dtype)
    }

    /// Merges dimensions `start...end` into one.
    public func flatten(_ start: Int = 0, _ end: Int = -1) throws -> Tensor {
        if rank == 0 { return try reshape([1]) }
        let a = try normalizedDim(start, op: "flatten"), b = try normalizedDim(end, op: "flatten")
        guard a <= b else { throw valueError("flatten() has invalid args: start_dim cannot come after end_dim") }
        var s = Array(shape[..<a])
        s.append(shape[a...b].reduce(1, *))
        s += shape[(b + 1)...]
        return try reshape(s)
    }

    /// Broadcasts size-1 dimensions to `target` (a view with stride 0; `-1` keeps a size).
    public func expand(to target: [Int]) throws -> Tensor {
        guard target.count >= rank else {
            throw shapeError("expand: the number of sizes provided (\(target.count)) must be greater or equal to the number of dimensions in the tensor (\(rank))")
        }
        let lead = target.count - rank
        var s = target, st = [Int](repeating: 0, count: target.count)
        for i in 0..<target.count {
            if i < lead {
                guard target[i] >= 0 else { throw shapeError("expand: the expanded size of the tensor (\(target[i])) isn't allowed in a leading, non-existing dimension \(i)") }
                continue
            }
            let own = shape[i - lead]
            if target[i] == -1 || target[i] == own { s[i] = own; st[i] = strides[i - lead] }
            else if own == 1 && target[i] >= 0 { st[i] = 0 }
            else {
                throw shapeError("The expanded size of the tensor (\(target[i])) must match the existing size (\(own)) at non-singleton dimension \(i).  Target sizes: \(shapeString(target)).  Tensor sizes: \(shapeString(shape))")
            }
        }
        // A view, but one that could never be materialised is refused here rather than crash the first op on it.
        try Tensor.checkAllocation(s, op: "expand")
        return Tensor(shape: s, strides: st, offset: offset, storage: storage, dtype: dtype)
    }

    /// Elements `start..<start+length` along `dim` (a view).
    public func narrow(_ dim: Int, start: Int, length: Int) throws -> Tensor {
        let d = try normalizedDim(dim, op: "narrow")
        let s0 = start < 0 ? start + shape[d] : start
        guard s0 >= 0, length >= 0, s0 + length <= shape[d] else {
            throw indexError("narrow(): start (\(start)) + length (\(length)) exceeds dimension size (\(shape[d])).")
        }
        var s = shape
        s[d] = length
        return Tensor(shape: s, strides: strides, offset: offset + s0 * strides[d], storage: storage, dtype: dtype)
    }

    /// Joins tensors along an existing dimension (`torch.cat`).
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        // PyTorch skips 1-D empty tensors in cat.
        let parts = tensors.filter { !($0.rank == 1 && $0.count == 0) }
        guard let first = parts.first else {
            if let t = tensors.first { return t }
            throw valueError("torch.cat(): expected a non-empty list of Tensors")
        }
        guard first.rank > 0 else { throw shapeError("zero-dimensional tensor (at position 0) cannot be concatenated") }
        let d = try first.normalizedDim(dim, op: "cat")
        var total = 0
        var dt = first.dtype
        for (i, t) in parts.enumerated() {
            guard t.rank == first.rank else {
                throw shapeError("Tensors must have same number of dimensions: got \(first.rank) and \(t.rank)")
            }
            for k in 0..<t.rank where k != d && t.shape[k] != first.shape[k] {
                throw shapeError("Sizes of tensors must match except in dimension \(d). Expected size \(first.shape[k]) but got size \(t.shape[k]) for tensor number \(i) in the list.")
            }
            total += t.shape[d]
            dt = DType.promote(dt, t.dtype)
        }
        var outShape = first.shape
        outShape[d] = total
        let out = Tensor(uninitializedShape: outShape, dtype: dt)
        if first.shape[..<d].reduce(1, *) == 1 && out.count >= 1 << 16 && parts.allSatisfy({ $0.isContiguous && $0.dtype == dt }) {
            // One image's channels (a UNet's skip connection): each part is one run of the output; both threads copy
            // half of every run, so the two cores fetch the parts (long out of cache) side by side.
            let dst = out.storage.pointer
            var starts: [Int] = [], pos = 0
            for t in parts { starts.append(pos); pos += t.count }
            Parallel.forRange(2, costPerItem: out.count, minWork: 1 << 16) { halves in
                for half in halves {
                    for (i, t) in parts.enumerated() {
                        let n = t.count, lo = half == 0 ? 0 : n / 2, hi = half == 0 ? n / 2 : n
                        (dst + starts[i] + lo).update(from: t.storage.pointer + t.offset + lo, count: hi - lo)
                    }
                }
            }
            return out
        }
        var pos = 0
        for t in parts {
            var dst = try out.narrow(d, start: pos, length: t.shape[d])
            dst.copyElements(from: t.dtype == dt ? t : t.to(dt))
            pos += t.shape[d]
        }
        return out
    }

    /// Joins tensors of equal shape along a new dimension (`torch.stack`).
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw valueError("stack expects a non-empty TensorList") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw shapeError("stack expects each tensor to be equal size, but got \(shapeString(first.shape)) at entry 0 and \(shapeString(t.shape)) at entry \(i)")
        }
        let d = try first.normalizedDim(dim, op: "stack", rank: first.rank + 1)
        return try cat(tensors.map { try $0.unsqueeze(d) }, dim: d)
    }

    /// Splits into pieces of `size` along `dim` (the last may be smaller) (`torch.split`).
    public func split(_ size: Int, dim: Int = 0) throws -> [Tensor] {
        guard size > 0 else { throw valueError("split expects split_size be non-negative, but got split_size=\(size)") }
        let d = try normalizedDim(dim, op: "split")
        return try stride(from: 0, to: Swift.max(shape[d], 1), by: size).map { start in
            try narrow(d, start: start, length: Swift.min(size, shape[d] - start))
        }
    }

    /// Splits into pieces of the given sizes along `dim`.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        let d = try normalizedDim(dim, op: "split")
        guard sizes.reduce(0, +) == shape[d], sizes.allSatisfy({ $0 >= 0 }) else {
            throw shapeError("split_with_sizes expects split_sizes to sum exactly to \(shape[d]) (input tensor's size at dimension \(d)), but got split_sizes=\(shapeString(sizes))")
        }
        var start = 0
        return try sizes.map { n in defer { start += n }; return try narrow(d, start: start, length: n) }
    }

    /// Splits into `chunks` nearly equal pieces along `dim` (`torch.chunk`).
    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
        guard chunks > 0 else { throw valueError("chunk expects `chunks` to be greater than 0, got: \(chunks)") }
        let d = try normalizedDim(dim, op: "chunk")
        let size = (shape[d] + chunks - 1) / chunks
        return try split(Swift.max(size, 1), dim: d)
    }

    /// Tiles the tensor (`Tensor.repeat`).
    public func repeated(_ times: [Int]) throws -> Tensor {
        guard times.count >= rank else {
            throw shapeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
        }
        var base = self
        while base.rank < times.count { base = try base.unsqueeze(0) }
        try Tensor.checkAllocation(Swift.zip(times, base.shape).map { (t: Int, n: Int) -> Int in t < 0 ? t : t * n }, op: "repeat")
        // Expand an interleaved shape [t0, s0, t1, s1, ...] and merge pairs.
        var s: [Int] = [], st: [Int] = []
        for i in 0..<times.count {
            s += [times[i], base.shape[i]]
            st += [0, base.strides[i]]
        }
        let expanded = Tensor(shape: s, strides: st, offset: base.offset, storage: base.storage, dtype: dtype)
        return try expanded.copied().view(zipShape(times, base.shape))
    }

    private func zipShape(_ a: [Int], _ b: [Int]) -> [Int] { Swift.zip(a, b).map { $0 * $1 } }

    /// Reverses the order of elements along `dims`.
    public func flip(_ dims: [Int]) throws -> Tensor {
        var s = strides, o = offset
        for dim in dims {
            let d = try normalizedDim(dim, op: "flip")
            if shape[d] > 0 { o += (shape[d] - 1) * strides[d] }
            s[d] = -strides[d]
        }
        return Tensor(shape: shape, strides: s, offset: o, storage: storage, dtype: dtype).copied()
    }
}
