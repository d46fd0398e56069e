import Foundation
import Tensor

// diffusers' models/unets/unet_2d_blocks.py: the blocks UNet2DModel is made of, with the
// arguments `get_down_block`/`get_up_block` pass them.

/// What `get_down_block`/`get_up_block` and `UNetMidBlock2D` receive from the model config.
public struct UNet2DBlockOptions {
    public var numLayers: Int
    public var inChannels: Int
    public var outChannels: Int
    /// Up blocks only: channels coming from the block below.
    public var prevOutputChannel: Int = 0
    public var tembChannels: Int
    /// `add_downsample` / `add_upsample`: false for the last block of each path.
    public var addSample: Bool
    public var eps: Double
    public var activation: Activation
    /// `resnet_groups` (`norm_num_groups`).
    public var groups: Int
    /// Channels per attention head (already defaulted to the block's channels when null).
    public var attentionHeadDim: Int
    public var downsamplePadding: Int = 1
    public var timeEmbeddingNorm: ResnetBlock2D.TimeEmbeddingNorm = .default
    /// `downsample_type` / `upsample_type`: `conv` or `resnet` (attention blocks only).
    public var sampleType: String = "conv"
}

/// A down block of UNet2DModel: returns the new hidden states, the states the up path will
/// concatenate, and the skip sample (score-SDE `Skip` blocks only; others pass it through).
public protocol UNet2DDownBlock {
    func callAsFunction(_ x: Tensor, temb: Tensor, skipSample: Tensor?) throws -> (Tensor, [Tensor], Tensor?)
}

/// An up block of UNet2DModel: consumes `resnetCount` residuals (last first).
public protocol UNet2DUpBlock {
    var resnetCount: Int { get }
    func callAsFunction(_ x: Tensor, residuals: [Tensor], temb: Tensor, skipSample: Tensor?) throws -> (Tensor, Tensor?)
}

/// A block holding ResnetBlock2Ds (for ``UNet2DModel/withTimeEmbeddings(for:dtype:_:)``, which visits them all).
protocol HasResnets {
    var resnets: [ResnetBlock2D] { get }
}

extension DownBlock2D: HasResnets {}
extension AttnDownBlock2D: HasResnets {}
extension SkipDownBlock2D: HasResnets {}
extension UpBlock2D: HasResnets {}
extension SkipUpBlock2D: HasResnets {}

/// Builds the down block named by a config's `down_block_types` entry (`get_down_block`).
func makeDownBlock(_ type: String, _ loader: WeightLoader, _ o: UNet2DBlockOptions) throws -> any UNet2DDownBlock {
    let name = type.hasPrefix("UNetRes") ? String(type.dropFirst(7)) : type
    switch name {
    case "DownBlock2D": return try DownBlock2D(loader, o)
    case "AttnDownBlock2D": return try AttnDownBlock2D(loader, o)
    case "SkipDownBlock2D": return try SkipDownBlock2D(loader, o, attention: false)
    case "AttnSkipDownBlock2D": return try SkipDownBlock2D(loader, o, attention: true)
    default:
        throw ModelConfigError("\(type) does not exist or is not supported in UNet2DModel (dsh has DownBlock2D, AttnDownBlock2D, SkipDownBlock2D, AttnSkipDownBlock2D)")
    }
}

/// Builds the up block named by a config's `up_block_types` entry (`get_up_block`).
func makeUpBlock(_ type: String, _ loader: WeightLoader, _ o: UNet2DBlockOptions) throws -> any UNet2DUpBlock {
    let name = type.hasPrefix("UNetRes") ? String(type.dropFirst(7)) : type
    switch name {
    case "UpBlock2D": return try UpBlock2D(loader, o, attention: false)
    case "AttnUpBlock2D": return try UpBlock2D(loader, o, attention: true)
    case "SkipUpBlock2D": return try SkipUpBlock2D(loader, o, attention: false)
    case "AttnSkipUpBlock2D": return try SkipUpBlock2D(loader, o, attention: true)
    default:
        throw ModelConfigError("\(type) does not exist or is not supported in UNet2DModel (dsh has UpBlock2D, AttnUpBlock2D, SkipUpBlock2D, AttnSkipUpBlock2D)")
    }
}

/// The attention every UNet2D block uses (`_from_deprecated_attn_block=True`).
private func blockAttention(_ loader: WeightLoader, channels: Int, headDim: Int, groups: Int?, eps: Double,
                            rescale: Double) throws -> Attention {
    try Attention(loader, queryDim: channels, heads: channels / headDim, dimHead: headDim, normGroups: groups,
                  eps: eps, rescaleOutputFactor: rescale)
}

/// `min(channels // 4, 32)`: the groups of the score-SDE blocks.
private func sdeGroups(_ channels: Int) -> Int { min(channels / 4, 32) }

/// A sampler that is a resnet (`downsample_type`/`upsample_type` "resnet") or a conv.
private enum Sampler {
    case down(Downsample2D)
    case up(Upsample2D)
    case resnet(ResnetBlock2D)

    func callAsFunction(_ x: Tensor, temb: Tensor) throws -> Tensor {
        switch self {
        case .down(let d): return try d(x)
        case .up(let u): return try u(x)
        case .resnet(let r): return try r(x, temb: temb)
        }
    }
}

// MARK: Down blocks

/// diffusers' `DownBlock2D`: resnets, then a conv downsampler (`downsamplers.0`).
public struct DownBlock2D: UNet2DDownBlock {
    let resnets: [ResnetBlock2D]
    let downsampler: Downsample2D?

    init(_ loader: WeightLoader, _ o: UNet2DBlockOptions) throws {
        resnets = try (0..<o.numLayers).map { i in
            try ResnetBlock2D(loader.scope("resnets", i), inChannels: i == 0 ? o.inChannels : o.outChannels,
                              outChannels: o.outChannels, tembChannels: o.tembChannels, groups: o.groups, eps: o.eps,
                              activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm)
        }
        downsampler = o.addSample
            ? Downsample2D(loader.scope("downsamplers.0"), channels: o.outChannels, padding: o.downsamplePadding) : nil
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor, temb: Tensor, skipSample: Tensor?) throws -> (Tensor, [Tensor], Tensor?) {
        var h = x
        var outputs: [Tensor] = []
        for resnet in resnets {
            h = try resnet(h, temb: temb)
            outputs.append(h)
        }
        if let d = downsampler {
            h = try d(h)
            outputs.append(h)
        }
        return (h, outputs, skipSample)
    }
}

/// diffusers' `AttnDownBlock2D`: (resnet, attention) pairs, then a conv or resnet downsampler.
public struct AttnDownBlock2D: UNet2DDownBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention]
    fileprivate let downsampler: Sampler?

    init(_ loader: WeightLoader, _ o: UNet2DBlockOptions) throws {
        resnets = try (0..<o.numLayers).map { i in
            try ResnetBlock2D(loader.scope("resnets", i), inChannels: i == 0 ? o.inChannels : o.outChannels,
                              outChannels: o.outChannels, tembChannels: o.tembChannels, groups: o.groups, eps: o.eps,
                              activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm)
        }
        attentions = try (0..<o.numLayers).map { i in
            try blockAttention(loader.deprecatedAttentionScope("attentions.\(i)"), channels: o.outChannels,
                               headDim: o.attentionHeadDim, groups: o.groups, eps: o.eps, rescale: 1)
        }
        if !o.addSample {
            downsampler = nil
        } else if o.sampleType == "resnet" {
            downsampler = .resnet(try ResnetBlock2D(loader.scope("downsamplers.0"), inChannels: o.outChannels,
                                                    tembChannels: o.tembChannels, groups: o.groups, eps: o.eps,
                                                    activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm,
                                                    resample: .downAverage))
        } else if o.sampleType == "conv" {
            downsampler = .down(Downsample2D(loader.scope("downsamplers.0"), channels: o.outChannels, padding: o.downsamplePadding))
        } else {
            throw ModelConfigError("unknown downsample_type '\(o.sampleType)' (diffusers knows conv and resnet)")
        }
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor, temb: Tensor, skipSample: Tensor?) throws -> (Tensor, [Tensor], Tensor?) {
        var h = x
        var outputs: [Tensor] = []
        for (resnet, attn) in zip(resnets, attentions) {
            h = try resnet(h, temb: temb)
            h = try attn(h)
            outputs.append(h)
        }
        if let d = downsampler {
            h = try d(h, temb: temb)
            outputs.append(h)
        }
        return (h, outputs, skipSample)
    }
}

/// diffusers' `SkipDownBlock2D` and `AttnSkipDownBlock2D` (score-SDE): resnets (each followed by
/// attention in the Attn variant), then a FIR-downsampling resnet (`resnet_down`) to which the FIR-
/// downsampled input image, through `skip_conv`, is added.
public struct SkipDownBlock2D: UNet2DDownBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention]
    let resnetDown: ResnetBlock2D?
    let skipConv: Conv2d?

    init(_ loader: WeightLoader, _ o: UNet2DBlockOptions, attention: Bool) throws {
        let scale = 2.0.squareRoot()
        resnets = try (0..<o.numLayers).map { i in
            let inC = i == 0 ? o.inChannels : o.outChannels
            return try ResnetBlock2D(loader.scope("resnets", i), inChannels: inC, outChannels: o.outChannels,
                                     tembChannels: o.tembChannels, groups: sdeGroups(inC), groupsOut: sdeGroups(o.outChannels),
                                     eps: o.eps, activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm,
                                     outputScaleFactor: scale)
        }
        attentions = attention ? try (0..<o.numLayers).map { i in
            try blockAttention(loader.deprecatedAttentionScope("attentions.\(i)"), channels: o.outChannels,
                               headDim: o.attentionHeadDim, groups: 32, eps: o.eps, rescale: scale)
        } : []
        if o.addSample {
            resnetDown = try ResnetBlock2D(loader.scope("resnet_down"), inChannels: o.outChannels, tembChannels: o.tembChannels,
                                           groups: sdeGroups(o.outChannels), eps: o.eps, activation: o.activation,
                                           timeEmbeddingNorm: o.timeEmbeddingNorm, outputScaleFactor: scale,
                                           useInShortcut: true, resample: .downFIR)
            skipConv = Conv2d(loader.scope("skip_conv"), in: 3, out: o.outChannels, kernel: 1)
        } else {
            resnetDown = nil
            skipConv = nil
        }
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor, temb: Tensor, skipSample: Tensor?) throws -> (Tensor, [Tensor], Tensor?) {
        var h = x
        var outputs: [Tensor] = []
        for (i, resnet) in resnets.enumerated() {
            h = try resnet(h, temb: temb)
            if i < attentions.count { h = try attentions[i](h) }
            outputs.append(h)
        }
        var skip = skipSample
        if let resnetDown, let skipConv {
            guard let s = skipSample else { throw ModelConfigError("SkipDownBlock2D needs a skip sample") }
            h = try resnetDown(h, temb: temb)
            let down = try FIR.downsample2d(s)  // [B, 3, H/2, W/2]
            h = try skipConv(down) + h
            skip = down
            outputs.append(h)
        }
        return (h, outputs, skip)
    }
}

// MARK: Mid block

/// diffusers' `UNetMidBlock2D`: resnet, then (attention, resnet) × num_layers.
public struct UNetMidBlock2D {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention?]

    /// - Parameters:
    ///   - attnGroups: `attn_norm_num_groups`; nil means `groups` with time_embedding_norm
    ///     "default" and no norm otherwise.
    public init(_ loader: WeightLoader, inChannels: Int, tembChannels: Int, eps: Double, activation: Activation,
                groups: Int?, attnGroups: Int?, timeEmbeddingNorm: ResnetBlock2D.TimeEmbeddingNorm,
                outputScaleFactor: Double, attentionHeadDim: Int?, addAttention: Bool, numLayers: Int = 1) throws {
        let groups = groups ?? min(inChannels / 4, 32)
        let attnGroups = attnGroups ?? (timeEmbeddingNorm == .default ? groups : nil)
        let headDim = attentionHeadDim ?? inChannels
        func resnet(_ i: Int) throws -> ResnetBlock2D {
            try ResnetBlock2D(loader.scope("resnets", i), inChannels: inChannels, tembChannels: tembChannels,
                              groups: groups, eps: eps, activation: activation, timeEmbeddingNorm: timeEmbeddingNorm,
                              outputScaleFactor: outputScaleFactor)
        }
        var resnets = [try resnet(0)]
        var attentions: [Attention?] = []
        for i in 0..<numLayers {
            attentions.append(addAttention
                ? try blockAttention(loader.deprecatedAttentionScope("attentions.\(i)"), channels: inChannels,
                                     headDim: headDim, groups: attnGroups, eps: eps, rescale: outputScaleFactor)
                : nil)
            resnets.append(try resnet(i + 1))
        }
        self.resnets = resnets
        self.attentions = attentions
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor, temb: Tensor) throws -> Tensor {
        var h = try resnets[0](x, temb: temb)
        for (attn, resnet) in zip(attentions, resnets.dropFirst()) {
            if let attn { h = try attn(h) }
            h = try resnet(h, temb: temb)
        }
        return h
    }
}

// MARK: Up blocks

/// diffusers' `UpBlock2D` and `AttnUpBlock2D`: for each resnet, concatenate the next residual
/// (channels), run the resnet (and attention), then upsample by conv (or resnet, Attn only).
public struct UpBlock2D: UNet2DUpBlock {
    let resnets: [ResnetBlock2D]
    let attentions: [Attention]
    fileprivate let upsampler: Sampler?

    public var resnetCount: Int { resnets.count }

    init(_ loader: WeightLoader, _ o: UNet2DBlockOptions, attention: Bool) throws {
        resnets = try (0..<o.numLayers).map { i in
            let skipC = i == o.numLayers - 1 ? o.inChannels : o.outChannels
            let inC = i == 0 ? o.prevOutputChannel : o.outChannels
            return try ResnetBlock2D(loader.scope("resnets", i), inChannels: inC + skipC, outChannels: o.outChannels,
                                     tembChannels: o.tembChannels, groups: o.groups, eps: o.eps,
                                     activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm)
        }
        attentions = attention ? try (0..<o.numLayers).map { i in
            try blockAttention(loader.deprecatedAttentionScope("attentions.\(i)"), channels: o.outChannels,
                               headDim: o.attentionHeadDim, groups: o.groups, eps: o.eps, rescale: 1)
        } : []
        if !o.addSample {
            upsampler = nil
        } else if attention && o.sampleType == "resnet" {
            upsampler = .resnet(try ResnetBlock2D(loader.scope("upsamplers.0"), inChannels: o.outChannels,
                                                  tembChannels: o.tembChannels, groups: o.groups, eps: o.eps,
                                                  activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm,
                                                  resample: .upNearest))
        } else if !attention || o.sampleType == "conv" {
            upsampler = .up(Upsample2D(loader.scope("upsamplers.0"), channels: o.outChannels))
        } else {
            throw ModelConfigError("unknown upsample_type '\(o.sampleType)' (diffusers knows conv and resnet)")
        }
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor, residuals: [Tensor], temb: Tensor, skipSample: Tensor?) throws -> (Tensor, Tensor?) {
        var h = x
        var rest = residuals
        for (i, resnet) in resnets.enumerated() {
            guard let r = rest.popLast() else { throw ModelConfigError("UpBlock2D: too few residuals") }
            h = try Tensor.cat([h, r], dim: 1)  // [B, C + Cr, H, W]
            h = try resnet(h, temb: temb)
            if i < attentions.count { h = try attentions[i](h) }
        }
        if let u = upsampler { h = try u(h, temb: temb) }
        return (h, skipSample)
    }
}

/// diffusers' `SkipUpBlock2D` and `AttnSkipUpBlock2D` (score-SDE): resnets on concatenated
/// residuals (then one attention in the Attn variant); the skip image is FIR-upsampled and gets
/// `skip_conv(act(skip_norm(h)))` added; `resnet_up` FIR-upsamples the hidden states.
public struct SkipUpBlock2D: UNet2DUpBlock {
    let resnets: [ResnetBlock2D]
    let attention: Attention?
    let resnetUp: ResnetBlock2D?
    let skipNorm: GroupNorm?
    let skipConv: Conv2d?

    public var resnetCount: Int { resnets.count }

    init(_ loader: WeightLoader, _ o: UNet2DBlockOptions, attention withAttention: Bool) throws {
        let scale = 2.0.squareRoot()
        resnets = try (0..<o.numLayers).map { i in
            let skipC = i == o.numLayers - 1 ? o.inChannels : o.outChannels
            let inC = i == 0 ? o.prevOutputChannel : o.outChannels
            // AttnSkipUpBlock2D computes min(resnet_in_channels + res_skip_channels // 4, 32), with
            // Python's precedence; SkipUpBlock2D divides the sum.
            let groups = withAttention ? min(inC + skipC / 4, 32) : min((inC + skipC) / 4, 32)
            return try ResnetBlock2D(loader.scope("resnets", i), inChannels: inC + skipC, outChannels: o.outChannels,
                                     tembChannels: o.tembChannels, groups: groups, groupsOut: sdeGroups(o.outChannels),
                                     eps: o.eps, activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm,
                                     outputScaleFactor: scale)
        }
        attention = withAttention
            ? try blockAttention(loader.deprecatedAttentionScope("attentions.0"), channels: o.outChannels,
                                 headDim: o.attentionHeadDim, groups: 32, eps: o.eps, rescale: scale)
            : nil
        if o.addSample {
            resnetUp = try ResnetBlock2D(loader.scope("resnet_up"), inChannels: o.outChannels, tembChannels: o.tembChannels,
                                         groups: sdeGroups(o.outChannels), groupsOut: sdeGroups(o.outChannels), eps: o.eps,
                                         activation: o.activation, timeEmbeddingNorm: o.timeEmbeddingNorm,
                                         outputScaleFactor: scale, useInShortcut: true, resample: .upFIR)
            skipConv = Conv2d(loader.scope("skip_conv"), in: o.outChannels, out: 3, kernel: 3, padding: 1)
            skipNorm = try GroupNorm(loader.scope("skip_norm"), groups: sdeGroups(o.outChannels), channels: o.outChannels, eps: o.eps)
        } else {
            resnetUp = nil
            skipConv = nil
            skipNorm = nil
        }
    }

    /// The forward pass (see the type's documentation).
    public func callAsFunction(_ x: Tensor, residuals: [Tensor], temb: Tensor, skipSample: Tensor?) throws -> (Tensor, Tensor?) {
        var h = x
        var rest = residuals
        for resnet in resnets {
            guard let r = rest.popLast() else { throw ModelConfigError("SkipUpBlock2D: too few residuals") }
            h = try Tensor.cat([h, r], dim: 1)  // [B, C + Cr, H, W]
            h = try resnet(h, temb: temb)
        }
        if let attention { h = try attention(h) }
        var skip = try skipSample.map { try FIR.upsample2d($0) }  // [B, 3, 2H, 2W]
        if let resnetUp, let skipNorm, let skipConv {
            let s = try skipConv(skipNorm(h, then: .silu))  // [B, 3, H, W]
            skip = try skip.map { try $0 + s } ?? s
            h = try resnetUp(h, temb: temb)
        }
        return (h, skip)
    }
}
