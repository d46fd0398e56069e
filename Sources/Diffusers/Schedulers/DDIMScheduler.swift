// Mirrors diffusers/schedulers/scheduling_ddim.py (`DDIMScheduler`, diffusers 0.42.1).
//
// Denoising Diffusion Implicit Models (Song et al., arXiv 2010.02502), eq. 12. With t' = t − T/n
// (T = num_train_timesteps, n = num_inference_steps) and ᾱ_t' = 1 (set_alpha_to_one) or ᾱ_0 when t' < 0:
//
//   x̂₀ = (x_t − √(1 − ᾱ_t) ε) / √ᾱ_t        (epsilon; sample: x̂₀ = output, ε = (x_t − √ᾱ_t x̂₀) / √(1 − ᾱ_t);
//                                              v_prediction: x̂₀ = √ᾱ_t x_t − √(1 − ᾱ_t) v, ε = √ᾱ_t v + √(1 − ᾱ_t) x_t)
//   x̂₀ ← clip(x̂₀, ±clip_sample_range) or dynamic thresholding
//   σ_t = η √((1 − ᾱ_t') / (1 − ᾱ_t) · (1 − ᾱ_t / ᾱ_t'))                                   (eq. 16)
//   x_t' = √ᾱ_t' x̂₀ + √(1 − ᾱ_t' − σ_t²) ε + σ_t z,  z ~ N(0, I) drawn only when η > 0
//
// Limitations: none of the step options are missing; `set_timesteps` takes a step count only.

import Foundation
import Tensor

/// The DDIM scheduler (`DDIMScheduler`): deterministic (η = 0) or stochastic (η > 0) sampling.
public final class DDIMScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "DDIMScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("clip_sample", .bool(true)),
            ("set_alpha_to_one", .bool(true)), ("steps_offset", .int(0)), ("prediction_type", .string("epsilon")),
            ("thresholding", .bool(false)), ("dynamic_thresholding_ratio", .double(0.995)),
            ("clip_sample_range", .double(1.0)), ("sample_max_value", .double(1.0)),
            ("timestep_spacing", .string("leading")), ("rescale_betas_zero_snr", .bool(false)),
        ],
        compatibles: KarrasSchedulers.names)

    public let config: Config
    public private(set) var timesteps: Tensor
    public let initNoiseSigma = 1.0
    public let order = 1
    public private(set) var numInferenceSteps: Int?

    let schedule: NoiseSchedule
    let options: PredictionOptions
    let finalAlphaCumprod: Float
    let numTrainTimesteps: Int
    let timestepSpacing: String
    let stepsOffset: Int

    public init(config: Config) throws {
        let r = ConfigReader(config, "DDIMScheduler")
        self.config = config
        schedule = try NoiseSchedule(r)
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        options = PredictionOptions(
            predictionType: PredictionType(rawValue: try r.choice("prediction_type", "epsilon", PredictionOptions.predictionTypes)) ?? .epsilon,
            thresholding: try r.bool("thresholding", false),
            dynamicThresholdingRatio: try r.double("dynamic_thresholding_ratio", 0.995),
            sampleMaxValue: try r.double("sample_max_value", 1.0),
            clipSample: try r.bool("clip_sample", true),
            clipSampleRange: Float(try r.double("clip_sample_range", 1.0)))
        finalAlphaCumprod = try r.bool("set_alpha_to_one", true) ? 1 : schedule.alphasCumprod[0]
        timestepSpacing = try r.choice("timestep_spacing", "leading", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        timesteps = Tensor((0..<schedule.alphasCumprod.count).reversed().map(Float.init), dtype: .int64)
    }

    /// ᾱ_t (float32).
    public var alphasCumprod: [Float] { schedule.alphasCumprod }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("DDIMScheduler.set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        guard n <= numTrainTimesteps else {
            throw SchedulerError("DDIMScheduler.set_timesteps: `num_inference_steps`: \(n) cannot be larger than `self.config.train_timesteps`: \(numTrainTimesteps) as the unet model trained with this scheduler can only handle maximal \(numTrainTimesteps) timesteps.")
        }
        numInferenceSteps = n
        let ts = TimestepSpacing.integerTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset)
        timesteps = Tensor(ts.map(Float.init), dtype: .int64)
    }

    /// DDIM needs no input scaling: returns `sample`.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor { sample }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, eta: 0, generator: generator)
    }

    /// `step(model_output, timestep, sample, eta, use_clipped_model_output, generator, variance_noise)`.
    /// Noise is drawn only when `eta > 0`, from `varianceNoise` if given, else from `generator`.
    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, eta: Double,
                     useClippedModelOutput: Bool = false, generator: Generator?, varianceNoise: Tensor? = nil) throws -> SchedulerOutput {
        guard let n = numInferenceSteps else {
            throw SchedulerError("DDIMScheduler.step: Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler")
        }
        let count = schedule.alphasCumprod.count
        guard timestep == timestep.rounded(), timestep >= 0, Int(timestep) < count else {
            throw SchedulerError("DDIMScheduler.step: `timestep` must be an integer in 0..<\(count), got \(formatTimestep(timestep))")
        }
        try Fused.checkShapes("DDIMScheduler", modelOutput, sample)
        if varianceNoise != nil && generator != nil && eta > 0 {
            throw SchedulerError("DDIMScheduler.step: Cannot pass both generator and variance_noise. Please make sure that either `generator` or `variance_noise` stays `None`.")
        }

        // 1. t' = t − T / n
        let t = Int(timestep)
        let prevT = t - numTrainTimesteps / n

        // 2. ᾱ_t, ᾱ_t', 1 − ᾱ_t (float32)
        let alphaProdT = schedule.alphasCumprod[t]
        let alphaProdTPrev = prevT >= 0 ? schedule.alphasCumprod[prevT] : finalAlphaCumprod
        let betaProdT = 1 - alphaProdT
        let sqrtA = alphaProdT.squareRoot(), sqrtB = betaProdT.squareRoot()

        // 5. σ_t = η √variance (eq. 16)
        let betaProdTPrev = 1 - alphaProdTPrev
        let variance = (betaProdTPrev / betaProdT) * (1 - alphaProdT / alphaProdTPrev)
        let stdDevT = Float(eta * Double(variance.squareRoot()))
        // 6. direction coefficient √(1 − ᾱ_t' − σ_t²); 7. √ᾱ_t'
        let dirCoeff = (1 - alphaProdTPrev - stdDevT * stdDevT).squareRoot()
        let sqrtAPrev = alphaProdTPrev.squareRoot()

        var noise: Tensor? = nil
        if eta > 0 {
            if let varianceNoise {
                try Fused.checkShapes("DDIMScheduler", varianceNoise, sample)
                noise = varianceNoise.contiguous()
            }
        }

        let mode = options.predictionType
        let clip = !options.thresholding && options.clipSample
        let range = options.clipSampleRange
        // 3. x̂₀ before clipping.
        @inline(__always) func rawX0(_ s: Float, _ m: Float) -> Float {
            switch mode {
            case .epsilon: return (s - sqrtB * m) / sqrtA
            case .sample: return m
            default: return sqrtA * s - sqrtB * m
            }
        }
        // ε̂ from the raw x̂₀, or from the clipped one with use_clipped_model_output.
        @inline(__always) func epsilon(_ s: Float, _ m: Float, _ raw: Float, _ x0: Float) -> Float {
            if useClippedModelOutput { return (s - sqrtA * x0) / sqrtB }
            switch mode {
            case .epsilon: return m
            case .sample: return (s - sqrtA * raw) / sqrtB
            default: return sqrtA * m + sqrtB * s
            }
        }

        let thresholded = options.thresholding
            ? try options.threshold(Fused.map2(sample, modelOutput, rawX0)) : nil
        let s = sample.contiguous(), m = modelOutput.contiguous()
        let th = thresholded ?? s
        // 4–7. x_t' = √ᾱ_t' x̂₀ + √(1 − ᾱ_t' − σ_t²) ε̂  (noise added below, as diffusers does)
        let (predOriginal, mean) = s.withUnsafeBufferPointer { ps in
            m.withUnsafeBufferPointer { pm in
                th.withUnsafeBufferPointer { pt in
                    Fused.generate2(sample.shape) { i in
                        let raw = rawX0(ps[i], pm[i])
                        var x0 = raw
                        if thresholded != nil { x0 = pt[i] } else if clip { x0 = min(max(raw, -range), range) }
                        let eps = epsilon(ps[i], pm[i], raw, x0)
                        return (x0, sqrtAPrev * x0 + dirCoeff * eps)
                    }
                }
            }
        }
        var prev = mean
        if eta > 0 {
            let z = noise ?? Tensor.randn(modelOutput.shape, generator: generator, dtype: modelOutput.dtype).contiguous()
            prev = Fused.map2(mean, z) { p, n in p + stdDevT * n }
        }
        return SchedulerOutput(prevSample: prev, predOriginalSample: predOriginal)
    }

    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseAlphaBar("DDIMScheduler", alphasCumprod: schedule.alphasCumprod, original: original, noise: noise, timesteps: timesteps)
    }
}
