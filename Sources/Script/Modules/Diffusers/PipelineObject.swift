import Diffusers
import Imaging
import Tensor

/// `diffusers.DDPMPipeline` / `DDIMPipeline` / `DiffusionPipeline`.
final class PipelineObject: PyObject {
    let pipeline: DiffusionPipeline
    var progressDisabled = false
    init(_ pipeline: DiffusionPipeline) { self.pipeline = pipeline }

    var typeName: String { pipeline.className }
    var pyType: PyType { DiffusersTypes.named(pipeline.className) }
    func repr() throws -> String { pipeline.reprDescription }
    var isCallable: Bool { true }

    /// `pipeline(batch_size=1, generator=None, num_inference_steps=…, output_type="pil", return_dict=True, eta=0.0,
    /// callback_on_step_end=None, preview_every=None)`.
    func call(_ a: Arguments) throws -> Value {
        try a.check(maxPositional: 2, keywords: ["batch_size", "generator", "num_inference_steps", "output_type", "return_dict",
                                                "eta", "callback_on_step_end", "preview_every", "use_clipped_model_output"])
        var options = SamplingOptions(numInferenceSteps: try a.int(-1, "num_inference_steps", default: pipeline.defaultInferenceSteps))
        options.batchSize = try a.int(0, "batch_size", default: 1)
        options.generator = try a.generator(1)
        options.eta = try a.double(-1, "eta", default: 0)
        let outputType = try a.string(-1, "output_type", default: "pil")
        guard ["pil", "np", "pt"].contains(outputType) else {
            throw PyException.valueError("\(typeName)(): output_type must be 'pil', 'np' or 'pt', not '\(outputType)'")
        }
        let callback = try a.optional(-1, "callback_on_step_end").flatMap { $0.isNone ? nil : $0 }
        let previewEvery = try a.optional(-1, "preview_every").flatMap { $0.isNone ? nil : try a.intValue($0, "preview_every") }
        let interp = a.interpreter
        let session = ImagingSession.of(interp)
        let bar = ProgressBar(total: options.numInferenceSteps, desc: "", disable: progressDisabled, leave: true, console: session.console)
        let live = LiveDisplay(console: session.console)
        options.onStep = { step in
            bar.update(1)
            if let callback {
                _ = try interp.call(callback, [.object(self), .int(step.index), .float(step.timestep), .dict(PyDict([("latents", wrap(step.sample))]))])
            }
            if let every = previewEvery, every > 0, (step.index + 1) % every == 0 || step.index + 1 == step.count {
                // dsh's live preview: the scheduler's current guess of the clean image, redrawn in place.
                let x0 = step.predOriginalSample ?? step.sample
                let images = try Image.images(from: x0.clamp(min: -1, max: 1), range: .minusOneToOne).images
                let caption = "x₀ at step \(step.index + 1)/\(step.count), t=\(Int(step.timestep))"
                let (text, lines) = try session.liveRendering(images, captions: images.map { _ in caption }, widthCells: nil, mode: nil)
                live.update(text, lines: lines)
            }
        }
        defer { bar.close() }
        let images = try interruptible(interp) { stop -> Tensor in
            options.shouldStop = stop
            return outputType == "pt" ? try pipeline.sampleNCHW(options) : try pipeline(options)
        }
        let result: Value
        switch outputType {
        case "pt": result = wrap(images)
        case "np": result = .object(NDArrayObject(images))
        default: result = .list(PyList(try bridged { try Image.numpyToPIL(images) }.map(wrapImage)))
        }
        if try !a.bool(-1, "return_dict", default: true) { return .tuple([result]) }
        return .object(NamedTupleObject("ImagePipelineOutput", [("images", result)]))
    }

    func getAttribute(_ name: String) throws -> Value? {
        let p = pipeline
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value { .builtin(BuiltinFunction(name, owner: typeName, body)) }
        switch name {
        case "unet": return .object(UNetObject(p.unet))
        case "scheduler": return .object(SchedulerObject(p.scheduler))
        case "config": return .object(ConfigObject(p.config))
        case "components": return .dict(PyDict([("unet", .object(UNetObject(p.unet))), ("scheduler", .object(SchedulerObject(p.scheduler)))]))
        case "device": return .object(DeviceObject.cpu)
        case "dtype": return .object(DTypeObject.for(.float32))
        case "to": return method { a in warnDevice(a, "the pipeline"); return .object(self) }
        case "set_progress_bar_config": return method { a in
            self.progressDisabled = try a.bool(-1, "disable", default: false)
            return .none
        }
        case "save_pretrained": return method { a in
            try bridged { try p.savePretrained(try a.string(0, "save_directory")) }
            return .none
        }
        default: return nil
        }
    }

    func setAttribute(_ name: String, _ value: Value) throws {
        switch (name, value) {
        case ("scheduler", .object(let s as SchedulerObject)): pipeline.scheduler = s.scheduler
        case ("unet", .object(let u as UNetObject)): pipeline.unet = u.model
        case ("scheduler", _), ("unet", _):
            throw PyException.typeError("\(typeName).\(name) must be a \(name == "unet" ? "UNet2DModel" : "scheduler"), not \(value.typeName)")
        default:
            throw PyException.attributeError("'\(typeName)' object has no attribute '\(name)'")
        }
    }

    var attributeNames: [String] { ["components", "config", "device", "dtype", "save_pretrained", "scheduler", "set_progress_bar_config", "to", "unet"] }
}

extension DiffusersModule {
    static func registerPipelines(_ m: PyModule) {
        for name in ["DiffusionPipeline"] + DiffusionPipeline.classNames {
            let t = DiffusersTypes.named(name)
            if name != "DiffusionPipeline" {
                t.constructor = { a in
                    try a.check(maxPositional: 2, keywords: ["unet", "scheduler"])
                    guard case .object(let u as UNetObject) = try a.value(0, "unet") else {
                        throw PyException.typeError("\(name)(): unet must be a UNet2DModel")
                    }
                    guard case .object(let s as SchedulerObject) = try a.value(1, "scheduler") else {
                        throw PyException.typeError("\(name)(): scheduler must be a scheduler")
                    }
                    return .object(PipelineObject(try bridged { try DiffusionPipeline(className: name, unet: u.model, scheduler: s.scheduler) }))
                }
            }
            t.classAttributes["from_pretrained"] = .builtin(BuiltinFunction("from_pretrained", owner: name) { a in
                let id = try a.string(0, "pretrained_model_name_or_path")
                let revision = try a.optional(-1, "revision").flatMap { v -> String? in if case .str(let s) = v { return s }; return nil }
                return .object(PipelineObject(try bridged {
                    try DiffusionPipeline.fromPretrained(id, className: name == "DiffusionPipeline" ? nil : name, revision: revision)
                }))
            })
            m[name] = .object(t)
        }
        // Pipelines diffusers has and dsh does not: a clear message instead of an ImportError.
        for missing in ["StableDiffusionPipeline", "StableDiffusionXLPipeline", "StableDiffusionImg2ImgPipeline",
                        "StableDiffusionInpaintPipeline", "UNet2DConditionModel", "AutoencoderKL"] {
            let t = DiffusersTypes.named(missing)
            let why = "\(missing) is not available in dsh yet: dsh has UNet2DModel, DDPMPipeline and DDIMPipeline (unconditional image generation). Text-to-image needs a CLIP text encoder, UNet2DConditionModel and AutoencoderKL."
            t.constructor = { _ in throw PyException.notImplemented(why) }
            t.classAttributes["from_pretrained"] = .builtin(BuiltinFunction("from_pretrained", owner: missing) { _ in throw PyException.notImplemented(why) })
            m[missing] = .object(t)
        }
    }
}
