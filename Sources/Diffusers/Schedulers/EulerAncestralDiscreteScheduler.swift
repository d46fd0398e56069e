// Mirrors diffusers/schedulers/scheduling_euler_ancestral_discrete.py
// (`EulerAncestralDiscreteScheduler`, diffusers 0.42.1).
//
// Ancestral Euler sampling (k-diffusion's `sample_euler_ancestral`). σ_t = √((1 − ᾱ_t) / ᾱ_t); the
// model sees x / √(σ² + 1). One step from σ = σ_i to σ_{i+1}:
//
//   x̂₀    = x − σ ε                               (v_prediction: x̂₀ = −σ/√(σ²+1) v + x/(σ²+1))
//   σ_up   = √(σ_{i+1}² (σ² − σ_{i+1}²) / σ²)
//   σ_down = √(σ_{i+1}² − σ_up²)
//   d      = (x − x̂₀) / σ
//   x'     = x + d (σ_down − σ) + σ_up z,   z ~ N(0, I) drawn at every step (the last one too)
//
// Limitations: prediction_type `sample` is not implemented (as in diffusers).

import Foundation
import Tensor

/// The ancestral Euler scheduler (`EulerAncestralDiscreteScheduler`).
public final class EulerAncestralDiscreteScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "EulerAncestralDiscreteScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("prediction_type", .string("epsilon")),
            ("timestep_spacing", .string("linspace")), ("steps_offset", .int(0)), ("rescale_betas_zero_snr", .bool(false)),
        ],
        compatibles: KarrasSchedulers.names)

    public let config: Config
    public private(set) var timesteps: Tensor
    public private(set) var sigmasTensor: Tensor
    public var sigmas: Tensor? { sigmasTensor }
    public let order = 1
    public private(set) var numInferenceSteps: Int?
    /// The index of the next step (`step_index`).
    public private(set) var stepIndex: Int?
    /// The index to start from (`begin_index`).
    public var beginIndex: Int?

    /// ᾱ_t of the training schedule (`alphas_cumprod`).
    public let alphasCumprod: [Float]
    let trainSigmas: [Float]
    let numTrainTimesteps: Int
    let predictionType: String
    let timestepSpacing: String
    let stepsOffset: Int
    private var sigmaList: [Float]
    private var timestepList: [Float]

    public init(config: Config) throws {
        let r = ConfigReader(config, "EulerAncestralDiscreteScheduler")
        self.config = config
        var schedule = try NoiseSchedule(r)
        if try r.bool("rescale_betas_zero_snr", false), !schedule.alphasCumprod.isEmpty {
            schedule.alphasCumprod[schedule.alphasCumprod.count - 1] = Float(pow(2.0, -24.0))
        }
        alphasCumprod = schedule.alphasCumprod
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        predictionType = try r.choice("prediction_type", "epsilon", ["epsilon", "v_prediction"])
        timestepSpacing = try r.choice("timestep_spacing", "linspace", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        trainSigmas = SigmaMath.trainSigmas(alphasCumprod)
        sigmaList = trainSigmas.reversed() + [0]
        // Before set_timesteps the timesteps are float64 (np.linspace(..., dtype=float)).
        timestepList = NumPy.linspace(0, Double(numTrainTimesteps - 1), numTrainTimesteps).reversed().map { Float($0) }
        timesteps = Tensor(timestepList, dtype: .float64)
        sigmasTensor = Tensor(sigmaList)
    }

    /// `init_noise_sigma`: max σ (linspace, trailing) or √(max σ² + 1) (leading), float32.
    public var initNoiseSigma: Double {
        let m = sigmaList.max() ?? 0
        return timestepSpacing == "leading" ? Double((m * m + 1).squareRoot()) : Double(m)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("EulerAncestralDiscreteScheduler.set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        numInferenceSteps = n
        timestepList = SigmaMath.floatTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset)
        let fp = trainSigmas.map(Double.init)
        sigmaList = timestepList.map { Float(NumPy.interp(Double($0), fp)) } + [0]
        timesteps = Tensor(timestepList)
        sigmasTensor = Tensor(sigmaList)
        stepIndex = nil
        beginIndex = nil
    }

    private func initStepIndex(_ timestep: Double) throws {
        if let b = beginIndex { stepIndex = b; return }
        stepIndex = try SigmaMath.index(of: timestep, in: timestepList, scheduler: "EulerAncestralDiscreteScheduler")
    }

    /// x / √(σ² + 1) for the current step's σ.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor {
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i < sigmaList.count else {
            throw SchedulerError("EulerAncestralDiscreteScheduler.scale_model_input: the schedule has ended; call set_timesteps again")
        }
        let sigma = sigmaList[i]
        return sample.map(DivideBy(d: (sigma * sigma + 1).squareRoot()))
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        try Fused.checkShapes("EulerAncestralDiscreteScheduler", modelOutput, sample)
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i + 1 < sigmaList.count else {
            throw SchedulerError("EulerAncestralDiscreteScheduler.step: the schedule has ended (\(timestepList.count) steps); call set_timesteps again")
        }
        let sigma = sigmaList[i]
        let sigmaFrom = sigma, sigmaTo = sigmaList[i + 1]
        // σ_up = √(σ_to² (σ_from² − σ_to²) / σ_from²),  σ_down = √(σ_to² − σ_up²)
        let sigmaUp = (sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom)).squareRoot()
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let dt = sigmaDown - sigma
        let isEpsilon = predictionType == "epsilon"
        let vScale = -sigma / (sigma * sigma + 1).squareRoot(), vDiv = sigma * sigma + 1
        let x = sample.contiguous(), m = modelOutput.contiguous()
        // z is drawn after x̂₀ and the Euler move, as diffusers draws it.
        let z = Tensor.randn(modelOutput.shape, generator: generator, dtype: modelOutput.dtype).contiguous()
        let (predOriginal, prev) = x.withUnsafeBufferPointer { px in
            m.withUnsafeBufferPointer { pm in
                z.withUnsafeBufferPointer { pz in
                    Fused.generate2(sample.shape) { j in
                        let xv = px[j], mv = pm[j]
                        let x0 = isEpsilon ? xv - sigma * mv : mv * vScale + xv / vDiv
                        let d = (xv - x0) / sigma                     // d = (x − x̂₀) / σ
                        return (x0, (xv + d * dt) + pz[j] * sigmaUp)  // x' = x + d (σ_down − σ) + σ_up z
                    }
                }
            }
        }
        stepIndex = i + 1
        return SchedulerOutput(prevSample: prev, predOriginalSample: predOriginal)
    }

    /// x₀ + σ ε, with σ of each timestep's position in the schedule.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseSigma("EulerAncestralDiscreteScheduler", sigmas: sigmaList, schedule: timestepList, stepIndex: stepIndex,
                          beginIndex: beginIndex, original: original, noise: noise, timesteps: timesteps)
    }
}
