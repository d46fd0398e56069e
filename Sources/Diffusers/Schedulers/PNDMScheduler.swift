// Mirrors diffusers/schedulers/scheduling_pndm.py (`PNDMScheduler`, diffusers 0.42.1).
//
// Pseudo numerical methods for diffusion models (Liu et al., arXiv 2202.09778). The transfer from
// t to t' (eq. 11 of the paper, `_get_prev_sample`), with ε the (combined) model output:
//
//   x_t' = √(ᾱ_t' / ᾱ_t) x_t − (ᾱ_t' − ᾱ_t) ε / (ᾱ_t √(1 − ᾱ_t') + √(ᾱ_t (1 − ᾱ_t) ᾱ_t'))
//
// Runge–Kutta warm-up (PRK, 4 model calls per step, 3 steps, unless `skip_prk_steps`):
//   ε' = ε₁/6 + ε₂/3 + ε₃/3 + ε₄/6
// then linear multistep (PLMS) with the stored outputs e₁ (newest) … e₄:
//   ε' = e₁;  (3e₁ − e₂)/2;  (23e₁ − 16e₂ + 5e₃)/12;  (55e₁ − 59e₂ + 37e₃ − 9e₄)/24
// With `skip_prk_steps`, the first PLMS step is a second-order (Heun-like) pair of calls at the
// same t: the first call moves with e₁, the second averages (ε + e₁)/2 from the saved sample.
//
// Limitations: none known; `set_timesteps` takes a step count only.

import Foundation
import Tensor

/// The PNDM scheduler (`PNDMScheduler`).
public final class PNDMScheduler: Scheduler {
    public static let schema = ConfigSchema(
        className: "PNDMScheduler",
        parameters: [
            ("num_train_timesteps", .int(1000)), ("beta_start", .double(0.0001)), ("beta_end", .double(0.02)),
            ("beta_schedule", .string("linear")), ("trained_betas", .null), ("skip_prk_steps", .bool(false)),
            ("set_alpha_to_one", .bool(false)), ("prediction_type", .string("epsilon")),
            ("timestep_spacing", .string("leading")), ("steps_offset", .int(0)),
        ],
        compatibles: KarrasSchedulers.names)

    public let config: Config
    /// Empty until `set_timesteps` (diffusers has `None`).
    public private(set) var timesteps: Tensor
    public let initNoiseSigma = 1.0
    public let order = 1
    public private(set) var numInferenceSteps: Int?
    /// The number of `step` calls since `set_timesteps` (`counter`).
    public private(set) var counter = 0

    let schedule: NoiseSchedule
    /// ᾱ_t of the training schedule (`alphas_cumprod`).
    public var alphasCumprod: [Float] { schedule.alphasCumprod }
    let finalAlphaCumprod: Float
    let numTrainTimesteps: Int
    let skipPRKSteps: Bool
    let isVPrediction: Bool
    let timestepSpacing: String
    let stepsOffset: Int
    private let pndmOrder = 4
    private var prkTimesteps: [Int] = []
    private var curModelOutput: Tensor?
    private var curSample: Tensor?
    private var ets: [Tensor] = []

    public init(config: Config) throws {
        let r = ConfigReader(config, "PNDMScheduler")
        self.config = config
        schedule = try NoiseSchedule(r)
        numTrainTimesteps = try r.int("num_train_timesteps", 1000)
        skipPRKSteps = try r.bool("skip_prk_steps", false)
        finalAlphaCumprod = try r.bool("set_alpha_to_one", false) ? 1 : schedule.alphasCumprod[0]
        isVPrediction = try r.choice("prediction_type", "epsilon", ["epsilon", "v_prediction"]) == "v_prediction"
        timestepSpacing = try r.choice("timestep_spacing", "leading", TimestepSpacing.allowed)
        stepsOffset = try r.int("steps_offset", 0)
        timesteps = Tensor([Float](), dtype: .int64)
    }

    public func setTimesteps(_ n: Int) throws {
        guard n > 0 else { throw SchedulerError("PNDMScheduler.set_timesteps: `num_inference_steps` must be positive, got \(n)") }
        numInferenceSteps = n
        // _timesteps, ascending.
        let base = Array(TimestepSpacing.integerTimesteps(timestepSpacing, train: numTrainTimesteps, steps: n, offset: stepsOffset).reversed())
        var plms: [Int]
        if skipPRKSteps {
            // concat(_ts[:-1], _ts[-2:-1], _ts[-1:])[::-1]
            prkTimesteps = []
            var seq = Array(base.dropLast())
            if base.count >= 2 { seq.append(base[base.count - 2]) }
            if let last = base.last { seq.append(last) }
            plms = seq.reversed()
        } else {
            // (_ts[-4:].repeat(2) + tile([0, T // n // 2], 4))[:-1].repeat(2)[1:-1][::-1]
            let half = numTrainTimesteps / n / 2
            let tail = Array(base.suffix(pndmOrder))
            var prk: [Int] = []
            for t in tail { prk.append(t); prk.append(t + half) }
            var rep: [Int] = []
            for t in prk.dropLast() { rep.append(t); rep.append(t) }
            prkTimesteps = rep.count >= 2 ? Array(rep[1..<(rep.count - 1)].reversed()) : []
            plms = Array(base.dropLast(3).reversed())
        }
        timesteps = Tensor((prkTimesteps + plms).map(Float.init), dtype: .int64)
        ets = []
        counter = 0
        curModelOutput = nil
        curSample = nil
    }

    /// PNDM needs no input scaling: returns `sample`.
    public func scaleModelInput(_ sample: Tensor, timestep: Double) throws -> Tensor { sample }

    /// `step`: a Runge–Kutta step during the warm-up, else a linear multistep one. PNDM draws no noise.
    public func step(modelOutput: Tensor, timestep: Double, sample: Tensor, generator: Generator?) throws -> SchedulerOutput {
        guard let n = numInferenceSteps else {
            throw SchedulerError("PNDMScheduler.step: Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler")
        }
        try Fused.checkShapes("PNDMScheduler", modelOutput, sample)
        guard timestep == timestep.rounded() else {
            throw SchedulerError("PNDMScheduler.step: `timestep` must be an integer, got \(formatTimestep(timestep))")
        }
        let t = Int(timestep)
        if counter < prkTimesteps.count && !skipPRKSteps {
            return try stepPRK(modelOutput.contiguous(), t, sample.contiguous(), n)
        }
        return try stepPLMS(modelOutput.contiguous(), t, sample.contiguous(), n)
    }

    /// `step_prk`: ε' = ε₁/6 + ε₂/3 + ε₃/3 + ε₄/6, each stage moving from the saved sample.
    private func stepPRK(_ modelOutput: Tensor, _ timestepArg: Int, _ sample: Tensor, _ n: Int) throws -> SchedulerOutput {
        let diffToPrev = counter % 2 != 0 ? 0 : numTrainTimesteps / n / 2
        let prevTimestep = timestepArg - diffToPrev
        let timestep = prkTimesteps[counter / 4 * 4]
        var output = modelOutput
        let sixth = Float(1.0 / 6.0), third = Float(1.0 / 3.0)
        switch counter % 4 {
        case 0:
            curModelOutput = accumulate(curModelOutput, modelOutput, sixth)
            ets.append(modelOutput)
            curSample = sample
        case 1, 2:
            curModelOutput = accumulate(curModelOutput, modelOutput, third)
        default:
            output = accumulate(curModelOutput, modelOutput, sixth)
            curModelOutput = nil
        }
        let prev = try prevSample(curSample ?? sample, timestep, prevTimestep, output)
        counter += 1
        return SchedulerOutput(prevSample: prev)
    }

    /// acc + c · m (acc = 0 when nil), in float32 as diffusers' `cur_model_output += c * model_output`.
    private func accumulate(_ acc: Tensor?, _ m: Tensor, _ c: Float) -> Tensor {
        guard let acc else { return Fused.map2(m, m) { x, _ in 0 + c * x } }
        return Fused.map2(acc, m) { a, x in a + c * x }
    }

    /// `step_plms`: the Adams–Bashforth combination of the stored model outputs.
    private func stepPLMS(_ modelOutput: Tensor, _ timestepArg: Int, _ sampleArg: Tensor, _ n: Int) throws -> SchedulerOutput {
        if !skipPRKSteps && ets.count < 3 {
            throw SchedulerError("PNDMScheduler can only be run AFTER scheduler has been run in 'prk' mode for at least 12 iterations")
        }
        var timestep = timestepArg
        var prevTimestep = timestep - numTrainTimesteps / n
        if counter != 1 {
            ets = Array(ets.suffix(3))
            ets.append(modelOutput)
        } else {
            prevTimestep = timestep
            timestep = timestep + numTrainTimesteps / n
        }
        var sample = sampleArg
        var output: Tensor
        let e = ets
        if e.count == 1 && counter == 0 {
            output = modelOutput
            curSample = sample
        } else if e.count == 1 && counter == 1 {
            // (ε + e₁) / 2 from the saved sample
            output = Fused.map2(modelOutput, e[0]) { m, e1 in (m + e1) / 2 }
            sample = curSample ?? sample
            curSample = nil
        } else if e.count == 2 {
            output = Fused.map2(e[1], e[0]) { e1, e2 in (3 * e1 - e2) / 2 }
        } else if e.count == 3 {
            output = Fused.map3(e[2], e[1], e[0]) { e1, e2, e3 in (23 * e1 - 16 * e2 + 5 * e3) / 12 }
        } else {
            let k = Float(1.0 / 24.0)
            let c = e.count
            output = e[c - 1].withUnsafeBufferPointer { p1 in
                e[c - 2].withUnsafeBufferPointer { p2 in
                    e[c - 3].withUnsafeBufferPointer { p3 in
                        e[c - 4].withUnsafeBufferPointer { p4 in
                            Fused.generate(modelOutput.shape) { i in
                                k * (55 * p1[i] - 59 * p2[i] + 37 * p3[i] - 9 * p4[i])
                            }
                        }
                    }
                }
            }
        }
        let prev = try prevSample(sample, timestep, prevTimestep, output)
        counter += 1
        return SchedulerOutput(prevSample: prev)
    }

    /// `_get_prev_sample` (eq. 11).
    private func prevSample(_ sample: Tensor, _ timestep: Int, _ prevTimestep: Int, _ modelOutput: Tensor) throws -> Tensor {
        let ac = schedule.alphasCumprod
        guard timestep >= 0 && timestep < ac.count && prevTimestep < ac.count else {
            throw SchedulerError("PNDMScheduler.step: timestep \(timestep) is out of range 0..<\(ac.count)")
        }
        let alphaProdT = ac[timestep]
        let alphaProdTPrev = prevTimestep >= 0 ? ac[prevTimestep] : finalAlphaCumprod
        let betaProdT = 1 - alphaProdT
        let betaProdTPrev = 1 - alphaProdTPrev
        let sqrtA = alphaProdT.squareRoot(), sqrtB = betaProdT.squareRoot()
        let v = isVPrediction
        // √(ᾱ_t' / ᾱ_t)
        let sampleCoeff = (alphaProdTPrev / alphaProdT).squareRoot()
        // ᾱ_t √(1 − ᾱ_t') + √(ᾱ_t (1 − ᾱ_t) ᾱ_t')
        let denom = alphaProdT * betaProdTPrev.squareRoot() + (alphaProdT * betaProdT * alphaProdTPrev).squareRoot()
        let diff = alphaProdTPrev - alphaProdT
        return Fused.map2(sample, modelOutput) { s, m in
            let eps = v ? sqrtA * m + sqrtB * s : m
            return sampleCoeff * s - diff * eps / denom
        }
    }

    public func addNoise(original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
        try addNoiseAlphaBar("PNDMScheduler", alphasCumprod: schedule.alphasCumprod, original: original, noise: noise, timesteps: timesteps)
    }
}
