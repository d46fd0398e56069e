import Foundation

/// Reductions over all elements or over chosen dimensions.
public enum ReductionOp: String, Sendable {
    case sum, mean, prod, min, max, amin, amax, argmin, argmax, all, any
}

extension Tensor {
    /// Normalised, sorted, de-duplicated dimensions; nil or empty means all.
    func reductionDims(_ dims: [Int]?, op: String) throws -> [Int] {
        guard let dims, !dims.isEmpty else { return Array(0..<rank) }
        let d = try dims.map { try normalizedDim($0, op: op) }
        guard Set(d).count == d.count else { throw valueError("\(op): dim \(d[0]) appears multiple times in the list of dims") }
        return d.sorted()
    }

    /// Lays the tensor out as [outer, inner] with the reduced dims innermost and calls `body`
    /// with (pointer, outer count, inner count). Returns the kept shape with and without keepdim.
    func withReductionLayout<R>(_ dims: [Int], _ body: (UnsafePointer<Float>, Int, Int) -> R) -> R {
        let kept = (0..<rank).filter { !dims.contains($0) }
        let perm = kept + dims
        let p = Tensor(shape: perm.map { shape[$0] }, strides: perm.map { strides[$0] }, offset: offset, storage: storage, dtype: dtype).contiguous()
        let inner = dims.map { shape[$0] }.reduce(1, *)
        let outer = kept.map { shape[$0] }.reduce(1, *)
        return withExtendedLifetime(p.storage) { body(p.storage.pointer + p.offset, outer, inner) }
    }

    func reducedShape(_ dims: [Int], keepdim: Bool) -> [Int] {
        keepdim ? shape.indices.map { dims.contains($0) ? 1 : shape[$0] } : shape.indices.filter { !dims.contains($0) }.map { shape[$0] }
    }

    /// Reduces over `dims` (all dimensions when nil), keeping them as size 1 when `keepdim`.
    public func reduce(_ op: ReductionOp, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let isArg = op == .argmax || op == .argmin
        if isArg && (dims ?? []).isEmpty && rank > 1 {
            // Without a dim, argmax/argmin index the flattened tensor.
            let flat = try reshape([count]).reduce(op, dims: nil, keepdim: false)
            return try flat.reshape(keepdim ? [Int](repeating: 1, count: rank) : [])
        }
        let d = try reductionDims(dims, op: op.rawValue)
        if isArg && d.count > 1 { throw valueError("\(op.rawValue): expected a single dimension") }
        if count == 0 && [.min, .max, .amin, .amax, .argmin, .argmax].contains(op) {
            throw indexError("\(op.rawValue)(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
        }
        let outType: DType
        switch op {
        case .sum, .prod: outType = dtype.isIntegral ? .int64 : dtype
        case .mean:
            guard dtype.isFloatingPoint else {
                throw valueError("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(dtype.rawValue.capitalized == "Int64" ? "Long" : dtype.rawValue)")
            }
            outType = dtype
        case .argmin, .argmax: outType = .int64
        case .all, .any: outType = .bool
        default: outType = dtype
        }
        var out = Tensor(uninitializedShape: reducedShape(d, keepdim: keepdim), dtype: outType)
        let dst = out.storage.pointer
        withReductionLayout(d) { src, outer, inner in
            Parallel.forRange(outer, costPerItem: inner) { range in
                for o in range {
                    let row = src + o * inner
                    dst[o] = Tensor.reduceRow(op, row, inner)
                }
            }
        }
        if outType != .float32 { out.normalizeValues() }
        return out
    }

    @inline(__always)
    static func reduceRow(_ op: ReductionOp, _ row: UnsafePointer<Float>, _ n: Int) -> Float {
        switch op {
        case .sum, .mean:
            var acc: Double = 0
            for i in 0..<n { acc += Double(row[i]) }
            return op == .sum ? Float(acc) : Float(acc / Double(n))
        case .prod:
            var acc: Double = 1
            for i in 0..<n { acc *= Double(row[i]) }
            return Float(acc)
        case .min, .amin:
            var m = Float.infinity
            for i in 0..<n { if row[i].isNaN { return .nan }; m = Swift.min(m, row[i]) }
            return m
        case .max, .amax:
            var m = -Float.infinity
            for i in 0..<n { if row[i].isNaN { return .nan }; m = Swift.max(m, row[i]) }
            return m
        case .argmax:
            var best = 0
            for i in 0..<n { if row[i].isNaN { return Float(i) }; if row[i] > row[best] { best = i } }
            return Float(best)
        case .argmin:
            var best = 0
            for i in 0..<n { if row[i].isNaN { return Float(i) }; if row[i] < row[best] { best = i } }
            return Float(best)
        case .all:
            for i in 0..<n where row[i] == 0 { return 0 }
            return 1
        case .any:
            for i in 0..<n where row[i] != 0 { return 1 }
            return 0
        }
    }

    /// Variance over `dims` with Bessel's correction when `unbiased` (`correction` = 1).
    public func variance(dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw valueError("var(): input dtype should be floating point, got \(dtype.rawValue)") }
        let d = try reductionDims(dims, op: "var")
        var out = Tensor(uninitializedShape: reducedShape(d, keepdim: keepdim), dtype: dtype)
        let dst = out.storage.pointer
        withReductionLayout(d) { src, outer, inner in
            for o in 0..<outer {
                let row = src + o * inner
                var mean: Double = 0
                for i in 0..<inner { mean += Double(row[i]) }
                mean /= Double(inner)
                var ss: Double = 0
                for i in 0..<inner { let x = Double(row[i]) - mean; ss += x * x }
                let denom = Double(inner - correction)
                dst[o] = denom <= 0 ? .nan : Float(ss / denom)
            }
        }
        if dtype != .float32 { out.normalizeValues() }
        return out
    }

    /// Standard deviation (square root of ``variance(dims:correction:keepdim:)``).
    public func std(dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        try variance(dims: dims, correction: correction, keepdim: keepdim).unary(.sqrt)
    }

    public func sum(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor { try reduce(.sum, dims: dims, keepdim: keepdim) }
    public func mean(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor { try reduce(.mean, dims: dims, keepdim: keepdim) }

    /// Running sum or product along `dim` (`cumsum`, `cumprod`), accumulated in double precision
    /// and rounded per element, as PyTorch's CPU kernel does (`acc_type<float>` is double there).
    public func cumulative(_ product: Bool, dim: Int) throws -> Tensor {
        let d = try normalizedDim(dim, op: product ? "cumprod" : "cumsum")
        let outType: DType = dtype.isIntegral ? .int64 : dtype
        let moved = try transpose(d, -1).contiguous()
        var out = Tensor(uninitializedShape: moved.shape, dtype: outType)
        let n = moved.shape.last ?? 1
        let rows = moved.count / Swift.max(n, 1)
        let src = moved.storage.pointer + moved.offset, dst = out.storage.pointer
        for r in 0..<rows {
            var acc: Double = product ? 1 : 0
            for i in 0..<n {
                acc = product ? acc * Double(src[r * n + i]) : acc + Double(src[r * n + i])
                dst[r * n + i] = Float(acc)
            }
        }
        if outType != .float32 { out.normalizeValues() }
        return try out.transpose(d, -1).contiguous()
    }
}
