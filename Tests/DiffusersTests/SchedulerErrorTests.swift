import Foundation
import Testing
import Tensor
@testable import Diffusers

/// Bad input gives errors that name the scheduler, the argument and the allowed values.
@Suite("Scheduler errors")
struct SchedulerErrorTests {
    /// The message of the `SchedulerError` that `body` throws, or nil.
    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as SchedulerError { return e.message } catch { return "\(error)" }
    }

    @Test("unknown beta_schedule names the scheduler, the argument and the choices")
    func unknownBetaSchedule() {
        let m = message { _ = try DDPMScheduler.make([("beta_schedule", .string("cosine"))]) }
        #expect(m == "DDPMScheduler: `beta_schedule` must be one of 'linear', 'scaled_linear', 'squaredcos_cap_v2', 'sigmoid', got 'cosine'")
        let e = message { _ = try EulerDiscreteScheduler.make([("beta_schedule", .string("cosine"))]) }
        #expect(e == "EulerDiscreteScheduler: `beta_schedule` must be one of 'linear', 'scaled_linear', 'squaredcos_cap_v2', got 'cosine'")
    }

    @Test("unknown prediction_type, spacing and wrong types", arguments: SchedulerRegistry.types.map { $0.schema.className })
    func unknownOptions(_ className: String) throws {
        let type = try #require(SchedulerRegistry.type(named: className))
        let m = message { _ = try type.make([("prediction_type", .string("noise"))]) }
        #expect(m?.hasPrefix("\(className): `prediction_type` must be one of 'epsilon'") == true, "\(m ?? "no error")")
        if type.schema.defaultValue("timestep_spacing") != nil {
            let s = message { _ = try type.make([("timestep_spacing", .string("uniform"))]) }
            #expect(s == "\(className): `timestep_spacing` must be one of 'linspace', 'leading', 'trailing', got 'uniform'")
        }
        let t = message { _ = try type.make([("num_train_timesteps", .string("1000"))]) }
        #expect(t == "\(className): `num_train_timesteps` must be an int, got '1000' (str)")
        let k = message { _ = try type.make([("num_steps", .int(3))]) }
        #expect(k?.contains("unexpected keyword argument 'num_steps'") == true)
    }

    @Test("a timestep not in the schedule")
    func timestepNotInSchedule() throws {
        let x = Tensor.zeros([1, 3, 4, 4])
        let ddpm = try DDPMScheduler.make()
        try ddpm.setTimesteps(10)
        let m = message { _ = try ddpm.step(modelOutput: x, timestep: 5, sample: x, generator: Generator(seed: 0)) }
        #expect(m?.hasPrefix("DDPMScheduler.step: timestep 5 is not in the schedule; pass one of `scheduler.timesteps` (900, 800,") == true, "\(m ?? "")")
        let euler = try EulerDiscreteScheduler.make()
        try euler.setTimesteps(10)
        let e = message { _ = try euler.scaleModelInput(x, timestep: 500) }
        #expect(e?.hasPrefix("EulerDiscreteScheduler: timestep 500 is not in the schedule") == true, "\(e ?? "")")
        let dpm = try DPMSolverMultistepScheduler.make()
        try dpm.setTimesteps(10)
        #expect(message { _ = try dpm.step(modelOutput: x, timestep: 3.5, sample: x, generator: Generator(seed: 0)) } != nil)
    }

    @Test("step before set_timesteps where diffusers requires it")
    func stepBeforeSetTimesteps() throws {
        let x = Tensor.zeros([1, 3, 4, 4])
        for type in [DDIMScheduler.self, PNDMScheduler.self, DPMSolverMultistepScheduler.self, UniPCMultistepScheduler.self] as [any Scheduler.Type] {
            let s = try type.make()
            let m = message { _ = try s.step(modelOutput: x, timestep: 999, sample: x, generator: Generator(seed: 0)) }
            #expect(m == "\(type.schema.className).step: Number of inference steps is 'None', you need to run 'set_timesteps' after creating the scheduler")
        }
        // DDPM steps through the training timesteps without set_timesteps, as diffusers does.
        let ddpm = try DDPMScheduler.make()
        #expect(throws: Never.self) { _ = try ddpm.step(modelOutput: x, timestep: 0, sample: x, generator: Generator(seed: 0)) }
    }

    @Test("shape mismatch between sample and model output", arguments: SchedulerRegistry.types.map { $0.schema.className })
    func shapeMismatch(_ className: String) throws {
        let type = try #require(SchedulerRegistry.type(named: className))
        let s = try type.make()
        try s.setTimesteps(10)
        let t = Double(s.timesteps.scalars[0])
        let sample = Tensor.zeros([1, 3, 4, 4]), output = Tensor.zeros([1, 4, 4, 4])
        let m = message { _ = try s.step(modelOutput: output, timestep: t, sample: sample, generator: Generator(seed: 0)) }
        #expect(m == "\(className).step: `model_output` has shape [1, 4, 4, 4] but `sample` has shape [1, 3, 4, 4]; they must match")
    }

    @Test("from_config with an unknown class names the classes dsh has")
    func unknownClass() {
        #expect(throws: SchedulerError.self) { _ = try SchedulerRegistry.make(className: "FooScheduler", config: Config(entries: [])) }
    }

    @Test("add_noise matches √ᾱ x₀ + √(1 − ᾱ) ε and rejects timesteps out of range")
    func addNoise() throws {
        let s = try DDPMScheduler.make()
        let x = Tensor.ones([2, 1, 2, 2]), n = Tensor.full([2, 1, 2, 2], 2)
        let y = try s.addNoise(original: x, noise: n, timesteps: Tensor([10, 500], dtype: .int64))
        let a = s.alphasCumprod
        let want0 = a[10].squareRoot() + 2 * (1 - a[10]).squareRoot()
        let want1 = a[500].squareRoot() + 2 * (1 - a[500]).squareRoot()
        #expect(y.scalars == [Float](repeating: want0, count: 4) + [Float](repeating: want1, count: 4))
        #expect(throws: SchedulerError.self) { _ = try s.addNoise(original: x, noise: n, timesteps: Tensor([1000, 0], dtype: .int64)) }
    }
}
