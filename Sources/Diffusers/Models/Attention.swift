import Foundation
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
public final class Attention {
    let groupNorm: GroupNorm?
    let toQ: Linear
    let toK: Linear
    let toV: Linear
    let toOut: Linear
    let heads: Int
    let dimHead: Int
    let rescaleOutputFactor: Float
    /// `to_q`, `to_k` and `to_v` stacked, so the three projections run as one convolution.
    let projections = StackedProjections()
    /// The largest stacked projection weight (floats) worth keeping: 3 · 128 · 128, 192 KB.
    static let stackedWeightLimit = 3 * 128 * 128

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

    /// The forward pass (see the type's documentation), on the channel-major layout the UNet passes in: the
    /// projections `to_q(tokens)`, `to_k(tokens)`, `to_v(tokens)` are computed transposed, as 1×1 convolutions of
    /// `[B, C, H, W]` by the layers' weights (`(x·Wᵀ + b)ᵀ = W·xᵀ + b`; for small layers one convolution by the three
    /// stacked), and `to_out.0` likewise, so neither the tokens nor the output are ever transposed in memory.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let b = input.shape[0], c = input.shape[1], height = input.shape[2], width = input.shape[3]
        let n = height * width, inner = heads * dimHead
        var x = input
        if let gn = groupNorm { x = try gn(x) }  // [B, C, H, W]
        // Small layers (a 32×32 model's) run as one convolution over the stacked weights, which saves two
        // dispatches of a few microseconds each; large ones separately, where that is nothing and a stacked copy
        // of the weights would cost megabytes.
        let stack = 3 * inner * c <= Attention.stackedWeightLimit
        var qkv: Tensor? = nil  // [B, 3·h·d, H, W]
        if stack {
            let (weight, bias) = try projections([toQ, toK, toV])
            qkv = try x.conv2d(weight: weight.view([3 * inner, c, 1, 1]), bias: bias)
        }
        func part(_ i: Int, _ layer: Linear) throws -> Tensor {
            // [B, h·d, H, W] -> [B, h, d, N] -> [B, h, N, d] (a view)
            let projected = try qkv?.narrow(1, start: i * inner, length: inner)
                ?? x.conv2d(weight: layer.weight.view([inner, c, 1, 1]), bias: layer.bias)
            return try projected.reshape([b, heads, dimHead, n]).transpose(2, 3)
        }
        let q = try part(0, toQ), k = try part(1, toK), v = try part(2, toV)
        var a = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)  // [B, h, N, d]
        a = try a.permute([0, 1, 3, 2]).reshape([b, inner, height, width])  // [B, h, d, N] -> [B, h·d, H, W]
        a = try a.conv2d(weight: toOut.weight.view([c, inner, 1, 1]), bias: toOut.bias)  // to_out.0: [B, C, H, W]
        var out = try a + input
        if rescaleOutputFactor != 1 { out = try out / rescaleOutputFactor }
        return out
    }
}

/// Linear layers' weights `[out, in]` and biases stacked along `out`, so that layers applied to the same input run as
/// one product. Made on first use and again whenever one of the tensors is another tensor or was written in place
/// (``Storage/version``), as ``ConvWeightCache`` does for transformed weights, so an edit through `state_dict()`
/// is seen.
final class StackedProjections: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [(tensor: Tensor, version: Int)] = []
    private var stacked: (weight: Tensor, bias: Tensor)?

    /// The stacked weight `[Σ out, in]` and bias `[Σ out]` (zeros for a layer without one).
    func callAsFunction(_ layers: [Linear]) throws -> (weight: Tensor, bias: Tensor) {
        lock.lock(); defer { lock.unlock() }
        if let stacked, unchanged(layers) { return stacked }
        let weight = try Tensor.cat(layers.map(\.weight), dim: 0)
        let bias = try Tensor.cat(layers.map { $0.bias ?? Tensor.zeros([$0.weight.shape[0]]) }, dim: 0)
        sources = layers.flatMap { [$0.weight] + ($0.bias.map { [$0] } ?? []) }.map { ($0, $0.storage.version) }
        stacked = (weight, bias)
        return (weight, bias)
    }

    /// Whether `layers` hold the tensors the stack was made from, unwritten since (checked without allocating: each
    /// attention layer asks on every forward pass).
    private func unchanged(_ layers: [Linear]) -> Bool {
        var i = 0
        func same(_ t: Tensor) -> Bool {
            defer { i += 1 }
            guard i < sources.count else { return false }
            let s = sources[i]
            return s.tensor.storage === t.storage && s.tensor.offset == t.offset && s.version == t.storage.version
        }
        for layer in layers {
            guard same(layer.weight) else { return false }
            if let bias = layer.bias, !same(bias) { return false }
        }
        return i == sources.count
    }
}
