import Tensor

/// `torch.Generator`.
final class GeneratorObject: PyObject {
    let generator: Generator
    init(_ generator: Generator) { self.generator = generator }
    var typeName: String { "Generator" }
    func repr() throws -> String { "<torch._C.Generator object at 0x\(String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16))>" }
    func getAttribute(_ name: String) throws -> Value? {
        let g = generator
        switch name {
        case "manual_seed":
            return .builtin(BuiltinFunction("manual_seed", owner: "Generator") { a in
                g.manualSeed(UInt64(bitPattern: Int64(try a.int(0, "seed"))))
                return .object(self)
            })
        case "initial_seed":
            return .builtin(BuiltinFunction("initial_seed", owner: "Generator") { _ in .int(Int(truncatingIfNeeded: g.initialSeed)) })
        case "seed":
            return .builtin(BuiltinFunction("seed", owner: "Generator") { _ in .int(Int(truncatingIfNeeded: g.seed())) })
        case "device": return .object(DeviceObject.cpu)
        default: return nil
        }
    }
    var attributeNames: [String] { ["device", "initial_seed", "manual_seed", "seed"] }
}

/// `torch.no_grad()` / `torch.inference_mode()`: dsh never records gradients, so these are
/// context managers (and decorators) that do nothing.
final class NoGradObject: PyObject {
    let name: String
    init(_ name: String) { self.name = name }
    var typeName: String { name }
    var isContextManager: Bool { true }
    func enter() throws -> Value { .none }
    func exit(_ error: PyException?) throws -> Bool { false }
    var isCallable: Bool { true }
    func call(_ args: Arguments) throws -> Value { args.positional.first ?? .object(self) } // used as a decorator
    func repr() throws -> String { "<torch.autograd.grad_mode.\(name) object>" }
}

/// Builds the `torch` module.
enum TorchModule {
    static func make(defaultGenerator generator: Generator) -> PyModule {
        let torch = PyModule("torch")
        torch["__version__"] = .str("2.15.0")
        torch["Tensor"] = .object(TorchTypes.tensor)
        torch["Size"] = .object({ () -> PyType in
            let t = TorchTypes.size
            t.constructor = { a in .object(TorchSize(try a.shape(from: 0))) }
            return t
        }())
        for d in DType.allCases {
            torch[d.rawValue] = .object(DTypeObject.for(d))
        }
        for (alias, d) in [("float", DType.float32), ("half", .float16), ("double", .float64), ("long", .int64), ("int", .int32)] {
            torch[alias] = .object(DTypeObject.for(d))
        }

        // Random numbers (PyTorch's CPU generator, bit for bit).
        let defaultGenerator = GeneratorObject(generator)
        torch["default_generator"] = .object(defaultGenerator)
        torch.def("manual_seed") { a in
            generator.manualSeed(UInt64(bitPattern: Int64(try a.int(0, "seed"))))
            return .object(defaultGenerator)
        }
        torch.def("seed") { _ in .int(Int(truncatingIfNeeded: generator.seed())) }
        torch.def("initial_seed") { _ in .int(Int(truncatingIfNeeded: generator.initialSeed)) }
        let generatorType = PyType("Generator")
        generatorType.moduleName = "torch"
        generatorType.constructor = { a in
            if let d = try a.optional(0, "device"), case .str(let s) = d, s != "cpu" {
                Warnings.once("cuda", "dsh computes on the CPU: Generator(device=\"\(s)\") is a CPU generator.", interpreter: a.interpreter)
            }
            return .object(GeneratorObject(Generator()))
        }
        torch["Generator"] = .object(generatorType)
        torch.def("randn") { a in wrap(Tensor.randn(try a.newShape(a.shape(from: 0)), generator: try a.generator(), dtype: try a.dtype(-1) ?? .float32)) }
        torch.def("rand") { a in wrap(Tensor.rand(try a.newShape(a.shape(from: 0)), generator: try a.generator(), dtype: try a.dtype(-1) ?? .float32)) }
        torch.def("randn_like") { a in
            let t = try a.tensor(0, "input")
            return wrap(Tensor.randn(t.shape, generator: try a.generator(), dtype: try a.dtype(-1) ?? t.dtype))
        }
        torch.def("rand_like") { a in
            let t = try a.tensor(0, "input")
            return wrap(Tensor.rand(t.shape, generator: try a.generator(), dtype: try a.dtype(-1) ?? t.dtype))
        }
        torch.def("randint") { a in
            // randint(high, size) or randint(low, high, size)
            let p = a.positional
            var low = 0, high: Int, shape: [Int]
            if p.count >= 3 {
                low = try a.intValue(p[0], "low"); high = try a.intValue(p[1], "high"); shape = try a.shapeValue(p[2])
            } else if p.count == 2 {
                high = try a.intValue(p[0], "high"); shape = try a.shapeValue(p[1])
            } else {
                low = try a.int(-1, "low", default: 0); high = try a.int(p.count == 1 ? 0 : -1, "high")
                shape = try a.shapeValue(try a.value(-1, "size"))
            }
            shape = try a.newShape(shape)
            return wrap(try bridged { try Tensor.randint(low: low, high: high, shape, generator: try a.generator(), dtype: try a.dtype(-1) ?? .int64) })
        }

        // Creation
        torch.def("tensor") { a in
            let data = try a.value(0, "data")
            let dtype = try a.dtype(-1)
            if let t = try data.asTensor(dtype: dtype) { return wrap(dtype.map { t.to($0) } ?? t.copied()) }
            throw PyException.typeError("tensor(): could not convert \(data.typeName) to a tensor")
        }
        torch["as_tensor"] = torch["tensor"]
        torch.def("from_numpy") { a in
            guard case .object(let o) = try a.value(0, "ndarray"), let arr = o as? NDArrayObject else {
                throw PyException.typeError("expected np.ndarray (got \(try a.value(0, "ndarray").typeName))")
            }
            return wrap(arr.array.dtype == .float64 ? arr.array.to(.float64) : arr.array)
        }
        for (name, value) in [("zeros", Float(0)), ("ones", 1), ("empty", 0)] {
            torch.def(name) { a in wrap(Tensor.full(try a.newShape(a.shape(from: 0)), value, dtype: try a.dtype(-1) ?? .float32)) }
            torch.def(name + "_like") { a in
                let t = try a.tensor(0, "input")
                return wrap(Tensor.full(t.shape, value, dtype: try a.dtype(-1) ?? t.dtype))
            }
        }
        torch.def("full") { a in
            let fill = try a.value(1, "fill_value")
            let isInt: Bool
            if case .float = fill { isInt = false } else { isInt = true }
            let inferred: DType = { if case .bool = fill { return .bool }; return isInt ? .int64 : .float32 }()
            return wrap(Tensor.full(try a.newShape(a.shapeValue(try a.value(0, "size"))), Float(try a.doubleValue(fill, "fill_value")), dtype: try a.dtype(-1) ?? inferred))
        }
        torch.def("full_like") { a in
            let t = try a.tensor(0, "input")
            return wrap(Tensor.full(t.shape, Float(try a.double(1, "fill_value")), dtype: try a.dtype(-1) ?? t.dtype))
        }
        torch.def("arange") { a in
            let p = a.positional
            var start = 0.0, end: Double, step = 1.0
            var allInts = true
            func num(_ v: Value, _ n: String) throws -> Double {
                if case .float = v { allInts = false }
                return try a.doubleValue(v, n)
            }
            switch p.count {
            case 0: end = try num(try a.value(-1, "end"), "end")
            case 1: end = try num(p[0], "end")
            case 2: start = try num(p[0], "start"); end = try num(p[1], "end")
            default: start = try num(p[0], "start"); end = try num(p[1], "end"); step = try num(p[2], "step")
            }
            let dtype = try a.dtype(-1) ?? (allInts ? .int64 : .float32)
            return wrap(try bridged { try Tensor.arange(start, end, step: step, dtype: dtype) })
        }
        torch.def("linspace") { a in
            wrap(try bridged { try Tensor.linspace(try a.double(0, "start"), try a.double(1, "end"), steps: try a.int(2, "steps"), dtype: try a.dtype(-1) ?? .float32) })
        }
        torch.def("eye") { a in
            let n = try a.int(0, "n"), m = try a.optional(1, "m").map { try a.intValue($0, "m") }
            _ = try a.newShape([n, m ?? n])
            return wrap(Tensor.eye(n, m, dtype: try a.dtype(-1) ?? .float32))
        }

        // Joining and selecting
        func tensorList(_ v: Value, _ fn: String) throws -> [Tensor] {
            let items: [Value]
            switch v {
            case .list(let l): items = l.items
            case .tuple(let t): items = t
            default: throw PyException.typeError("\(fn)(): argument 'tensors' must be tuple of Tensors, not \(v.typeName)")
            }
            return try items.map { item in
                guard let t = try item.asTensor() else { throw PyException.typeError("expected Tensor as element in argument 0, but got \(item.typeName)") }
                return t
            }
        }
        torch.def("cat") { a in wrap(try bridged { try Tensor.cat(try tensorList(try a.value(0, "tensors"), "cat"), dim: try a.int(1, "dim", default: 0)) }) }
        torch["concat"] = torch["cat"]
        torch.def("stack") { a in wrap(try bridged { try Tensor.stack(try tensorList(try a.value(0, "tensors"), "stack"), dim: try a.int(1, "dim", default: 0)) }) }
        torch.def("where") { a in
            wrap(try bridged { try Tensor.where(try a.tensor(0, "condition"), try a.tensor(1, "input"), try a.tensor(2, "other")) })
        }
        torch.def("allclose") { a in
            let x = try a.tensor(0, "input"), y = try a.tensor(1, "other")
            let rtol = Float(try a.double(2, "rtol", default: 1e-5)), atol = Float(try a.double(3, "atol", default: 1e-8))
            let diff = try bridged { (try x - y).abs() }
            let tol = try bridged { try y.abs() * rtol + atol }
            return .bool(try bridged { try Tensor.binary(.le, diff, tol).reduce(.all).item() } != 0)
        }
        torch.def("is_tensor") { a in
            if case .object(let o) = try a.value(0, "obj"), o is TensorObject { return .bool(true) }
            return .bool(false)
        }
        torch.def("numel") { a in .int(try a.tensor(0, "input").count) }

        // Functions that are also tensor methods: torch.f(x, ...) == x.f(...)
        for name in ["sum", "mean", "std", "var", "prod", "min", "max", "amin", "amax", "argmin", "argmax", "all", "any",
                     "cumsum", "cumprod", "clamp", "clip", "pow", "matmul", "maximum", "minimum", "softmax", "flatten",
                     "reshape", "permute", "transpose", "squeeze", "unsqueeze", "chunk", "split", "flip", "norm",
                     "add", "sub", "mul", "div", "lerp", "masked_fill", "narrow"] + UnaryOp.allCases.map(\.rawValue) {
            guard let method = TensorMethods.table[name] else { continue }
            torch.def(name) { a in
                let t = try a.tensor(0, "input")
                var rest = a
                rest.positional = Array(a.positional.dropFirst())
                rest.keywords = a.keywords.filter { $0.0 != "input" }
                return try method(TensorObject(t), t, rest)
            }
        }
        torch.def("bmm") { a in wrap(try bridged { try Tensor.bmm(try a.tensor(0, "input"), try a.tensor(1, "mat2")) }) }

        // Autograd switches and devices
        torch.def("no_grad") { _ in .object(NoGradObject("no_grad")) }
        torch.def("inference_mode") { _ in .object(NoGradObject("inference_mode")) }
        torch.def("enable_grad") { _ in .object(NoGradObject("enable_grad")) }
        torch.def("device") { a in
            let s = try a.string(0, "type")
            if s.hasPrefix("cuda") || s == "mps" {
                Warnings.once("cuda", "dsh computes on the CPU: torch.device(\"\(s)\") means the CPU here.", interpreter: a.interpreter)
            }
            return .object(DeviceObject.cpu)
        }
        torch.def("set_num_threads") { _ in .none }
        torch.def("get_num_threads") { _ in .int(Parallel.threadCount) }
        torch.def("is_floating_point") { a in .bool(try a.tensor(0, "input").dtype.isFloatingPoint) }
        let cuda = PyModule("torch.cuda")
        cuda.def("is_available") { _ in .bool(false) }
        cuda.def("device_count") { _ in .int(0) }
        cuda.def("empty_cache") { _ in .none }
        cuda.def("manual_seed") { _ in .none }
        cuda.def("manual_seed_all") { _ in .none }
        torch["cuda"] = .module(cuda)
        let backends = PyModule("torch.backends")
        let mps = PyModule("torch.backends.mps")
        mps.def("is_available") { _ in .bool(false) }
        backends["mps"] = .module(mps)
        torch["backends"] = .module(backends)

        // torch.nn.functional
        let nn = PyModule("torch.nn")
        let F = PyModule("torch.nn.functional")
        F.def("silu") { a in wrap(try a.tensor(0, "input").unary(.silu)) }
        F.def("gelu") { a in
            let approx = try a.string(1, "approximate", default: "none")
            return wrap(try a.tensor(0, "input").unary(approx == "tanh" ? .geluTanh : .gelu))
        }
        F.def("relu") { a in wrap(try a.tensor(0, "input").unary(.relu)) }
        F.def("sigmoid") { a in wrap(try a.tensor(0, "input").unary(.sigmoid)) }
        F.def("mish") { a in wrap(try a.tensor(0, "input").unary(.mish)) }
        F.def("softmax") { a in wrap(try bridged { try a.tensor(0, "input").softmax(dim: try a.int(1, "dim")) }) }
        F.def("linear") { a in wrap(try bridged { try a.tensor(0, "input").linear(weight: try a.tensor(1, "weight"), bias: try a.optionalTensor(2, "bias")) }) }
        func pair(_ a: Arguments, _ i: Int, _ name: String, _ d: Int) throws -> [Int] {
            guard let v = try a.optional(i, name), !v.isNone else { return [d, d] }
            let s = try a.shapeValue(v)
            return s.count == 1 ? [s[0], s[0]] : s
        }
        F.def("conv2d") { a in
            wrap(try bridged {
                try a.tensor(0, "input").conv2d(weight: try a.tensor(1, "weight"), bias: try a.optionalTensor(2, "bias"),
                                                stride: try pair(a, 3, "stride", 1), padding: try pair(a, 4, "padding", 0),
                                                dilation: try pair(a, 5, "dilation", 1), groups: try a.int(6, "groups", default: 1))
            })
        }
        F.def("group_norm") { a in
            wrap(try bridged {
                try a.tensor(0, "input").groupNorm(groups: try a.int(1, "num_groups"), weight: try a.optionalTensor(2, "weight"),
                                                   bias: try a.optionalTensor(3, "bias"), eps: Float(try a.double(4, "eps", default: 1e-5)))
            })
        }
        F.def("layer_norm") { a in
            wrap(try bridged {
                try a.tensor(0, "input").layerNorm(normalizedShape: try a.shapeValue(try a.value(1, "normalized_shape")),
                                                   weight: try a.optionalTensor(2, "weight"), bias: try a.optionalTensor(3, "bias"),
                                                   eps: Float(try a.double(4, "eps", default: 1e-5)))
            })
        }
        F.def("scaled_dot_product_attention") { a in
            wrap(try bridged {
                try Tensor.scaledDotProductAttention(query: try a.tensor(0, "query"), key: try a.tensor(1, "key"), value: try a.tensor(2, "value"),
                                                     attnMask: try a.optionalTensor(3, "attn_mask"),
                                                     scale: try a.optional(-1, "scale").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "scale")) })
            })
        }
        F.def("interpolate") { a in
            let mode = try a.string(3, "mode", default: "nearest")
            guard let m = InterpolationMode(rawValue: mode) else {
                throw PyException.notImplemented("interpolate: mode '\(mode)' is not supported (dsh has 'nearest' and 'bilinear')")
            }
            let size = try a.optional(1, "size").flatMap { $0.isNone ? nil : try pair(a, 1, "size", 0) }
            let scale = try a.optional(2, "scale_factor").flatMap { v -> [Double]? in
                if v.isNone { return nil }
                if let n = v.number { return [n.value, n.value] }
                if case .tuple(let t) = v { return try t.map { try a.doubleValue($0, "scale_factor") } }
                return nil
            }
            return wrap(try bridged {
                try a.tensor(0, "input").interpolate(size: size, scaleFactor: scale, mode: m, alignCorners: try a.bool(4, "align_corners", default: false))
            })
        }
        F.def("pad") { a in
            let mode = try a.string(2, "mode", default: "constant")
            guard mode == "constant" else { throw PyException.notImplemented("pad: mode '\(mode)' is not supported (dsh has 'constant')") }
            return wrap(try bridged { try a.tensor(0, "input").pad(try a.shapeValue(try a.value(1, "pad")), value: Float(try a.double(3, "value", default: 0))) })
        }
        F.def("avg_pool2d") { a in
            wrap(try bridged { try a.tensor(0, "input").avgPool2d(kernel: try a.int(1, "kernel_size"), stride: try a.optional(2, "stride").flatMap { $0.isNone ? nil : try a.intValue($0, "stride") }) })
        }
        F.def("mse_loss") { a in
            wrap(try bridged { try (try a.tensor(0, "input") - (try a.tensor(1, "target"))).unary(.square).mean() })
        }
        nn["functional"] = .module(F)
        torch["nn"] = .module(nn)
        return torch
    }
}
