// Mirrors diffusers/schedulers/scheduling_unipc_multistep.py (`UniPCMultistepScheduler`, diffusers 0.42.1).
//
// UniPC (Zhao et al., arXiv 2302.04867): a unified predictor (UniP) and corrector (UniC) of order p.
// With α_t = 1/√(σ² + 1), σ_t = σ α_t, λ = log α_t − log σ_t, h = λ_t − λ_s0, ĥ = −h (predict_x0) or h:
//
//   r_k = (λ_{s_k} − λ_s0) / h,   D_k = (m_k − m0) / r_k                     (k = 1 … p − 1)
//   hφ₁ = expm1(ĥ),  B(h) = ĥ (bh1) or expm1(ĥ) (bh2)
//   b_i = i! · φ_{i+1}(ĥ) / B(h) with φ_{k+1} = φ_k / ĥ − 1/k!,  R_{ik} = r_k^{i−1}
//   predictor:  x_t = (σ_t/σ_s0) x − α_t hφ₁ m0 − α_t B(h) Σ_k ρᵖ_k D_k,   ρᵖ = R[:-1,:-1]⁻¹ b[:-1] (½ for p = 2)
//   corrector:  x_t^c = (σ_t/σ_s0) x − α_t hφ₁ m0 − α_t B(h) (Σ_k ρᶜ_k D_k + ρᶜ_p (m_t − m0)),  ρᶜ = R⁻¹ b (½ for p = 1)
// (noise prediction, predict_x0 = false: α ↔ σ swapped as in the paper's UniPC-ε.)
// The corrector refines the sample of the previous step with this step's model output before the
// next predictor step.
//
// Limitations: `solver_p`, `use_exponential_sigmas`, `use_beta_sigmas`, `use_flow_sigmas`,
// `flow_prediction` and `use_dynamic_shifting` are not implemented (they throw); a timestep outside
// the schedule throws (diffusers silently uses the last step).

import Foundation
import Tensor

/// The UniPC multistep scheduler (`UniPCMultistepScheduler`).
public final class UniPCMultistepScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "UniPCMultistepScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("solver_order", .int(2)),
            ("prediction_type", .string("epsilon")), ("thresholding", .bool(false)),
            ("dynamic_thresholding_ratio", .double(0.995)), ("sample_max_value", .double(1.0)),
            ("predict_x0", .bool(true)), ("solver_type", .string("bh2")), ("lower_order_final", .bool(true)),
            ("disable_corrector", .array([])), ("solver_p", .null), ("use_karras_sigmas", .bool(false)),
            ("use_exponential_sigmas", .bool(false)), ("use_beta_sigmas", .bool(false)), ("use_flow_sigmas", .bool(false)),
            ("flow_shift", .double(1.0)), ("timestep_spacing", .string("linspace")), ("steps_offset", .int(0)),
            ("final_sigmas_type", .string("zero")), ("rescale_betas_zero_snr", .bool(false)),
            ("use_dynamic_shifting", .bool(false)), ("time_shift_type", .string("exponential")),
            ("sigma_min", .null), ("sigma_max", .null), ("shift_terminal", .null),
        ],
        compatibles: KarrasSchedulers.names)

    static let name = "UniPCMultistepScheduler"

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
    let numTrainTimesteps: Int
    let solverOrder: Int
    let predictionType: PredictionType
    let options: PredictionOptions
    let predictX0: Bool
    let solverType: String
    let lowerOrderFinal: Bool
    let disableCorrector: Set<Int>
    let useKarrasSigmas: Bool
    let sigmaMin: Double?, sigmaMax: Double?
    let timestepSpacing: String
    let stepsOffset: Int
    let finalSigmasType: String
    private var sigmaList: [Float]
    private var timestepList: [Float]
    private var modelOutputs: [Tensor?]
    private var lowerOrderNums = 0
    private var thisOrder = 0
    private var lastSample: Tensor?

    public init(config: Config) throws {
        let name = Self.name
        let r = ConfigReader(config, name)
        var config = config
        var schedule = try NoiseSchedule(r)
        if try r.bool("rescale_betas_zero_snr", false), !schedule.alphasCumprod.isEmpty {
            schedule.alphasCumprod[schedule.alphasCumprod.count - 1] = Float(pow(2.0, -24.0))
        }
        alphasCumprod = schedule.alphasCumprod
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        solverOrder = try r.int("solver_order", 2)
        guard solverOrder >= 1 else { throw SchedulerError("\(name): `solver_order` must be at least 1, got \(solverOrder)") }
        let pt = try r.choice("prediction_type", "epsilon", ["epsilon", "sample", "v_prediction", "flow_prediction"])
        guard let p = PredictionType(rawValue: pt) else {
            throw SchedulerError("\(name): prediction_type 'flow_prediction' is not supported by dsh; use 'epsilon', 'sample' or 'v_prediction'")
        }
        predictionType = p
        options = PredictionOptions(
            predictionType: p, thresholding: try r.bool("thresholding", false),
            dynamicThresholdingRatio: try r.double("dynamic_thresholding_ratio", 0.995),
            sampleMaxValue: try r.double("sample_max_value", 1.0), clipSample: false, clipSampleRange: 1)
        predictX0 = try r.bool("predict_x0", true)
        // diffusers maps DPM-Solver's and DEIS's names onto bh2 and records the change.
        var solver = try r.choice("solver_type", "bh2", ["bh1", "bh2", "midpoint", "heun", "logrho"])
        if !["bh1", "bh2"].contains(solver) { solver = "bh2"; config = config.setting("solver_type", to: .string(solver)) }
        solverType = solver
        lowerOrderFinal = try r.bool("lower_order_final", true)
        disableCorrector = Set(try r.wrap { try config.ints("disable_corrector", default: []) })
        if let sp = config["solver_p"], !sp.isNull {
            throw SchedulerError("\(name): `solver_p` is not supported by dsh")
        }
        useKarrasSigmas = try r.bool("use_karras_sigmas", false)
        for unsupported in ["use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas", "use_dynamic_shifting"] {
            if try r.bool(unsupported, false) {
                throw SchedulerError("\(name): `\(unsupported)` is not supported by dsh; use the default sigmas or `use_karras_sigmas`")
            }
        }
        sigmaMin = try r.optionalDouble("sigma_min", nil)
        sigmaMax = try r.optionalDouble("sigma_max", nil)
        timestepSpacing = try r.choice("timestep_spacing", "linspace", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        finalSigmasType = try r.choice("final_sigmas_type", "zero", ["zero", "sigma_min"])
        self.config = config

        trainSigmas = SigmaMath.trainSigmas(alphasCumprod)
        sigmaList = trainSigmas
        timestepList = NumPy.linspace(0, Double(numTrainTimesteps - 1), numTrainTimesteps).reversed().map { Float($0) }
        timesteps = Tensor(timestepList)
        sigmasTensor = Tensor(sigmaList)
        modelOutputs = [Tensor?](repeating: nil, count: solverOrder)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("\(Self.name).set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        let T = numTrainTimesteps
        var ts: [Double]
        switch timestepSpacing {
        case "linspace":
            ts = Array(NumPy.linspace(0, Double(T - 1), n + 1).map(NumPy.round).reversed().dropLast())
        case "leading":
            let ratio = T / (n + 1)
            ts = Array((0...n).reversed().map { Double($0 * ratio + stepsOffset) }.dropLast())
        default:
            let ratio = Double(T) / Double(n)
            ts = NumPy.arange(Double(T), 0, -ratio).map { NumPy.round($0) - 1 }
        }
        var sig: [Double]
        let lastSigma: Double
        if useKarrasSigmas {
            let logSigmas = trainSigmas.map { Foundation.log($0) }
            // in_sigmas = flip(train σ): σ_min = in_sigmas[-1] = σ_0, σ_max = σ_{T−1}
            sig = SigmaMath.karras(sigmaMin: sigmaMin ?? Double(trainSigmas[0]),
                                   sigmaMax: sigmaMax ?? Double(trainSigmas[trainSigmas.count - 1]), steps: n)
            ts = sig.map { NumPy.round(SigmaMath.sigmaToT($0, logSigmas: logSigmas)) }
            lastSigma = finalSigmasType == "sigma_min" ? sig[sig.count - 1] : 0
        } else {
            let fp = trainSigmas.map(Double.init)
            sig = ts.map { NumPy.interp($0, fp) }
            lastSigma = finalSigmasType == "sigma_min" ? Double(((1 - alphasCumprod[0]) / alphasCumprod[0]).squareRoot()) : 0
        }
        sigmaList = (sig + [lastSigma]).map { Float($0) }
        timestepList = ts.map { Float(Int($0)) }
        timesteps = Tensor(timestepList, dtype: .int64)
        sigmasTensor = Tensor(sigmaList)
        numInferenceSteps = ts.count
        modelOutputs = [Tensor?](repeating: nil, count: solverOrder)
        lowerOrderNums = 0
        lastSample = nil
        stepIndex = nil
        beginIndex = nil
    }

    /// UniPC needs no input scaling: returns `sample`.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor { sample }

    /// α_t = 1/√(σ² + 1), σ_t = σ α_t (float32).
    private func alphaSigma(_ sigma: Float) -> (Float, Float) {
        let a = 1 / (sigma * sigma + 1).squareRoot()
        return (a, sigma * a)
    }

    private func lambda(_ i: Int) -> Float {
        let (a, s) = alphaSigma(sigmaList[i])
        return Foundation.log(a) - Foundation.log(s)
    }

    /// `convert_model_output`: x̂₀ (predict_x0) or ε.
    private func convert(_ m: Tensor, _ sample: Tensor, _ i: Int) throws -> Tensor {
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i])
        if predictX0 {
            var x0: Tensor
            switch predictionType {
            case .epsilon: x0 = Fused.map2(sample, m) { s, e in (s - sigmaT * e) / alphaT }
            case .sample: x0 = m
            case .vPrediction: x0 = Fused.map2(sample, m) { s, v in alphaT * s - sigmaT * v }
            }
            if options.thresholding { x0 = try options.threshold(x0) }
            return x0
        }
        switch predictionType {
        case .epsilon: return m
        case .sample: return Fused.map2(sample, m) { s, x in (s - alphaT * x) / sigmaT }
        case .vPrediction: return Fused.map2(sample, m) { s, v in alphaT * v + sigmaT * s }
        }
    }

    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        guard numInferenceSteps != nil else {
            throw SchedulerError("\(Self.name).step: Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler")
        }
        try Fused.checkShapes(Self.name, modelOutput, sample)
        if stepIndex == nil {
            if let b = beginIndex { stepIndex = b } else {
                stepIndex = try SigmaMath.index(of: timestep, in: timestepList, scheduler: "\(Self.name).step")
            }
        }
        guard let i = stepIndex, i + 1 < sigmaList.count else {
            throw SchedulerError("\(Self.name).step: the schedule has ended (\(timestepList.count) steps); call set_timesteps again")
        }
        var x = sample.contiguous()
        let useCorrector = i > 0 && !disableCorrector.contains(i - 1) && lastSample != nil
        let converted = try convert(modelOutput.contiguous(), x, i).contiguous()
        if useCorrector, let last = lastSample {
            x = try corrector(converted, last, x, thisOrder, i)
        }
        for k in 0..<(solverOrder - 1) { modelOutputs[k] = modelOutputs[k + 1] }
        modelOutputs[solverOrder - 1] = converted

        let order = lowerOrderFinal ? min(solverOrder, timestepList.count - i) : solverOrder
        thisOrder = min(order, lowerOrderNums + 1)
        lastSample = x
        let prev = try predictor(x, thisOrder, i)
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        stepIndex = i + 1
        return SchedulerOutput(prevSample: prev)
    }

    /// The φ-function coefficients shared by UniP and UniC: hφ₁, B(h), R and b.
    private func coefficients(h: Float, rks: [Float], order: Int) -> (hPhi1: Float, bh: Float, R: [[Float]], b: [Float]) {
        let hh = predictX0 ? -h : h
        let hPhi1 = Foundation.expm1(hh)                    // hφ₁(h) = e^h − 1
        var hPhiK = hPhi1 / hh - 1
        var factorial: Float = 1
        let bh = solverType == "bh1" ? hh : Foundation.expm1(hh)
        var R: [[Float]] = [], b: [Float] = []
        for i in 1...order {
            R.append(rks.map { Foundation.pow($0, Float(i - 1)) })
            b.append(hPhiK * factorial / bh)
            factorial *= Float(i + 1)
            hPhiK = hPhiK / hh - 1 / factorial
        }
        return (hPhi1, bh, R, b)
    }

    /// Σ_k ρ_k D_k (`einsum("k,bkc...->bc...")`).
    private func combine(_ rhos: [Float], _ ds: [Tensor], like x: Tensor) -> Tensor {
        var acc = Fused.map2(ds[0], ds[0]) { d, _ in rhos[0] * d }
        for k in 1..<ds.count { acc = Fused.map2(acc, ds[k]) { a, d in a + rhos[k] * d } }
        return acc
    }

    /// `multistep_uni_p_bh_update`.
    private func predictor(_ x: Tensor, _ order: Int, _ i: Int) throws -> Tensor {
        let m0 = modelOutputs[solverOrder - 1] ?? x
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i + 1])
        let (alphaS0, sigmaS0) = alphaSigma(sigmaList[i])
        let lambdaS0 = lambda(i)
        let h = lambda(i + 1) - lambdaS0
        var rks: [Float] = [], ds: [Tensor] = []
        for k in 1..<max(order, 1) {
            let mi = modelOutputs[solverOrder - 1 - k] ?? x
            let rk = (lambda(i - k) - lambdaS0) / h
            rks.append(rk)
            ds.append(Fused.map2(mi, m0) { a, b in (a - b) / rk })
        }
        rks.append(1)
        let (hPhi1, bh, R, b) = coefficients(h: h, rks: rks, order: order)
        var res: Tensor? = nil
        if !ds.isEmpty {
            let rhos: [Float] = order == 2 ? [0.5] : try solve(Array(R.dropLast().map { Array($0.dropLast()) }), Array(b.dropLast()))
            res = combine(rhos, ds, like: x)
        }
        let c1 = predictX0 ? sigmaT / sigmaS0 : alphaT / alphaS0
        let c2 = (predictX0 ? alphaT : sigmaT) * hPhi1
        let c3 = (predictX0 ? alphaT : sigmaT) * bh
        // x_t = c1 x − c2 m0 − c3 Σ ρ D
        let base = Fused.map2(x, m0) { s, m in c1 * s - c2 * m }
        // Without history diffusers subtracts `alpha_t * B_h * 0`, which is NaN when B(h) is infinite
        // (bh1 with a final σ of 0); kept for parity.
        guard let res else { return base.map(SubtractScaledZero(c: c3)) }
        return Fused.map2(base, res) { v, r in v - c3 * r }
    }

    /// `multistep_uni_c_bh_update`: corrects `thisSample` (x_t) using this step's output m_t.
    private func corrector(_ modelT: Tensor, _ last: Tensor, _ thisSample: Tensor, _ order: Int, _ i: Int) throws -> Tensor {
        let m0 = modelOutputs[solverOrder - 1] ?? last
        let (alphaT, sigmaT) = alphaSigma(sigmaList[i])
        let (alphaS0, sigmaS0) = alphaSigma(sigmaList[i - 1])
        let lambdaS0 = lambda(i - 1)
        let h = lambda(i) - lambdaS0
        var rks: [Float] = [], ds: [Tensor] = []
        for k in 1..<max(order, 1) {
            let mi = modelOutputs[solverOrder - 1 - k] ?? last
            let rk = (lambda(i - (k + 1)) - lambdaS0) / h
            rks.append(rk)
            ds.append(Fused.map2(mi, m0) { a, b in (a - b) / rk })
        }
        rks.append(1)
        let (hPhi1, bh, R, b) = coefficients(h: h, rks: rks, order: order)
        let rhos: [Float] = order == 1 ? [0.5] : try solve(R, b)
        let c1 = predictX0 ? sigmaT / sigmaS0 : alphaT / alphaS0
        let c2 = (predictX0 ? alphaT : sigmaT) * hPhi1
        let c3 = (predictX0 ? alphaT : sigmaT) * bh
        let rLast = rhos[rhos.count - 1]
        // corr = Σ ρ_k D_k + ρ_p (m_t − m0)
        let dt = Fused.map2(modelT, m0) { a, b in rLast * (a - b) }
        let corr = ds.isEmpty ? Fused.map2(dt, dt) { d, _ in 0 + d }
                              : Fused.map2(combine(Array(rhos.dropLast()), ds, like: last), dt) { a, d in a + d }
        let base = Fused.map2(last, m0) { s, m in c1 * s - c2 * m }
        return Fused.map2(base, corr) { v, c in v - c3 * c }
    }

    /// Solves A x = b by Gaussian elimination with partial pivoting (`torch.linalg.solve`, float32).
    private func solve(_ a: [[Float]], _ b: [Float]) throws -> [Float] {
        var m = a, v = b
        let n = v.count
        for col in 0..<n {
            var p = col
            for r in (col + 1)..<max(n, col + 1) where Swift.abs(m[r][col]) > Swift.abs(m[p][col]) { p = r }
            guard m[p][col] != 0 else { throw SchedulerError("\(Self.name): singular system for the UniPC coefficients") }
            if p != col { m.swapAt(p, col); v.swapAt(p, col) }
            for r in (col + 1)..<max(n, col + 1) {
                let f = m[r][col] / m[col][col]
                for c in col..<n { m[r][c] -= f * m[col][c] }
                v[r] -= f * v[col]
            }
        }
        var x = [Float](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = v[r]
            for c in (r + 1)..<max(n, r + 1) { s -= m[r][c] * x[c] }
            x[r] = s / m[r][r]
        }
        return x
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

/// v − c · 0 (NaN when c is infinite, as in PyTorch).
struct SubtractScaledZero: UnaryKernel {
    let c: Float
    @inline(__always) func callAsFunction(_ v: Float) -> Float { v - c * 0 }
}
