import Tensor

/// diffusers' `ResnetBlock2D` (models/resnet.py), pre-norm, as the UNet2DModel blocks build it:
///
///     h = conv1(act(norm1(x)))            (x, h resampled first when up/down)
///     h = h + time_emb_proj(act(temb))    (time_embedding_norm "default"), or
///     h = norm2(h) * (1 + scale) + shift  ("scale_shift", proj gives 2·out channels)
///     h = conv2(act(norm2(h)))            (dropout is the identity at inference)
///     out = (shortcut(x) + h) / output_scale_factor
public final class ResnetBlock2D {
    /// How the block resamples both paths before `conv1`.
    public enum Resample: Sendable {
        case none
        /// `Upsample2D(use_conv=False)`: nearest ×2.
        case upNearest
        /// `Downsample2D(use_conv=False)`: 2×2 average pooling.
        case downAverage
        /// `upsample_2d` with the FIR kernel (1, 3, 3, 1).
        case upFIR
        /// `downsample_2d` with the FIR kernel (1, 3, 3, 1).
        case downFIR
    }

    /// `time_embedding_norm`.
    public enum TimeEmbeddingNorm: String, Sendable {
        case `default`, scaleShift = "scale_shift"
    }

    let norm1: GroupNorm
    let conv1: Conv2d
    let timeEmbProj: Linear?
    let norm2: GroupNorm
    let conv2: Conv2d
    let convShortcut: Conv2d?
    let activation: Activation
    let timeEmbeddingNorm: TimeEmbeddingNorm
    let outputScaleFactor: Float
    let resample: Resample

    /// Builds the layer, reading its parameters from `loader`'s scope.
    public init(_ loader: WeightLoader, inChannels: Int, outChannels: Int? = nil, tembChannels: Int?,
                groups: Int, groupsOut: Int? = nil, eps: Double, activation: Activation,
                timeEmbeddingNorm: TimeEmbeddingNorm = .default, outputScaleFactor: Double = 1,
                useInShortcut: Bool? = nil, resample: Resample = .none) throws {
        let out = outChannels ?? inChannels
        norm1 = try GroupNorm(loader.scope("norm1"), groups: groups, channels: inChannels, eps: eps)
        conv1 = Conv2d(loader.scope("conv1"), in: inChannels, out: out, kernel: 3, padding: 1)
        if let t = tembChannels {
            let projOut = timeEmbeddingNorm == .scaleShift ? 2 * out : out
            timeEmbProj = Linear(loader.scope("time_emb_proj"), in: t, out: projOut)
        } else {
            timeEmbProj = nil
        }
        norm2 = try GroupNorm(loader.scope("norm2"), groups: groupsOut ?? groups, channels: out, eps: eps)
        conv2 = Conv2d(loader.scope("conv2"), in: out, out: out, kernel: 3, padding: 1)
        if useInShortcut ?? (inChannels != out) {
            convShortcut = Conv2d(loader.scope("conv_shortcut"), in: inChannels, out: out, kernel: 1)
        } else {
            convShortcut = nil
        }
        self.activation = activation
        self.timeEmbeddingNorm = timeEmbeddingNorm
        self.outputScaleFactor = Float(outputScaleFactor)
        self.resample = resample
    }

    /// `time_emb_proj(act(temb))` computed ahead for the rows of a sampling run's time embeddings `[T, D]` (see
    /// ``UNet2DModel/withTimeEmbeddings(for:dtype:_:)``): the embeddings' storage, and for row i (offset i·D) its
    /// projection, with ``projectionVersion`` when they were computed.
    var projectedAhead: (embeddings: ObjectIdentifier, rowLength: Int, rows: [Tensor], version: Int)?

    /// The sum of `time_emb_proj`'s weight and bias versions, which grows when either is written in place.
    private var projectionVersion: Int {
        (timeEmbProj?.weight.storage.version ?? 0) + (timeEmbProj?.bias?.storage.version ?? 0)
    }

    /// `time_emb_proj(act(temb))` as `[B, C', 1, 1]` (nil for a block without the projection): the one computed ahead
    /// when `temb` is a row of those embeddings and the projection's weights are unchanged, otherwise computed now.
    func timeProjection(_ temb: Tensor) throws -> Tensor? {
        guard let proj = timeEmbProj else { return nil }
        if let ahead = projectedAhead, ahead.embeddings == ObjectIdentifier(temb.storage), temb.shape[0] == 1,
           temb.offset % ahead.rowLength == 0, temb.offset / ahead.rowLength < ahead.rows.count,
           ahead.version == projectionVersion {
            return ahead.rows[temb.offset / ahead.rowLength]
        }
        let e = try proj(activation(temb))  // [B, C']
        return try e.unsqueeze(-1).unsqueeze(-1)  // [B, C'] -> [B, C', 1, 1]
    }

    /// Computes ``timeProjection(_:)`` for every row of the contiguous `embeddings` `[T, D]` at once, each row as it
    /// would be alone, and keeps them for those rows.
    func projectAhead(_ embeddings: Tensor) throws {
        guard let proj = timeEmbProj, embeddings.rank == 2, embeddings.isContiguous, embeddings.offset == 0 else { return }
        let all = try proj(activation(embeddings), rowByRow: true).unsqueeze(-1).unsqueeze(-1)  // [T, C', 1, 1]
        let rows = try (0..<embeddings.shape[0]).map { try all.narrow(0, start: $0, length: 1) }
        projectedAhead = (ObjectIdentifier(embeddings.storage), embeddings.shape[1], rows, projectionVersion)
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ input: Tensor, temb: Tensor?) throws -> Tensor {
        var x = input
        var h = try norm1(x, then: activation)
        switch resample {
        case .none: break
        case .upNearest:
            x = try x.interpolate(scaleFactor: [2, 2], mode: .nearest)
            h = try h.interpolate(scaleFactor: [2, 2], mode: .nearest)
        case .downAverage:
            x = try x.avgPool2d(kernel: 2, stride: 2)
            h = try h.avgPool2d(kernel: 2, stride: 2)
        case .upFIR:
            x = try FIR.upsample2d(x)
            h = try FIR.upsample2d(h)
        case .downFIR:
            x = try FIR.downsample2d(x)
            h = try FIR.downsample2d(h)
        }
        let t = try temb.flatMap { try timeProjection($0) }  // [B, C', 1, 1]
        switch timeEmbeddingNorm {
        case .default:
            if let t, t.shape[0] == 1, h.shape[0] == 1 {
                h = try conv1(h, plus: t.reshape([-1]))  // conv1(h) + t, with t added to conv1's bias
            } else {
                h = try conv1(h)
                if let t { h = try h + t }
            }
            h = try norm2(h, then: activation)
        case .scaleShift:
            guard let t else {
                throw ModelConfigError("ResnetBlock2D: `temb` should not be None when `time_embedding_norm` is scale_shift")
            }
            let parts = try t.chunk(2, dim: 1)  // [B, 2C, 1, 1] -> 2 × [B, C, 1, 1]
            h = try norm2(conv1(h))
            h = activation(try h * (parts[0] + 1) + parts[1])
        }
        h = try conv2(h)
        if let sc = convShortcut { x = try sc(x) }
        var out = try x + h
        if outputScaleFactor != 1 { out = try out / outputScaleFactor }
        return out
    }
}
