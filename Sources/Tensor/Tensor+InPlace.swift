// In-place operations (`copy_`, `fill_`, `add_`, ...). They write into the tensor's storage, which
// is a shared class, so they are non-mutating methods: every view of the same storage sees the
// new values, as in PyTorch. The result is converted to the tensor's dtype; an operation whose
// result type cannot be cast back (a float result into an integer tensor) throws, as in PyTorch.

extension Tensor {
    /// Copies `source` (broadcast to this shape, converted to this dtype) into this tensor's storage
    /// (`Tensor.copy_`). As in PyTorch, a dense source that partly overlaps this tensor's memory is an
    /// error; other sources sharing the storage are read completely before anything is written.
    public func copy_(from source: Tensor) throws {
        try checkBroadcastsToSelf(source.shape)
        try checkNoPartialOverlap(source)
        var src = try source.expand(to: shape)
        if src.storage === storage { src = src.copied() }
        writeElements(from: src)
    }

    /// TensorIterator's check that `other` broadcasts to this tensor's shape, with its messages.
    func checkBroadcastsToSelf(_ other: [Int]) throws {
        let r = Swift.max(rank, other.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let a = i < r - rank ? 1 : shape[i - (r - rank)]
            let b = i < r - other.count ? 1 : other[i - (r - other.count)]
            guard a == b || a == 1 || b == 1 else {
                throw shapeError("The size of tensor a (\(a)) must match the size of tensor b (\(b)) at non-singleton dimension \(i)")
            }
            out[i] = a == 1 ? b : a
        }
        guard out == shape else {
            throw shapeError("output with shape \(shapeString(shape)) doesn't match the broadcast shape \(shapeString(out))")
        }
    }

    /// PyTorch's `assert_no_partial_overlap` for two dense tensors over the same storage.
    func checkNoPartialOverlap(_ other: Tensor) throws {
        guard other.storage === storage, isContiguous, other.isContiguous, count > 0, other.count > 0 else { return }
        let a = offset..<(offset + count), b = other.offset..<(other.offset + other.count)
        if a.overlaps(b) && a != b {
            throw shapeError("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.")
        }
    }

    /// Sets every element to `value` (converted to this dtype) (`Tensor.fill_`).
    public func fill_(_ value: Float) {
        let v = dtype.normalize(value)
        let p = storage.pointer
        storage.didMutate()
        let zeros = [Int](repeating: 0, count: rank)
        StridedLoop.forEach2(shape: shape, stridesA: strides, offsetA: offset, stridesB: zeros, offsetB: 0) { a, _, len, sa, _ in
            var i = a
            for _ in 0..<len { p[i] = v; i += sa }
        }
    }

    /// Sets every element to zero (`Tensor.zero_`).
    public func zero_() { fill_(0) }

    /// `self += alpha * other` in place (`Tensor.add_`).
    public func add_(_ other: Tensor, alpha: Float = 1) throws {
        try applyInPlace(.add, try scaledOperand(other, alpha: alpha, op: "add_"))
    }

    /// `self -= alpha * other` in place (`Tensor.sub_`).
    public func sub_(_ other: Tensor, alpha: Float = 1) throws {
        try applyInPlace(.sub, try scaledOperand(other, alpha: alpha, op: "sub_"))
    }

    /// `self *= other` in place (`Tensor.mul_`).
    public func mul_(_ other: Tensor) throws { try applyInPlace(.mul, other) }

    /// `self /= other` in place (`Tensor.div_`); integer tensors cannot hold the float quotient.
    public func div_(_ other: Tensor) throws { try applyInPlace(.div, other) }

    /// `self += scalar`; `isInteger` says whether the number was a Python int.
    public func add_(_ scalar: Double, isInteger: Bool = false) throws { try applyInPlace(.add, Tensor.pythonScalar(scalar, isInteger)) }
    /// `self -= scalar`; `isInteger` says whether the number was a Python int.
    public func sub_(_ scalar: Double, isInteger: Bool = false) throws { try applyInPlace(.sub, Tensor.pythonScalar(scalar, isInteger)) }
    /// `self *= scalar`; `isInteger` says whether the number was a Python int.
    public func mul_(_ scalar: Double, isInteger: Bool = false) throws { try applyInPlace(.mul, Tensor.pythonScalar(scalar, isInteger)) }
    /// `self /= scalar`; `isInteger` says whether the number was a Python int.
    public func div_(_ scalar: Double, isInteger: Bool = false) throws { try applyInPlace(.div, Tensor.pythonScalar(scalar, isInteger)) }

    /// Limits the values to `[min, max]` in place (`Tensor.clamp_`); either bound may be omitted.
    public func clamp_(min lo: Float? = nil, max hi: Float? = nil) throws {
        if dtype.isIntegral && [lo, hi].contains(where: { $0.map { $0 != $0.rounded() } ?? false }) {
            throw shapeError("result type Float can't be cast to the desired output type \(dtype == .int64 ? "long int" : scalarTypeName(dtype))")
        }
        writeElements(from: clamp(min: lo, max: hi))
    }

    // MARK: Helpers

    static func pythonScalar(_ x: Double, _ isInteger: Bool) -> Tensor {
        Tensor(Float(x), dtype: isInteger ? .int64 : .float32)
    }

    /// `alpha * other`, checking PyTorch's rule that integer operands take an integer alpha.
    private func scaledOperand(_ other: Tensor, alpha: Float, op: String) throws -> Tensor {
        if alpha == 1 { return other }
        if alpha != alpha.rounded() && Tensor.resultType(self, other).isIntegral {
            throw valueError("For integral input tensors, argument alpha must not be a floating point number.")
        }
        return try Tensor.binary(.mul, other, scalar: Double(alpha), isInteger: alpha == alpha.rounded())
    }

    /// Computes `self op other` and writes it back, with PyTorch's checks that the result keeps this
    /// tensor's shape and that its type can be cast to this tensor's dtype.
    private func applyInPlace(_ op: BinaryOp, _ other: Tensor) throws {
        let common = Tensor.resultType(self, other)
        let resultType = op == .div && common.isIntegral ? DType.float32 : common
        guard Tensor.canCast(from: resultType, to: dtype) else {
            throw shapeError("result type \(scalarTypeName(resultType)) can't be cast to the desired output type \(scalarTypeName(dtype))")
        }
        try checkBroadcastsToSelf(other.shape)
        writeElements(from: try Tensor.binary(op, self, other))
    }

    /// PyTorch's `canCast`: no float to integer, no non-bool to bool.
    static func canCast(from: DType, to: DType) -> Bool {
        if from.isFloatingPoint && to.isIntegral { return false }
        if from != .bool && to == .bool { return false }
        return true
    }

    /// Writes `source` (same shape) into this tensor's storage, converting to this dtype.
    func writeElements(from source: Tensor) {
        let dst = storage.pointer, src = source.storage.pointer, dt = dtype
        storage.didMutate()
        let exact = dt == .float32 || dt == .float64 || dt == source.dtype
        StridedLoop.forEach2(shape: shape, stridesA: strides, offsetA: offset, stridesB: source.strides, offsetB: source.offset) { a, b, len, sa, sb in
            var ia = a, ib = b
            if exact {
                for _ in 0..<len { dst[ia] = src[ib]; ia += sa; ib += sb }
            } else {
                for _ in 0..<len { dst[ia] = dt.normalize(src[ib]); ia += sa; ib += sb }
            }
        }
    }
}
