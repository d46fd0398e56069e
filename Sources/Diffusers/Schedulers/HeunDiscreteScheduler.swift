// Mirrors diffusers/schedulers/scheduling_heun_discrete.py (`HeunDiscreteScheduler`, diffusers 0.42.1).
//
// Heun's second-order method for the probability-flow ODE (Karras et al., arXiv 2206.00364,
// Algorithm 1). σ_t = √((1 − ᾱ_t) / ᾱ_t); the model sees x / √(σ² + 1). Every σ but the first is
// visited twice (timesteps t₀, t₁, t₁, t₂, t₂, …), so one step of the method is two `step` calls:
//
//   first call  (σ → σ'):  x̂₀ = x − σ ε,   d = (x − x̂₀) / σ,   x_E = x + d (σ' − σ)     (Euler)
//   second call (at σ'):   x̂₀ = x_E − σ' ε', d' = (x_E − x̂₀) / σ',  x' = x + ½ (d + d') (σ' − σ)
//
// (v_prediction: x̂₀ = −σ/√(σ²+1) v + x/(σ²+1); sample: x̂₀ = output; optional clipping of x̂₀.)
//
// Limitations: `use_exponential_sigmas` and `use_beta_sigmas` are not implemented (they throw);
// `set_timesteps` takes a step count only.

import Foundation
import Tensor

/// Heun's method (`HeunDiscreteScheduler`).
public final class HeunDiscreteScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "HeunDiscreteScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.00085)), ("beta_end", .double(0.012)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("prediction_type", .string("epsilon")),
            ("use_karras_sigmas", .bool(false)), ("use_exponential_sigmas", .bool(false)), ("use_beta_sigmas", .bool(false)),
            ("clip_sample", .bool(false)), ("clip_sample_range", .double(1.0)),
            ("timestep_spacing", .string("linspace")), ("steps_offset", .int(0)),
        ],
        compatibles: KarrasSchedulers.names)

    static let name = "HeunDiscreteScheduler"

    public let config: Config
    public private(set) var timesteps: Tensor
    public private(set) var sigmasTensor: Tensor
    public var sigmas: Tensor? { sigmasTensor }
    public let order = 2
    public private(set) var numInferenceSteps: Int?
    /// The index of the next call (`step_index`).
    public private(set) var stepIndex: Int?
    /// The index to start from (`begin_index`).
    public var beginIndex: Int?

    /// ᾱ_t of the training schedule (`alphas_cumprod`).
    public let alphasCumprod: [Float]
    let trainSigmas: [Float]
    let numTrainTimesteps: Int
    let predictionType: PredictionType
    let useKarrasSigmas: Bool
    let clipSample: Bool
    let clipSampleRange: Float
    let timestepSpacing: String
    let stepsOffset: Int
    private var sigmaList: [Float] = []
    private var timestepList: [Float] = []
    private var prevDerivative: Tensor?
    private var dt: Float?
    private var savedSample: Tensor?

    public init(config: Config) throws {
        let r = ConfigReader(config, Self.name)
        self.config = config
        // Heun's own defaults for beta_start/beta_end differ from the others'.
        var c = config
        if c["beta_start"] == nil { c = c.setting("beta_start", to: .double(0.00085)) }
        if c["beta_end"] == nil { c = c.setting("beta_end", to: .double(0.012)) }
        let schedule = try NoiseSchedule(ConfigReader(c, Self.name), extraSchedules: ["exp"])
        alphasCumprod = schedule.alphasCumprod
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        predictionType = PredictionType(rawValue: try r.choice("prediction_type", "epsilon", PredictionOptions.predictionTypes)) ?? .epsilon
        useKarrasSigmas = try r.bool("use_karras_sigmas", false)
        if try r.bool("use_exponential_sigmas", false) || r.bool("use_beta_sigmas", false) {
            throw SchedulerError("\(Self.name): `use_exponential_sigmas` and `use_beta_sigmas` are not supported by dsh; use `use_karras_sigmas` or the default sigmas")
        }
        clipSample = try r.bool("clip_sample", false)
        clipSampleRange = Float(try r.double("clip_sample_range", 1.0))
        timestepSpacing = try r.choice("timestep_spacing", "linspace", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        trainSigmas = SigmaMath.trainSigmas(alphasCumprod)
        timesteps = Tensor([Float]())
        sigmasTensor = timesteps
        // diffusers' constructor calls set_timesteps(num_train_timesteps).
        try computeSchedule(numTrainTimesteps)
        numInferenceSteps = nil
    }

    /// `init_noise_sigma`: max σ (linspace, trailing) or √(max σ² + 1) (leading), float32.
    public var initNoiseSigma: Double {
        let m = sigmaList.max() ?? 0
        return timestepSpacing == "leading" ? Double((m * m + 1).squareRoot()) : Double(m)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("\(Self.name).set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        try computeSchedule(n)
        numInferenceSteps = n
    }

    private func computeSchedule(_ n: Int) throws {
        var ts = SigmaMath.floatTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset).map(Double.init)
        let logSigmas = trainSigmas.map { Foundation.log($0) }
        let fp = trainSigmas.map(Double.init)
        var sig = ts.map { NumPy.interp($0, fp) }
        if useKarrasSigmas {
            sig = SigmaMath.karras(sigmaMin: sig[sig.count - 1], sigmaMax: sig[0], steps: n)
            ts = sig.map { SigmaMath.sigmaToT($0, logSigmas: logSigmas) }
        }
        let s32 = (sig + [0]).map { Float($0) }
        // cat([σ[:1], σ[1:-1].repeat_interleave(2), σ[-1:]]) and cat([t[:1], t[1:].repeat_interleave(2)])
        var sl = [s32[0]]
        for s in s32.dropFirst().dropLast() { sl.append(s); sl.append(s) }
        sl.append(s32[s32.count - 1])
        var tl = [Float(ts[0])]
        for t in ts.dropFirst() { tl.append(Float(t)); tl.append(Float(t)) }
        sigmaList = sl
        timestepList = tl
        sigmasTensor = Tensor(sl)
        timesteps = Tensor(tl)
        prevDerivative = nil
        dt = nil
        savedSample = nil
        stepIndex = nil
        beginIndex = nil
    }

    /// Whether the next `step` is the first (Euler) half of a Heun step (`state_in_first_order`).
    public var stateInFirstOrder: Bool { dt == nil }

    private func initStepIndex(_ timestep: Double) throws {
        if let b = beginIndex { stepIndex = b; return }
        stepIndex = try SigmaMath.index(of: timestep, in: timestepList, scheduler: Self.name)
    }

    /// x / √(σ² + 1) for the current call's σ.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor {
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i < sigmaList.count else {
            throw SchedulerError("\(Self.name).scale_model_input: the schedule has ended; call set_timesteps again")
        }
        let sigma = sigmaList[i]
        return sample.map(DivideBy(d: (sigma * sigma + 1).squareRoot()))
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        try Fused.checkShapes(Self.name, modelOutput, sample)
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i + 1 < sigmaList.count else {
            throw SchedulerError("\(Self.name).step: the schedule has ended (\(timestepList.count) calls); call set_timesteps again")
        }
        let first = stateInFirstOrder
        let sigma = first ? sigmaList[i] : sigmaList[i - 1]
        let sigmaNext = first ? sigmaList[i + 1] : sigmaList[i]
        let sigmaHat = sigma                                   // γ = 0
        let sigmaInput = first ? sigmaHat : sigmaNext
        let mode = predictionType
        let vScale = -sigmaInput / (sigmaInput * sigmaInput + 1).squareRoot(), vDiv = sigmaInput * sigmaInput + 1
        let clip = clipSample, range = clipSampleRange
        let x = sample.contiguous()
        // x̂₀
        let predOriginal = Fused.map2(x, modelOutput) { s, m in
            var x0: Float
            switch mode {
            case .epsilon: x0 = s - sigmaInput * m
            case .vPrediction: x0 = m * vScale + s / vDiv
            case .sample: x0 = m
            }
            if clip { x0 = min(max(x0, -range), range) }
            return x0
        }
        let prev: Tensor
        if first {
            // d = (x − x̂₀) / σ̂;  x_E = x + d (σ' − σ̂)
            let derivative = Fused.map2(x, predOriginal) { s, p in (s - p) / sigmaHat }
            let step = sigmaNext - sigmaHat
            prevDerivative = derivative
            dt = step
            savedSample = x
            prev = Fused.map2(x, derivative) { s, d in s + d * step }
        } else {
            // d' = (x_E − x̂₀) / σ';  x' = x + ½ (d + d') dt
            let step = dt ?? 0
            let base = savedSample ?? x
            let d0 = prevDerivative ?? x
            let derivative = Fused.map3(x, predOriginal, d0) { s, p, dPrev in (dPrev + (s - p) / sigmaNext) / 2 }
            prevDerivative = nil
            dt = nil
            savedSample = nil
            prev = Fused.map2(base, derivative) { s, d in s + d * step }
        }
        stepIndex = i + 1
        return SchedulerOutput(prevSample: prev, predOriginalSample: predOriginal)
    }

    /// x₀ + σ ε, with σ of each timestep's position in the schedule.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseSigma(Self.name, sigmas: sigmaList, schedule: timestepList, stepIndex: stepIndex,
                          beginIndex: beginIndex, original: original, noise: noise, timesteps: timesteps)
    }
}
