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

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let b = input.shape[0], c = input.shape[1], height = input.shape[2], width = input.shape[3]
        let n = height * width
        var x = input
        if let gn = groupNorm { x = try gn(x) }  // [B, C, H, W]
        let tokens = try x.reshape([b, c, n]).transpose(1, 2)  // [B, C, H·W] -> [B, H·W, C]
        func split(_ t: Tensor) throws -> Tensor {
            try t.view([b, n, heads, dimHead]).transpose(1, 2)  // [B, N, h·d] -> [B, h, N, d]
        }
        let q = try split(toQ(tokens)), k = try split(toK(tokens)), v = try split(toV(tokens))
        var a = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)  // [B, h, N, d]
        a = try a.transpose(1, 2).reshape([b, n, heads * dimHead])  // [B, N, h, d] -> [B, N, h·d]
        a = try toOut(a)  // [B, N, C]
        a = try a.transpose(1, 2).reshape([b, c, height, width])  // [B, C, N] -> [B, C, H, W]
        var out = try a + input
        if rescaleOutputFactor != 1 { out = try out / rescaleOutputFactor }
        return out
    }
}
