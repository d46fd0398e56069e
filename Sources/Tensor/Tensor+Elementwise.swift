import Foundation
import TensorKernels

// Elementwise operations with NumPy/PyTorch broadcasting.
//
// Kernels are small structs conforming to `UnaryKernel`/`BinaryKernel`; the loops are generic over
// them so the compiler specialises each loop for its kernel (no closures or dynamic dispatch per
// element). Large outputs are split across threads.

/// A float function of one argument.
public protocol UnaryKernel {
    func callAsFunction(_ x: Float) -> Float
}

/// A float function of two arguments.
public protocol BinaryKernel {
    func callAsFunction(_ a: Float, _ b: Float) -> Float
}

/// The binary operations tensors support, with the names PyTorch uses in messages.
public enum BinaryOp: String, Sendable {
    case add, sub, mul, div, floorDivide = "floor_divide", remainder, pow, minimum, maximum, atan2
    case eq, ne, lt, le, gt, ge
    case logicalAnd = "logical_and", logicalOr = "logical_or", logicalXor = "logical_xor"

    var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge, .logicalAnd, .logicalOr, .logicalXor: return true
        default: return false
        }
    }
}

/// The unary operations tensors support.
public enum UnaryOp: String, Sendable, CaseIterable {
    case neg, abs, sqrt, rsqrt, exp, log, log2, log10, sin, cos, tan, tanh, sigmoid, silu, gelu, geluTanh = "gelu_tanh"
    case relu, floor, ceil, round, trunc, sign, reciprocal, square, erf, logicalNot = "logical_not", isnan, isinf, mish, softplus
}

extension Tensor {
    // MARK: Broadcasting

    /// The shape two shapes broadcast to, or an error naming `op` and the mismatch.
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String = "broadcast") throws -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db || db == 1 { out[i] = da }
            else if da == 1 { out[i] = db }
            else {
                throw shapeError("\(op): The size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(i)")
            }
        }
        return out
    }

    /// Strides that read this tensor as if expanded to `target` (0 along broadcast dimensions).
    func broadcastStrides(to target: [Int]) -> [Int] {
        let r = target.count, k = shape.count
        var s = [Int](repeating: 0, count: r)
        for i in 0..<k where shape[i] != 1 {
            s[r - k + i] = strides[i]
        }
        return s
    }

    // MARK: Generic loops

    /// Applies `f` to every element into a new contiguous tensor of `dtype`.
    @inline(__always)
    public func map<K: UnaryKernel>(_ f: K, dtype outType: DType? = nil) -> Tensor {
        let dt = outType ?? dtype
        var out = Tensor(uninitializedShape: shape, dtype: dt)
        let n = count
        if n == 0 { return out }
        let dst = out.storage.pointer
        let src = storage.pointer
        if isContiguous {
            let base = src + offset
            Parallel.forRange(n, costPerItem: 4) { r in
                for i in r { dst[i] = f(base[i]) }
            }
        } else {
            let zeros = [Int](repeating: 0, count: rank)
            StridedLoop.forEach3(shape: shape, stridesA: strides, offsetA: offset, stridesB: zeros, offsetB: 0) { o, a, _, len, sa, _ in
                var ia = a
                for j in 0..<len { dst[o + j] = f(src[ia]); ia += sa }
            }
        }
        if dt != .float32 && dt != .float64 { out.normalizeValues() }
        return out
    }

    /// Applies `f` to broadcast pairs of elements of `a` and `b` into a new tensor of `dtype`.
    @inline(__always)
    public static func zip<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ f: K, dtype outType: DType, op: String) throws -> Tensor {
        let shape = a.shape == b.shape ? a.shape : try broadcastShape(a.shape, b.shape, op: op)
        var out = Tensor(uninitializedShape: shape, dtype: outType)
        let n = out.count
        if n == 0 { return out }
        let dst = out.storage.pointer
        let pa = a.storage.pointer, pb = b.storage.pointer
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            let ba = pa + a.offset, bb = pb + b.offset
            Parallel.forRange(n, costPerItem: 2) { r in
                for i in r { dst[i] = f(ba[i], bb[i]) }
            }
        } else if b.count == 1 && a.shape == shape && a.isContiguous {
            let ba = pa + a.offset, s = pb[b.offset]
            Parallel.forRange(n, costPerItem: 2) { r in
                for i in r { dst[i] = f(ba[i], s) }
            }
        } else if a.count == 1 && b.shape == shape && b.isContiguous {
            let bb = pb + b.offset, s = pa[a.offset]
            Parallel.forRange(n, costPerItem: 2) { r in
                for i in r { dst[i] = f(s, bb[i]) }
            }
        } else {
            let sa = a.broadcastStrides(to: shape), sb = b.broadcastStrides(to: shape)
            let inner = shape.last ?? 1
            let rows = n / max(inner, 1)
            Parallel.forRange(rows, costPerItem: inner * 2) { rowRange in
                StridedLoop.forEach3(shape: shape, stridesA: sa, offsetA: a.offset, stridesB: sb, offsetB: b.offset, rowRange: rowRange) { o, ia0, ib0, len, sta, stb in
                    var ia = ia0, ib = ib0
                    for j in 0..<len { dst[o + j] = f(pa[ia], pb[ib]); ia += sta; ib += stb }
                }
            }
        }
        if outType != .float32 && outType != .float64 { out.normalizeValues() }
        return out
    }

    /// Rounds every stored value to what `dtype` can hold.
    mutating func normalizeValues() {
        let p = storage.pointer + offset, dt = dtype
        for i in 0..<count { p[i] = dt.normalize(p[i]) }
    }

    // MARK: Binary operations

    /// Result type of a binary operation on two tensors. Zero-dimensional tensors, like Python
    /// scalars, only raise the category (bool < integer < floating point), as in PyTorch.
    static func resultType(_ a: Tensor, _ b: Tensor) -> DType {
        let aScalar = a.rank == 0, bScalar = b.rank == 0
        if aScalar == bScalar { return DType.promote(a.dtype, b.dtype) }
        let (t, s) = aScalar ? (b.dtype, a.dtype) : (a.dtype, b.dtype)
        if s.isFloatingPoint && !t.isFloatingPoint { return .float32 }
        if s.isIntegral && s != .bool && t == .bool { return .int64 }
        return t
    }

    /// Applies a binary operation with broadcasting and PyTorch's type promotion.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let common = resultType(a, b)
        let name = op.rawValue
        switch op {
        case .add: return try zip(a, b, AddK(), dtype: common, op: name)
        case .sub:
            if common == .bool { throw valueError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.") }
            return try zip(a, b, SubK(), dtype: common, op: name)
        case .mul: return try zip(a, b, MulK(), dtype: common, op: name)
        case .div: return try zip(a, b, DivK(), dtype: common.isFloatingPoint ? common : .float32, op: name)
        case .floorDivide:
            if common.isIntegral { try checkIntegerDivisor(b, op: name) }
            return try zip(a, b, FloorDivK(), dtype: common, op: name)
        case .remainder:
            if common.isIntegral { try checkIntegerDivisor(b, op: name) }
            return try zip(a, b, RemainderK(), dtype: common, op: name)
        case .pow: return try zip(a, b, PowK(), dtype: common, op: name)
        case .minimum: return try zip(a, b, MinK(), dtype: common, op: name)
        case .maximum: return try zip(a, b, MaxK(), dtype: common, op: name)
        case .atan2: return try zip(a, b, Atan2K(), dtype: common.isFloatingPoint ? common : .float32, op: name)
        case .eq: return try zip(a, b, CompareK(op: 0), dtype: .bool, op: name)
        case .ne: return try zip(a, b, CompareK(op: 1), dtype: .bool, op: name)
        case .lt: return try zip(a, b, CompareK(op: 2), dtype: .bool, op: name)
        case .le: return try zip(a, b, CompareK(op: 3), dtype: .bool, op: name)
        case .gt: return try zip(a, b, CompareK(op: 4), dtype: .bool, op: name)
        case .ge: return try zip(a, b, CompareK(op: 5), dtype: .bool, op: name)
        case .logicalAnd: return try zip(a, b, CompareK(op: 6), dtype: .bool, op: name)
        case .logicalOr: return try zip(a, b, CompareK(op: 7), dtype: .bool, op: name)
        case .logicalXor: return try zip(a, b, CompareK(op: 8), dtype: .bool, op: name)
        }
    }

    private static func checkIntegerDivisor(_ b: Tensor, op: String) throws {
        if b.scalars.contains(0) { throw TensorError(.value, "\(op): ZeroDivisionError") }
    }

    /// A binary operation with a Python number on the right. `isInteger` says whether the number
    /// was a Python int (which keeps integer tensors integer) or a float.
    public static func binary(_ op: BinaryOp, _ a: Tensor, scalar: Double, isInteger: Bool) throws -> Tensor {
        try binary(op, a, Tensor(Float(scalar), dtype: isInteger ? .int64 : .float32))
    }

    /// A binary operation with a Python number on the left (`2 - x`).
    public static func binary(_ op: BinaryOp, scalar: Double, isInteger: Bool, _ b: Tensor) throws -> Tensor {
        try binary(op, Tensor(Float(scalar), dtype: isInteger ? .int64 : .float32), b)
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binary(.add, a, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binary(.sub, a, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binary(.mul, a, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try binary(.div, a, b) }
    public static func + (a: Tensor, b: Float) throws -> Tensor { try binary(.add, a, scalar: Double(b), isInteger: false) }
    public static func - (a: Tensor, b: Float) throws -> Tensor { try binary(.sub, a, scalar: Double(b), isInteger: false) }
    public static func * (a: Tensor, b: Float) throws -> Tensor { try binary(.mul, a, scalar: Double(b), isInteger: false) }
    public static func / (a: Tensor, b: Float) throws -> Tensor { try binary(.div, a, scalar: Double(b), isInteger: false) }
    public static func * (a: Float, b: Tensor) throws -> Tensor { try binary(.mul, scalar: Double(a), isInteger: false, b) }
    public static func - (a: Float, b: Tensor) throws -> Tensor { try binary(.sub, scalar: Double(a), isInteger: false, b) }
    public static prefix func - (a: Tensor) -> Tensor { a.unary(.neg) }

    /// `torch.where(condition, a, b)`: elements of `a` where `condition` is non-zero, else of `b`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try broadcastShape(try broadcastShape(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let dt = resultType(a, b)
        let c = try condition.expand(to: shape).contiguous()
        let x = try a.expand(to: shape).contiguous(), y = try b.expand(to: shape).contiguous()
        var out = Tensor(uninitializedShape: shape, dtype: dt)
        let pc = c.storage.pointer + c.offset, px = x.storage.pointer + x.offset, py = y.storage.pointer + y.offset
        let dst = out.storage.pointer
        for i in 0..<out.count { dst[i] = pc[i] != 0 ? px[i] : py[i] }
        if dt != .float32 { out.normalizeValues() }
        return out
    }

    // MARK: Unary operations

    /// Applies a unary operation. Functions that only make sense on floats turn integer tensors
    /// into float32, as PyTorch does.
    public func unary(_ op: UnaryOp) -> Tensor {
        let floatType: DType = dtype.isFloatingPoint ? dtype : .float32
        switch op {
        case .neg: return map(NegK())
        case .abs: return map(AbsK())
        case .sqrt: return map(SqrtK(), dtype: floatType)
        case .rsqrt: return map(RsqrtK(), dtype: floatType)
        case .exp: return map(ExpK(), dtype: floatType)
        case .log: return map(LogK(), dtype: floatType)
        case .log2: return map(Log2K(), dtype: floatType)
        case .log10: return map(Log10K(), dtype: floatType)
        case .sin: return map(SinK(), dtype: floatType)
        case .cos: return map(CosK(), dtype: floatType)
        case .tan: return map(TanK(), dtype: floatType)
        case .tanh: return map(TanhK(), dtype: floatType)
        case .sigmoid: return map(SigmoidK(), dtype: floatType)
        case .silu: return map(SiluK(), dtype: floatType)
        case .gelu: return map(GeluK(), dtype: floatType)
        case .geluTanh: return map(GeluTanhK(), dtype: floatType)
        case .relu: return map(ReluK())
        case .floor: return dtype.isIntegral ? self : map(FloorK())
        case .ceil: return dtype.isIntegral ? self : map(CeilK())
        case .round: return dtype.isIntegral ? self : map(RoundK())
        case .trunc: return dtype.isIntegral ? self : map(TruncK())
        case .sign: return map(SignK())
        case .reciprocal: return map(ReciprocalK(), dtype: floatType)
        case .square: return map(SquareK(), dtype: dtype == .bool ? .int64 : dtype)
        case .erf: return map(ErfK(), dtype: floatType)
        case .logicalNot: return map(LogicalNotK(), dtype: .bool)
        case .isnan: return map(IsNaNK(), dtype: .bool)
        case .isinf: return map(IsInfK(), dtype: .bool)
        case .mish: return map(MishK(), dtype: floatType)
        case .softplus: return map(SoftplusK(), dtype: floatType)
        }
    }

    /// Limits values to `[min, max]` (`torch.clamp`); either bound may be omitted.
    public func clamp(min lo: Float? = nil, max hi: Float? = nil) -> Tensor {
        map(ClampK(lo: lo ?? -.infinity, hi: hi ?? .infinity))
    }

    /// `x ** exponent` for a scalar exponent.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return map(SquareK()) }
        if exponent == 0.5 { return map(SqrtK(), dtype: dtype.isFloatingPoint ? dtype : .float32) }
        let isWhole = exponent == exponent.rounded()
        return map(PowScalarK(e: exponent), dtype: dtype.isIntegral && !isWhole ? .float32 : dtype)
    }

    public func sqrt() -> Tensor { unary(.sqrt) }
    public func exp() -> Tensor { unary(.exp) }
    public func log() -> Tensor { unary(.log) }
    public func abs() -> Tensor { unary(.abs) }
    public func silu() -> Tensor { unary(.silu) }
    public func sigmoid() -> Tensor { unary(.sigmoid) }
}

// MARK: Kernels

struct AddK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MulK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
struct FloorDivK: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
        // PyTorch's div_floor_floating: the rounded-down quotient, corrected with the remainder.
        if b == 0 { return a / b }
        let m = fmodf(a, b)
        var div = (a - m) / b
        if m != 0 && ((b < 0) != (m < 0)) { div -= 1 }
        if div == 0 { return copysignf(0, a / b) }
        let f = div.rounded(.down)
        return div - f > 0.5 ? f + 1 : f
    }
}
struct RemainderK: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
        var m = fmodf(a, b)
        if m != 0 && ((b < 0) != (m < 0)) { m += b }
        return m
    }
}
struct PowK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { powf(a, b) } }
struct MinK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) } }
struct MaxK: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) } }
struct Atan2K: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { atan2f(a, b) } }
struct CompareK: BinaryKernel {
    let op: Int
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float {
        let r: Bool
        switch op {
        case 0: r = a == b
        case 1: r = a != b
        case 2: r = a < b
        case 3: r = a <= b
        case 4: r = a > b
        case 5: r = a >= b
        case 6: r = a != 0 && b != 0
        case 7: r = a != 0 || b != 0
        default: r = (a != 0) != (b != 0)
        }
        return r ? 1 : 0
    }
}

struct NegK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { -x } }
struct AbsK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { Swift.abs(x) } }
struct SqrtK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
struct RsqrtK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x.squareRoot() } }
struct ExpK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { expf(x) } }
struct LogK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { logf(x) } }
struct Log2K: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { log2f(x) } }
struct Log10K: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { log10f(x) } }
struct SinK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { sinf(x) } }
struct CosK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { cosf(x) } }
struct TanK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { tanf(x) } }
struct TanhK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { tanhf(x) } }
// Sigmoid and SiLU on the branch-free exp (within 2 ulp of libm's), so their loops vectorise: libm's expf is a call
// per value (SiLU over 64K values took 208 µs on one thread). The same function as group norm's fused SiLU, so
// `F.silu(F.group_norm(x, …))` equals the fused result.
struct SigmoidK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { VectorKernels.sigmoid(x) } }
struct SiluK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { VectorKernels.silu(x) } }
struct GeluK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) } }
struct GeluTanhK: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }
}
struct ReluK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : (x.isNaN ? x : 0) } }
struct FloorK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.down) } }
struct CeilK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.up) } }
struct RoundK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.toNearestOrEven) } }
struct TruncK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.rounded(.towardZero) } }
struct SignK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : x) } }
struct ReciprocalK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { 1 / x } }
struct SquareK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * x } }
struct ErfK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { erff(x) } }
struct LogicalNotK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x == 0 ? 1 : 0 } }
struct IsNaNK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.isNaN ? 1 : 0 } }
struct IsInfK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.isInfinite ? 1 : 0 } }
struct SoftplusK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 20 ? x : log1pf(expf(x)) } }
struct MishK: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x * tanhf(SoftplusK()(x)) } }
struct ClampK: UnaryKernel {
    let lo: Float, hi: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x.isNaN ? x : Swift.min(Swift.max(x, lo), hi) }
}
struct PowScalarK: UnaryKernel { let e: Float; @inline(__always) func callAsFunction(_ x: Float) -> Float { powf(x, e) } }
