import Foundation
import Tensor

/// What a pipeline reports while it samples, once per denoising step.
public struct PipelineStep {
    /// 0-based step index and the number of steps.
    public let index: Int, count: Int
    /// The step's timestep.
    public let timestep: Double
    /// The sample after this step, `[B, C, H, W]`.
    public let sample: Tensor
    /// The scheduler's prediction of the clean image at this step, when it gives one.
    public let predOriginalSample: Tensor?
}

/// Options of one sampling run (the keyword arguments of `pipeline(...)`).
public struct SamplingOptions {
    public var batchSize = 1
    public var generator: Generator? = nil
    public var numInferenceSteps: Int
    /// DDIM's η (0: deterministic).
    public var eta: Double = 0
    /// Called after every step (`callback_on_step_end`, progress bars, live previews).
    public var onStep: ((PipelineStep) throws -> Void)? = nil
    /// Checked between steps and between the model's blocks (Ctrl-C).
    public var shouldStop: (() -> Bool)? = nil

    public init(numInferenceSteps: Int) { self.numInferenceSteps = numInferenceSteps }
}

/// Errors of pipeline loading and use.
public struct PipelineError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// diffusers' unconditional image pipelines (`DDPMPipeline`, `DDIMPipeline`): a `UNet2DModel` and a
/// scheduler, run from Gaussian noise to an image.
///
/// This implementation matches diffusers 0.42.1's `pipeline_ddpm.py` and `pipeline_ddim.py`: the
/// initial noise is `randn` of `[batch, in_channels, size, size]` from the generator, then for each
/// of `scheduler.timesteps`: `model_output = unet(x, t).sample`, `x = scheduler.step(...).prev_sample`,
/// and finally `(x / 2 + 0.5).clamp(0, 1)`.
/// Difference: dsh also multiplies the initial noise by `init_noise_sigma` and applies
/// `scale_model_input`, so sigma-based schedulers (Euler, Heun, LMS, …) work after a `from_config`
/// swap; both are identities for DDPM and DDIM, whose results therefore equal diffusers'.
public final class DiffusionPipeline {
    /// `DDPMPipeline` or `DDIMPipeline`.
    public let className: String
    public var unet: UNet2DModel
    public var scheduler: any Scheduler
    /// Where it was loaded from (`_name_or_path`), if anywhere.
    public var nameOrPath: String?

    /// The pipeline classes dsh has.
    public static let classNames = ["DDPMPipeline", "DDIMPipeline"]

    /// `DDPMPipeline(unet=…, scheduler=…)` / `DDIMPipeline(unet=…, scheduler=…)`. A DDIM pipeline
    /// converts its scheduler to `DDIMScheduler`, as diffusers does.
    public init(className: String = "DDPMPipeline", unet: UNet2DModel, scheduler: any Scheduler) throws {
        guard DiffusionPipeline.classNames.contains(className) else { throw DiffusionPipeline.unsupported(className) }
        self.className = className
        self.unet = unet
        if className == "DDIMPipeline" && !(scheduler is DDIMScheduler) {
            self.scheduler = try DDIMScheduler.fromConfig(scheduler.config).scheduler
        } else {
            self.scheduler = scheduler
        }
    }

    /// `DiffusionPipeline.from_pretrained(path_or_repo_id)`: reads `model_index.json` and loads the
    /// components. With `className`, loads as that class (`DDIMPipeline.from_pretrained(...)`).
    public static func fromPretrained(_ pathOrRepoID: String, className requested: String? = nil,
                                      revision: String? = nil) throws -> DiffusionPipeline {
        let folder = try Hub.resolve(pathOrRepoID, revision: revision)
        let indexPath = URL(fileURLWithPath: folder).appendingPathComponent("model_index.json").path
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw PipelineError("\(pathOrRepoID): no model_index.json in \(folder) — is this a pipeline folder? (a model alone loads with UNet2DModel.from_pretrained(…, subfolder=\"unet\"))")
        }
        let index = try Config.load(path: indexPath)
        let stored = index.className ?? "DDPMPipeline"
        let name = requested ?? stored
        guard classNames.contains(name) else {
            throw unsupported(name, components: index.entries.filter { !$0.0.hasPrefix("_") }.map(\.0))
        }
        for (component, value) in index.entries where !component.hasPrefix("_") {
            guard component == "unet" || component == "scheduler" else {
                if case .array(let pair) = value, pair.count == 2, pair[0].isNull { continue }
                throw PipelineError("\(name) from \(pathOrRepoID): component '\(component)' is not one dsh knows (an unconditional pipeline has unet and scheduler)")
            }
        }
        let unet = try UNet2DModel.fromPretrained(pathOrRepoID, subfolder: "unet", revision: revision)
        let (scheduler, _) = try SchedulerRegistry.fromPretrained(pathOrRepoID, subfolder: "scheduler", revision: revision)
        let p = try DiffusionPipeline(className: name, unet: unet, scheduler: scheduler)
        p.nameOrPath = pathOrRepoID
        return p
    }

    static func unsupported(_ name: String, components: [String] = []) -> PipelineError {
        var m = "\(name) is not available in dsh: it has DDPMPipeline and DDIMPipeline (unconditional UNet2DModel pipelines)."
        let missing = components.filter { !["unet", "scheduler"].contains($0) }
        if !missing.isEmpty {
            m += " This pipeline also needs \(missing.joined(separator: ", ")), which dsh does not implement yet."
        }
        if name.contains("StableDiffusion") {
            m += " Stable Diffusion needs a CLIP text encoder, a UNet2DConditionModel and an AutoencoderKL."
        }
        return PipelineError(m)
    }

    /// The default number of steps: 1000 for DDPM, 50 for DDIM (as diffusers).
    public var defaultInferenceSteps: Int { className == "DDIMPipeline" ? 50 : 1000 }

    /// The pipeline's config (`model_index.json`): class, version, name, components.
    public var config: Config {
        var e: [(String, JSONValue)] = [("_class_name", .string(className)), ("_diffusers_version", .string(Config.diffusersVersion))]
        if let nameOrPath { e.append(("_name_or_path", .string(nameOrPath))) }
        e.append(("scheduler", .array([.string("diffusers"), .string(type(of: scheduler).className)])))
        e.append(("unet", .array([.string("diffusers"), .string("UNet2DModel")])))
        return Config(entries: e)
    }

    /// `repr(pipeline)`, as diffusers prints it.
    public var reprDescription: String {
        className + " " + config.jsonString()
    }

    /// Runs the sampler. Returns the images as `[B, H, W, C]` floats in [0, 1] (`output_type="np"`).
    public func callAsFunction(_ options: SamplingOptions) throws -> Tensor {
        let images = try sampleNCHW(options)
        return try images.permute([0, 2, 3, 1]).contiguous()  // [B, C, H, W] -> [B, H, W, C]
    }

    /// Runs the sampler; `[B, C, H, W]` in [0, 1] (`output_type="pt"`).
    public func sampleNCHW(_ options: SamplingOptions) throws -> Tensor {
        guard options.batchSize >= 1 else { throw PipelineError("\(className): batch_size must be at least 1, got \(options.batchSize)") }
        guard options.numInferenceSteps >= 1 else {
            throw PipelineError("\(className): num_inference_steps must be at least 1, got \(options.numInferenceSteps)")
        }
        guard let (height, width) = unet.sampleSize else {
            throw PipelineError("\(className): the UNet's config has no sample_size, so the image size is unknown")
        }
        let shape = [options.batchSize, try unet.config.int("in_channels", default: 3), height, width]
        try unet.checkActivationMemory(batch: options.batchSize, height: height, width: width)
        // As diffusers' pipelines do: timesteps first, since init_noise_sigma depends on them.
        try scheduler.setTimesteps(options.numInferenceSteps)
        var image = Tensor.randn(shape, generator: options.generator)  // [B, C, H, W]
        if scheduler.initNoiseSigma != 1 { image = try image * Float(scheduler.initNoiseSigma) }
        let timestepType = scheduler.timesteps.dtype
        let timesteps = scheduler.timesteps.scalars
        // The time path of every step first, all at once (the same bits): UNet2DModel.withTimeEmbeddings.
        try unet.withTimeEmbeddings(for: timesteps, dtype: timestepType) {
            for (i, t) in timesteps.enumerated() {
                if let stop = options.shouldStop, stop() { throw UNet2DModel.Cancelled() }
                let t = Double(t)
                let input = try scheduler.scaleModelInput(image, timestep: t)
                // As in diffusers, the model gets the schedule's own timestep tensor (int64 or float).
                let modelOutput = try unet(sample: input, timestep: .tensor(Tensor(Float(t), dtype: timestepType)),
                                           shouldStop: options.shouldStop).sample
                let out: SchedulerOutput
                if let ddim = scheduler as? DDIMScheduler, options.eta != 0 {
                    out = try ddim.step(modelOutput: modelOutput, timestep: t, sample: image, eta: options.eta, generator: options.generator)
                } else {
                    out = try scheduler.step(modelOutput: modelOutput, timestep: t, sample: image, generator: options.generator)
                }
                image = out.prevSample
                try options.onStep?(PipelineStep(index: i, count: timesteps.count, timestep: t, sample: image,
                                                 predOriginalSample: out.predOriginalSample))
            }
        }
        return try (image / 2 + 0.5).clamp(min: 0, max: 1)
    }

    /// `save_pretrained(directory)`: `model_index.json`, `unet/`, `scheduler/`.
    public func savePretrained(_ directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var index = config
        index = index.removing("_name_or_path")
        try index.save(directory: directory, fileName: "model_index.json")
        try unet.savePretrained(URL(fileURLWithPath: directory).appendingPathComponent("unet").path)
        try scheduler.saveConfig(directory: URL(fileURLWithPath: directory).appendingPathComponent("scheduler").path)
    }
}
