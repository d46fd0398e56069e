extension Tensor {
    /// A tensor of `shape` filled with `value` (`torch.full`).
    public static func full(_ shape: [Int], _ value: Float, dtype: DType = .float32) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        t.storage.pointer.initialize(repeating: dtype.normalize(value), count: t.count)
        return t
    }

    /// A tensor of zeros (`torch.zeros`).
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, 0, dtype: dtype) }

    /// A tensor of ones (`torch.ones`).
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, 1, dtype: dtype) }

    /// `zeros_like`, `ones_like`, `full_like`.
    public static func zeros(like t: Tensor) -> Tensor { zeros(t.shape, dtype: t.dtype) }
    public static func ones(like t: Tensor) -> Tensor { ones(t.shape, dtype: t.dtype) }
    public static func full(like t: Tensor, _ value: Float) -> Tensor { full(t.shape, value, dtype: t.dtype) }

    /// Values from `start` up to (not including) `end` by `step` (`torch.arange`). The dtype is
    /// int64 when all three are whole numbers and no dtype is given, as in PyTorch.
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType? = nil) throws -> Tensor {
        guard step != 0 else { throw valueError("arange: step must be nonzero") }
        guard start.isFinite && end.isFinite else { throw valueError("arange: unsupported range: \(start) -> \(end)") }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else {
            throw valueError("arange: upper bound and larger bound inconsistent with step sign")
        }
        let count = ((end - start) / step).rounded(.up)
        guard count < 1e15 else { throw shapeError("arange: a range of \(count) values is too large") }
        let n = Int(count)
        try checkAllocation([n], op: "arange")
        let allInts = start == start.rounded() && end == end.rounded() && step == step.rounded()
        let dt = dtype ?? (allInts ? .int64 : .float32)
        let t = Tensor(uninitializedShape: [n], dtype: dt)
        for i in 0..<n { t.storage.pointer[i] = dt.normalize(Float(start + Double(i) * step)) }
        return t
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive (`torch.linspace`), computed as
    /// PyTorch does: the first half from `start`, the second half back from `end`.
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32) throws -> Tensor {
        guard steps >= 0 else { throw valueError("linspace: number of steps must be non-negative") }
        try checkAllocation([steps], op: "linspace")
        let t = Tensor(uninitializedShape: [steps], dtype: dtype)
        if steps == 0 { return t }
        if steps == 1 { t.storage.pointer[0] = dtype.normalize(Float(start)); return t }
        let half = steps / 2
        if dtype == .float64 {
            let step = (end - start) / Double(steps - 1)
            for i in 0..<steps {
                let v = i < half ? start.addingProduct(step, Double(i)) : end.addingProduct(-step, Double(steps - i - 1))
                t.storage.pointer[i] = Float(v)
            }
            return t
        }
        // PyTorch's CPU kernel computes in the output's precision. For float32 its compiled code
        // fuses `start + step * i` (and `end - step * (steps - i - 1)`) into one FMA, which
        // changes the last bit of about one value in ten; half types go through float operators
        // one at a time.
        let s = Float(start), e = Float(end)
        let stepSize = (e - s) / Float(steps - 1)
        let fused = dtype == .float32
        for i in 0..<steps {
            let v: Float
            if i < half {
                v = fused ? s.addingProduct(stepSize, Float(i)) : s + stepSize * Float(i)
            } else {
                v = fused ? e.addingProduct(-stepSize, Float(steps - i - 1)) : e - stepSize * Float(steps - i - 1)
            }
            t.storage.pointer[i] = dtype.normalize(v)
        }
        return t
    }

    /// The identity matrix (`torch.eye`).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
        let cols = m ?? n
        let t = zeros([n, cols], dtype: dtype)
        for i in 0..<min(n, cols) { t.storage.pointer[i * cols + i] = 1 }
        return t
    }
}
