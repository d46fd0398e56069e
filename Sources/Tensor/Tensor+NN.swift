// Neural-network operations. STUBS: the signatures are fixed; the bodies are being written.

/// How `interpolate` resamples.
public enum InterpolationMode: String, Sendable {
    case nearest, bilinear
}

extension Tensor {
    /// Matrix product with PyTorch's `matmul` semantics (1-D, 2-D and batched with broadcast batch dims).
    public func matmul(_ other: Tensor) throws -> Tensor { throw TensorError(.unsupported, "matmul: not implemented yet") }

    /// Batched matrix product of `[B, n, k]` and `[B, k, m]`.
    public static func bmm(_ a: Tensor, _ b: Tensor) throws -> Tensor { throw TensorError(.unsupported, "bmm: not implemented yet") }

    /// `x @ weight.T + bias` over the last dimension (`torch.nn.functional.linear`); weight is `[out, in]`.
    public func linear(weight: Tensor, bias: Tensor?) throws -> Tensor { throw TensorError(.unsupported, "linear: not implemented yet") }

    /// 2-D convolution of `[N, C, H, W]` with weight `[O, C/groups, kH, kW]` (`F.conv2d`).
    public func conv2d(weight: Tensor, bias: Tensor?, stride: [Int] = [1, 1], padding: [Int] = [0, 0],
                       dilation: [Int] = [1, 1], groups: Int = 1) throws -> Tensor {
        throw TensorError(.unsupported, "conv2d: not implemented yet")
    }

    /// Group normalisation over `[N, C, *]` (`F.group_norm`).
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        throw TensorError(.unsupported, "group_norm: not implemented yet")
    }

    /// Layer normalisation over the trailing `normalizedShape` dims (`F.layer_norm`).
    public func layerNorm(normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        throw TensorError(.unsupported, "layer_norm: not implemented yet")
    }

    /// Softmax along `dim`.
    public func softmax(dim: Int) throws -> Tensor { throw TensorError(.unsupported, "softmax: not implemented yet") }

    /// `F.scaled_dot_product_attention(q, k, v, attn_mask, scale=)` for `[..., L, E]` inputs.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor,
                                                 attnMask: Tensor? = nil, scale: Float? = nil) throws -> Tensor {
        throw TensorError(.unsupported, "scaled_dot_product_attention: not implemented yet")
    }

    /// `F.interpolate` for `[N, C, H, W]`: give `size` or `scaleFactor`.
    public func interpolate(size: [Int]? = nil, scaleFactor: [Double]? = nil, mode: InterpolationMode = .nearest,
                            alignCorners: Bool = false) throws -> Tensor {
        throw TensorError(.unsupported, "interpolate: not implemented yet")
    }

    /// `F.pad(x, pad, value=)`: `pad` lists (before, after) pairs from the last dimension backwards.
    public func pad(_ pad: [Int], value: Float = 0) throws -> Tensor { throw TensorError(.unsupported, "pad: not implemented yet") }

    /// `F.avg_pool2d` with square kernel and stride.
    public func avgPool2d(kernel: Int, stride: Int? = nil) throws -> Tensor { throw TensorError(.unsupported, "avg_pool2d: not implemented yet") }
}
