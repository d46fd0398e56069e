import Tensor

/// diffusers' `Attention` (models/attention_processor.py) as the UNet2D blocks use it — built
/// with `_from_deprecated_attn_block=True`, `residual_connection=True`, `bias=True` — run the way
/// `AttnProcessor2_0` runs it:
///
///     x = group_norm(x)  over [B, C, H·W]            (when norm_num_groups is set)
///     q, k, v = to_q(x), to_k(x), to_v(x)            over tokens [B, H·W, C]
///     a = softmax(q·kᵀ / √dim_head) · v              per head
///     out = (to_out.0(a) + residual) / rescale_output_factor
///
/// Checkpoints with the legacy names `query`/`key`/`value`/`proj_attn` load too (see
/// ``LegacyNames``).
public struct Attention {
    let groupNorm: GroupNorm?
    let toQ: Linear
    let toK: Linear
    let toV: Linear
    let toOut: Linear
    let heads: Int
    let dimHead: Int
    let rescaleOutputFactor: Float

    /// - Parameters:
    ///   - queryDim: channels of the input.
    ///   - heads: number of heads; the inner width is `heads · dimHead`.
    ///   - normGroups: groups of the input GroupNorm, or nil for none.
    public init(_ loader: WeightLoader, queryDim: Int, heads: Int, dimHead: Int, normGroups: Int?,
                eps: Double, rescaleOutputFactor: Double = 1) throws {
        guard heads > 0, dimHead > 0 else {
            throw ModelConfigError("Attention at '\(loader.prefix)': \(queryDim) channels with attention_head_dim \(dimHead) give \(heads) heads")
        }
        let inner = heads * dimHead
        groupNorm = try normGroups.map { try GroupNorm(loader.scope("group_norm"), groups: $0, channels: queryDim, eps: eps) }
        toQ = Linear(loader.scope("to_q"), in: queryDim, out: inner)
        toK = Linear(loader.scope("to_k"), in: queryDim, out: inner)
        toV = Linear(loader.scope("to_v"), in: queryDim, out: inner)
        toOut = Linear(loader.scope("to_out.0"), in: inner, out: queryDim)
        self.heads = heads
        self.dimHead = dimHead
        self.rescaleOutputFactor = Float(rescaleOutputFactor)
    }

    /// The forward pass (see the type's documentation), on the channel-major layout the UNet passes in: each
    /// projection `to_q(tokens)` is computed transposed, as a 1×1 convolution of `[B, C, H, W]` by the layer's own
    /// weight (`(x·Wᵀ + b)ᵀ = W·xᵀ + b`), so neither the tokens nor the output are ever transposed in memory.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let b = input.shape[0], c = input.shape[1], height = input.shape[2], width = input.shape[3]
        let n = height * width, inner = heads * dimHead
        var x = input
        if let gn = groupNorm { x = try gn(x) }  // [B, C, H, W]
        func project(_ layer: Linear) throws -> Tensor {
            // [B, C, H, W] -> [B, h·d, H, W] -> [B, h, d, N] -> [B, h, N, d] (a view)
            try x.conv2d(weight: layer.weight.view([inner, c, 1, 1]), bias: layer.bias)
                .view([b, heads, dimHead, n]).transpose(2, 3)
        }
        let q = try project(toQ), k = try project(toK), v = try project(toV)
        var a = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)  // [B, h, N, d]
        a = try a.permute([0, 1, 3, 2]).reshape([b, inner, height, width])  // [B, h, d, N] -> [B, h·d, H, W]
        a = try a.conv2d(weight: toOut.weight.view([c, inner, 1, 1]), bias: toOut.bias)  // to_out.0: [B, C, H, W]
        var out = try a + input
        if rescaleOutputFactor != 1 { out = try out / rescaleOutputFactor }
        return out
    }
}
