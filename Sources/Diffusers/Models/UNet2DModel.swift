import Foundation
import Tensor

/// diffusers' `UNet2DModel` (models/unets/unet_2d.py): the unconditional (optionally
/// class-conditional) UNet of DDPM and score-SDE models, e.g. `google/ddpm-cat-256`.
///
/// ```swift
/// let model = try UNet2DModel.fromPretrained("google/ddpm-cat-256")
/// let noise = try model(sample: noisySample, timestep: .int(2)).sample
/// ```
///
/// This implementation matches diffusers 0.42.1 for every `UNet2DModel` option: positional,
/// Fourier and learned time embeddings; the down/up blocks `DownBlock2D`, `AttnDownBlock2D`,
/// `UpBlock2D`, `AttnUpBlock2D` and the score-SDE `SkipDownBlock2D`, `AttnSkipDownBlock2D`,
/// `SkipUpBlock2D`, `AttnSkipUpBlock2D`; `UNetMidBlock2D` or none; class embeddings (`timestep`,
/// `identity`, or a table with `num_class_embeds`).
/// Limitations: inference only (dropout is the identity); computation is float32 whatever the
/// checkpoint's or the requested dtype.
public final class UNet2DModel {
    /// The config diffusers records (`model.config`): every constructor parameter in signature
    /// order, `_use_default_values`, then `_class_name`, `_diffusers_version`, `_name_or_path`.
    public let config: Config
    /// Every parameter with its state-dict name, in module order.
    public let parameters: [(String, Tensor)]

    let options: Options
    let convIn: Conv2d
    let timeProj: TimeProjection
    let timeEmbedding: TimestepEmbedding
    let classEmbedding: ClassEmbedding?
    let downBlocks: [any UNet2DDownBlock]
    let midBlock: UNetMidBlock2D?
    let upBlocks: [any UNet2DUpBlock]
    let convNormOut: GroupNorm
    let convOut: Conv2d

    /// The constructor parameters of diffusers' `UNet2DModel.__init__`, in order, with defaults.
    public static let schema = ConfigSchema(className: "UNet2DModel", parameters: [
        ("sample_size", .null),
        ("in_channels", .int(3)),
        ("out_channels", .int(3)),
        ("center_input_sample", .bool(false)),
        ("time_embedding_type", .string("positional")),
        ("time_embedding_dim", .null),
        ("freq_shift", .int(0)),
        ("flip_sin_to_cos", .bool(true)),
        ("down_block_types", .array(["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"].map { .string($0) })),
        ("mid_block_type", .string("UNetMidBlock2D")),
        ("up_block_types", .array(["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"].map { .string($0) })),
        ("block_out_channels", .array([224, 448, 672, 896].map { .int($0) })),
        ("layers_per_block", .int(2)),
        ("mid_block_scale_factor", .int(1)),
        ("downsample_padding", .int(1)),
        ("downsample_type", .string("conv")),
        ("upsample_type", .string("conv")),
        ("dropout", .double(0)),
        ("act_fn", .string("silu")),
        ("attention_head_dim", .int(8)),
        ("norm_num_groups", .int(32)),
        ("attn_norm_num_groups", .null),
        ("norm_eps", .double(1e-5)),
        ("resnet_time_scale_shift", .string("default")),
        ("add_attention", .bool(true)),
        ("class_embed_type", .null),
        ("num_class_embeds", .null),
        ("num_train_timesteps", .null),
    ], compatibles: [], configName: "config.json")

    /// The config values the model is built from, typed.
    struct Options {
        var inChannels, outChannels: Int
        var centerInputSample: Bool
        var timeEmbeddingType: String
        var timeEmbeddingDim: Int?
        var freqShift: Double
        var flipSinToCos: Bool
        var downBlockTypes, upBlockTypes: [String]
        var midBlockType: String?
        var blockOutChannels: [Int]
        var layersPerBlock: Int
        var midBlockScaleFactor: Double
        var downsamplePadding: Int
        var downsampleType, upsampleType: String
        var activation: Activation
        var attentionHeadDim: Int?
        var normNumGroups: Int?
        var attnNormNumGroups: Int?
        var normEps: Double
        var timeEmbeddingNorm: ResnetBlock2D.TimeEmbeddingNorm
        var addAttention: Bool
        var classEmbedType: String?
        var numClassEmbeds: Int?
        var numTrainTimesteps: Int?

        init(_ c: Config) throws {
            inChannels = try c.int("in_channels", default: 3)
            outChannels = try c.int("out_channels", default: 3)
            centerInputSample = try c.bool("center_input_sample", default: false)
            timeEmbeddingType = try c.string("time_embedding_type", default: "positional") ?? "positional"
            timeEmbeddingDim = try c.optionalInt("time_embedding_dim", default: nil)
            freqShift = try c.double("freq_shift", default: 0)
            flipSinToCos = try c.bool("flip_sin_to_cos", default: true)
            // Lists missing from a hand-made config take the constructor's defaults.
            let defaults = UNet2DModel.schema
            func strings(_ key: String) -> [String] { defaults.defaultValue(key)?.arrayValue?.compactMap(\.stringValue) ?? [] }
            downBlockTypes = try c.strings("down_block_types", default: strings("down_block_types"))
            upBlockTypes = try c.strings("up_block_types", default: strings("up_block_types"))
            midBlockType = try c.string("mid_block_type", default: "UNetMidBlock2D")
            blockOutChannels = try c.ints("block_out_channels",
                                          default: defaults.defaultValue("block_out_channels")?.arrayValue?.compactMap(\.intValue) ?? [])
            layersPerBlock = try c.int("layers_per_block", default: 2)
            midBlockScaleFactor = try c.double("mid_block_scale_factor", default: 1)
            downsamplePadding = try c.int("downsample_padding", default: 1)
            downsampleType = try c.string("downsample_type", default: "conv") ?? "conv"
            upsampleType = try c.string("upsample_type", default: "conv") ?? "conv"
            activation = try Activation(name: c.string("act_fn", default: "silu") ?? "silu")
            attentionHeadDim = try c.optionalInt("attention_head_dim", default: 8)
            normNumGroups = try c.optionalInt("norm_num_groups", default: 32)
            attnNormNumGroups = try c.optionalInt("attn_norm_num_groups", default: nil)
            normEps = try c.double("norm_eps", default: 1e-5)
            let shift = try c.string("resnet_time_scale_shift", default: "default") ?? "default"
            guard let norm = ResnetBlock2D.TimeEmbeddingNorm(rawValue: shift) else {
                throw ModelConfigError("unknown resnet_time_scale_shift '\(shift)' (UNet2DModel takes default or scale_shift)")
            }
            timeEmbeddingNorm = norm
            addAttention = try c.bool("add_attention", default: true)
            classEmbedType = try c.string("class_embed_type", default: nil)
            numClassEmbeds = try c.optionalInt("num_class_embeds", default: nil)
            numTrainTimesteps = try c.optionalInt("num_train_timesteps", default: nil)
        }
    }

    /// How timesteps become features (`time_proj`).
    enum TimeProjection {
        case positional(Timesteps)
        case fourier(GaussianFourierProjection)
        case learned(Embedding)

        func callAsFunction(_ t: Tensor) throws -> Tensor {
            switch self {
            case .positional(let p): return try p(t)
            case .fourier(let f): return try f(t)
            case .learned(let e): return try e(t)
            }
        }
    }

    /// `class_embedding`.
    enum ClassEmbedding {
        case table(Embedding)
        case timestep(TimestepEmbedding)
        case identity
    }

    // MARK: Building

    /// Builds the model described by `config` with the weights `loader` hands out, then checks
    /// that the checkpoint held exactly the model's tensors.
    public convenience init(config: Config, loader: WeightLoader) throws {
        try self.init(config: config, loader: loader, check: true)
    }

    init(config: Config, loader: WeightLoader, check: Bool) throws {
        let o = try Options(config)
        self.config = config
        self.options = o
        let channels = o.blockOutChannels
        guard !channels.isEmpty else { throw ModelConfigError("UNet2DModel: block_out_channels is empty") }
        guard o.downBlockTypes.count == o.upBlockTypes.count else {
            throw ModelConfigError("Must provide the same number of `down_block_types` as `up_block_types`. `down_block_types`: \(o.downBlockTypes). `up_block_types`: \(o.upBlockTypes).")
        }
        guard channels.count == o.downBlockTypes.count else {
            throw ModelConfigError("Must provide the same number of `block_out_channels` as `down_block_types`. `block_out_channels`: \(channels). `down_block_types`: \(o.downBlockTypes).")
        }
        guard let groups = o.normNumGroups else {
            throw ModelConfigError("UNet2DModel: norm_num_groups null is not supported by the down and up blocks")
        }
        let timeEmbedDim = o.timeEmbeddingDim ?? channels[0] * 4

        convIn = Conv2d(loader.scope("conv_in"), in: o.inChannels, out: channels[0], kernel: 3, padding: 1)

        let timestepInputDim: Int
        switch o.timeEmbeddingType {
        case "fourier":
            timeProj = .fourier(GaussianFourierProjection(loader.scope("time_proj"), embeddingSize: channels[0], scale: 16))
            timestepInputDim = 2 * channels[0]
        case "positional":
            timeProj = .positional(Timesteps(numChannels: channels[0], flipSinToCos: o.flipSinToCos, downscaleFreqShift: o.freqShift))
            timestepInputDim = channels[0]
        case "learned":
            guard let n = o.numTrainTimesteps else {
                throw ModelConfigError("UNet2DModel: time_embedding_type 'learned' needs num_train_timesteps")
            }
            timeProj = .learned(Embedding(loader.scope("time_proj"), count: n, dim: channels[0]))
            timestepInputDim = channels[0]
        default:
            throw ModelConfigError("unknown time_embedding_type '\(o.timeEmbeddingType)' (UNet2DModel takes positional, fourier or learned)")
        }
        timeEmbedding = TimestepEmbedding(loader.scope("time_embedding"), inChannels: timestepInputDim, timeEmbedDim: timeEmbedDim)

        switch o.classEmbedType {
        case nil:
            classEmbedding = try o.numClassEmbeds.map { n in
                guard n > 0 else { throw ModelConfigError("num_class_embeds must be positive") }
                return .table(Embedding(loader.scope("class_embedding"), count: n, dim: timeEmbedDim))
            }
        case "timestep":
            classEmbedding = .timestep(TimestepEmbedding(loader.scope("class_embedding"), inChannels: timestepInputDim, timeEmbedDim: timeEmbedDim))
        case "identity":
            classEmbedding = .identity
        default:
            classEmbedding = nil
        }

        var down: [any UNet2DDownBlock] = []
        var outputChannel = channels[0]
        for (i, type) in o.downBlockTypes.enumerated() {
            let inputChannel = outputChannel
            outputChannel = channels[i]
            let isFinal = i == channels.count - 1
            var opts = UNet2DBlockOptions(numLayers: o.layersPerBlock, inChannels: inputChannel, outChannels: outputChannel,
                                          tembChannels: timeEmbedDim, addSample: !isFinal, eps: o.normEps,
                                          activation: o.activation, groups: groups,
                                          attentionHeadDim: o.attentionHeadDim ?? outputChannel)
            opts.downsamplePadding = o.downsamplePadding
            opts.timeEmbeddingNorm = o.timeEmbeddingNorm
            opts.sampleType = o.downsampleType
            down.append(try makeDownBlock(type, loader.scope("down_blocks", i), opts))
        }
        downBlocks = down

        if let mid = o.midBlockType {
            guard mid == "UNetMidBlock2D" else {
                throw ModelConfigError("unknown mid_block_type '\(mid)' (UNet2DModel takes UNetMidBlock2D or null)")
            }
            let c = channels[channels.count - 1]
            midBlock = try UNetMidBlock2D(loader.scope("mid_block"), inChannels: c, tembChannels: timeEmbedDim,
                                          eps: o.normEps, activation: o.activation, groups: groups,
                                          attnGroups: o.attnNormNumGroups, timeEmbeddingNorm: o.timeEmbeddingNorm,
                                          outputScaleFactor: o.midBlockScaleFactor,
                                          attentionHeadDim: o.attentionHeadDim ?? c, addAttention: o.addAttention)
        } else {
            midBlock = nil
        }

        var up: [any UNet2DUpBlock] = []
        let reversed = Array(channels.reversed())
        outputChannel = reversed[0]
        for (i, type) in o.upBlockTypes.enumerated() {
            let prevOutputChannel = outputChannel
            outputChannel = reversed[i]
            let inputChannel = reversed[min(i + 1, channels.count - 1)]
            let isFinal = i == channels.count - 1
            var opts = UNet2DBlockOptions(numLayers: o.layersPerBlock + 1, inChannels: inputChannel, outChannels: outputChannel,
                                          tembChannels: timeEmbedDim, addSample: !isFinal, eps: o.normEps,
                                          activation: o.activation, groups: groups,
                                          attentionHeadDim: o.attentionHeadDim ?? outputChannel)
            opts.prevOutputChannel = prevOutputChannel
            opts.timeEmbeddingNorm = o.timeEmbeddingNorm
            opts.sampleType = o.upsampleType
            up.append(try makeUpBlock(type, loader.scope("up_blocks", i), opts))
        }
        upBlocks = up

        convNormOut = try GroupNorm(loader.scope("conv_norm_out"), groups: groups, channels: channels[0], eps: o.normEps)
        convOut = Conv2d(loader.scope("conv_out"), in: channels[0], out: o.outChannels, kernel: 3, padding: 1)

        if check { try loader.finish(model: "UNet2DModel") }
        parameters = loader.parameters
    }

    // MARK: Introspection

    /// `model.dtype`: always float32, the type dsh computes in (float16/bfloat16 checkpoints
    /// are converted when loaded).
    public var dtype: DType { .float32 }

    /// `model.device`: always `cpu`.
    public var device: String { "cpu" }

    /// `model.num_parameters()`: the number of scalars in all parameters.
    public func numParameters() -> Int { parameters.reduce(0) { $0 + $1.1.count } }

    /// `sample_size` as (height, width), when the config gives it.
    public var sampleSize: (height: Int, width: Int)? {
        switch config["sample_size"] {
        case .int(let s)?: return (s, s)
        case .array(let a)? where a.count == 2:
            if let h = a[0].intValue, let w = a[1].intValue { return (h, w) }
            return nil
        default: return nil
        }
    }

    // MARK: Forward

    /// A timestep as `forward` accepts it: a Python int or float (converted to int64 as
    /// diffusers does with `torch.tensor([t], dtype=torch.long)`), or a 0-d or 1-d tensor
    /// (broadcast over the batch).
    public enum TimestepInput {
        case int(Int)
        case double(Double)
        case tensor(Tensor)
    }

    /// Thrown when `shouldStop` asks a forward pass to stop.
    public struct Cancelled: Error, CustomStringConvertible {
        public var description: String { "UNet2DModel forward pass interrupted" }
    }

    /// Throws unless a forward pass of this size could fit in memory. The largest activations (a skip
    /// concatenation; im2col's panel is bounded) are about 4 × the widest block at full resolution, so a batch
    /// that could never fit is refused up front instead of failing an allocation mid-pass.
    public func checkActivationMemory(batch: Int, height: Int, width: Int) throws {
        do {
            try Tensor.checkAllocation([batch, 4 * (options.blockOutChannels.max() ?? 1), height, width], op: "UNet2DModel")
        } catch let e as TensorError {
            throw ModelConfigError("\(e.message) (activations for a batch of \(batch) at \(height)×\(width))")
        }
    }

    /// The time embeddings computed ahead by ``withTimeEmbeddings(for:dtype:_:)``, by timestep value, and
    /// ``timeWeightVersions`` when they were.
    private var embeddingsAhead: (dtype: DType, weights: Int, byTimestep: [Float: Tensor])?

    /// The sum of the time path's weights' versions (`time_proj`, `time_embedding`), which grows when one is written
    /// in place.
    private var timeWeightVersions: Int {
        var tensors = [timeEmbedding.linear1.weight, timeEmbedding.linear2.weight]
        tensors += [timeEmbedding.linear1.bias, timeEmbedding.linear2.bias].compactMap { $0 }
        switch timeProj {
        case .positional: break
        case .fourier(let f): tensors.append(f.weight)
        case .learned(let e): tensors.append(e.weight)
        }
        return tensors.reduce(0) { $0 + $1.storage.version }
    }

    /// Every ResnetBlock2D of the down, mid and up blocks.
    var resnets: [ResnetBlock2D] {
        downBlocks.flatMap { ($0 as? HasResnets)?.resnets ?? [] } + (midBlock?.resnets ?? [])
            + upBlocks.flatMap { ($0 as? HasResnets)?.resnets ?? [] }
    }

    /// Runs `body` (a sampling loop) with the time path computed ahead for every value in `timesteps`: the timestep
    /// embedding and each resnet's `time_emb_proj(act(emb))`, for all the values at once, each row through the same
    /// operations as a forward pass at batch 1 gives it (so the same bits). Forward passes in `body` at those
    /// timesteps (batch 1, a timestep tensor of `dtype`) take them instead of computing them: on a small model the
    /// time path is a few dozen tensor operations of a few values each, 45 µs of a 2.3 ms tiny-cats forward pass,
    /// and all at once they take 2 ms for 1000 steps. Models with a class embedding compute it as before.
    public func withTimeEmbeddings<R>(for timesteps: [Float], dtype: DType, _ body: () throws -> R) throws -> R {
        guard classEmbedding == nil, embeddingsAhead == nil, !timesteps.isEmpty else { return try body() }
        let resnets = self.resnets
        defer {
            embeddingsAhead = nil
            for r in resnets { r.projectedAhead = nil }
        }
        var values: [Float] = [], seen = Set<Float>()
        for v in timesteps where seen.insert(v).inserted { values.append(v) }
        // As the forward pass builds them, a tensor of the schedule's dtype (its values normalised to it).
        let t = try Tensor(values, dtype: dtype) * Tensor.ones([values.count], dtype: dtype)  // [T]
        let embeddings = try timeEmbedding(timeProj(t).to(.float32), rowByRow: true)  // [T, time_embed_dim]
        let rows = try (0..<values.count).map { try embeddings.narrow(0, start: $0, length: 1) }  // each [1, D]
        for r in resnets { try r.projectAhead(embeddings) }
        var byTimestep: [Float: Tensor] = [:]
        for (i, row) in rows.enumerated() { byTimestep[t.storage.pointer[t.offset + i]] = row }
        embeddingsAhead = (dtype, timeWeightVersions, byTimestep)
        return try body()
    }

    /// `model(sample=…, timestep=…, class_labels=…)`.
    ///
    /// - Parameters:
    ///   - sample: the noisy input, `[B, in_channels, H, W]`.
    ///   - timestep: see ``TimestepInput``.
    ///   - classLabels: `[B]` class indices (or `[B, time_embed_dim]` features for `identity`),
    ///     required exactly when the model has a class embedding.
    ///   - shouldStop: checked between blocks; when it returns true the pass throws ``Cancelled``.
    public func callAsFunction(sample input: Tensor, timestep: TimestepInput, classLabels: Tensor? = nil,
                               shouldStop: (() -> Bool)? = nil) throws -> UNet2DOutput {
        let o = options
        guard input.rank == 4, input.shape[1] == o.inChannels else {
            throw ModelConfigError("UNet2DModel: sample must be [batch, \(o.inChannels), height, width], got \(input.shape)")
        }
        try checkActivationMemory(batch: input.shape[0], height: input.shape[2], width: input.shape[3])
        func checkStop() throws { if let shouldStop, shouldStop() { throw Cancelled() } }
        let batch = input.shape[0]
        var sample = input.dtype == .float32 ? input : input.to(.float32)
        if o.centerInputSample { sample = try sample * 2 - 1 }

        // 1. time
        var timesteps: Tensor
        switch timestep {
        case .int(let t): timesteps = Tensor([Float(t)], dtype: .int64)
        case .double(let t): timesteps = Tensor([Float(t.rounded(.towardZero))], dtype: .int64)
        case .tensor(let t):
            guard t.rank <= 1 else { throw ModelConfigError("UNet2DModel: timestep must be a number or a 0-d or 1-d tensor, got shape \(t.shape)") }
            timesteps = t.rank == 0 ? try t.reshape([1]) : t
        }
        timesteps = try timesteps * Tensor.ones([batch], dtype: timesteps.dtype)  // [B]
        var emb: Tensor
        if batch == 1, let ahead = embeddingsAhead, ahead.dtype == timesteps.dtype, ahead.weights == timeWeightVersions,
           let e = ahead.byTimestep[timesteps.storage.pointer[timesteps.offset]] {
            emb = e  // computed ahead by withTimeEmbeddings: the same operations, the same bits
        } else {
            emb = try timeEmbedding(timeProj(timesteps).to(.float32))  // [B, time_embed_dim]
        }

        if let classEmbedding {
            guard let labels = classLabels else {
                throw ModelConfigError("class_labels should be provided when doing class conditioning")
            }
            let classEmb: Tensor
            switch classEmbedding {
            case .table(let e): classEmb = try e(labels)
            case .timestep(let e): classEmb = try e(timeProj(labels).to(.float32))
            case .identity: classEmb = labels.to(.float32)
            }
            emb = try emb + classEmb  // [B, time_embed_dim]
        } else if classLabels != nil {
            throw ModelConfigError("class_embedding needs to be initialized in order to use class conditioning")
        }

        // 2. pre-process
        var skipSample: Tensor? = sample
        sample = try convIn(sample)  // [B, C0, H, W]

        // 3. down
        var residuals: [Tensor] = [sample]
        for block in downBlocks {
            try checkStop()
            let (h, res, skip) = try block(sample, temb: emb, skipSample: skipSample)
            sample = h
            skipSample = skip
            residuals += res
        }

        // 4. mid
        if let midBlock {
            try checkStop()
            sample = try midBlock(sample, temb: emb)
        }

        // 5. up
        skipSample = nil
        for block in upBlocks {
            try checkStop()
            let k = block.resnetCount
            guard residuals.count >= k else { throw ModelConfigError("UNet2DModel: the up blocks need more residuals than the down blocks made") }
            let res = Array(residuals.suffix(k))
            residuals.removeLast(k)
            let (h, skip) = try block(sample, residuals: res, temb: emb, skipSample: skipSample)
            sample = h
            skipSample = skip
        }

        // 6. post-process
        sample = try convOut(convNormOut(sample, then: .silu))  // [B, out_channels, H, W]
        if let skipSample { sample = try sample + skipSample }
        if o.timeEmbeddingType == "fourier" {
            sample = try sample / timesteps.reshape([batch, 1, 1, 1])  // [B] -> [B, 1, 1, 1]
        }
        return UNet2DOutput(sample: sample)
    }
}

/// What `UNet2DModel.forward` returns: `.sample`, or the one-element tuple of `return_dict=False`.
public struct UNet2DOutput {
    /// The model's prediction (noise, or score for score-SDE models), `[B, out_channels, H, W]`.
    public let sample: Tensor

    /// Creates the value.
    public init(sample: Tensor) { self.sample = sample }

    /// The `return_dict=False` tuple: `(sample,)`.
    public var tuple: [Tensor] { [sample] }
}
