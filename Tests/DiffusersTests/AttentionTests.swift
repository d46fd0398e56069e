import Foundation
import Testing
import Tensor
@testable import Diffusers

@Suite("Attention block")
struct AttentionTests {
    /// The block's formula written with token-major linear layers, as diffusers' AttnProcessor2_0 runs it.
    func reference(_ a: Attention, _ input: Tensor) throws -> Tensor {
        let b = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3], n = h * w
        var x = input
        if let gn = a.groupNorm { x = try gn(x) }
        let tokens = try x.reshape([b, c, n]).transpose(1, 2)  // [B, N, C]
        func split(_ t: Tensor) throws -> Tensor { try t.reshape([b, n, a.heads, a.dimHead]).transpose(1, 2) }
        let q = try split(tokens.linear(weight: a.toQ.weight, bias: a.toQ.bias))
        let k = try split(tokens.linear(weight: a.toK.weight, bias: a.toK.bias))
        let v = try split(tokens.linear(weight: a.toV.weight, bias: a.toV.bias))
        var o = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)  // [B, h, N, d]
        o = try o.transpose(1, 2).reshape([b, n, a.heads * a.dimHead]).linear(weight: a.toOut.weight, bias: a.toOut.bias)
        return try o.transpose(1, 2).reshape([b, c, h, w]) + input
    }

    func maxDifference(_ x: Tensor, _ y: Tensor) -> Float {
        zip(x.scalars, y.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    @Test("the channel-major projections give the token-major formula, and follow in-place edits of the weights",
          arguments: [(16, 2, 8), (136, 1, 136)])   // stacked into one convolution, and (too large to stack) one by one
    func matchesFormulaAndFollowsEdits(_ size: (Int, Int, Int)) throws {
        let (channels, heads, dimHead) = size
        #expect((3 * heads * dimHead * channels <= Attention.stackedWeightLimit) == (channels == 16))
        let block = try Attention(WeightLoader.random(seed: 3), queryDim: channels, heads: heads, dimHead: dimHead,
                                  normGroups: 4, eps: 1e-6)
        let x = Tensor.randn([2, channels, 4, 5], generator: Generator(seed: 9))
        #expect(maxDifference(try block(x), try reference(block, x)) < 1e-5)
        // An edit through the tensor API (as through `state_dict()`) reaches the stacked weights.
        try block.toK.weight.mul_(3)
        try block.toV.bias?.add_(0.5)
        let edited = try block(x)
        #expect(maxDifference(edited, try reference(block, x)) < 1e-5)
        #expect(maxDifference(edited, try block(x)) == 0)
    }
}
