import Diffusers
import Tensor

/// Type objects of the diffusers classes, so `isinstance` and `type(x)` work.
enum DiffusersTypes {
    nonisolated(unsafe) private static var types: [String: PyType] = [:]
    static func named(_ name: String) -> PyType {
        if let t = types[name] { return t }
        let t = PyType(name)
        t.moduleName = "diffusers"
        types[name] = t
        return t
    }
    static var unet: PyType { named("UNet2DModel") }
    static func scheduler(_ name: String) -> PyType { named(name) }
}

/// Builds the `diffusers` module: models, schedulers, pipelines, utils.
enum DiffusersModule {
    static func make(_ interp: Interpreter) -> PyModule {
        let m = PyModule("diffusers")
        m["__version__"] = .str(Config.diffusersVersion)

        // UNet2DModel
        let unet = DiffusersTypes.unet
        unet.constructor = { a in
            try a.check(maxPositional: 0, keywords: UNet2DModel.schema.parameterNames)
            return .object(UNetObject(try bridged { try UNet2DModel.randomlyInitialized(try configArguments(a)) }))
        }
        unet.classAttributes["from_pretrained"] = .builtin(BuiltinFunction("from_pretrained", owner: "UNet2DModel") { a in
            try a.check(maxPositional: 1, keywords: ["pretrained_model_name_or_path", "subfolder", "revision", "variant", "torch_dtype",
                                                    "use_safetensors", "cache_dir", "local_files_only", "low_cpu_mem_usage"])
            let id = try a.string(0, "pretrained_model_name_or_path")
            let revision = try a.optional(-1, "revision").flatMap { v -> String? in if case .str(let s) = v { return s }; return nil }
            let requested = try a.optional(-1, "subfolder").flatMap { v -> String? in if case .str(let s) = v { return s }; return nil }
            let variant = try a.optional(-1, "variant").flatMap { v -> String? in if case .str(let s) = v { return s }; return nil }
            if let useSafetensors = a.keyword("use_safetensors"), case .bool(false) = useSafetensors {
                throw PyException.valueError("dsh reads safetensors weights only (use_safetensors=False is not supported)")
            }
            let sub = componentSubfolder(id, requested: requested, revision: revision, configName: "config.json", component: "unet")
            return .object(UNetObject(try bridged { try UNet2DModel.fromPretrained(id, subfolder: sub, revision: revision, variant: variant) }))
        })
        unet.classAttributes["from_config"] = .builtin(BuiltinFunction("from_config", owner: "UNet2DModel") { a in
            guard case .object(let o) = try a.value(0, "config"), let c = o as? ConfigObject else {
                throw PyException.typeError("UNet2DModel.from_config(): config must be a model config (model.config)")
            }
            let args = c.config.entries.filter { !$0.0.hasPrefix("_") } + (try configArguments(a, excluding: ["config"]))
            return .object(UNetObject(try bridged { try UNet2DModel.randomlyInitialized(args) }))
        })
        m["UNet2DModel"] = .object(unet)

        // Schedulers
        for schedulerType in SchedulerRegistry.types {
            let name = schedulerType.className
            let t = DiffusersTypes.scheduler(name)
            t.constructor = { a in
                try a.check(maxPositional: 0, keywords: schedulerType.schema.parameterNames)
                return .object(SchedulerObject(try bridged { try schedulerType.make(try configArguments(a)) }))
            }
            t.classAttributes["from_config"] = .builtin(BuiltinFunction("from_config", owner: name) { a in
                let source = try a.value(0, "config")
                let overrides = try configArguments(a, excluding: ["config", "return_unused_kwargs"])
                let config: Config
                switch source {
                case .object(let o as ConfigObject): config = o.config
                case .object(let o as SchedulerObject): config = o.scheduler.config
                case .dict(let d):
                    config = Config(entries: try d.entries.map { e in
                        guard case .str(let k) = e.key else { throw PyException.typeError("from_config(): config keys must be strings") }
                        return (k, try jsonValue(e.value, k))
                    })
                case .str(let id):
                    // diffusers (deprecated, but the Japanese quicktour does it): a repo id or folder.
                    let sub = componentSubfolder(id, requested: nil, revision: nil, configName: "scheduler_config.json", component: "scheduler")
                    let (s, warning) = try bridged { try schedulerType.fromPretrained(id, subfolder: sub, overrides: overrides) }
                    if let warning { a.interpreter.stderr(warning + "\n") }
                    return .object(SchedulerObject(s))
                default:
                    throw PyException.typeError("\(name).from_config(): config must be a config (scheduler.config), a dict or a path, not \(source.typeName)")
                }
                let (s, warning) = try bridged { try schedulerType.fromConfig(config, overrides: overrides) }
                if let warning { a.interpreter.stderr(warning + "\n") }
                return .object(SchedulerObject(s))
            })
            t.classAttributes["from_pretrained"] = .builtin(BuiltinFunction("from_pretrained", owner: name) { a in
                let id = try a.string(0, "pretrained_model_name_or_path")
                let revision = try a.optional(-1, "revision").flatMap { v -> String? in if case .str(let s) = v { return s }; return nil }
                let requested = try a.optional(-1, "subfolder").flatMap { v -> String? in if case .str(let s) = v { return s }; return nil }
                let sub = componentSubfolder(id, requested: requested, revision: revision, configName: "scheduler_config.json", component: "scheduler")
                let overrides = try configArguments(a, excluding: ["pretrained_model_name_or_path", "subfolder", "revision", "cache_dir", "local_files_only"])
                let (s, warning) = try bridged { try schedulerType.fromPretrained(id, subfolder: sub, revision: revision, overrides: overrides) }
                if let warning { a.interpreter.stderr(warning + "\n") }
                return .object(SchedulerObject(s))
            })
            t.classAttributes["compatibles"] = .list(PyList(schedulerType.compatibles.map { .str($0) }))
            m[name] = .object(t)
        }

        registerPipelines(m)

        // diffusers.utils
        let utils = PyModule("diffusers.utils")
        utils.def("make_image_grid") { a in
            let images: [Value]
            switch try a.value(0, "images") {
            case .list(let l): images = l.items
            case .tuple(let t): images = t
            default: throw PyException.typeError("make_image_grid(): images must be a list of PIL images")
            }
            let resize = try a.optional(3, "resize").flatMap { $0.isNone ? nil : try a.intValue($0, "resize") }
            return try makeImageGrid(images, rows: try a.int(1, "rows"), cols: try a.int(2, "cols"), resize: resize)
        }
        utils.def("numpy_to_pil") { a in try numpyToPIL(try a.value(0, "images")) }
        utils.def("pt_to_pil") { a in try ptToPIL(try a.value(0, "images")) }
        m["utils"] = .module(utils)
        return m
    }
}
