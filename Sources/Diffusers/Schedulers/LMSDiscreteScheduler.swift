// Mirrors diffusers/schedulers/scheduling_lms_discrete.py (`LMSDiscreteScheduler`, diffusers 0.42.1).
//
// Linear multistep (Adams–Bashforth) integration of the probability-flow ODE in σ (k-diffusion's
// `sample_lms`). σ_t = √((1 − ᾱ_t) / ᾱ_t); the model sees x / √(σ² + 1). At step i with the last
// p = min(i + 1, order) derivatives d_0 (newest) … d_{p−1}:
//
//   x̂₀ = x − σ_i ε            (v_prediction: x̂₀ = −σ/√(σ²+1) v + x/(σ²+1); sample: x̂₀ = output)
//   d_0 = (x − x̂₀) / σ_i
//   c_j = ∫_{σ_i}^{σ_{i+1}} Π_{k≠j} (τ − σ_{i−k}) / (σ_{i−j} − σ_{i−k}) dτ      (Lagrange basis)
//   x' = x + Σ_j c_j d_j
//
// diffusers integrates c_j numerically (`scipy.integrate.quad`, exact for these polynomials up to
// rounding); dsh integrates the polynomial exactly in double precision.
//
// Limitations: `use_exponential_sigmas` and `use_beta_sigmas` are not implemented (they throw);
// `set_timesteps` takes a step count only.

import Foundation
import Tensor

/// The linear multistep scheduler (`LMSDiscreteScheduler`).
public final class LMSDiscreteScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "LMSDiscreteScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("use_karras_sigmas", .bool(false)),
            ("use_exponential_sigmas", .bool(false)), ("use_beta_sigmas", .bool(false)),
            ("prediction_type", .string("epsilon")), ("timestep_spacing", .string("linspace")), ("steps_offset", .int(0)),
        ],
        compatibles: KarrasSchedulers.names)

    static let name = "LMSDiscreteScheduler"

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
    let predictionType: PredictionType
    let useKarrasSigmas: Bool
    let timestepSpacing: String
    let stepsOffset: Int
    private var sigmaList: [Float] = []
    private var timestepList: [Float] = []
    private var derivatives: [Tensor] = []

    public init(config: Config) throws {
        let r = ConfigReader(config, Self.name)
        self.config = config
        let schedule = try NoiseSchedule(r)
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        predictionType = PredictionType(rawValue: try r.choice("prediction_type", "epsilon", PredictionOptions.predictionTypes)) ?? .epsilon
        useKarrasSigmas = try r.bool("use_karras_sigmas", false)
        if try r.bool("use_exponential_sigmas", false) || r.bool("use_beta_sigmas", false) {
            throw SchedulerError("\(Self.name): `use_exponential_sigmas` and `use_beta_sigmas` are not supported by dsh; use `use_karras_sigmas` or the default sigmas")
        }
        timestepSpacing = try r.choice("timestep_spacing", "linspace", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        alphasCumprod = schedule.alphasCumprod
        trainSigmas = SigmaMath.trainSigmas(schedule.alphasCumprod)
        timesteps = Tensor([Float]())
        sigmasTensor = timesteps
        // diffusers' constructor calls set_timesteps(num_train_timesteps).
        try setTimesteps(numTrainTimesteps)
    }

    /// `init_noise_sigma`: max σ (linspace, trailing) or √(max σ² + 1) (leading), float32.
    public var initNoiseSigma: Double {
        let m = sigmaList.max() ?? 0
        return timestepSpacing == "leading" ? Double((m * m + 1).squareRoot()) : Double(m)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("\(Self.name).set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        numInferenceSteps = n
        var ts = SigmaMath.floatTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset).map(Double.init)
        let fp = trainSigmas.map(Double.init)
        var sig = ts.map { NumPy.interp($0, fp) }
        if useKarrasSigmas {
            let logSigmas = trainSigmas.map { Foundation.log($0) }
            sig = SigmaMath.karras(sigmaMin: sig[sig.count - 1], sigmaMax: sig[0], steps: n)
            ts = sig.map { SigmaMath.sigmaToT($0, logSigmas: logSigmas) }
        }
        sigmaList = (sig + [0]).map { Float($0) }
        timestepList = ts.map { Float($0) }
        sigmasTensor = Tensor(sigmaList)
        timesteps = Tensor(timestepList)
        stepIndex = nil
        beginIndex = nil
        derivatives = []
    }

    private func initStepIndex(_ timestep: Double) throws {
        if let b = beginIndex { stepIndex = b; return }
        stepIndex = try SigmaMath.index(of: timestep, in: timestepList, scheduler: Self.name)
    }

    /// x / √(σ² + 1) for the current step's σ.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor {
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i < sigmaList.count else {
            throw SchedulerError("\(Self.name).scale_model_input: the schedule has ended; call set_timesteps again")
        }
        let sigma = sigmaList[i]
        return sample.map(DivideBy(d: (sigma * sigma + 1).squareRoot()))
    }

    /// `get_lms_coefficient(order, t, current_order)`: the integral of the Lagrange basis polynomial
    /// of node σ_{t−j} over [σ_t, σ_{t+1}], computed exactly.
    public func lmsCoefficient(order: Int, t: Int, currentOrder j: Int) -> Double {
        // Polynomial coefficients in ascending powers of τ.
        var poly: [Double] = [1]
        let sj = Double(sigmaList[t - j])
        for k in 0..<order where k != j {
            let sk = Double(sigmaList[t - k])
            let denom = sj - sk
            // poly ← poly · (τ − s_k) / denom
            var next = [Double](repeating: 0, count: poly.count + 1)
            for (p, c) in poly.enumerated() {
                next[p + 1] += c / denom
                next[p] -= c * sk / denom
            }
            poly = next
        }
        let a = Double(sigmaList[t]), b = Double(sigmaList[t + 1])
        var integral = 0.0
        for (p, c) in poly.enumerated() {
            let e = Double(p + 1)
            integral += c * (Foundation.pow(b, e) - Foundation.pow(a, e)) / e
        }
        return integral
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, order: 4)
    }

    /// `step(model_output, timestep, sample, order=4)`.
    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, order maxOrder: Int) throws -> SchedulerOutput {
        try Fused.checkShapes(Self.name, modelOutput, sample)
        guard maxOrder >= 1 else { throw SchedulerError("\(Self.name).step: `order` must be at least 1, got \(maxOrder)") }
        if stepIndex == nil { try initStepIndex(timestep) }
        guard let i = stepIndex, i + 1 < sigmaList.count else {
            throw SchedulerError("\(Self.name).step: the schedule has ended (\(timestepList.count) steps); call set_timesteps again")
        }
        let sigma = sigmaList[i]
        let mode = predictionType
        let vScale = -sigma / (sigma * sigma + 1).squareRoot(), vDiv = sigma * sigma + 1
        let x = sample.contiguous()
        // 1. x̂₀
        let predOriginal = Fused.map2(x, modelOutput) { s, m in
            switch mode {
            case .epsilon: return s - sigma * m
            case .vPrediction: return m * vScale + s / vDiv
            case .sample: return m
            }
        }
        // 2. d = (x − x̂₀) / σ, keeping the last `order` derivatives
        derivatives.append(Fused.map2(x, predOriginal) { s, p in (s - p) / sigma })
        if derivatives.count > maxOrder { derivatives.removeFirst() }
        // 3. x' = x + Σ_j c_j d_j  (d_0 newest; Python's sum starts from 0)
        let order = min(i + 1, maxOrder)
        let coeffs = (0..<order).map { Float(lmsCoefficient(order: order, t: i, currentOrder: $0)) }
        var acc: Tensor? = nil
        for (c, d) in zip(coeffs, derivatives.reversed()) {
            acc = acc.map { a in Fused.map2(a, d) { av, dv in av + c * dv } } ?? Fused.map2(d, d) { dv, _ in 0 + c * dv }
        }
        let prev = acc.map { a in Fused.map2(x, a) { s, v in s + v } } ?? x
        stepIndex = i + 1
        return SchedulerOutput(prevSample: prev, predOriginalSample: predOriginal)
    }

    /// x₀ + σ ε, with σ of each timestep's position in the schedule.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseSigma(Self.name, sigmas: sigmaList, schedule: timestepList, stepIndex: stepIndex,
                          beginIndex: beginIndex, original: original, noise: noise, timesteps: timesteps)
    }
}
