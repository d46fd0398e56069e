// STUB: the signatures are fixed; the bodies are being written (PyTorch-identical CPU generator).

/// A random number generator that gives the numbers PyTorch's CPU generator gives for the same seed.
public final class Generator: @unchecked Sendable {
    /// PyTorch's default seed.
    public static let defaultSeed: UInt64 = 67280421310721
    /// The process-wide generator used when none is passed (`torch.manual_seed` seeds it).
    public static let `default` = Generator()

    public private(set) var initialSeed: UInt64

    public init(seed: UInt64 = Generator.defaultSeed) { initialSeed = seed }

    /// Re-seeds the generator and returns it (`Generator.manual_seed`).
    @discardableResult
    public func manualSeed(_ seed: UInt64) -> Generator { initialSeed = seed; return self }
}

extension Tensor {
    /// Standard normal samples (`torch.randn`).
    public static func randn(_ shape: [Int], generator: Generator? = nil, dtype: DType = .float32) -> Tensor { zeros(shape, dtype: dtype) }
    /// Uniform samples in [0, 1) (`torch.rand`).
    public static func rand(_ shape: [Int], generator: Generator? = nil, dtype: DType = .float32) -> Tensor { zeros(shape, dtype: dtype) }
    /// Integers in [low, high) (`torch.randint`).
    public static func randint(low: Int, high: Int, _ shape: [Int], generator: Generator? = nil, dtype: DType = .int64) throws -> Tensor { zeros(shape, dtype: dtype) }
}
