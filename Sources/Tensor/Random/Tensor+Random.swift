import Foundation

// Random tensors, drawn as PyTorch's CPU kernels draw them (`ATen/native/cpu/DistributionTemplates.h`):
//
// * `rand`/`uniform_`: one 32-bit draw per float element (24 bits used), one 64-bit draw per
//   float64 element (53 bits used), in element order.
// * `randn`/`normal_` on a contiguous tensor of 16 or more elements: `normal_fill` — for float32,
//   uniforms for the whole tensor first, then Box–Muller on blocks of 16 pairing element j with
//   j + 8; when the size is not a multiple of 16 the last 16 elements are redrawn and recomputed.
//   float16/bfloat16 draw and transform one block of 16 at a time. The float kernel is the AVX2
//   one, whose log/sin/cos are the `avx_mathfun.h` polynomials (see `AVXMath`).
// * `randn`/`normal_` on fewer than 16 elements (or a non-contiguous tensor): double-precision
//   Box–Muller per element with the second sample cached in the generator.
// * `randint`: `random_from_to` — a 32-bit draw modulo the range, or a 64-bit draw when the
//   range is 2^28 or more.
//
// Checked bit for bit against torch 2.15.0 on x86-64 (AVX512 and AVX2 kernels give the same
// numbers): rand, randn of every size, randint, float16/bfloat16/float64, normal_ and uniform_
// with mean/std/range, and consecutive mixed calls. PyTorch itself gives other last bits for
// `randn` of 16+ elements where it runs its portable kernels (`ATEN_CPU_CAPABILITY=default`,
// non-x86 CPUs): up to 2e-6 apart on about 40% of values.

extension Tensor {
    /// Standard normal samples (`torch.randn`). Negative sizes are treated as 0; integer dtypes
    /// receive truncated normal samples (PyTorch refuses them; callers should too).
    public static func randn(_ shape: [Int], generator: Generator? = nil, dtype: DType = .float32) -> Tensor {
        var t = Tensor(uninitializedShape: shape.map { max($0, 0) }, dtype: dtype)
        t.fillNormal(mean: 0, std: 1, generator: generator ?? .default)
        return t
    }

    /// Uniform samples in [0, 1) (`torch.rand`). Negative sizes are treated as 0.
    public static func rand(_ shape: [Int], generator: Generator? = nil, dtype: DType = .float32) -> Tensor {
        var t = Tensor(uninitializedShape: shape.map { max($0, 0) }, dtype: dtype)
        t.fillUniform(from: 0, to: 1, generator: generator ?? .default)
        return t
    }

    /// Integers in [low, high) (`torch.randint`).
    public static func randint(low: Int, high: Int, _ shape: [Int], generator: Generator? = nil, dtype: DType = .int64) throws -> Tensor {
        guard low < high else {
            throw valueError("randint: random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw valueError("randint: negative dimension in shape \(shapeString(shape))")
        }
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        let range = UInt64(bitPattern: Int64(high) &- Int64(low))
        let p = t.storage.pointer
        let n = t.count
        (generator ?? .default).withDraws { d in
            for i in 0..<n {
                let v = range >= 1 << 28 ? d.random64() % range : UInt64(d.random32()) % range
                p[i] = dtype.normalize(Float(Int64(bitPattern: v) &+ Int64(low)))
            }
        }
        return t
    }

    /// `torch.randn_like`.
    public static func randn(like t: Tensor, generator: Generator? = nil) -> Tensor {
        randn(t.shape, generator: generator, dtype: t.dtype)
    }

    /// `torch.rand_like`.
    public static func rand(like t: Tensor, generator: Generator? = nil) -> Tensor {
        rand(t.shape, generator: generator, dtype: t.dtype)
    }

    /// Fills the tensor in place with samples of N(mean, std²) (`Tensor.normal_`); the writes are
    /// seen by every view of the same storage.
    public mutating func normal_(mean: Double = 0, std: Double = 1, generator: Generator? = nil) throws {
        guard std >= 0 else { throw valueError("normal_ expects std >= 0.0, but found std \(pythonFloatRepr(std))") }
        guard dtype.isFloatingPoint else { throw valueError("normal_: \"normal_kernel_cpu\" not implemented for '\(dtype.rawValue)'") }
        fillNormal(mean: mean, std: std, generator: generator ?? .default)
    }

    /// Fills the tensor in place with samples of U[from, to) (`Tensor.uniform_`).
    public mutating func uniform_(from: Double = 0, to: Double = 1, generator: Generator? = nil) throws {
        guard from <= to else {
            throw valueError("uniform_ expects to return a [from, to) range, but found from=\(pythonFloatRepr(from)) > to=\(pythonFloatRepr(to))")
        }
        guard dtype.isFloatingPoint else { throw valueError("uniform_: \"uniform_kernel_cpu\" not implemented for '\(dtype.rawValue)'") }
        fillUniform(from: from, to: to, generator: generator ?? .default)
    }

    // MARK: Kernels

    /// Storage positions of the elements in the order PyTorch's TensorIterator visits them for a
    /// one-output kernel: dimensions ordered by decreasing stride (memory order for permuted views).
    func iterationPositions() -> [Int] {
        let order = (0..<rank).sorted { a, b in
            strides[a] != strides[b] ? strides[a] > strides[b] : a < b
        }
        let p = try? permute(order)
        let t = p ?? self
        var out: [Int] = []
        out.reserveCapacity(count)
        StridedLoop.forEach2(shape: t.shape, stridesA: t.strides, offsetA: t.offset, stridesB: t.strides, offsetB: t.offset) { a, _, len, sa, _ in
            for k in 0..<len { out.append(a + k * sa) }
        }
        return out
    }

    mutating func fillNormal(mean: Double, std: Double, generator: Generator) {
        let n = count
        if n == 0 { return }
        let p = storage.pointer
        storage.didMutate()
        let dt = dtype
        if n >= 16 && isContiguous {
            let base = p + offset
            generator.withDraws { d in
                switch dt {
                case .float32, .bool, .uint8, .int32, .int64:
                    d.uniformFloats(base, count: n)
                    let m = Float(mean), s = Float(std)
                    Draws.normalFill(base, blocks: n / 16, mean: m, std: s)
                    if n % 16 != 0 {
                        // PyTorch redraws the last 16 (overlapping the previous block) and transforms them.
                        let tail = base + n - 16
                        d.uniformFloats(tail, count: 16)
                        Draws.normalFill16(tail, mean: m, std: s)
                    }
                    if dt != .float32 { for i in 0..<n { base[i] = dt.normalize(base[i]) } }
                case .float16, .bfloat16:
                    var buf = [Float](repeating: 0, count: 16)
                    let m = Float(mean), s = Float(std)
                    buf.withUnsafeMutableBufferPointer { b in
                        guard let bp = b.baseAddress else { return }
                        func block(at start: Int) {
                            d.uniformFloats(bp, count: 16)
                            Draws.normalFill16(bp, mean: m, std: s)
                            for j in 0..<16 { base[start + j] = dt.normalize(bp[j]) }
                        }
                        var i = 0
                        while i + 16 <= n { block(at: i); i += 16 }
                        if n % 16 != 0 { block(at: n - 16) }
                    }
                case .float64:
                    var data = [Double](repeating: 0, count: n)
                    data.withUnsafeMutableBufferPointer { b in
                        guard let bp = b.baseAddress else { return }
                        for i in 0..<n { bp[i] = d.uniformDouble() }
                        var i = 0
                        while i + 16 <= n { Draws.normalFill16(bp + i, mean: mean, std: std); i += 16 }
                        if n % 16 != 0 {
                            let tail = bp + n - 16
                            for j in 0..<16 { tail[j] = d.uniformDouble() }
                            Draws.normalFill16(tail, mean: mean, std: std)
                        }
                        for i in 0..<n { base[i] = Float(bp[i]) }
                    }
                }
            }
            return
        }
        let positions = isContiguous ? Array(offset..<(offset + n)) : iterationPositions()
        generator.withDraws { d in
            for pos in positions { p[pos] = dt.normalize(Float(d.normalDouble(mean: mean, std: std))) }
        }
    }

    mutating func fillUniform(from: Double, to: Double, generator: Generator) {
        let n = count
        if n == 0 { return }
        let p = storage.pointer
        storage.didMutate()
        let dt = dtype
        let contiguous = isContiguous, start = offset
        let positions = contiguous ? [] : iterationPositions()
        generator.withDraws { d in
            if dt == .float64 {
                for k in 0..<n {
                    let v = from.addingProduct(d.uniformDouble(), to - from)
                    p[contiguous ? start + k : positions[k]] = Float(v == to ? from : v)
                }
                return
            }
            let lo = Float(from), hi = Float(to)
            let span = hi - lo
            let loS = dt.normalize(lo), hiS = dt.normalize(hi)
            // x * (to - from) + from, contracted to an FMA by the compiler in PyTorch's build.
            if contiguous {
                let base = p + start
                d.uniformFloats(base, count: n)
                for i in 0..<n {
                    let v = dt.normalize(lo.addingProduct(base[i], span))
                    base[i] = v == hiS ? loS : v
                }
            } else {
                for pos in positions {
                    let v = dt.normalize(lo.addingProduct(d.uniformFloat(), span))
                    p[pos] = v == hiS ? loS : v
                }
            }
        }
    }
}
