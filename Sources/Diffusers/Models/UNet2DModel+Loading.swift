import Foundation
import Tensor

extension UNet2DModel {
    /// `UNet2DModel.from_pretrained(path_or_repo_id, subfolder=, revision=, variant=, torch_dtype=)`.
    ///
    /// Finds the folder with ``Hub/resolve(_:subfolder:revision:environment:)`` (a local folder,
    /// a built-in model, `DSH_MODELS`, or the Hugging Face cache — never the network), reads
    /// `config.json` and the safetensors weights (single file or shards; float32, float16 or
    /// bfloat16), maps legacy attention names, and fails with one error listing every missing,
    /// unexpected or mis-shaped tensor.
    ///
    /// - Parameter torchDType: accepted for compatibility; dsh computes in float32 whatever it says.
    public static func fromPretrained(_ pathOrRepoID: String, subfolder: String? = nil, revision: String? = nil,
                                      variant: String? = nil, torchDType: DType? = nil,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) throws -> UNet2DModel {
        let folder = try Hub.resolve(pathOrRepoID, subfolder: subfolder, revision: revision, environment: environment)
        let configPath = (folder as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelFileError("\(folder) has no config.json; is it a diffusers model folder\(subfolder == nil ? " (or does the model keep its UNet in a subfolder such as subfolder=\"unet\")" : "")?")
        }
        let fileConfig = try Config.load(path: configPath)
        if let cls = fileConfig.className, cls != "UNet2DModel" {
            throw ModelFileError("\(configPath) describes a \(cls), not a UNet2DModel")
        }
        let config = try registeredConfig(from: fileConfig).setting("_name_or_path", to: .string(pathOrRepoID))
        let files = try ModelFiles.openWeights(folder: folder, variant: variant, modelName: "UNet2DModel")
        let loader = try WeightLoader(files: files, description: files.count == 1 ? files[0].path : "\(files.count) shards in \(folder)")
        return try UNet2DModel(config: config, loader: loader)
    }

    /// The config diffusers records for a model built from `fileConfig` (`from_config`): the
    /// constructor parameters in order (file values, else defaults), `_use_default_values`, then
    /// the file's private keys.
    public static func registeredConfig(from fileConfig: Config) throws -> Config {
        try schema.fromConfig(fileConfig, schemaFor: { _ in nil }).config
    }

    /// `UNet2DModel(**kwargs)` with deterministic made-up weights (see ``WeightLoader/random(seed:)``).
    public static func randomlyInitialized(_ arguments: [(String, JSONValue)], seed: UInt64 = 0) throws -> UNet2DModel {
        let config = try schema.registeredConfig(passing: arguments)
            .setting("_class_name", to: .string("UNet2DModel"))
            .setting("_diffusers_version", to: .string(Config.diffusersVersion))
        return try UNet2DModel(config: config, loader: .random(seed: seed))
    }

    /// The configuration of `google/ddpm-cat-256` (the Diffusers quicktour's model): 256×256
    /// RGB, block_out_channels (128, 128, 256, 256, 512, 512), attention at the 16×16 level,
    /// two resnets per block, downsample_padding 0; 113.7M parameters.
    public static let ddpmCat256Arguments: [(String, JSONValue)] = [
        ("sample_size", .int(256)),
        ("in_channels", .int(3)),
        ("out_channels", .int(3)),
        ("center_input_sample", .bool(false)),
        ("time_embedding_type", .string("positional")),
        ("freq_shift", .int(1)),
        ("flip_sin_to_cos", .bool(false)),
        ("down_block_types", .array(["DownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "DownBlock2D"].map { .string($0) })),
        ("up_block_types", .array(["UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D"].map { .string($0) })),
        ("block_out_channels", .array([128, 128, 256, 256, 512, 512].map { .int($0) })),
        ("layers_per_block", .int(2)),
        ("mid_block_scale_factor", .int(1)),
        ("downsample_padding", .int(0)),
        ("act_fn", .string("silu")),
        ("attention_head_dim", .null),
        ("norm_num_groups", .int(32)),
        ("norm_eps", .double(1e-6)),
    ]

    /// The ddpm-cat-256 architecture with deterministic random weights and no file: what
    /// `dsh-bench` times (one forward of `[1, 3, 256, 256]`).
    public static func ddpmCat256RandomWeights(seed: UInt64 = 0) throws -> UNet2DModel {
        try randomlyInitialized(ddpmCat256Arguments, seed: seed)
    }

    /// `model.save_pretrained(directory)`: `config.json` (sorted keys, as diffusers writes it) and
    /// `diffusion_pytorch_model.safetensors` in float32, or in `dtype` when given.
    public func savePretrained(_ directory: String, dtype: DType = .float32) throws {
        try config.save(directory: directory, fileName: "config.json", className: "UNet2DModel")
        let tensors = parameters.map { ($0.0, dtype == .float32 ? $0.1 : $0.1.to(dtype)) }
        let path = (directory as NSString).appendingPathComponent(ModelFiles.weightsName(variant: nil))
        try SafeTensors.save(tensors, metadata: ["format": "pt"], to: path)
    }
}
