// Mirrors diffusers/schedulers/scheduling_euler_discrete.py (`EulerDiscreteScheduler`, diffusers 0.42.1).
//
// Euler's method for the probability-flow ODE in σ (Karras et al., arXiv 2206.00364, Algorithm 2).
// σ_t = √((1 − ᾱ_t) / ᾱ_t); the model sees x / √(σ² + 1). One step from σ_i to σ_{i+1}:
//
//   γ   = min(s_churn / N, √2 − 1) if s_tmin ≤ σ_i ≤ s_tmax else 0;   σ̂ = σ_i (γ + 1)
//   x   ← x + √(σ̂² − σ_i²) · s_noise · z           (only when γ > 0)
//   x̂₀ = x − σ̂ ε                                    (epsilon; v_prediction: x̂₀ = −σ/√(σ²+1) v + x/(σ²+1);
//                                                     sample: x̂₀ = output)
//   d   = (x − x̂₀) / σ̂
//   x'  = x + d (σ_{i+1} − σ̂)
//
// Limitations: `use_exponential_sigmas` and `use_beta_sigmas` are not implemented (they throw);
// `set_timesteps` takes a step count only (no custom `timesteps`/`sigmas`).

import Foundation
import Tensor

/// The Euler scheduler (`EulerDiscreteScheduler`).
public final class EulerDiscreteScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "EulerDiscreteScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("prediction_type", .string("epsilon")),
            ("interpolation_type", .string("linear")), ("use_karras_sigmas", .bool(false)),
            ("use_exponential_sigmas", .bool(false)), ("use_beta_sigmas", .bool(false)),
            ("sigma_min", .null), ("sigma_max", .null), ("timestep_spacing", .string("linspace")),
            ("timestep_type", .string("discrete")), ("steps_offset", .int(0)), ("rescale_betas_zero_snr", .bool(false)),
            ("final_sigmas_type", .string("zero")),
        ],
        compatibles: KarrasSchedulers.names)

    public let config: Config
    public private(set) var timesteps: Tensor
    public private(set) var sigmasTensor: Tensor
    public var sigmas: Tensor? { sigmasTensor }
    public let order = 1
    public private(set) var numInferenceSteps: Int?
    /// The index of the next step (`step_index`), set by the first `scale_model_input` or `step`.
    public private(set) var stepIndex: Int?
    /// The index to start from (`begin_index`), for pipelines that start mid-schedule.
    public var beginIndex: Int?

    /// ᾱ_t of the training schedule (`alphas_cumprod`).
    public let alphasCumprod: [Float]
    let trainSigmas: [Float]
    let numTrainTimesteps: Int
    let predictionType: String
    let interpolationType: String
    let useKarrasSigmas: Bool
    let sigmaMin: Double?, sigmaMax: Double?
    let timestepSpacing: String
    let timestepType: String
    let stepsOffset: Int
    let finalSigmasType: String
    private var sigmaList: [Float]
    private var timestepList: [Float]

    public init(config: Config) throws {
        let name = "EulerDiscreteScheduler"
        let r = ConfigReader(config, name)
        self.config = config
        var schedule = try NoiseSchedule(r)
        if try r.bool("rescale_betas_zero_snr", false), !schedule.alphasCumprod.isEmpty {
            schedule.alphasCumprod[schedule.alphasCumprod.count - 1] = Float(pow(2.0, -24.0))
        }
        alphasCumprod = schedule.alphasCumprod
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        predictionType = try r.choice("prediction_type", "epsilon", ["epsilon", "v_prediction", "sample", "original_sample"])
        interpolationType = try r.choice("interpolation_type", "linear", ["linear", "log_linear"])
        useKarrasSigmas = try r.bool("use_karras_sigmas", false)
        if try r.bool("use_exponential_sigmas", false) || r.bool("use_beta_sigmas", false) {
            throw SchedulerError("\(name): `use_exponential_sigmas` and `use_beta_sigmas` are not supported by dsh; use `use_karras_sigmas` or the default sigmas")
        }
        sigmaMin = try r.optionalDouble("sigma_min", nil)
        sigmaMax = try r.optionalDouble("sigma_max", nil)
        timestepSpacing = try r.choice("timestep_spacing", "linspace", TimestepSpacing.allowed)
        timestepType = try r.choice("timestep_type", "discrete", ["discrete", "continuous"])
        stepsOffset = try r.int("steps_offset", 0)
        finalSigmasType = try r.choice("final_sigmas_type", "zero", ["zero", "sigma_min"])

        trainSigmas = SigmaMath.trainSigmas(alphasCumprod)
        let flipped = Array(trainSigmas.reversed())
        sigmaList = flipped + [0]
        if timestepType == "continuous" && predictionType == "v_prediction" {
            timestepList = flipped.map { 0.25 * Foundation.log($0) }
        } else {
            timestepList = NumPy.linspace(0, Double(numTrainTimesteps - 1), numTrainTimesteps).reversed().map { Float($0) }
        }
        timesteps = Tensor(timestepList)
        sigmasTensor = Tensor(sigmaList)
    }

    /// `init_noise_sigma`: max σ (linspace, trailing) or √(max σ² + 1) (leading), float32.
    public var initNoiseSigma: Double {
        let m = sigmaList.max() ?? 0
        return timestepSpacing == "leading" ? Double((m * m + 1).squareRoot()) : Double(m)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("EulerDiscreteScheduler.set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        numInferenceSteps = n
        var ts = SigmaMath.floatTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset).map(Double.init)
        let logSigmas = trainSigmas.map { Foundation.log($0) }
        var sig: [Double]
        if interpolationType == "linear" {
            let fp = trainSigmas.map(Double.init)
            sig = ts.map { NumPy.interp($0, fp) }
        } else {
            // torch.linspace(log σ_max_train… ) in float32, then exp.
            let lo = Double(Foundation.log(trainSigmas[trainSigmas.count - 1])), hi = Double(Foundation.log(trainSigmas[0]))
            sig = try Tensor.linspace(lo, hi, steps: n + 1).scalars.map { Double(Foundation.exp($0)) }
        }
        if useKarrasSigmas {
            sig = SigmaMath.karras(sigmaMin: sigmaMin ?? sig[sig.count - 1], sigmaMax: sigmaMax ?? sig[0], steps: n)
            ts = sig.map { SigmaMath.sigmaToT($0, logSigmas: logSigmas) }
        }
        let last: Double = finalSigmasType == "sigma_min" ? Double(((1 - alphasCumprod[0]) / alphasCumprod[0]).squareRoot()) : 0
        sigmaList = (sig + [last]).map { Float($0) }
        if timestepType == "continuous" && predictionType == "v_prediction" {
            timestepList = sigmaList.dropLast().map { 0.25 * Foundation.log($0) }
        } else {
            timestepList = ts.map { Float($0) }
        }
        timesteps = Tensor(timestepList)
        sigmasTensor = Tensor(sigmaList)
        stepIndex = nil
        beginIndex = nil
    }

    private func initStepIndex(_ timestep: Double) throws {
        if let b = beginIndex { stepIndex = b; return }
        stepIndex = try SigmaMath.index(of: timestep, in: timestepList, scheduler: "EulerDiscreteScheduler")
    }

    /// x / √(σ² + 1) for the current step's σ.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor {
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i < sigmaList.count else {
            throw SchedulerError("EulerDiscreteScheduler.scale_model_input: the schedule has ended (step \(stepIndex ?? -1) of \(timestepList.count)); call set_timesteps again")
        }
        let sigma = sigmaList[i]
        let scale = (sigma * sigma + 1).squareRoot()
        return sample.map(DivideBy(d: scale))
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator,
                 sChurn: 0, sTmin: 0, sTmax: .infinity, sNoise: 1)
    }

    /// `step(model_output, timestep, sample, s_churn, s_tmin, s_tmax, s_noise, generator)`.
    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?,
                     sChurn: Double, sTmin: Double, sTmax: Double, sNoise: Double) throws -> SchedulerOutput {
        try Fused.checkShapes("EulerDiscreteScheduler", modelOutput, sample)
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i + 1 < sigmaList.count else {
            throw SchedulerError("EulerDiscreteScheduler.step: the schedule has ended (\(timestepList.count) steps); call set_timesteps again")
        }
        let sigma = sigmaList[i]
        // γ and σ̂ = σ (γ + 1)
        let s = Double(sigma)
        let gamma = (sTmin <= s && s <= sTmax) ? min(sChurn / Double(sigmaList.count - 1), 2.0.squareRoot() - 1) : 0
        let sigmaHat = Float(Double(sigma) * (gamma + 1))
        var x = sample.contiguous()
        if gamma > 0 {
            let z = Tensor.randn(modelOutput.shape, generator: generator, dtype: modelOutput.dtype).contiguous()
            let k = (sigmaHat * sigmaHat - sigma * sigma).squareRoot(), sn = Float(sNoise)
            x = Fused.map2(x, z) { xv, zv in xv + (zv * sn) * k }
        }
        let sigmaNext = sigmaList[i + 1]
        let dt = sigmaNext - sigmaHat
        let mode = PredictionType(rawValue: predictionType) ?? .sample   // "original_sample" is "sample"
        let vScale = -sigma / (sigma * sigma + 1).squareRoot(), vDiv = sigma * sigma + 1
        let (predOriginal, prev) = x.withUnsafeBufferPointer { px in
            modelOutput.withUnsafeBufferPointer { pm in
                Fused.generate2(sample.shape) { j in
                    let xv = px[j], m = pm[j]
                    let x0: Float
                    switch mode {
                    case .epsilon: x0 = xv - sigmaHat * m                    // x̂₀ = x − σ̂ ε
                    case .vPrediction: x0 = m * vScale + xv / vDiv
                    default: x0 = m
                    }
                    let d = (xv - x0) / sigmaHat                              // d = (x − x̂₀) / σ̂
                    return (x0, xv + d * dt)                                  // x' = x + d (σ_{i+1} − σ̂)
                }
            }
        }
        stepIndex = i + 1
        return SchedulerOutput(prevSample: prev, predOriginalSample: predOriginal)
    }

    /// x₀ + σ ε, with σ of each timestep's position in the schedule.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseSigma("EulerDiscreteScheduler", sigmas: sigmaList, schedule: timestepList, stepIndex: stepIndex,
                          beginIndex: beginIndex, original: original, noise: noise, timesteps: timesteps)
    }
}

/// x / d elementwise.
struct DivideBy: UnaryKernel {
    let d: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x / d }
}

/// `add_noise` of the sigma schedulers: x₀ + ε σ, σ looked up per timestep (or the current/begin index).
func addNoiseSigma(_ name: String, sigmas: [Float], schedule: [Float], stepIndex: Int?, beginIndex: Int?,
                   original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
    let ts = timesteps.scalars.map(Double.init)
    let indices: [Int]
    if beginIndex == nil {
        indices = try ts.map { try SigmaMath.index(of: $0, in: schedule, scheduler: "\(name).add_noise") }
    } else {
        indices = [Int](repeating: stepIndex ?? beginIndex ?? 0, count: ts.count)
    }
    let shape = [indices.count] + [Int](repeating: 1, count: max(original.rank - 1, 0))
    let sigma = try Tensor(shape: shape, scalars: indices.map { sigmas[$0] })
    return try original + noise * sigma
}
