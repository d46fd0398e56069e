// Mirrors diffusers/schedulers/scheduling_ddpm.py (`DDPMScheduler`, diffusers 0.42.1).
//
// Denoising Diffusion Probabilistic Models (Ho et al., arXiv 2006.11239). With ᾱ_t = ∏(1 − β_s),
// t' the previous timestep of the schedule, α_t = ᾱ_t / ᾱ_t' and β_t = 1 − α_t:
//
//   x̂₀ = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t                   (epsilon; `sample`: x̂₀ = output;
//                                                        v_prediction: x̂₀ = √ᾱ_t x_t − √(1 − ᾱ_t) v)
//   x̂₀ ← clip(x̂₀, ±clip_sample_range) or dynamic thresholding
//   μ  = (√ᾱ_t' β_t / (1 − ᾱ_t)) x̂₀ + (√α_t (1 − ᾱ_t') / (1 − ᾱ_t)) x_t      (eq. 7)
//   σ² = (1 − ᾱ_t') / (1 − ᾱ_t) · β_t   (fixed_small, clamped at 1e-20; fixed_large: β_t)
//   x_t' = μ + σ z,  z ~ N(0, I) drawn only when t > 0
//
// Limitations: custom `timesteps` lists are not supported by `set_timesteps`.

import Foundation
import Tensor

/// The DDPM scheduler (`DDPMScheduler`): ancestral sampling of the reverse diffusion process.
public final class DDPMScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "DDPMScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("variance_type", .string("fixed_small")),
            ("clip_sample", .bool(true)), ("prediction_type", .string("epsilon")), ("thresholding", .bool(false)),
            ("dynamic_thresholding_ratio", .double(0.995)), ("clip_sample_range", .double(1.0)),
            ("sample_max_value", .double(1.0)), ("timestep_spacing", .string("leading")), ("steps_offset", .int(0)),
            ("rescale_betas_zero_snr", .bool(false)),
        ],
        compatibles: KarrasSchedulers.names)

    static let varianceTypes = ["fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log", "learned", "learned_range"]

    public let config: Config
    public private(set) var timesteps: Tensor
    public let initNoiseSigma = 1.0
    public let order = 1
    public private(set) var numInferenceSteps: Int?

    let schedule: NoiseSchedule
    let options: PredictionOptions
    let varianceType: String
    let numTrainTimesteps: Int
    let timestepSpacing: String
    let stepsOffset: Int
    /// The schedule as integers, for the previous-timestep lookup.
    private var timestepList: [Int]

    public init(config: Config) throws {
        let r = ConfigReader(config, "DDPMScheduler")
        self.config = config
        schedule = try NoiseSchedule(r, extraSchedules: ["sigmoid"])
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        varianceType = try r.choice("variance_type", "fixed_small", DDPMScheduler.varianceTypes)
        options = PredictionOptions(
            predictionType: PredictionType(rawValue: try r.choice("prediction_type", "epsilon", PredictionOptions.predictionTypes)) ?? .epsilon,
            thresholding: try r.bool("thresholding", false),
            dynamicThresholdingRatio: try r.double("dynamic_thresholding_ratio", 0.995),
            sampleMaxValue: try r.double("sample_max_value", 1.0),
            clipSample: try r.bool("clip_sample", true),
            clipSampleRange: Float(try r.double("clip_sample_range", 1.0)))
        timestepSpacing = try r.choice("timestep_spacing", "leading", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        timestepList = Array((0..<schedule.alphasCumprod.count).reversed())
        timesteps = Tensor(timestepList.map(Float.init), dtype: .int64)
    }

    /// The training betas β_t (float32).
    public var betas: [Float] { schedule.betas }
    /// ᾱ_t (float32).
    public var alphasCumprod: [Float] { schedule.alphasCumprod }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("DDPMScheduler.set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        guard n <= numTrainTimesteps else {
            throw SchedulerError("DDPMScheduler.set_timesteps: `num_inference_steps`: \(n) cannot be larger than `self.config.train_timesteps`: \(numTrainTimesteps) as the unet model trained with this scheduler can only handle maximal \(numTrainTimesteps) timesteps.")
        }
        numInferenceSteps = n
        timestepList = TimestepSpacing.integerTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset)
        timesteps = Tensor(timestepList.map(Float.init), dtype: .int64)
    }

    /// DDPM needs no input scaling: returns `sample`.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor { sample }

    /// `previous_timestep(t)`: the next entry of the schedule (−1 after the last) once `set_timesteps`
    /// was called, else t − 1.
    public func previousTimestep(_ t: Int) throws -> Int {
        guard numInferenceSteps != nil else { return t - 1 }
        guard let i = timestepList.firstIndex(of: t) else {
            throw SchedulerError("DDPMScheduler.step: timestep \(t) is not in the schedule; pass one of `scheduler.timesteps` (\(timestepList.prefix(8).map(String.init).joined(separator: ", "))\(timestepList.count > 8 ? ", …" : ""))")
        }
        return i == timestepList.count - 1 ? -1 : timestepList[i + 1]
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        guard timestep == timestep.rounded(), timestep >= 0, Int(timestep) < schedule.alphasCumprod.count else {
            throw SchedulerError("DDPMScheduler.step: `timestep` must be an integer in 0..<\(schedule.alphasCumprod.count), got \(formatTimestep(timestep))")
        }
        let t = Int(timestep)
        let prevT = try previousTimestep(t)

        // Learned variances come as extra channels: split [B, 2C, …] into output and variance.
        var modelOutput = modelOutput
        var predictedVariance: Tensor? = nil
        if (varianceType == "learned" || varianceType == "learned_range"), modelOutput.rank >= 2, sample.rank >= 2,
           modelOutput.shape[1] == sample.shape[1] * 2 {
            let parts = try modelOutput.split(sample.shape[1], dim: 1)
            modelOutput = parts[0].contiguous()
            predictedVariance = parts[1].contiguous()
        }
        try Fused.checkShapes("DDPMScheduler", modelOutput, sample)
        if (varianceType == "learned" || varianceType == "learned_range") && predictedVariance == nil {
            throw SchedulerError("DDPMScheduler.step: variance_type '\(varianceType)' needs a model output with twice the sample's channels (\(sample.shape[1] * 2)), got shape \(modelOutput.shape)")
        }

        // 1. ᾱ_t, ᾱ_t', β and α of this step (float32, as diffusers' 0-d tensors).
        let alphaProdT = schedule.alphasCumprod[t]
        let alphaProdTPrev: Float = prevT >= 0 ? schedule.alphasCumprod[prevT] : 1
        let betaProdT = 1 - alphaProdT
        let betaProdTPrev = 1 - alphaProdTPrev
        let currentAlphaT = alphaProdT / alphaProdTPrev
        let currentBetaT = 1 - currentAlphaT
        let sqrtAlphaProdT = alphaProdT.squareRoot(), sqrtBetaProdT = betaProdT.squareRoot()

        // 2–4. x̂₀ from the prediction, then clipping; coefficients of μ (eq. 7).
        let predOriginalCoeff = (alphaProdTPrev.squareRoot() * currentBetaT) / betaProdT
        let currentSampleCoeff = currentAlphaT.squareRoot() * betaProdTPrev / betaProdT

        // 6. Noise z, drawn only for t > 0, and its scale σ.
        var noise: Tensor? = nil
        var variance = (1 - alphaProdTPrev) / (1 - alphaProdT) * currentBetaT   // _get_variance
        variance = max(variance, 1e-20)
        var sigma: Float = 0
        if t > 0 {
            noise = Tensor.randn(modelOutput.shape, generator: generator, dtype: modelOutput.dtype).contiguous()
            switch varianceType {
            case "fixed_small_log": sigma = Foundation.exp(0.5 * Foundation.log(variance))
            case "fixed_large": sigma = currentBetaT.squareRoot()
            case "fixed_large_log": sigma = Foundation.log(currentBetaT).squareRoot()
            default: sigma = variance.squareRoot()
            }
        }

        let mode = options.predictionType
        let clip = !options.thresholding && options.clipSample
        let range = options.clipSampleRange
        @inline(__always) func x0(_ s: Float, _ m: Float) -> Float {
            var x: Float
            switch mode {
            case .epsilon: x = (s - sqrtBetaProdT * m) / sqrtAlphaProdT
            case .sample: x = m
            default: x = sqrtAlphaProdT * s - sqrtBetaProdT * m
            }
            if clip { x = min(max(x, -range), range) }
            return x
        }

        var predOriginal: Tensor
        var prev: Tensor
        if options.thresholding || predictedVariance != nil {
            // General path: x̂₀ as a tensor first (thresholding needs all of it), then μ + σ z.
            predOriginal = Fused.map2(sample, modelOutput, x0)
            if options.thresholding { predOriginal = try options.threshold(predOriginal) }
            let mean = Fused.map2(predOriginal, sample) { x, s in predOriginalCoeff * x + currentSampleCoeff * s }
            if let noise {
                var std: Tensor
                if let pv = predictedVariance {
                    let minLog = Foundation.log(variance), maxLog = Foundation.log(currentBetaT)
                    std = varianceType == "learned_range"
                        ? pv.map(LearnedRangeStd(minLog: minLog, maxLog: maxLog))
                        : pv.pow(0.5)
                } else {
                    std = Tensor(sigma)
                }
                prev = try mean + std * noise
            } else {
                prev = mean
            }
        } else {
            // Fast path: one pass computing x̂₀ and x_t' = μ + σ z.
            let k = DDPMStepKernel(c0: predOriginalCoeff, cs: currentSampleCoeff, sigma: sigma,
                                   clip: clip, range: range)
            switch mode {
            case .epsilon:
                (predOriginal, prev) = k.run(EpsilonX0(sqrtA: sqrtAlphaProdT, sqrtB: sqrtBetaProdT), sample, modelOutput, noise)
            case .sample:
                (predOriginal, prev) = k.run(SampleX0(), sample, modelOutput, noise)
            case .vPrediction:
                (predOriginal, prev) = k.run(VPredictionX0(sqrtA: sqrtAlphaProdT, sqrtB: sqrtBetaProdT), sample, modelOutput, noise)
            }
        }
        return SchedulerOutput(prevSample: prev, predOriginalSample: predOriginal)
    }

    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseAlphaBar("DDPMScheduler", alphasCumprod: schedule.alphasCumprod, original: original, noise: noise, timesteps: timesteps)
    }
}

/// σ = exp(½ (f · log β_t + (1 − f) · log σ²_small)) with f = (v + 1) / 2 (`learned_range`).
struct LearnedRangeStd: UnaryKernel {
    let minLog: Float, maxLog: Float
    @inline(__always) func callAsFunction(_ v: Float) -> Float {
        let frac = (v + 1) / 2
        return Foundation.exp(0.5 * (frac * maxLog + (1 - frac) * minLog))
    }
}

/// x̂₀ from the sample s and the model output m.
protocol X0Kernel {
    func callAsFunction(_ s: Float, _ m: Float) -> Float
}

/// x̂₀ = (s − √(1 − ᾱ_t) ε) / √ᾱ_t
struct EpsilonX0: X0Kernel {
    let sqrtA: Float, sqrtB: Float
    @inline(__always) func callAsFunction(_ s: Float, _ m: Float) -> Float { (s - sqrtB * m) / sqrtA }
}

/// x̂₀ = m
struct SampleX0: X0Kernel {
    @inline(__always) func callAsFunction(_ s: Float, _ m: Float) -> Float { m }
}

/// x̂₀ = √ᾱ_t s − √(1 − ᾱ_t) v
struct VPredictionX0: X0Kernel {
    let sqrtA: Float, sqrtB: Float
    @inline(__always) func callAsFunction(_ s: Float, _ m: Float) -> Float { sqrtA * s - sqrtB * m }
}

/// The fused DDPM update: x̂₀ (clipped), then x_t' = c₀ x̂₀ + c_s x_t (+ σ z), in one pass over memory.
struct DDPMStepKernel {
    let c0: Float, cs: Float, sigma: Float
    let clip: Bool, range: Float

    @inline(__always)
    func run<K: X0Kernel>(_ x0: K, _ sample: Tensor, _ modelOutput: Tensor, _ noise: Tensor?) -> (Tensor, Tensor) {
        let shape = sample.shape, n = sample.count
        let outX0 = Storage(uninitializedCount: n), outPrev = Storage(uninitializedCount: n)
        let dx = outX0.pointer, dp = outPrev.pointer
        let s = sample.contiguous(), m = modelOutput.contiguous()
        let z = noise?.contiguous() ?? s
        let hasNoise = noise != nil
        let c0 = c0, cs = cs, sigma = sigma, clip = clip, lo = -range, hi = range
        s.withUnsafeBufferPointer { ps in
            m.withUnsafeBufferPointer { pm in
                z.withUnsafeBufferPointer { pz in
                    Parallel.forRange(n, costPerItem: 4) { r in
                        if hasNoise {
                            for i in r {
                                var x = x0(ps[i], pm[i])
                                if clip { x = Swift.min(Swift.max(x, lo), hi) }
                                dx[i] = x
                                dp[i] = (c0 * x + cs * ps[i]) + sigma * pz[i]
                            }
                        } else {
                            for i in r {
                                var x = x0(ps[i], pm[i])
                                if clip { x = Swift.min(Swift.max(x, lo), hi) }
                                dx[i] = x
                                dp[i] = c0 * x + cs * ps[i]
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(storage: outX0, shape: shape), Tensor(storage: outPrev, shape: shape))
    }
}
