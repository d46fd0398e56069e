import Diffusers
import Foundation
import Tensor

/// Runs native work that polls for Ctrl-C; a cancelled model pass becomes `KeyboardInterrupt`.
func interruptible<R>(_ interp: Interpreter, _ body: (@escaping () -> Bool) throws -> R) throws -> R {
    do {
        return try body { [unowned interp] in interp.isInterruptRequested }
    } catch is UNet2DModel.Cancelled {
        throw interp.takeInterrupt()
    } catch {
        throw PyException.from(error)
    }
}

/// Warns once that a GPU request runs on the CPU, as the quicktour's `.to("cuda")` lines do.
func warnDevice(_ a: Arguments, _ what: String) {
    for v in a.positional + a.keywords.map(\.1) {
        if case .str(let s) = v, s.hasPrefix("cuda") || s == "mps" {
            Warnings.once("cuda", "dsh computes on the CPU: \(what).to(\"\(s)\") keeps it there.", interpreter: a.interpreter)
        }
    }
}

/// A folder-or-repo id argument, with the `subfolder` fallback dsh adds: a pipeline folder given
/// where a component is expected (`UNet2DModel.from_pretrained("dsh/tiny-cats-32")`) loads that
/// component's subfolder.
func componentSubfolder(_ id: String, requested: String?, revision: String?, configName: String, component: String) -> String? {
    if let requested { return requested }
    guard let root = try? Hub.resolve(id, revision: revision) else { return nil }
    let fm = FileManager.default
    if fm.fileExists(atPath: (root as NSString).appendingPathComponent(configName)) { return nil }
    if fm.fileExists(atPath: ((root as NSString).appendingPathComponent(component) as NSString).appendingPathComponent(configName)) {
        return component
    }
    return nil
}

/// `diffusers.UNet2DModel`.
final class UNetObject: PyObject {
    let model: UNet2DModel
    init(_ model: UNet2DModel) { self.model = model }

    var typeName: String { "UNet2DModel" }
    var pyType: PyType { DiffusersTypes.unet }
    var isCallable: Bool { true }

    func repr() throws -> String {
        "UNet2DModel(\(model.numParameters().formatted3) parameters; sample_size=\(model.config["sample_size"]?.pythonRepr ?? "None"), in_channels=\(model.config["in_channels"]?.pythonRepr ?? "3"))"
    }

    /// `model(sample, timestep, class_labels=None, return_dict=True)`.
    func call(_ a: Arguments) throws -> Value {
        try a.check(maxPositional: 3, keywords: ["sample", "timestep", "class_labels", "return_dict"])
        let sample = try a.tensor(0, "sample")
        let tv = try a.value(1, "timestep")
        let timestep: UNet2DModel.TimestepInput
        switch tv {
        case .int(let i): timestep = .int(i)
        case .bool(let b): timestep = .int(b ? 1 : 0)
        case .float(let d): timestep = .double(d)
        default:
            guard let t = try tv.asTensor() else {
                throw PyException.typeError("UNet2DModel(): timestep must be a number or a tensor, not \(tv.typeName)")
            }
            timestep = .tensor(t)
        }
        let labels = try a.optionalTensor(2, "class_labels")
        let out = try interruptible(a.interpreter) { stop in
            try model(sample: sample, timestep: timestep, classLabels: labels, shouldStop: stop)
        }
        if try !a.bool(3, "return_dict", default: true) { return .tuple([wrap(out.sample)]) }
        return .object(NamedTupleObject("UNet2DOutput", [("sample", wrap(out.sample))]))
    }

    func getAttribute(_ name: String) throws -> Value? {
        let m = model
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value { .builtin(BuiltinFunction(name, owner: "UNet2DModel", body)) }
        switch name {
        case "config": return .object(ConfigObject(m.config))
        case "dtype": return .object(DTypeObject.for(.float32))
        case "device": return .object(DeviceObject.cpu)
        case "num_parameters": return method { _ in .int(m.numParameters()) }
        case "to", "cuda", "cpu", "half", "float":
            return method { a in warnDevice(a, "the model"); return .object(self) }
        case "eval", "requires_grad_": return method { _ in .object(self) }
        case "save_pretrained": return method { a in
            try bridged { try m.savePretrained(try a.string(0, "save_directory")) }
            return .none
        }
        case "state_dict": return method { _ in .dict(PyDict(m.parameters.map { ($0.0, wrap($0.1)) })) }
        case "forward": return method { a in try self.call(a) }
        default: return nil
        }
    }
    var attributeNames: [String] { ["config", "cpu", "cuda", "device", "dtype", "eval", "forward", "num_parameters", "save_pretrained", "state_dict", "to"] }
}

/// A diffusers scheduler (`DDPMScheduler`, …).
final class SchedulerObject: PyObject {
    let scheduler: any Scheduler
    init(_ scheduler: any Scheduler) { self.scheduler = scheduler }

    var typeName: String { type(of: scheduler).className }
    var pyType: PyType { DiffusersTypes.scheduler(typeName) }
    func repr() throws -> String { scheduler.reprDescription }

    func getAttribute(_ name: String) throws -> Value? {
        let s = scheduler
        let cls = type(of: s).className
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value { .builtin(BuiltinFunction(name, owner: cls, body)) }
        switch name {
        case "config": return .object(ConfigObject(s.config))
        case "timesteps": return wrap(s.timesteps)
        case "sigmas": return s.sigmas.map(wrap) ?? Value.none
        case "init_noise_sigma":
            // diffusers gives a 0-d tensor for the sigma-based discrete schedulers, a float otherwise.
            let tensorValued: Set<String> = ["EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "HeunDiscreteScheduler", "LMSDiscreteScheduler"]
            return tensorValued.contains(cls) ? wrap(Tensor(Float(s.initNoiseSigma))) : .float(s.initNoiseSigma)
        case "order": return .int(s.order)
        case "alphas_cumprod": return wrap(Tensor(s.alphasCumprod))
        case "num_inference_steps": return s.numInferenceSteps.map { Value.int($0) } ?? Value.none
        case "compatibles": return .list(PyList(type(of: s).compatibles.map { .str($0) }))
        case "set_timesteps": return method { a in
            try bridged { try s.setTimesteps(try a.int(0, "num_inference_steps")) }
            return .none
        }
        case "scale_model_input": return method { a in
            let sample = try a.tensor(0, "sample")
            let t = try timestepValue(try a.value(1, "timestep"), a)
            return wrap(try bridged { try s.scaleModelInput(sample, timestep: t) })
        }
        case "step": return method { a in
            try a.check(maxPositional: 4, keywords: ["model_output", "timestep", "sample", "generator", "eta",
                                                    "use_clipped_model_output", "return_dict", "variance_noise"])
            let modelOutput = try a.tensor(0, "model_output")
            let t = try timestepValue(try a.value(1, "timestep"), a)
            let sample = try a.tensor(2, "sample")
            let generator = try a.generator(3)
            let out: SchedulerOutput = try bridged {
                if let ddim = s as? DDIMScheduler, a.keyword("eta") != nil || a.keyword("use_clipped_model_output") != nil || a.keyword("variance_noise") != nil {
                    return try ddim.step(modelOutput: modelOutput, timestep: t, sample: sample, eta: try a.double(-1, "eta", default: 0),
                                         useClippedModelOutput: try a.bool(-1, "use_clipped_model_output", default: false),
                                         generator: generator, varianceNoise: try a.optionalTensor(-1, "variance_noise"))
                }
                return try s.step(modelOutput: modelOutput, timestep: t, sample: sample, generator: generator)
            }
            var fields: [(String, Value)] = [("prev_sample", wrap(out.prevSample))]
            if let p = out.predOriginalSample { fields.append(("pred_original_sample", wrap(p))) }
            if try !a.bool(-1, "return_dict", default: true) { return .tuple(fields.map(\.1)) }
            return .object(NamedTupleObject("\(cls.replacingOccurrences(of: "Scheduler", with: ""))SchedulerOutput", fields))
        }
        case "add_noise": return method { a in
            wrap(try bridged { try s.addNoise(original: try a.tensor(0, "original_samples"), noise: try a.tensor(1, "noise"), timesteps: try a.tensor(2, "timesteps")) })
        }
        case "save_config", "save_pretrained": return method { a in
            try bridged { try s.saveConfig(directory: try a.string(0, "save_directory")) }
            return .none
        }
        default: return nil
        }
    }
    var attributeNames: [String] {
        ["add_noise", "alphas_cumprod", "compatibles", "config", "init_noise_sigma", "num_inference_steps", "order", "save_config",
         "save_pretrained", "scale_model_input", "set_timesteps", "sigmas", "step", "timesteps"]
    }
}

/// A timestep argument: a Python number or a one-element tensor.
func timestepValue(_ v: Value, _ a: Arguments) throws -> Double {
    if let n = v.number { return n.value }
    if case .object(let o) = v, let t = o as? TensorObject, t.tensor.count == 1 {
        return Double(try bridged { try t.tensor.item() })
    }
    throw PyException.typeError("\(a.functionName)(): timestep must be a number or a one-element tensor, not \(v.typeName)")
}

extension Int {
    /// `113673219` → `113.7M`.
    var formatted3: String {
        let d = Double(self)
        if d >= 1e9 { return String(format: "%.1fB", d / 1e9) }
        if d >= 1e6 { return String(format: "%.1fM", d / 1e6) }
        if d >= 1e3 { return String(format: "%.1fK", d / 1e3) }
        return String(self)
    }
}
