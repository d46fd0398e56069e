/// Element types a ``Tensor`` can carry.
///
/// dsh computes in `float32`. The other types are tags over the same float buffer: integer and
/// boolean tensors hold exact whole numbers (exact up to 2^24, which covers timesteps, indices,
/// pixel values and class labels), and `float16`/`bfloat16` tensors hold values rounded to that
/// precision. Checkpoints stored as float16/bfloat16 are converted to float32 when loaded.
public enum DType: String, Sendable, CaseIterable {
    case bool, uint8, int32, int64, float16, bfloat16, float32, float64

    /// PyTorch's spelling, e.g. `torch.float32`.
    public var torchName: String { "torch.\(rawValue)" }

    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    public var isIntegral: Bool { !isFloatingPoint }

    /// Bytes per element in PyTorch's storage (used for `element_size()` and file formats).
    public var itemSize: Int {
        switch self {
        case .bool, .uint8: return 1
        case .float16, .bfloat16: return 2
        case .int32: return 4
        case .float32: return 4
        case .int64, .float64: return 8
        }
    }

    /// Order used by type promotion: a result takes the higher of two operands' types.
    var promotionRank: Int {
        switch self {
        case .bool: return 0
        case .uint8: return 1
        case .int32: return 2
        case .int64: return 3
        case .float16: return 4
        case .bfloat16: return 5
        case .float32: return 6
        case .float64: return 7
        }
    }

    /// PyTorch's promotion of two tensor operands of the same priority.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        // float16 with bfloat16 gives float32, as in PyTorch.
        if (a == .float16 && b == .bfloat16) || (a == .bfloat16 && b == .float16) { return .float32 }
        return a.promotionRank >= b.promotionRank ? a : b
    }

    /// Rounds a float32 value to what this dtype can hold (truncation toward zero for integers,
    /// wrap-around for uint8, nearest representable value for half types).
    @inline(__always)
    func normalize(_ x: Float) -> Float {
        switch self {
        case .float32, .float64: return x
        case .bool: return x != 0 ? 1 : 0
        // `+ 0` turns -0.0 into 0: integers have no negative zero (`-0 // 3` is `0`).
        case .int32, .int64: return x.isFinite ? x.rounded(.towardZero) + 0 : 0
        case .uint8:
            guard x.isFinite else { return 0 }
            let t = Int64(x.rounded(.towardZero))
            return Float(UInt8(truncatingIfNeeded: t))
        case .float16: return Float(Float16(x))
        case .bfloat16: return bfloat16Round(x)
        }
    }
}

/// Round-to-nearest-even of a float32 to bfloat16 precision.
@inline(__always)
func bfloat16Round(_ x: Float) -> Float {
    if x.isNaN { return x }
    var bits = x.bitPattern
    let lsb = (bits >> 16) & 1
    bits = bits &+ 0x7FFF &+ lsb
    return Float(bitPattern: bits & 0xFFFF_0000)
}
