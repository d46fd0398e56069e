import Tensor

// The torch.nn layers the models are built from, each reading its own parameters through a
// WeightLoader scope (names as in PyTorch: `weight`, `bias`).

/// `nn.Conv2d`: weight `[out, in, k, k]`, bias `[out]`.
public final class Conv2d {
    /// `[out, in, k, k]`.
    public let weight: Tensor
    /// `[out]`, or nil for `bias=False`.
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    /// The weight's transformed forms, kept between forward passes.
    let cache = ConvWeightCache()

    /// Reads `weight` and `bias` from `loader`'s scope.
    public init(_ loader: WeightLoader, in inChannels: Int, out outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, bias: Bool = true) {
        let fanIn = inChannels * kernel * kernel
        weight = loader.tensor("weight", shape: [outChannels, inChannels, kernel, kernel], kind: .weight(fanIn: fanIn))
        self.bias = bias ? loader.tensor("bias", shape: [outChannels], kind: .weight(fanIn: fanIn)) : nil
        self.stride = stride
        self.padding = padding
    }

    /// `F.conv2d(x, weight, bias, stride, padding) + shift[None, :, None, None]` for one image, with `shift`
    /// `[out]` folded into the bias, so the sum costs no pass over the output.
    public func callAsFunction(_ x: Tensor, plus shift: Tensor) throws -> Tensor {
        let b = try bias.map { try $0 + shift } ?? shift
        return try x.conv2d(weight: weight, bias: b, stride: [stride, stride], padding: [padding, padding], cache: cache)
    }

    /// `F.conv2d(x, weight, bias, stride, padding)`; with `padEnd`, of `x` padded by that many zero rows and columns
    /// after its last (see ``Tensor/conv2d(weight:bias:stride:padding:dilation:groups:cache:padEnd:)``).
    public func callAsFunction(_ x: Tensor, padEnd: (bottom: Int, right: Int) = (0, 0)) throws -> Tensor {
        // [N, C, H, W] -> [N, O, H', W']
        try x.conv2d(weight: weight, bias: bias, stride: [stride, stride], padding: [padding, padding], cache: cache,
                     padEnd: padEnd)
    }
}

/// `nn.Linear`: weight `[out, in]`, bias `[out]`.
public final class Linear {
    /// `[out, in]`.
    public let weight: Tensor
    /// `[out]`, or nil for `bias=False`.
    public let bias: Tensor?

    /// Reads `weight` and `bias` from `loader`'s scope.
    public init(_ loader: WeightLoader, in inFeatures: Int, out outFeatures: Int, bias: Bool = true) {
        weight = loader.tensor("weight", shape: [outFeatures, inFeatures], kind: .weight(fanIn: inFeatures))
        self.bias = bias ? loader.tensor("bias", shape: [outFeatures], kind: .weight(fanIn: inFeatures)) : nil
    }

    /// `F.linear(x, weight, bias)`; `rowByRow` as for `Tensor.linear(weight:bias:rowByRow:)`.
    public func callAsFunction(_ x: Tensor, rowByRow: Bool = false) throws -> Tensor {
        // [..., in] @ [in, out] -> [..., out]
        try x.linear(weight: weight, bias: bias, rowByRow: rowByRow)
    }
}

/// `nn.GroupNorm` with affine parameters `[channels]`.
public final class GroupNorm {
    public let groups: Int
    public let eps: Float
    /// `[channels]`.
    public let weight: Tensor
    /// `[channels]`.
    public let bias: Tensor

    /// Reads `weight` and `bias`; throws when `channels` is not a multiple of `groups`.
    public init(_ loader: WeightLoader, groups: Int, channels: Int, eps: Double) throws {
        guard groups > 0, channels % groups == 0 else {
            throw ModelConfigError("GroupNorm at '\(loader.prefix)': num_channels (\(channels)) must be divisible by num_groups (\(groups))")
        }
        self.groups = groups
        self.eps = Float(eps)
        weight = loader.tensor("weight", shape: [channels], kind: .ones)
        bias = loader.tensor("bias", shape: [channels], kind: .zeros)
    }

    /// `F.group_norm(x, groups, weight, bias, eps)`.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps)
    }

    /// The norm followed by `activation`, fused when the activation is SiLU.
    public func callAsFunction(_ x: Tensor, then activation: Activation) throws -> Tensor {
        if activation == .silu {
            return try x.groupNormSiLU(groups: groups, weight: weight, bias: bias, eps: eps)
        }
        return activation(try x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps))
    }
}

/// `nn.Embedding`: weight `[count, dim]`.
public struct Embedding {
    /// `[count, dim]`.
    public let weight: Tensor

    /// Reads `weight` from `loader`'s scope.
    public init(_ loader: WeightLoader, count: Int, dim: Int) {
        weight = loader.tensor("weight", shape: [count, dim], kind: .normal(scale: 1))
    }

    /// Rows of the table for integer `indices` `[B]` -> `[B, dim]` (`F.embedding`).
    public func callAsFunction(_ indices: Tensor) throws -> Tensor {
        guard indices.dtype.isIntegral, indices.dtype != .bool else {
            throw ModelConfigError("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.\(indices.dtype.rawValue) instead (usually this happens because the class labels are not a long tensor)")
        }
        let count = weight.shape[0]
        for v in indices.scalars where v < 0 || Int(v) >= count {
            throw ModelConfigError("index out of range in self: class label \(Int(v)) of an embedding with \(count) rows")
        }
        return try weight.indexed([.tensor(indices)])  // [B] -> [B, dim]
    }
}

/// The activations diffusers' `get_activation` knows (`act_fn` in configs).
public enum Activation: String, Sendable {
    case silu, mish, gelu, relu

    /// Parses a config's `act_fn` (`swish` is SiLU).
    public init(name: String) throws {
        switch name {
        case "silu", "swish": self = .silu
        case "mish": self = .mish
        case "gelu": self = .gelu
        case "relu": self = .relu
        default: throw ModelConfigError("unsupported activation function: \(name) (diffusers knows silu, swish, mish, gelu, relu)")
        }
    }

    /// The activation applied elementwise.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .silu: return x.unary(.silu)
        case .mish: return x.unary(.mish)
        case .gelu: return x.unary(.gelu)
        case .relu: return x.unary(.relu)
        }
    }
}

/// A config that describes no model diffusers could build.
public struct ModelConfigError: Error, CustomStringConvertible {
    public let message: String
    /// Creates the value.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
