import Foundation
import Tensor

/// diffusers' `get_timestep_embedding` (models/embeddings.py): sinusoidal features of `[B]`
/// timesteps, `[B, dim]`, computed in float32 in the same order as diffusers:
///
///     exponent = -ln(max_period) · arange(half) / (half - downscale_freq_shift)
///     emb = scale · t[:, None] · exp(exponent)[None, :]
///     emb = cat(sin(emb), cos(emb))   (cos first when flip_sin_to_cos)
public func timestepEmbedding(_ timesteps: Tensor, dim: Int, flipSinToCos: Bool = false,
                              downscaleFreqShift: Double = 1, scale: Double = 1,
                              maxPeriod: Double = 10000) throws -> Tensor {
    guard timesteps.rank == 1 else {
        throw ModelConfigError("Timesteps should be a 1d-array, got shape \(timesteps.shape)")
    }
    let half = dim / 2
    var exponent = try Tensor.arange(0, Double(half), dtype: .float32) * Float(-Foundation.log(maxPeriod))  // [half]
    exponent = try exponent / Float(Double(half) - downscaleFreqShift)
    let freqs = exponent.exp()
    let t = timesteps.to(.float32)
    var emb = try t.unsqueeze(1) * freqs.unsqueeze(0)  // [B, 1] * [1, half] -> [B, half]
    if scale != 1 { emb = try emb * Float(scale) }
    let sin = emb.unary(.sin), cos = emb.unary(.cos)
    emb = try Tensor.cat(flipSinToCos ? [cos, sin] : [sin, cos], dim: -1)  // [B, 2·half]
    if dim % 2 == 1 { emb = try emb.pad([0, 1, 0, 0]) }  // [B, dim]
    return emb
}

/// diffusers' `Timesteps`: the parameter-free sinusoidal projection of timesteps.
public struct Timesteps {
    public let numChannels: Int
    public let flipSinToCos: Bool
    public let downscaleFreqShift: Double
    public let scale: Double

    /// Creates the value.
    public init(numChannels: Int, flipSinToCos: Bool, downscaleFreqShift: Double, scale: Double = 1) {
        self.numChannels = numChannels
        self.flipSinToCos = flipSinToCos
        self.downscaleFreqShift = downscaleFreqShift
        self.scale = scale
    }

    /// `[B]` -> `[B, numChannels]`.
    public func callAsFunction(_ timesteps: Tensor) throws -> Tensor {
        try timestepEmbedding(timesteps, dim: numChannels, flipSinToCos: flipSinToCos,
                              downscaleFreqShift: downscaleFreqShift, scale: scale)
    }
}

/// diffusers' `GaussianFourierProjection` (score-SDE models) with `log=True`,
/// `set_W_to_weight=True`: fixed random frequencies `weight` `[size]`.
///
///     x = ln(t);  proj = x[:, None] · weight[None, :] · 2π
///     out = cat(sin(proj), cos(proj))   (cos first when flip_sin_to_cos)
public struct GaussianFourierProjection {
    public let weight: Tensor
    public let log: Bool
    public let flipSinToCos: Bool

    /// Builds the layer, reading its parameters from `loader`'s scope.
    public init(_ loader: WeightLoader, embeddingSize: Int, scale: Double = 1, log: Bool = true, flipSinToCos: Bool = false) {
        weight = loader.tensor("weight", shape: [embeddingSize], kind: .normal(scale: Float(scale)))
        self.log = log
        self.flipSinToCos = flipSinToCos
    }

    /// `[B]` -> `[B, 2·size]`.
    public func callAsFunction(_ timesteps: Tensor) throws -> Tensor {
        var x = timesteps.to(.float32)
        if log { x = x.log() }
        // x[:, None] * W[None, :] * 2 * np.pi, multiplied left to right as in Python.
        var proj = try x.unsqueeze(1) * weight.unsqueeze(0)  // [B, 1] * [1, S] -> [B, S]
        proj = try proj * 2
        proj = try proj * Float(Double.pi)
        let sin = proj.unary(.sin), cos = proj.unary(.cos)
        return try Tensor.cat(flipSinToCos ? [cos, sin] : [sin, cos], dim: -1)  // [B, 2S]
    }
}

/// diffusers' `TimestepEmbedding`: `linear_2(act(linear_1(x)))`.
public final class TimestepEmbedding {
    let linear1: Linear
    let linear2: Linear
    let activation: Activation

    /// Builds the layer, reading its parameters from `loader`'s scope.
    public init(_ loader: WeightLoader, inChannels: Int, timeEmbedDim: Int, activation: Activation = .silu) {
        linear1 = Linear(loader.scope("linear_1"), in: inChannels, out: timeEmbedDim)
        linear2 = Linear(loader.scope("linear_2"), in: timeEmbedDim, out: timeEmbedDim)
        self.activation = activation
    }

    /// `[B, in]` -> `[B, timeEmbedDim]`; `rowByRow` as for ``Linear``.
    public func callAsFunction(_ x: Tensor, rowByRow: Bool = false) throws -> Tensor {
        try linear2(activation(linear1(x, rowByRow: rowByRow)), rowByRow: rowByRow)
    }
}
