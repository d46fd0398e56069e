import Foundation

// Normalisation layers and softmax. Statistics are accumulated in Double (two passes), so results
// match PyTorch to float rounding whatever the group size.

extension Tensor {
    /// Group normalisation over `[N, C, *]` (`F.group_norm`).
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try groupNormImpl(groups: groups, weight: weight, bias: bias, eps: eps, silu: false)
    }

    /// `F.silu(F.group_norm(x, ...))` in one pass over memory — the pair every UNet resnet block uses.
    public func groupNormSiLU(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try groupNormImpl(groups: groups, weight: weight, bias: bias, eps: eps, silu: true)
    }

    private func groupNormImpl(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float, silu: Bool) throws -> Tensor {
        guard rank >= 2 else {
            throw shapeError("group_norm: Expected at least 2 dimensions for input tensor but received \(rank)")
        }
        guard groups > 0, shape[1] % groups == 0 else {
            throw shapeError("group_norm: Expected number of channels in input to be divisible by num_groups, but got input of shape \(shapeString(shape)) and num_groups=\(groups)")
        }
        let n = shape[0], c = shape[1]
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t, t.count != c || t.rank != 1 {
                throw shapeError("group_norm: Expected \(name) to be a vector of size equal to the number of channels in input, but got \(name) of shape \(shapeString(t.shape)) and input of shape \(shapeString(shape))")
            }
        }
        let inner = count / Swift.max(1, n * c)
        let cg = c / groups, groupSize = cg * inner
        let x = contiguous()
        let dt: DType = dtype.isFloatingPoint ? dtype : .float32
        var out = Tensor(uninitializedShape: shape, dtype: dt)
        if out.count == 0 { return out }
        let wv = weight?.contiguous(), bv = bias?.contiguous()
        let src = UnsafePointer(x.storage.pointer + x.offset), dst = out.storage.pointer
        let wp = wv.map { UnsafePointer($0.storage.pointer + $0.offset) }
        let bp = bv.map { UnsafePointer($0.storage.pointer + $0.offset) }
        Parallel.forRange(n * groups, costPerItem: groupSize * 3, minWork: 1 << 14) { range in
            for ng in range {
                let base = ng * groupSize
                let xs = src + base, ys = dst + base
                let mean = VectorMath.sum(xs, count: groupSize) / Double(groupSize)
                let sq = VectorMath.centeredSquares(xs, count: groupSize, mean: mean)
                let rstd = 1 / (sq / Double(groupSize) + Double(eps)).squareRoot()
                let g = ng % groups
                for j in 0..<cg {
                    let ch = g * cg + j
                    // PyTorch: y = x * scale + shift with scale = rstd·γ, shift = β − mean·scale.
                    let scale = rstd * Double(wp?[ch] ?? 1)
                    let shift = Double(bp?[ch] ?? 0) - mean * scale
                    VectorMath.affine(xs + j * inner, ys + j * inner, count: inner,
                                      scale: Float(scale), shift: Float(shift), silu: silu)
                }
            }
        }
        withExtendedLifetime((x, wv, bv)) {}
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return out
    }

    /// Layer normalisation over the trailing `normalizedShape` dims (`F.layer_norm`).
    public func layerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        let k = normalizedShape.count
        guard k >= 1, k <= rank, Array(shape.suffix(k)) == normalizedShape else {
            throw shapeError("layer_norm: Given normalized_shape=\(shapeString(normalizedShape)), expected input with shape [*, \(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size\(shapeString(shape))")
        }
        for (name, t) in [("weight", weight), ("bias", bias)] {
            if let t, t.shape != normalizedShape {
                throw shapeError("layer_norm: Expected \(name) to be of same shape as normalized_shape, but got \(name) of shape \(shapeString(t.shape)) and normalized_shape = \(shapeString(normalizedShape))")
            }
        }
        let m = normalizedShape.reduce(1, *)
        let rows = m == 0 ? 0 : count / m
        let x = contiguous()
        let dt: DType = dtype.isFloatingPoint ? dtype : .float32
        var out = Tensor(uninitializedShape: shape, dtype: dt)
        if out.count == 0 { return out }
        let wv = weight?.contiguous(), bv = bias?.contiguous()
        let src = UnsafePointer(x.storage.pointer + x.offset), dst = out.storage.pointer
        let wp = wv.map { UnsafePointer($0.storage.pointer + $0.offset) }
        let bp = bv.map { UnsafePointer($0.storage.pointer + $0.offset) }
        Parallel.forRange(rows, costPerItem: m * 3) { range in
            for r in range {
                let xs = src + r * m, ys = dst + r * m
                var sum = 0.0
                for i in 0..<m { sum += Double(xs[i]) }
                let mean = sum / Double(m)
                var sq = 0.0
                for i in 0..<m { let d = Double(xs[i]) - mean; sq += d * d }
                let rstd = Float(1 / (sq / Double(m) + Double(eps)).squareRoot())
                let mu = Float(mean)
                for i in 0..<m {
                    var v = (xs[i] - mu) * rstd
                    if let wp { v *= wp[i] }
                    if let bp { v += bp[i] }
                    ys[i] = v
                }
            }
        }
        withExtendedLifetime((x, wv, bv)) {}
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return out
    }

    /// Softmax along `dim`: `exp(x - max) / sum(exp(x - max))`, numerically stable.
    public func softmax(dim: Int) throws -> Tensor {
        let d = try normalizedDim(dim, op: "softmax")
        if rank == 0 { return Tensor.full([], count == 1 ? 1 : 0) }
        let last = rank - 1
        let moved = d == last ? self : try transpose(d, last)
        var out = moved.copied()
        if !dtype.isFloatingPoint { out.dtype = .float32 }
        let m = out.shape[last]
        let rows = m == 0 ? 0 : out.count / m
        let p = out.storage.pointer
        Tensor.softmaxRows(p, rows: rows, cols: m, stride: m)
        return d == last ? out : try out.transpose(d, last).contiguous()
    }

    /// In-place stable softmax of `rows` rows of `cols` values, rows `stride` apart.
    static func softmaxRows(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
        Parallel.forRange(rows, costPerItem: cols * 4) { range in
            for r in range {
                let row = p + r * stride
                let mx = VectorMath.max(row, count: cols)
                if mx == -.infinity {
                    // Every entry masked: PyTorch gives NaN for an all -inf row.
                    for i in 0..<cols { row[i] = .nan }
                    continue
                }
                let sum = VectorMath.expShiftedSum(row, count: cols, shift: mx)
                VectorMath.scale(row, count: cols, by: 1 / sum)
            }
        }
    }
}
