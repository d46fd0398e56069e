// Mirrors diffusers/schedulers/scheduling_utils.py: `SchedulerMixin` (`from_pretrained`,
// `save_pretrained`, `compatibles`), `SchedulerOutput`, and `KarrasDiffusionSchedulers`.

import Foundation
import Tensor

/// An error from a scheduler: a bad argument, a config value outside the allowed set, or a call in
/// the wrong order. The message names the scheduler, the argument and the allowed values.
public struct SchedulerError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `step` returns: `prev_sample` and, for the schedulers whose diffusers output has it,
/// `pred_original_sample` (the model's estimate of the clean sample x₀).
public struct SchedulerOutput: Sendable {
    public var prevSample: Tensor
    public var predOriginalSample: Tensor?
    /// An output holding `prev_sample` and, optionally, `pred_original_sample`.
    public init(prevSample: Tensor, predOriginalSample: Tensor? = nil) {
        self.prevSample = prevSample
        self.predOriginalSample = predOriginalSample
    }
}

/// A diffusers noise scheduler.
///
/// Timesteps: ``timesteps`` is a tensor of dtype int64 or float32, as diffusers has it for that
/// scheduler. `timestep` arguments are `Double` holding one of those values exactly (an int64 timestep
/// such as 981 is `981.0`); the Script bindings convert Python ints, floats and 0-d tensors.
///
/// Noise: stochastic steps draw `Tensor.randn(modelOutput.shape, generator:)` exactly where diffusers
/// calls `randn_tensor`, from the given generator or else the global one.
public protocol Scheduler: AnyObject {
    /// Constructor parameters with defaults and the compatible classes.
    static var schema: ConfigSchema { get }
    /// The recorded config (`scheduler.config`).
    var config: Config { get }
    /// The timesteps of the schedule (set by ``setTimesteps(_:)``; the training timesteps before).
    var timesteps: Tensor { get }
    /// The noise levels for sigma-based schedulers (float32, one more than the timesteps), else nil.
    var sigmas: Tensor? { get }
    /// The standard deviation of the initial noise (`init_noise_sigma`).
    var initNoiseSigma: Double { get }
    /// How many model evaluations one step of the method uses (`order`).
    var order: Int { get }
    /// The number of inference steps, once set.
    var numInferenceSteps: Int? { get }
    /// Makes the scheduler from a config holding its parameters (absent ones take their defaults).
    init(config: Config) throws
    /// `set_timesteps(num_inference_steps)`.
    func setTimesteps(_ numInferenceSteps: Int) throws
    /// `scale_model_input(sample, timestep)`.
    func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor
    /// `step(model_output, timestep, sample, generator=…)` with the method's defaults for other options.
    func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput
    /// ᾱ_t = ∏_{s≤t} (1 − β_s) of the training schedule, float32 (`alphas_cumprod`).
    var alphasCumprod: [Float] { get }
    /// `add_noise(original_samples, noise, timesteps)`.
    func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor
}

extension Scheduler {
    /// The class name (`DDPMScheduler`, …).
    public static var className: String { schema.className }
    /// The compatible classes' names, this one included (`compatibles`), in diffusers' list order.
    public static var compatibles: [String] {
        ([schema.className] + schema.compatibles.filter { $0 != schema.className })
    }
    public var sigmas: Tensor? { nil }

    /// Makes the scheduler as the Python constructor does: `passing` holds keyword arguments.
    /// Throws for a keyword the constructor does not take.
    public static func make(_ passing: [(String, JSONValue)] = []) throws -> Self {
        try Self(config: schema.registeredConfig(passing: passing))
    }

    /// `from_config(config, **overrides)`: the scheduler and the warning diffusers logs, if any.
    public static func fromConfig(_ source: Config, overrides: [(String, JSONValue)] = []) throws -> (scheduler: Self, warning: String?) {
        let r = try schema.fromConfig(source, overrides: overrides, schemaFor: SchedulerRegistry.schema(for:))
        return (try Self(config: r.config), r.warning)
    }

    /// `from_pretrained(path_or_repo_id, subfolder=…)`: reads `scheduler_config.json` from a local
    /// folder or the Hugging Face cache (see ``Hub/resolve(_:subfolder:revision:environment:)``).
    public static func fromPretrained(_ pathOrRepoID: String, subfolder: String? = nil, revision: String? = nil,
                                      overrides: [(String, JSONValue)] = []) throws -> (scheduler: Self, warning: String?) {
        let folder = try Hub.resolve(pathOrRepoID, subfolder: subfolder, revision: revision)
        let file = URL(fileURLWithPath: folder).appendingPathComponent(schema.configName).path
        return try fromConfig(Config.load(path: file), overrides: overrides)
    }

    /// `save_config(directory)` / `save_pretrained(directory)`: writes `scheduler_config.json`.
    public func saveConfig(directory: String) throws {
        try config.save(directory: directory, fileName: Self.schema.configName, className: Self.schema.className)
    }

    /// `repr(scheduler)`: `DDPMScheduler {…}` with the config as sorted JSON.
    public var reprDescription: String { config.classDescription(className: Self.schema.className) }
}

/// Every scheduler dsh implements, by class name, so `from_config` works from any class name.
public enum SchedulerRegistry {
    /// The implemented schedulers.
    public static let types: [any Scheduler.Type] = [
        DDPMScheduler.self, DDIMScheduler.self, EulerDiscreteScheduler.self, EulerAncestralDiscreteScheduler.self,
        PNDMScheduler.self, DPMSolverMultistepScheduler.self, HeunDiscreteScheduler.self,
        UniPCMultistepScheduler.self, LMSDiscreteScheduler.self,
    ]

    /// The implemented scheduler class for `className`, if any.
    public static func type(named className: String) -> (any Scheduler.Type)? {
        types.first { $0.schema.className == className }
    }

    /// The constructor parameters of a diffusers scheduler class: implemented ones from their schema,
    /// the other `KarrasDiffusionSchedulers` from a table, so that `from_config` drops their keys
    /// silently as diffusers does.
    public static func schema(for className: String) -> ConfigSchema? {
        if let t = type(named: className) { return t.schema }
        if let names = KarrasSchedulers.otherParameterNames[className] {
            return ConfigSchema(className: className, parameters: names.map { ($0, .null) }, compatibles: KarrasSchedulers.names)
        }
        return nil
    }

    /// `SchedulerClass.from_config(config, **overrides)` for a class named at run time.
    public static func make(className: String, config: Config, overrides: [(String, JSONValue)] = []) throws -> (scheduler: any Scheduler, warning: String?) {
        guard let t = type(named: className) else {
            throw SchedulerError("unknown scheduler class '\(className)'; dsh has \(types.map { $0.schema.className }.joined(separator: ", "))")
        }
        return try t.fromConfig(config, overrides: overrides)
    }

    /// `from_pretrained` for the class named in the folder's `scheduler_config.json` (`_class_name`).
    public static func fromPretrained(_ pathOrRepoID: String, subfolder: String? = nil, revision: String? = nil) throws -> (scheduler: any Scheduler, warning: String?) {
        let folder = try Hub.resolve(pathOrRepoID, subfolder: subfolder, revision: revision)
        let file = URL(fileURLWithPath: folder).appendingPathComponent("scheduler_config.json").path
        let config = try Config.load(path: file)
        guard let name = config.className else {
            throw SchedulerError("\(file) has no `_class_name`; load it with a scheduler class's fromPretrained")
        }
        return try make(className: name, config: config)
    }
}

/// diffusers' `KarrasDiffusionSchedulers`: the schedulers that share the Stable Diffusion config.
public enum KarrasSchedulers {
    /// The class names, in the enum's order.
    public static let names = [
        "DDIMScheduler", "DDPMScheduler", "PNDMScheduler", "LMSDiscreteScheduler", "EulerDiscreteScheduler",
        "HeunDiscreteScheduler", "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler",
        "DPMSolverSinglestepScheduler", "KDPM2DiscreteScheduler", "KDPM2AncestralDiscreteScheduler",
        "DEISMultistepScheduler", "UniPCMultistepScheduler", "DPMSolverSDEScheduler", "EDMEulerScheduler",
    ]

    /// `__init__` parameter names of the Karras schedulers dsh does not implement (or not yet),
    /// as diffusers 0.42.1 declares them (generated by tools/fixtures_schedulers.py --parameters).
    static let otherParameterNames: [String: [String]] = KarrasParameterTable.names
}
