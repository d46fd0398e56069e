// Mirrors diffusers/schedulers/scheduling_dpmsolver_multistep.py
// (`DPMSolverMultistepScheduler`, diffusers 0.42.1).
//
// DPM-Solver (Lu et al., arXiv 2206.00927) and DPM-Solver++ (arXiv 2211.01095). With σ from the
// schedule, α_t = 1/√(σ² + 1), σ_t = σ α_t, λ = log α_t − log σ_t and h = λ_t − λ_s0:
//
// dpmsolver++ (data prediction D = x̂₀), first order (DDIM):
//   x_t = (σ_t/σ_s) x − α_t (e^{−h} − 1) D0
// second order, r0 = h_0/h, D1 = (m0 − m1)/r0:
//   midpoint: x_t = (σ_t/σ_s0) x − α_t (e^{−h} − 1) D0 − ½ α_t (e^{−h} − 1) D1
//   heun:     x_t = (σ_t/σ_s0) x − α_t (e^{−h} − 1) D0 + α_t ((e^{−h} − 1)/h + 1) D1
// third order, D1_0 = (m0 − m1)/r0, D1_1 = (m1 − m2)/r1, D1 = D1_0 + r0/(r0 + r1) (D1_0 − D1_1),
// D2 = (D1_0 − D1_1)/(r0 + r1):
//   x_t = (σ_t/σ_s0) x − α_t (e^{−h} − 1) D0 + α_t ((e^{−h} − 1)/h + 1) D1 − α_t ((e^{−h} − 1 + h)/h² − ½) D2
// dpmsolver (noise prediction ε) swaps α ↔ σ and e^{−h} ↔ e^{h}; the SDE variants add
// σ_t √(1 − e^{−2h}) z (sde-dpmsolver++) or σ_t √(e^{2h} − 1) z (sde-dpmsolver), z drawn every step.
//
// Limitations: `use_exponential_sigmas`, `use_beta_sigmas`, `use_flow_sigmas`, `flow_prediction` and
// `use_dynamic_shifting` are not implemented (they throw); `set_timesteps` takes a step count only;
// a timestep outside the schedule throws (diffusers silently uses the last step).

import Foundation
import Tensor

/// The multistep DPM-Solver / DPM-Solver++ scheduler (`DPMSolverMultistepScheduler`).
public final class DPMSolverMultistepScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "DPMSolverMultistepScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("solver_order", .int(2)),
            ("prediction_type", .string("epsilon")), ("thresholding", .bool(false)),
            ("dynamic_thresholding_ratio", .double(0.995)), ("sample_max_value", .double(1.0)),
            ("algorithm_type", .string("dpmsolver++")), ("solver_type", .string("midpoint")),
            ("lower_order_final", .bool(true)), ("euler_at_final", .bool(false)), ("use_karras_sigmas", .bool(false)),
            ("use_exponential_sigmas", .bool(false)), ("use_beta_sigmas", .bool(false)), ("use_lu_lambdas", .bool(false)),
            ("use_flow_sigmas", .bool(false)), ("flow_shift", .double(1.0)), ("final_sigmas_type", .string("zero")),
            ("lambda_min_clipped", .double(-.infinity)), ("variance_type", .null),
            ("timestep_spacing", .string("linspace")), ("steps_offset", .int(0)), ("rescale_betas_zero_snr", .bool(false)),
            ("use_dynamic_shifting", .bool(false)), ("time_shift_type", .string("exponential")),
        ],
        compatibles: KarrasSchedulers.names)

    static let name = "DPMSolverMultistepScheduler"

    public private(set) var config: Config
    public private(set) var timesteps: Tensor
    public private(set) var sigmasTensor: Tensor
    public var sigmas: Tensor? { sigmasTensor }
    public let initNoiseSigma = 1.0
    public let order = 1
    public private(set) var numInferenceSteps: Int?
    /// The index of the next step (`step_index`).
    public private(set) var stepIndex: Int?
    /// The index to start from (`begin_index`).
    public var beginIndex: Int?

    /// ᾱ_t of the training schedule (`alphas_cumprod`).
    public let alphasCumprod: [Float]
    let trainSigmas: [Float]
    let lambdaT: [Float]
    let numTrainTimesteps: Int
    let solverOrder: Int
    let predictionType: PredictionType
    let options: PredictionOptions
    let algorithmType: String
    let solverType: String
    let lowerOrderFinal: Bool
    let eulerAtFinal: Bool
    let useKarrasSigmas: Bool
    let useLuLambdas: Bool
    let finalSigmasType: String
    let lambdaMinClipped: Double
    let varianceType: String?
    /// The model predicts variance channels too (`variance_type` "learned" or "learned_range").
    var learnedVariance: Bool { varianceType == "learned" || varianceType == "learned_range" }
    let timestepSpacing: String
    let stepsOffset: Int
    let isCosine: Bool
    private var sigmaList: [Float]
    private var timestepList: [Float]
    private var modelOutputs: [Tensor?]
    private var lowerOrderNums = 0

    public init(config: Config) throws {
        let name = DPMSolverMultistepScheduler.name
        let r = ConfigReader(config, name)
        var config = config
        var schedule = try NoiseSchedule(r)
        if try r.bool("rescale_betas_zero_snr", false), !schedule.alphasCumprod.isEmpty {
            schedule.alphasCumprod[schedule.alphasCumprod.count - 1] = Float(pow(2.0, -24.0))
        }
        alphasCumprod = schedule.alphasCumprod
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        isCosine = try r.choice("beta_schedule", "linear", NoiseSchedule.betaSchedules) == "squaredcos_cap_v2"
        solverOrder = try r.int("solver_order", 2)
        guard (1...3).contains(solverOrder) else {
            throw SchedulerError("\(name): `solver_order` must be one of 1, 2, 3, got \(solverOrder)")
        }
        let pt = try r.choice("prediction_type", "epsilon", ["epsilon", "sample", "v_prediction", "flow_prediction"])
        guard let p = PredictionType(rawValue: pt) else {
            throw SchedulerError("\(name): prediction_type 'flow_prediction' is not supported by dsh; use 'epsilon', 'sample' or 'v_prediction'")
        }
        predictionType = p
        options = PredictionOptions(
            predictionType: p, thresholding: try r.bool("thresholding", false),
            dynamicThresholdingRatio: try r.double("dynamic_thresholding_ratio", 0.995),
            sampleMaxValue: try r.double("sample_max_value", 1.0), clipSample: false, clipSampleRange: 1)
        // diffusers maps DEIS's and UniPC's names onto its own and records the change.
        var algorithm = try r.choice("algorithm_type", "dpmsolver++", ["dpmsolver", "dpmsolver++", "sde-dpmsolver", "sde-dpmsolver++", "deis"])
        if algorithm == "deis" { algorithm = "dpmsolver++"; config = config.setting("algorithm_type", to: .string(algorithm)) }
        algorithmType = algorithm
        var solver = try r.choice("solver_type", "midpoint", ["midpoint", "heun", "logrho", "bh1", "bh2"])
        if ["logrho", "bh1", "bh2"].contains(solver) { solver = "midpoint"; config = config.setting("solver_type", to: .string(solver)) }
        solverType = solver
        lowerOrderFinal = try r.bool("lower_order_final", true)
        eulerAtFinal = try r.bool("euler_at_final", false)
        useKarrasSigmas = try r.bool("use_karras_sigmas", false)
        useLuLambdas = try r.bool("use_lu_lambdas", false)
        for unsupported in ["use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas", "use_dynamic_shifting"] {
            if try r.bool(unsupported, false) {
                throw SchedulerError("\(name): `\(unsupported)` is not supported by dsh; use the default sigmas, `use_karras_sigmas` or `use_lu_lambdas`")
            }
        }
        finalSigmasType = try r.choice("final_sigmas_type", "zero", ["zero", "sigma_min"])
        if !algorithm.hasSuffix("++") && finalSigmasType == "zero" {
            throw SchedulerError("\(name): `final_sigmas_type` zero is not supported for `algorithm_type` \(algorithm). Please choose `sigma_min` instead.")
        }
        lambdaMinClipped = try r.double("lambda_min_clipped", -.infinity)
        // Only "learned" and "learned_range" change anything (the variance channels are dropped); like diffusers,
        // any other value is kept and ignored, so a DDPM config's "fixed_small" carries over through from_config.
        varianceType = try r.wrap { try config.string("variance_type", default: nil) }
        timestepSpacing = try r.choice("timestep_spacing", "linspace", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        self.config = config

        // α_t = √ᾱ, σ_t = √(1 − ᾱ), λ_t = log α_t − log σ_t (float32)
        lambdaT = alphasCumprod.map { Foundation.log($0.squareRoot()) - Foundation.log((1 - $0).squareRoot()) }
        trainSigmas = SigmaMath.trainSigmas(alphasCumprod)
        sigmaList = trainSigmas
        timestepList = NumPy.linspace(0, Double(numTrainTimesteps - 1), numTrainTimesteps).reversed().map { Float($0) }
        timesteps = Tensor(timestepList)
        sigmasTensor = Tensor(sigmaList)
        modelOutputs = [Tensor?](repeating: nil, count: solverOrder)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("\(Self.name).set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        // clipped_idx = searchsorted(flip(λ_t), lambda_min_clipped); last = T − clipped_idx
        let flipped = lambdaT.reversed()
        let clippedIdx = flipped.firstIndex { Double($0) >= lambdaMinClipped }.map { flipped.distance(from: flipped.startIndex, to: $0) } ?? flipped.count
        let last = numTrainTimesteps - clippedIdx
        var ts: [Double]
        switch timestepSpacing {
        case "linspace":
            ts = Array(NumPy.linspace(0, Double(last - 1), n + 1).map(NumPy.round).reversed().dropLast())
        case "leading":
            let ratio = last / (n + 1)
            ts = Array((0...n).reversed().map { Double($0 * ratio + stepsOffset) }.dropLast())
        default:
            let ratio = Double(numTrainTimesteps) / Double(n)
            ts = NumPy.arange(Double(last), 0, -ratio).map { NumPy.round($0) - 1 }
        }
        let logSigmas = trainSigmas.map { Foundation.log($0) }
        var sig: [Double]
        if useKarrasSigmas {
            sig = SigmaMath.karras(sigmaMin: Double(trainSigmas[0]), sigmaMax: Double(trainSigmas[trainSigmas.count - 1]), steps: n)
            ts = sig.map { SigmaMath.sigmaToT($0, logSigmas: logSigmas) }
            if !isCosine { ts = ts.map(NumPy.round) }
        } else if useLuLambdas {
            let lmin = Double(logSigmas[0]), lmax = Double(logSigmas[logSigmas.count - 1])
            let lambdas = NumPy.linspace(0, 1, n).map { lmax + $0 * (lmin - lmax) }
            sig = lambdas.map { Foundation.exp($0) }
            ts = sig.map { SigmaMath.sigmaToT($0, logSigmas: logSigmas) }
            if !isCosine { ts = ts.map(NumPy.round) }
        } else {
            let fp = trainSigmas.map(Double.init)
            sig = ts.map { NumPy.interp($0, fp) }
        }
        let lastSigma: Double = finalSigmasType == "sigma_min" ? Double(((1 - alphasCumprod[0]) / alphasCumprod[0]).squareRoot()) : 0
        sigmaList = (sig + [lastSigma]).map { Float($0) }
        timestepList = ts.map { Float(Int($0)) }   // .to(torch.int64) truncates
        timesteps = Tensor(timestepList, dtype: .int64)
        sigmasTensor = Tensor(sigmaList)
        numInferenceSteps = ts.count
        modelOutputs = [Tensor?](repeating: nil, count: solverOrder)
        lowerOrderNums = 0
        stepIndex = nil
        beginIndex = nil
    }

    /// DPM-Solver needs no input scaling: returns `sample`.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor { sample }

    /// α_t = 1/√(σ² + 1), σ_t = σ α_t (float32).
    private func alphaSigma(_ sigma: Float) -> (Float, Float) {
        let a = 1 / (sigma * sigma + 1).squareRoot()
        return (a, sigma * a)
    }

    /// `convert_model_output`: x̂₀ for the ++ algorithms, ε for the others.
    private func convert(_ modelOutput: Tensor, _ sample: Tensor, _ i: Int) throws -> Tensor {
        var m = modelOutput
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i])
        if algorithmType.hasSuffix("++") {
            var x0: Tensor
            switch predictionType {
            case .epsilon:
                if learnedVariance { m = try m.narrow(1, start: 0, length: 3).contiguous() }
                x0 = Fused.map2(sample, m) { s, e in (s - sigmaT * e) / alphaT }
            case .sample:
                x0 = m
            case .vPrediction:
                x0 = Fused.map2(sample, m) { s, v in alphaT * s - sigmaT * v }
            }
            if options.thresholding { x0 = try options.threshold(x0) }
            return x0
        }
        var eps: Tensor
        switch predictionType {
        case .epsilon:
            eps = learnedVariance ? try m.narrow(1, start: 0, length: 3).contiguous() : m
        case .sample:
            eps = Fused.map2(sample, m) { s, x in (s - alphaT * x) / sigmaT }
        case .vPrediction:
            eps = Fused.map2(sample, m) { s, v in alphaT * v + sigmaT * s }
        }
        if options.thresholding {
            var x0 = Fused.map2(sample, eps) { s, e in (s - sigmaT * e) / alphaT }
            x0 = try options.threshold(x0)
            eps = Fused.map2(sample, x0) { s, x in (s - alphaT * x) / sigmaT }
        }
        return eps
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, generator: generator, varianceNoise: nil)
    }

    /// `step(model_output, timestep, sample, generator, variance_noise)`.
    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?, varianceNoise: Tensor?) throws -> SchedulerOutput {
        guard numInferenceSteps != nil else {
            throw SchedulerError("\(Self.name).step: Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler")
        }
        if !learnedVariance { try Fused.checkShapes(Self.name, modelOutput, sample) }
        if stepIndex == nil {
            if let b = beginIndex { stepIndex = b } else {
                stepIndex = try SigmaMath.index(of: timestep, in: timestepList, scheduler: "\(Self.name).step")
            }
        }
        guard let i = stepIndex, i + 1 < sigmaList.count else {
            throw SchedulerError("\(Self.name).step: the schedule has ended (\(timestepList.count) steps); call set_timesteps again")
        }
        let count = timestepList.count
        let lowerFinal = i == count - 1 && (eulerAtFinal || (lowerOrderFinal && count < 15) || finalSigmasType == "zero")
        let lowerSecond = i == count - 2 && lowerOrderFinal && count < 15

        let x = sample.contiguous()
        let converted = try convert(modelOutput.contiguous(), x, i).contiguous()
        for k in 0..<(solverOrder - 1) { modelOutputs[k] = modelOutputs[k + 1] }
        modelOutputs[solverOrder - 1] = converted

        var noise: Tensor? = nil
        if algorithmType.hasPrefix("sde") {
            noise = (varianceNoise ?? Tensor.randn(converted.shape, generator: generator)).contiguous()
        }

        let prev: Tensor
        if solverOrder == 1 || lowerOrderNums < 1 || lowerFinal {
            prev = firstOrder(converted, x, noise, i)
        } else if solverOrder == 2 || lowerOrderNums < 2 || lowerSecond {
            prev = secondOrder(x, noise, i)
        } else {
            prev = thirdOrder(x, noise, i)
        }
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        stepIndex = i + 1
        return SchedulerOutput(prevSample: prev)
    }

    /// λ = log α − log σ for a schedule σ.
    private func lambdaOf(_ alpha: Float, _ sigma: Float) -> Float { Foundation.log(alpha) - Foundation.log(sigma) }

    /// `dpm_solver_first_order_update`.
    private func firstOrder(_ m: Tensor, _ x: Tensor, _ noise: Tensor?, _ i: Int) -> Tensor {
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i + 1])
        let (alphaS, sigmaS) = alphaSigma(sigmaList[i])
        let h = lambdaOf(alphaT, sigmaT) - lambdaOf(alphaS, sigmaS)
        let z = noise ?? x
        switch algorithmType {
        case "dpmsolver++":
            // x_t = (σ_t/σ_s) x − α_t (e^{−h} − 1) D0
            let c1 = sigmaT / sigmaS, c2 = alphaT * (Foundation.exp(-h) - 1)
            return Fused.map2(x, m) { s, d in c1 * s - c2 * d }
        case "dpmsolver":
            // x_t = (α_t/α_s) x − σ_t (e^{h} − 1) ε
            let c1 = alphaT / alphaS, c2 = sigmaT * (Foundation.exp(h) - 1)
            return Fused.map2(x, m) { s, e in c1 * s - c2 * e }
        case "sde-dpmsolver++":
            // x_t = (σ_t/σ_s e^{−h}) x + α_t (1 − e^{−2h}) D0 + σ_t √(1 − e^{−2h}) z
            let c1 = sigmaT / sigmaS * Foundation.exp(-h), c2 = alphaT * (1 - Foundation.exp(-2 * h))
            let c3 = sigmaT * (1 - Foundation.exp(-2 * h)).squareRoot()
            return Fused.map3(x, m, z) { s, d, n in c1 * s + c2 * d + c3 * n }
        default:
            // x_t = (α_t/α_s) x − 2 σ_t (e^{h} − 1) ε + σ_t √(e^{2h} − 1) z
            let c1 = alphaT / alphaS, c2 = 2 * (sigmaT * (Foundation.exp(h) - 1))
            let c3 = sigmaT * (Foundation.exp(2 * h) - 1).squareRoot()
            return Fused.map3(x, m, z) { s, e, n in c1 * s - c2 * e + c3 * n }
        }
    }

    /// `multistep_dpm_solver_second_order_update`.
    private func secondOrder(_ x: Tensor, _ noise: Tensor?, _ i: Int) -> Tensor {
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i + 1])
        let (alphaS0, sigmaS0) = alphaSigma(sigmaList[i])
        let (alphaS1, sigmaS1) = alphaSigma(sigmaList[i - 1])
        let lambdaT = lambdaOf(alphaT, sigmaT), lambdaS0 = lambdaOf(alphaS0, sigmaS0), lambdaS1 = lambdaOf(alphaS1, sigmaS1)
        let m0 = modelOutputs[solverOrder - 1] ?? x, m1 = modelOutputs[solverOrder - 2] ?? x
        let h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1
        let r0 = h0 / h
        let k = 1 / r0                                  // D1 = (1/r0) (m0 − m1)
        let z = noise ?? x
        let midpoint = solverType == "midpoint"
        var c1: Float, c2: Float, c3: Float, c4: Float = 0
        var sign2: Float = -1, sign3: Float = -1
        switch algorithmType {
        case "dpmsolver++":
            c1 = sigmaT / sigmaS0
            c2 = alphaT * (Foundation.exp(-h) - 1)
            if midpoint { c3 = 0.5 * (alphaT * (Foundation.exp(-h) - 1)) } else { c3 = alphaT * ((Foundation.exp(-h) - 1) / h + 1); sign3 = 1 }
        case "dpmsolver":
            c1 = alphaT / alphaS0
            c2 = sigmaT * (Foundation.exp(h) - 1)
            c3 = midpoint ? 0.5 * (sigmaT * (Foundation.exp(h) - 1)) : sigmaT * ((Foundation.exp(h) - 1) / h - 1)
        case "sde-dpmsolver++":
            c1 = sigmaT / sigmaS0 * Foundation.exp(-h)
            c2 = alphaT * (1 - Foundation.exp(-2 * h)); sign2 = 1
            c3 = midpoint ? 0.5 * (alphaT * (1 - Foundation.exp(-2 * h))) : alphaT * ((1 - Foundation.exp(-2 * h)) / (-2 * h) + 1)
            sign3 = 1
            c4 = sigmaT * (1 - Foundation.exp(-2 * h)).squareRoot()
        default: // sde-dpmsolver
            c1 = alphaT / alphaS0
            c2 = 2 * (sigmaT * (Foundation.exp(h) - 1))
            c3 = midpoint ? sigmaT * (Foundation.exp(h) - 1) : 2 * (sigmaT * ((Foundation.exp(h) - 1) / h - 1))
            c4 = sigmaT * (Foundation.exp(2 * h) - 1).squareRoot()
        }
        let hasNoise = noise != nil
        return x.withUnsafeBufferPointer { ps in
            m0.withUnsafeBufferPointer { p0 in
                m1.withUnsafeBufferPointer { p1 in
                    z.withUnsafeBufferPointer { pz in
                        Fused.generate(x.shape) { j in
                            let d0 = p0[j], d1 = k * (p0[j] - p1[j])
                            let a = c1 * ps[j]
                            let b = sign2 < 0 ? a - c2 * d0 : a + c2 * d0
                            let c = sign3 < 0 ? b - c3 * d1 : b + c3 * d1
                            return hasNoise ? c + c4 * pz[j] : c
                        }
                    }
                }
            }
        }
    }

    /// `multistep_dpm_solver_third_order_update`.
    private func thirdOrder(_ x: Tensor, _ noise: Tensor?, _ i: Int) -> Tensor {
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i + 1])
        let (alphaS0, sigmaS0) = alphaSigma(sigmaList[i])
        let (alphaS1, sigmaS1) = alphaSigma(sigmaList[i - 1])
        let (alphaS2, sigmaS2) = alphaSigma(sigmaList[i - 2])
        let lambdaT = lambdaOf(alphaT, sigmaT), lambdaS0 = lambdaOf(alphaS0, sigmaS0)
        let lambdaS1 = lambdaOf(alphaS1, sigmaS1), lambdaS2 = lambdaOf(alphaS2, sigmaS2)
        let m0 = modelOutputs[solverOrder - 1] ?? x, m1 = modelOutputs[solverOrder - 2] ?? x, m2 = modelOutputs[solverOrder - 3] ?? x
        let h = lambdaT - lambdaS0, h0 = lambdaS0 - lambdaS1, h1 = lambdaS1 - lambdaS2
        let r0 = h0 / h, r1 = h1 / h
        let k0 = 1 / r0, k1 = 1 / r1, kD1 = r0 / (r0 + r1), kD2 = 1 / (r0 + r1)
        let z = noise ?? x
        let e = Foundation.exp(-h), eh = Foundation.exp(h), e2 = Foundation.exp(-2 * h)
        var c1: Float, c2: Float, c3: Float, c4: Float, c5: Float = 0
        var signs: (Float, Float, Float) = (-1, 1, -1)
        switch algorithmType {
        case "dpmsolver++":
            c1 = sigmaT / sigmaS0
            c2 = alphaT * (e - 1)
            c3 = alphaT * ((e - 1) / h + 1)
            c4 = alphaT * ((e - 1 + h) / (h * h) - 0.5)
        case "dpmsolver":
            c1 = alphaT / alphaS0
            c2 = sigmaT * (eh - 1)
            c3 = sigmaT * ((eh - 1) / h - 1)
            c4 = sigmaT * ((eh - 1 - h) / (h * h) - 0.5)
            signs = (-1, -1, -1)
        default: // sde-dpmsolver++ (diffusers has no third-order sde-dpmsolver update)
            c1 = sigmaT / sigmaS0 * e
            c2 = alphaT * (1 - e2)
            c3 = alphaT * ((1 - e2) / (-2 * h) + 1)
            c4 = alphaT * ((1 - e2 - 2 * h) / ((2 * h) * (2 * h)) - 0.5)
            c5 = sigmaT * (1 - e2).squareRoot()
            signs = (1, 1, 1)
        }
        let hasNoise = noise != nil
        let (s2, s3, s4) = signs
        return x.withUnsafeBufferPointer { ps in
            m0.withUnsafeBufferPointer { p0 in
                m1.withUnsafeBufferPointer { p1 in
                    m2.withUnsafeBufferPointer { p2 in
                        z.withUnsafeBufferPointer { pz in
                            Fused.generate(x.shape) { j in
                                let d0 = p0[j]
                                let d10 = k0 * (p0[j] - p1[j]), d11 = k1 * (p1[j] - p2[j])
                                let d1 = d10 + kD1 * (d10 - d11)
                                let d2 = kD2 * (d10 - d11)
                                var v = c1 * ps[j]
                                v = s2 < 0 ? v - c2 * d0 : v + c2 * d0
                                v = s3 < 0 ? v - c3 * d1 : v + c3 * d1
                                v = s4 < 0 ? v - c4 * d2 : v + c4 * d2
                                return hasNoise ? v + c5 * pz[j] : v
                            }
                        }
                    }
                }
            }
        }
    }

    /// α_t x₀ + σ_t ε with σ of each timestep's position in the schedule.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        let ts = timesteps.scalars.map(Double.init)
        let indices: [Int]
        if beginIndex == nil {
            indices = try ts.map { try SigmaMath.index(of: $0, in: timestepList, scheduler: "\(Self.name).add_noise") }
        } else {
            indices = [Int](repeating: stepIndex ?? beginIndex ?? 0, count: ts.count)
        }
        let shape = [indices.count] + [Int](repeating: 1, count: max(original.rank - 1, 0))
        let pairs = indices.map { alphaSigma(sigmaList[$0]) }
        let a = try Tensor(shape: shape, scalars: pairs.map(\.0)), s = try Tensor(shape: shape, scalars: pairs.map(\.1))
        return try a * original + s * noise
    }
}
