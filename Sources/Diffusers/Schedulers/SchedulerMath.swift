// Shared schedule math, mirroring the helpers diffusers copies between scheduler files:
// `betas_for_alpha_bar`, `rescale_zero_terminal_snr`, `_threshold_sample`, the beta schedules in each
// `__init__`, and the `timestep_spacing` branches of `set_timesteps`.
//
// dtypes follow diffusers: betas and alphas_cumprod are torch float32 (cumprod accumulates in double,
// as PyTorch's CPU kernel does); numpy timestep arithmetic is float64.

import Foundation
import Tensor

/// Reads a scheduler's config with errors that name the scheduler.
struct ConfigReader {
    let config: Config
    let name: String

    init(_ config: Config, _ name: String) { self.config = config; self.name = name }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ConfigError {
            // Re-label errors with the scheduler's name rather than the file's `_class_name`.
            throw SchedulerError(e.message.replacingOccurrences(of: "\(config.errorName):", with: "\(name):"))
        }
    }
    func int(_ k: String, _ d: Int) throws -> Int { try wrap { try config.int(k, default: d) } }
    func double(_ k: String, _ d: Double) throws -> Double { try wrap { try config.double(k, default: d) } }
    func optionalDouble(_ k: String, _ d: Double?) throws -> Double? { try wrap { try config.optionalDouble(k, default: d) } }
    func bool(_ k: String, _ d: Bool) throws -> Bool {
        try wrap {
            // diffusers accepts None where a bool option is off (`use_karras_sigmas: null`).
            if config[k]?.isNull == true { return false }
            return try config.bool(k, default: d)
        }
    }
    func doubles(_ k: String) throws -> [Double]? { try wrap { try config.doubles(k, default: nil) } }

    /// A string option that must be one of `allowed`.
    func choice(_ k: String, _ d: String, _ allowed: [String]) throws -> String {
        let v = try wrap { try config.string(k, default: d) } ?? "None"
        guard allowed.contains(v) else {
            throw SchedulerError("\(name): `\(k)` must be one of \(allowed.map { "'\($0)'" }.joined(separator: ", ")), got '\(v)'")
        }
        return v
    }
}

/// The noise schedule shared by the DDPM-family schedulers: betas, alphas and their cumulative product.
struct NoiseSchedule {
    /// β_t, float32.
    var betas: [Float]
    /// ᾱ_t = ∏_{s≤t} (1 − β_s), float32.
    var alphasCumprod: [Float]

    static let betaSchedules = ["linear", "scaled_linear", "squaredcos_cap_v2"]

    /// Betas from a config's `trained_betas`, or `beta_schedule` between `beta_start` and `beta_end`,
    /// optionally rescaled to zero terminal SNR.
    init(_ r: ConfigReader, extraSchedules: [String] = []) throws {
        let n = try r.int("num_train_timesteps", 1000)
        guard n > 0 else { throw SchedulerError("\(r.name): `num_train_timesteps` must be positive, got \(n)") }
        let start = try r.double("beta_start", 0.0001), end = try r.double("beta_end", 0.02)
        if let trained = try r.doubles("trained_betas") {
            betas = trained.map { Float($0) }
        } else {
            let schedule = try r.choice("beta_schedule", "linear", NoiseSchedule.betaSchedules + extraSchedules)
            switch schedule {
            case "linear":
                betas = try Tensor.linspace(start, end, steps: n).scalars
            case "scaled_linear":
                // torch.linspace(beta_start**0.5, beta_end**0.5, n) ** 2
                betas = try Tensor.linspace(start.squareRoot(), end.squareRoot(), steps: n).scalars.map { $0 * $0 }
            case "sigmoid":
                // torch.sigmoid(torch.linspace(-6, 6, n)) * (beta_end - beta_start) + beta_start
                let span = Float(end - start), s0 = Float(start)
                betas = try Tensor.linspace(-6, 6, steps: n).scalars.map { 1 / (1 + Foundation.exp(-$0)) * span + s0 }
            case "exp":
                betas = NoiseSchedule.betasForAlphaBar(n, transform: .exp)
            default: // squaredcos_cap_v2
                betas = NoiseSchedule.betasForAlphaBar(n)
            }
        }
        if try r.bool("rescale_betas_zero_snr", false) { betas = NoiseSchedule.rescaleZeroTerminalSNR(betas) }
        alphasCumprod = NoiseSchedule.cumprod(betas.map { 1 - $0 })
    }

    /// `torch.cumprod` of float32 values (PyTorch accumulates in double on the CPU).
    static func cumprod(_ x: [Float]) -> [Float] {
        var acc = 1.0
        return x.map { acc *= Double($0); return Float(acc) }
    }

    /// The `alpha_transform_type` of `betas_for_alpha_bar`.
    enum AlphaTransform { case cosine, exp }

    /// `betas_for_alpha_bar(n)`: β_i = min(1 − ᾱ((i+1)/n) / ᾱ(i/n), 0.999) with
    /// ᾱ(t) = cos²((t + 0.008) / 1.008 · π/2) (cosine) or e^{−12t} (exp), in double, then float32.
    static func betasForAlphaBar(_ n: Int, maxBeta: Double = 0.999, transform: AlphaTransform = .cosine) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            if transform == .exp { return Foundation.exp(t * -12.0) }
            let c = Foundation.cos((t + 0.008) / 1.008 * Double.pi / 2)
            return Foundation.pow(c, 2)
        }
        return (0..<n).map { i in
            let t1 = Double(i) / Double(n), t2 = Double(i + 1) / Double(n)
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), maxBeta))
        }
    }

    /// `rescale_zero_terminal_snr` (arXiv 2305.08891, Algorithm 1), in float32:
    /// √ᾱ ← (√ᾱ − √ᾱ_T) · √ᾱ_0 / (√ᾱ_0 − √ᾱ_T), then back to betas.
    static func rescaleZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        let cum = cumprod(betas.map { 1 - $0 })
        var sq = cum.map { $0.squareRoot() }
        guard let s0 = sq.first, let sT = sq.last else { return betas }
        let scale = s0 / (s0 - sT)
        for i in sq.indices { sq[i] = (sq[i] - sT) * scale }
        let bar = sq.map { $0 * $0 }
        var alphas = [bar[0]]
        for i in 1..<bar.count { alphas.append(bar[i] / bar[i - 1]) }
        return alphas.map { 1 - $0 }
    }
}

/// numpy helpers with numpy's float64 arithmetic.
enum NumPy {
    /// `np.linspace(start, stop, num)` (float64; the last value is exactly `stop`).
    static func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        if num <= 0 { return [] }
        if num == 1 { return [start] }
        let step = (stop - start) / Double(num - 1)
        var y = (0..<num).map { Double($0) * step + start }
        y[num - 1] = stop
        return y
    }

    /// `np.arange(start, stop, step)` for float64 values.
    static func arange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let n = max(0, Int(((stop - start) / step).rounded(.up)))
        return (0..<n).map { start + Double($0) * step }
    }

    /// `np.round`: halves to even.
    static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// `np.interp(x, arange(len(fp)), fp)`.
    static func interp(_ x: Double, _ fp: [Double]) -> Double {
        if x <= 0 { return fp[0] }
        let last = fp.count - 1
        if x >= Double(last) { return fp[last] }
        let i = Int(x.rounded(.down))
        let w = x - Double(i)
        // numpy: slope * (x - xp[i]) + fp[i]
        return (fp[i + 1] - fp[i]) * w + fp[i]
    }
}

/// `timestep_spacing` for the schedulers with integer timesteps (DDPM, DDIM, PNDM …): the timesteps
/// as numpy computes them (descending), before any dtype conversion.
enum TimestepSpacing {
    static let allowed = ["linspace", "leading", "trailing"]

    static func integerTimesteps(_ spacing: String, train: Int, steps n: Int, offset: Int) -> [Int] {
        switch spacing {
        case "linspace":
            // np.linspace(0, T - 1, n).round()[::-1].astype(np.int64)
            return NumPy.linspace(0, Double(train - 1), n).map { Int(NumPy.round($0)) }.reversed()
        case "leading":
            // (np.arange(0, n) * (T // n)).round()[::-1] + steps_offset
            let ratio = train / n
            return (0..<n).reversed().map { $0 * ratio + offset }
        default: // trailing: np.round(np.arange(T, 0, -T / n)) - 1
            let ratio = Double(train) / Double(n)
            return NumPy.arange(Double(train), 0, -ratio).map { Int(NumPy.round($0)) - 1 }
        }
    }
}

/// Elementwise loops that read several tensors of one shape and write fresh tensors in one pass.
enum Fused {
    /// Throws unless `modelOutput` and `sample` have the same shape.
    static func checkShapes(_ scheduler: String, _ modelOutput: Tensor, _ sample: Tensor) throws {
        guard modelOutput.shape == sample.shape else {
            throw SchedulerError("\(scheduler).step: `model_output` has shape \(modelOutput.shape) but `sample` has shape \(sample.shape); they must match")
        }
    }

    /// A fresh float32 tensor of `shape` whose element i is `f(i)`, computed on all cores.
    @inline(__always)
    static func generate(_ shape: [Int], _ f: (Int) -> Float) -> Tensor {
        let n = shape.reduce(1, *)
        let storage = Storage(uninitializedCount: n)
        let dst = storage.pointer
        Parallel.forRange(n, costPerItem: 8) { r in for i in r { dst[i] = f(i) } }
        return Tensor(storage: storage, shape: shape)
    }

    /// `f(a[i], b[i])` into a fresh tensor.
    @inline(__always)
    static func map2(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                generate(a.shape) { i in f(pa[i], pb[i]) }
            }
        }
    }

    /// `f(a[i], b[i], c[i])` into a fresh tensor.
    @inline(__always)
    static func map3(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeBufferPointer { pc in
                    generate(a.shape) { i in f(pa[i], pb[i], pc[i]) }
                }
            }
        }
    }
}

/// What the model predicts (`prediction_type`).
enum PredictionType: String, Sendable {
    case epsilon, sample
    case vPrediction = "v_prediction"
}

/// Options shared by the DDPM-family steps: how x₀ is predicted and clipped.
struct PredictionOptions {
    static let predictionTypes = ["epsilon", "sample", "v_prediction"]

    var predictionType: PredictionType
    var thresholding: Bool
    var dynamicThresholdingRatio: Double
    var sampleMaxValue: Double
    var clipSample: Bool
    var clipSampleRange: Float

    /// `_threshold_sample`: per batch item, s = quantile(|x₀|, ratio) clamped to [1, sample_max_value];
    /// x₀ ← clamp(x₀, −s, s) / s.
    func threshold(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 2 else {
            throw SchedulerError("dynamic thresholding needs a sample of shape [batch, channels, …], got \(x.shape)")
        }
        let batch = x.shape[0], per = x.count / max(batch, 1)
        let values = x.scalars
        var s = [Float](repeating: 1, count: batch)
        for b in 0..<batch {
            let row = values[(b * per)..<((b + 1) * per)].map { Swift.abs($0) }.sorted()
            s[b] = min(max(quantile(row, Float(dynamicThresholdingRatio)), 1), Float(sampleMaxValue))
        }
        return Fused.generate(x.shape) { i in
            let sb = s[i / per]
            return min(max(values[i], -sb), sb) / sb
        }
    }

    /// `torch.quantile` of sorted float32 values with linear interpolation, as PyTorch computes it.
    private func quantile(_ sorted: [Float], _ q: Float) -> Float {
        let rank = q * Float(sorted.count - 1)
        let below = Int(rank)
        let above = min(below + 1, sorted.count - 1)
        let w = rank - Float(below)
        let a = sorted[below], b = sorted[above]
        // at::lerp: weight < 0.5 ? a + w (b − a) : b − (b − a)(1 − w)
        return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w)
    }
}

extension Tensor {
    /// The values of a schedule tensor as doubles.
    var doubles: [Double] { scalars.map(Double.init) }
}

/// Formats a timestep for messages as Python prints it (`981`, `963.5`).
func formatTimestep(_ t: Double) -> String {
    t == t.rounded() && Swift.abs(t) < 1e15 ? String(Int(t)) : pythonFloatRepr(t)
}

extension Fused {
    /// Two fresh tensors of `shape` filled in one pass: `f(i)` returns (first[i], second[i]).
    @inline(__always)
    static func generate2(_ shape: [Int], _ f: (Int) -> (Float, Float)) -> (Tensor, Tensor) {
        let n = shape.reduce(1, *)
        let s1 = Storage(uninitializedCount: n), s2 = Storage(uninitializedCount: n)
        let d1 = s1.pointer, d2 = s2.pointer
        Parallel.forRange(n, costPerItem: 8) { r in
            for i in r { let (a, b) = f(i); d1[i] = a; d2[i] = b }
        }
        return (Tensor(storage: s1, shape: shape), Tensor(storage: s2, shape: shape))
    }
}

/// `add_noise` for the ᾱ-based schedulers: √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε, with one timestep per batch
/// item (the coefficients are shaped [k, 1, …, 1] and broadcast, as diffusers unsqueezes them).
func addNoiseAlphaBar(_ name: String, alphasCumprod: [Float], original: Tensor, noise: Tensor, timesteps: Tensor) throws -> Tensor {
    let ts = timesteps.scalars.map { Int($0) }
    var a: [Float] = [], b: [Float] = []
    for t in ts {
        guard t >= 0 && t < alphasCumprod.count else {
            throw SchedulerError("\(name).add_noise: timestep \(t) is out of range; timesteps must lie in 0..<\(alphasCumprod.count) (num_train_timesteps)")
        }
        a.append(alphasCumprod[t].squareRoot())
        b.append((1 - alphasCumprod[t]).squareRoot())
    }
    let shape = [ts.count] + [Int](repeating: 1, count: max(original.rank - 1, 0))
    let ta = try Tensor(shape: shape, scalars: a), tb = try Tensor(shape: shape, scalars: b)
    return try ta * original + tb * noise
}

/// Schedule helpers for the sigma-parameterised (Karras-style) schedulers: σ_t = √((1 − ᾱ_t) / ᾱ_t).
enum SigmaMath {
    /// σ_t for every training timestep t (float32, ascending in t), as
    /// `((1 - alphas_cumprod) / alphas_cumprod) ** 0.5`.
    static func trainSigmas(_ alphasCumprod: [Float]) -> [Float] {
        alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// Float timesteps for `timestep_spacing` as the Euler-family `set_timesteps` computes them (float32).
    static func floatTimesteps(_ spacing: String, train: Int, steps n: Int, offset: Int) -> [Float] {
        switch spacing {
        case "linspace":
            // np.linspace(0, T - 1, n, dtype=np.float32)[::-1]
            return NumPy.linspace(0, Double(train - 1), n).map { Float($0) }.reversed()
        case "leading":
            // (np.arange(0, n) * (T // n)).round()[::-1].astype(np.float32) + steps_offset
            let ratio = train / n
            return (0..<n).reversed().map { Float($0 * ratio) + Float(offset) }
        default:
            // np.arange(T, 0, -T / n).round().astype(np.float32) - 1
            let ratio = Double(train) / Double(n)
            return NumPy.arange(Double(train), 0, -ratio).map { Float(NumPy.round($0)) - 1 }
        }
    }

    /// `_sigma_to_t(sigma, log_sigmas)`: the fractional timestep whose log σ interpolates `sigma`
    /// (log_sigmas float32, as `np.log` of a float32 array gives).
    static func sigmaToT(_ sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = Foundation.log(max(sigma, 1e-10))
        // low_idx = last index with log_sigmas[i] <= log_sigma (cumsum(dists >= 0).argmax), clipped.
        var count = 0
        var lowIdx = 0
        var best = -1
        for (i, ls) in logSigmas.enumerated() where logSigma - Double(ls) >= 0 {
            count += 1
            if count > best { best = count; lowIdx = i }
        }
        if best < 0 { lowIdx = 0 }
        lowIdx = min(lowIdx, logSigmas.count - 2)
        let highIdx = lowIdx + 1
        let low = logSigmas[lowIdx], high = logSigmas[highIdx]
        var w = (Double(low) - logSigma) / Double(low - high)
        w = min(max(w, 0), 1)
        return (1 - w) * Double(lowIdx) + w * Double(highIdx)
    }

    /// `_convert_to_karras`: σ_i = (σ_max^{1/ρ} + i/(n−1) (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ with ρ = 7 (float64).
    static func karras(sigmaMin: Double, sigmaMax: Double, steps n: Int) -> [Double] {
        let rho = 7.0
        let minInv = Foundation.pow(sigmaMin, 1 / rho), maxInv = Foundation.pow(sigmaMax, 1 / rho)
        return NumPy.linspace(0, 1, n).map { Foundation.pow(maxInv + $0 * (minInv - maxInv), rho) }
    }

    /// `index_for_timestep`: the position of `timestep` in the schedule (the second match when it
    /// appears twice, so image-to-image starting mid-schedule does not skip a sigma).
    static func index(of timestep: Double, in schedule: [Float], scheduler: String) throws -> Int {
        let t = Float(timestep)
        let matches = schedule.indices.filter { schedule[$0] == t }
        guard let first = matches.first else {
            let shown = schedule.prefix(6).map { pythonFloatRepr(Double($0)) }.joined(separator: ", ")
            throw SchedulerError("\(scheduler): timestep \(formatTimestep(timestep)) is not in the schedule; pass one of `scheduler.timesteps` (\(shown)\(schedule.count > 6 ? ", …" : ""))")
        }
        return matches.count > 1 ? matches[1] : first
    }
}
