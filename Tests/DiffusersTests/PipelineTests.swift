import Foundation
import Testing
import Tensor
@testable import Diffusers

/// The embedded model and the DDPM/DDIM pipelines against diffusers 0.42.1 on the same weights
/// and seed (fixtures from tools/fixtures_pipeline.py).
@Suite("Pipelines on dsh/tiny-cats-32")
struct PipelineTests {
    static let reference: SafeTensorsFile? = try? SafeTensorsFile(
        path: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pipeline_tiny_cats.safetensors").path)

    func reference(_ name: String) throws -> Tensor {
        let file = try #require(PipelineTests.reference, "missing Fixtures/pipeline_tiny_cats.safetensors")
        return try file.tensor(name)
    }

    @Test("the built-in id resolves with no network, and the model loads")
    func builtinModel() throws {
        let folder = try Hub.resolve("dsh/tiny-cats-32")
        #expect(FileManager.default.fileExists(atPath: folder + "/model_index.json"))
        let model = try UNet2DModel.fromPretrained("dsh/tiny-cats-32", subfolder: "unet")
        #expect(model.numParameters() == 1_113_955)
        #expect(model.sampleSize?.height == 32)
    }

    @Test("quicktour steps 5–7: seeded noise, one forward, one scheduler step")
    func quicktourSteps() throws {
        let model = try UNet2DModel.fromPretrained("dsh/tiny-cats-32", subfolder: "unet")
        let scheduler = try DDPMScheduler.fromPretrained("dsh/tiny-cats-32", subfolder: "scheduler").scheduler
        let generator = Generator(seed: 0)
        let noisy = Tensor.randn([1, 3, 32, 32], generator: generator)
        #expect(noisy.scalars == (try reference("noisy_sample")).scalars, "torch.manual_seed(0); torch.randn(...) differs")
        let residual = try model(sample: noisy, timestep: .int(2)).sample
        unetExpectClose(residual, try reference("unet_out_t2"))
        // The fixture drew the variance noise from the global generator right after the randn: continue `generator`.
        let step = try scheduler.step(modelOutput: residual, timestep: 2, sample: noisy, generator: generator).prevSample
        unetExpectClose(step, try reference("step_t2"))
    }

    @Test("DDPMPipeline, 1000 steps, seed 0, equals diffusers within 2e-3")
    func ddpm() throws {
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32")
        #expect(pipeline.className == "DDPMPipeline")
        var options = SamplingOptions(numInferenceSteps: 1000)
        options.generator = Generator(seed: 0)
        var steps = 0
        options.onStep = { _ in steps += 1 }
        let images = try pipeline(options)
        #expect(steps == 1000)
        let expected = try reference("ddpm_1000")
        #expect(images.shape == expected.shape)
        let diff = zip(images.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(diff <= 2e-3, "max |Δ| = \(diff)")
    }

    /// Samples with seed 0 and returns the largest difference from the named diffusers fixture.
    func maxDifference(_ pipeline: DiffusionPipeline, steps: Int, fixture: String) throws -> Float {
        var options = SamplingOptions(numInferenceSteps: steps)
        options.generator = Generator(seed: 0)
        let images = try pipeline(options)
        let expected = try reference(fixture)
        #expect(images.shape == expected.shape)
        return zip(images.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test("DDIMPipeline, 50 steps, seed 0, equals diffusers within 2e-3")
    func ddim() throws {
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32", className: "DDIMPipeline")
        #expect(pipeline.scheduler is DDIMScheduler)
        let diff = try maxDifference(pipeline, steps: 50, fixture: "ddim_50")
        #expect(diff <= 2e-3, "max |Δ| = \(diff)")
    }

    @Test("a scheduler swapped in with from_config samples like diffusers (Euler: init_noise_sigma and scale_model_input applied)")
    func eulerSwap() throws {
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32")
        pipeline.scheduler = try EulerDiscreteScheduler.fromConfig(pipeline.scheduler.config).scheduler
        let diff = try maxDifference(pipeline, steps: 20, fixture: "euler_20")
        #expect(diff <= 2e-3, "max |Δ| = \(diff)")
    }

    @Test("DPM-Solver++ swapped in from the DDPM config (its variance_type carries over) samples like diffusers")
    func dpmSolverSwap() throws {
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32")
        let swapped = try DPMSolverMultistepScheduler.fromConfig(pipeline.scheduler.config).scheduler
        #expect(try swapped.config.string("variance_type", default: nil) == "fixed_small")
        pipeline.scheduler = swapped
        let diff = try maxDifference(pipeline, steps: 20, fixture: "dpm_20")
        #expect(diff <= 2e-3, "max |Δ| = \(diff)")
    }

    @Test("every scheduler builds from the DDPM pipeline's config and samples", arguments: [
        "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "HeunDiscreteScheduler",
        "LMSDiscreteScheduler", "DPMSolverMultistepScheduler", "UniPCMultistepScheduler",
    ])
    func everySchedulerFromConfig(_ name: String) throws {
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32")
        pipeline.scheduler = try SchedulerRegistry.make(className: name, config: pipeline.scheduler.config).scheduler
        var options = SamplingOptions(numInferenceSteps: 6)
        options.generator = Generator(seed: 1)
        let images = try pipeline(options)
        #expect(images.shape == [1, 32, 32, 3])
        #expect(images.scalars.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    @Test("save_pretrained writes a folder that loads back the same")
    func saveAndReload() throws {
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-pipe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try pipeline.savePretrained(dir)
        let again = try DiffusionPipeline.fromPretrained(dir)
        #expect(again.reprDescription.contains("\"DDPMScheduler\""))
        let x = Tensor.randn([1, 3, 32, 32], generator: Generator(seed: 3))
        let a = try pipeline.unet(sample: x, timestep: .int(10)).sample
        let b = try again.unet(sample: x, timestep: .int(10)).sample
        unetExpectClose(b, a, relative: 1e-3) // saved as float32 from fp16-rounded weights: equal
    }

    @Test("pipelines dsh does not have, and bad arguments, give clear errors")
    func errors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-sd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #"{"_class_name": "StableDiffusionPipeline", "text_encoder": ["transformers", "CLIPTextModel"], "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}"#
            .write(toFile: folder + "/model_index.json", atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { try DiffusionPipeline.fromPretrained(folder) }
        do {
            _ = try DiffusionPipeline.fromPretrained(folder)
        } catch let e as PipelineError {
            #expect(e.message.contains("StableDiffusionPipeline is not available in dsh"))
            #expect(e.message.contains("text_encoder"))
        }
        let pipeline = try DiffusionPipeline.fromPretrained("dsh/tiny-cats-32")
        #expect(throws: PipelineError.self) { try pipeline(SamplingOptions(numInferenceSteps: 0)) }
    }

    @Test("the time path computed ahead for a sampling run gives the forward pass the same bits, and an edited weight is seen")
    func timeEmbeddingsAhead() throws {
        let model = try UNet2DModel.fromPretrained("dsh/tiny-cats-32", subfolder: "unet")
        let x = Tensor.randn([1, 3, 32, 32], generator: Generator(seed: 3))
        func forward(_ t: Float, _ dtype: DType) throws -> [Float] {
            try model(sample: x, timestep: .tensor(Tensor(t, dtype: dtype))).sample.scalars
        }
        for dtype in [DType.int64, .float32] {
            let timesteps: [Float] = [999, 500, 500, 1, 0, 17.5]   // a repeat, and a value an int64 schedule truncates
            let plain = try timesteps.map { try forward($0, dtype) }
            let ahead = try model.withTimeEmbeddings(for: timesteps, dtype: dtype) { try timesteps.map { try forward($0, dtype) } }
            #expect(ahead == plain, "\(dtype)")
            // A timestep the run did not list, and a batch of two, are computed as usual inside it too.
            let other = try forward(250, dtype)
            let pair = Tensor.randn([2, 3, 32, 32], generator: Generator(seed: 4))
            let plainPair = try model(sample: pair, timestep: .int(500)).sample.scalars
            let (unlisted, batch) = try model.withTimeEmbeddings(for: timesteps, dtype: dtype) {
                (try forward(250, dtype), try model(sample: pair, timestep: .int(500)).sample.scalars)
            }
            #expect(unlisted == other && batch == plainPair)
        }
        // Weights written in place during the run (a resnet's time projection, the embedding MLP) are used.
        let resnet = try #require(model.resnets.first?.timeEmbProj), linear = model.timeEmbedding.linear2
        let before = try forward(500, .int64)
        let after = try model.withTimeEmbeddings(for: [500], dtype: .int64) { () -> [[Float]] in
            try resnet.weight.mul_(1.5)
            let a = try forward(500, .int64)
            try linear.weight.mul_(0.5)
            return [a, try forward(500, .int64)]
        }
        #expect(after[0] != before && after[1] != after[0])
        #expect(try forward(500, .int64) == after[1], "the same edited weights without the table")
        // Nothing is left behind.
        #expect(model.resnets.allSatisfy { $0.projectedAhead == nil })
    }
}
