import Foundation
import Testing
import Tensor
@testable import Diffusers

/// Runs every case of `sched_trajectories.json` (written by tools/fixtures_schedulers.py with
/// diffusers 0.42.1): the same loop `x ← step(f(scale_model_input(x, t), t), t, x)` from the recorded
/// starting sample, comparing every step with diffusers at max |Δ| ≤ 1e-4 relative to scale.
@Suite("Scheduler parity with diffusers")
struct SchedulerParityTests {
    static let cases: [JSONValue] = {
        (try? schedFixture("sched_trajectories.json"))?.arrayValue ?? []
    }()
    static var caseNames: [String] { cases.compactMap { $0["name"]?.stringValue } }

    @Test("the fixture has cases") func fixtureLoads() {
        #expect(Self.cases.count >= 10)
    }

    @Test("trajectory matches diffusers", arguments: caseNames)
    func trajectory(_ name: String) throws {
        let c = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let className = try #require(c["class"]?.stringValue)
        let type = try #require(SchedulerRegistry.type(named: className), "no scheduler \(className)")
        let kwargs = c["config"]?.objectValue ?? []
        let scheduler = try type.make(kwargs)
        let steps = try #require(c["steps"]?.intValue)
        try scheduler.setTimesteps(steps)

        // Schedule: timesteps (dtype and values), sigmas, init_noise_sigma, order.
        let ts = try #require(c["timesteps"])
        #expect(scheduler.timesteps.dtype.rawValue == ts["dtype"]?.stringValue, "timesteps dtype")
        let tsErr = schedRelativeError(scheduler.timesteps.scalars, ts["values"]?.doublesArray ?? [])
        #expect(tsErr <= 1e-6, "timesteps differ by \(tsErr): \(scheduler.timesteps.scalars)")
        if let sig = c["sigmas"] {
            let s = try #require(scheduler.sigmas, "\(className) has no sigmas")
            let err = schedRelativeError(s.scalars, sig["values"]?.doublesArray ?? [])
            #expect(err <= 1e-6, "sigmas differ by \(err)")
        }
        let ins = try #require(c["init_noise_sigma"]?.doubleValue)
        #expect(Swift.abs(scheduler.initNoiseSigma - ins) <= 1e-6 * max(1, ins))
        #expect(scheduler.order == c["order"]?.intValue)

        // The loop.
        let generator = Generator(seed: UInt64(c["seed"]?.intValue ?? 0))
        let learned = c["learned"]?.boolValue ?? false
        let stepKwargs = c["step_kwargs"]?.objectValue ?? []
        func kw(_ k: String) -> JSONValue? { stepKwargs.first { $0.0 == k }?.1 }
        var sample = try Tensor(shape: [1, 3, 4, 4], scalars: (c["sample"]?.doublesArray ?? []).map(Float.init))
        let trajectory = c["trajectory"]?.arrayValue ?? []
        let times = scheduler.timesteps.scalars.map(Double.init)
        #expect(times.count == trajectory.count)
        for (i, (t, expected)) in zip(times, trajectory).enumerated() {
            let input = try scheduler.scaleModelInput(sample, timestep: t)
            if let mi = expected["model_input"] {
                let err = schedRelativeError(input.scalars, mi.doublesArray)
                #expect(err <= 1e-4, "\(name) step \(i): model input differs by \(err)")
            }
            let output = try schedModel(input, t, learned: learned)
            let result: SchedulerOutput
            if let ddim = scheduler as? DDIMScheduler {
                result = try ddim.step(modelOutput: output, timestep: t, sample: sample,
                                       eta: kw("eta")?.doubleValue ?? 0,
                                       useClippedModelOutput: kw("use_clipped_model_output")?.boolValue ?? false,
                                       generator: generator)
            } else if let euler = scheduler as? EulerDiscreteScheduler {
                result = try euler.step(modelOutput: output, timestep: t, sample: sample, generator: generator,
                                        sChurn: kw("s_churn")?.doubleValue ?? 0, sTmin: kw("s_tmin")?.doubleValue ?? 0,
                                        sTmax: kw("s_tmax")?.doubleValue ?? .infinity, sNoise: kw("s_noise")?.doubleValue ?? 1)
            } else if let lms = scheduler as? LMSDiscreteScheduler {
                result = try lms.step(modelOutput: output, timestep: t, sample: sample, order: kw("order")?.intValue ?? 4)
            } else {
                result = try scheduler.step(modelOutput: output, timestep: t, sample: sample, generator: generator)
            }
            let err = schedRelativeError(result.prevSample.scalars, expected["prev_sample"]?.doublesArray ?? [])
            try #require(err <= 1e-4, "\(name) step \(i) (t = \(t)): prev_sample differs by \(err)")
            if let po = expected["pred_original_sample"] {
                let x0 = try #require(result.predOriginalSample, "\(name): no pred_original_sample")
                let e = schedRelativeError(x0.scalars, po.doublesArray)
                #expect(e <= 1e-4, "\(name) step \(i): pred_original_sample differs by \(e)")
            }
            sample = result.prevSample
        }
    }
}
