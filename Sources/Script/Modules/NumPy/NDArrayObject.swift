import Tensor

/// A `numpy.ndarray` in Python. dsh's arrays share the tensor engine: an array is a `Tensor`
/// presented with numpy's names, dtypes (`float64` by default for Python floats) and repr.
final class NDArrayObject: PyObject {
    var array: Tensor
    init(_ array: Tensor) { self.array = array }

    var typeName: String { "ndarray" }
    var pyType: PyType { NumPyModule.ndarrayType }
    func repr() throws -> String { array.numpyDescription() }
    func str() throws -> String { array.numpyString() }

    func length() throws -> Int? {
        guard array.rank > 0 else { throw PyException.typeError("len() of unsized object") }
        return array.shape[0]
    }
    func truthy() throws -> Bool {
        guard array.count == 1 else {
            throw PyException.valueError("The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()")
        }
        return try bridged { try array.item() } != 0
    }
    func toDouble() throws -> Double? {
        guard array.count == 1 else { throw PyException.typeError("only length-1 arrays can be converted to Python scalars") }
        return Double(try bridged { try array.item() })
    }
    func toInt() throws -> Int? {
        guard array.count == 1, array.dtype.isIntegral else { return nil }
        return Int(try bridged { try array.item() })
    }
    func makeIterator() throws -> PyIterator? {
        guard array.rank > 0 else { throw PyException.typeError("iteration over a 0-d array") }
        let a = array
        var i = 0
        return PyIterator("iterator") {
            guard i < a.shape[0] else { return nil }
            defer { i += 1 }
            return NDArrayObject.element(try bridged { try a.indexed([.int(i)]) })
        }
    }

    /// numpy returns scalars (not 0-d arrays) when indexing down to one element.
    static func element(_ t: Tensor) -> Value {
        if t.rank == 0, let v = try? t.item() { return scalarValue(v, t.dtype) }
        return .object(NDArrayObject(t))
    }

    func getItem(_ key: Value) throws -> Value {
        NDArrayObject.element(try bridged { try array.indexed(try TensorObject.indices(key)) })
    }
    func setItem(_ key: Value, _ value: Value) throws {
        guard let v = try value.asTensor() else { throw PyException.typeError("could not assign \(value.typeName) to an array") }
        try bridged { try array.assign(v, at: try TensorObject.indices(key)) }
    }

    func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value? {
        // Reuse the tensor operators, then present the result as an array. Python floats with
        // integer arrays give float64 in numpy.
        let asTensor = TensorObject(array)
        guard let r = try asTensor.binaryOp(op, other, reflected: reflected),
              case .object(let o) = r, let t = o as? TensorObject else { return nil }
        var out = t.tensor
        if out.dtype == .float32, array.dtype != .float32, case .float = other { out = out.to(.float64) }
        if array.dtype == .float64 && out.dtype == .float32 { out = out.to(.float64) }
        return .object(NDArrayObject(out))
    }
    func unaryOp(_ op: UnaryOperator) throws -> Value? {
        guard let r = try TensorObject(array).unaryOp(op), case .object(let o) = r, let t = o as? TensorObject else { return nil }
        return .object(NDArrayObject(t.tensor))
    }
    func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        guard let r = try TensorObject(array).compare(op, other), case .object(let o) = r, let t = o as? TensorObject else { return nil }
        return .object(NDArrayObject(t.tensor))
    }

    func getAttribute(_ name: String) throws -> Value? {
        let a = array
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value {
            .builtin(BuiltinFunction(name, owner: "ndarray", body))
        }
        switch name {
        case "shape": return .tuple(a.shape.map { .int($0) })
        case "dtype": return .object(NumPyDType.for(a.dtype))
        case "ndim": return .int(a.rank)
        case "size": return .int(a.count)
        case "T": return .object(NDArrayObject(try bridged { try a.permute(Array((0..<a.rank).reversed())) }))
        case "itemsize": return .int(a.dtype.itemSize)
        case "nbytes": return .int(a.dtype.itemSize * a.count)
        case "astype": return method { args in .object(NDArrayObject(a.to(try NumPyModule.dtype(try args.value(0, "dtype"), args)))) }
        case "copy": return method { _ in .object(NDArrayObject(a.copied())) }
        case "tolist": return method { _ in toList(a) }
        case "item": return method { _ in scalarValue(try bridged { try a.item() }, a.dtype) }
        case "reshape": return method { args in .object(NDArrayObject(try bridged { try a.reshape(try args.shape(from: 0, keyword: "shape")) })) }
        case "transpose": return method { args in
            let axes = args.positional.isEmpty ? Array((0..<a.rank).reversed()) : try args.shape(from: 0, keyword: "axes")
            return .object(NDArrayObject(try bridged { try a.permute(axes) }))
        }
        case "squeeze": return method { args in .object(NDArrayObject(try bridged { try a.squeeze(try args.optional(0, "axis").flatMap { $0.isNone ? nil : try args.intValue($0, "axis") }) })) }
        case "flatten", "ravel": return method { _ in .object(NDArrayObject(try bridged { try a.reshape([-1]) })) }
        case "clip": return method { args in
            let lo = try args.optional(0, "a_min").flatMap { $0.isNone ? nil : Float(try args.doubleValue($0, "a_min")) }
            let hi = try args.optional(1, "a_max").flatMap { $0.isNone ? nil : Float(try args.doubleValue($0, "a_max")) }
            return .object(NDArrayObject(a.clamp(min: lo, max: hi)))
        }
        case "sum", "mean", "min", "max", "argmax", "argmin", "prod", "all", "any":
            return method { args in
                let op = ReductionOp(rawValue: name) ?? .sum
                let dims = try args.dims(0, "axis")
                var r = try bridged { try a.reduce(op, dims: dims, keepdim: try args.bool(-1, "keepdims", default: false)) }
                if (op == .sum || op == .mean) && a.dtype == .float32 { r = r.to(.float32) }
                return NDArrayObject.element(r)
            }
        case "std", "var":
            return method { args in
                let ddof = try args.int(-1, "ddof", default: 0)
                let dims = try args.dims(0, "axis")
                let r = try bridged { name == "std" ? try a.std(dims: dims, correction: ddof) : try a.variance(dims: dims, correction: ddof) }
                return NDArrayObject.element(r)
            }
        default: return nil
        }
    }
    var attributeNames: [String] {
        ["T", "all", "any", "argmax", "argmin", "astype", "clip", "copy", "dtype", "flatten", "item", "max", "mean", "min",
         "nbytes", "ndim", "prod", "ravel", "reshape", "shape", "size", "squeeze", "std", "sum", "tolist", "transpose", "var"]
    }
}

/// `np.dtype('uint8')` objects (`arr.dtype`), which compare equal to `np.uint8` and to strings.
final class NumPyDType: PyObject {
    let dtype: DType
    private init(_ d: DType) { dtype = d }
    nonisolated(unsafe) private static var cache: [DType: NumPyDType] = [:]
    static func `for`(_ d: DType) -> NumPyDType {
        if let o = cache[d] { return o }
        let o = NumPyDType(d); cache[d] = o; return o
    }
    var typeName: String { "dtype" }
    var name: String { dtype == .bool ? "bool" : dtype.rawValue }
    func repr() throws -> String { "dtype('\(name)')" }
    func str() throws -> String { name }
    func getAttribute(_ attr: String) throws -> Value? {
        switch attr {
        case "name": return .str(name)
        case "itemsize": return .int(dtype.itemSize)
        default: return nil
        }
    }
    func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        guard op == .eq || op == .ne else { return nil }
        var same = false
        switch other {
        case .str(let s): same = s == name
        case .object(let o):
            if let d = o as? NumPyDType { same = d.dtype == dtype }
            if let t = o as? PyType, let d = DTypeObject.numpyTypes[t.name] { same = d == dtype }
        default: break
        }
        return .bool(op == .eq ? same : !same)
    }
}

/// Builds the `numpy` module (the parts diffusion code uses).
enum NumPyModule {
    static let ndarrayType: PyType = {
        let t = PyType("ndarray")
        t.moduleName = "numpy"
        return t
    }()

    static func dtype(_ v: Value, _ a: Arguments) throws -> DType {
        if case .object(let o) = v, let d = o as? NumPyDType { return d.dtype }
        if case .object(let o) = v, let t = o as? PyType, t.name == "float" { return .float64 }
        if case .object(let o) = v, let t = o as? PyType, t.name == "int" { return .int64 }
        if case .object(let o) = v, let t = o as? PyType, t.name == "bool" { return .bool }
        return try a.dtypeValue(v)
    }

    static func make() -> PyModule {
        let np = PyModule("numpy")
        np["__version__"] = .str("2.4.6")
        np["ndarray"] = .object(ndarrayType)
        for (name, d) in [("uint8", DType.uint8), ("int32", .int32), ("int64", .int64), ("float16", .float16),
                          ("float32", .float32), ("float64", .float64), ("bool_", .bool)] {
            let t = PyType(name)
            t.moduleName = "numpy"
            t.constructor = { a in
                let v = try a.value(0, "x")
                if let arr = try v.asTensor() { return NDArrayObject.element(arr.to(d)) }
                throw PyException.typeError("\(name)() argument must be a number")
            }
            np[name] = .object(t)
        }
        np["pi"] = .float(Double.pi)
        np["e"] = .float(M_E_VALUE)
        np["inf"] = .float(.infinity)
        np["nan"] = .float(.nan)

        func arrayFrom(_ v: Value, _ a: Arguments) throws -> Tensor {
            if let pixels = imageArray(v) { return pixels }
                        let d = try a.optional(-1, "dtype").map { try dtype($0, a) }
            guard var t = try v.asTensor(dtype: nil) else { throw PyException.typeError("could not convert \(v.typeName) to an array") }
            // Python floats make float64 arrays in numpy.
            if case .object = v {} else if t.dtype == .float32 { t = t.to(.float64) }
            if let d { t = t.to(d) }
            return t
        }
        np.def("array") { a in .object(NDArrayObject(try arrayFrom(try a.value(0, "object"), a).copied())) }
        np.def("asarray") { a in .object(NDArrayObject(try arrayFrom(try a.value(0, "a"), a))) }
        for (name, value) in [("zeros", Float(0)), ("ones", 1), ("empty", 0)] {
            np.def(name) { a in
                .object(NDArrayObject(Tensor.full(try a.newShape(a.shapeValue(try a.value(0, "shape")), numpy: true), value, dtype: try a.optional(1, "dtype").map { try dtype($0, a) } ?? .float64)))
            }
        }
        np.def("clip") { a in
            let t = try arrayFrom(try a.value(0, "a"), a)
            let lo = try a.optional(1, "a_min").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "a_min")) }
            let hi = try a.optional(2, "a_max").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "a_max")) }
            return .object(NDArrayObject(t.clamp(min: lo, max: hi)))
        }
        np.def("concatenate") { a in
            let items: [Value]
            switch try a.value(0, "arrays") { case .list(let l): items = l.items; case .tuple(let t): items = t; default: items = [] }
            return .object(NDArrayObject(try bridged { try Tensor.cat(try items.map { try arrayFrom($0, a) }, dim: try a.int(1, "axis", default: 0)) }))
        }
        np.def("stack") { a in
            let items: [Value]
            switch try a.value(0, "arrays") { case .list(let l): items = l.items; case .tuple(let t): items = t; default: items = [] }
            return .object(NDArrayObject(try bridged { try Tensor.stack(try items.map { try arrayFrom($0, a) }, dim: try a.int(1, "axis", default: 0)) }))
        }
        np.def("transpose") { a in
            let t = try arrayFrom(try a.value(0, "a"), a)
            let axes = try a.optional(1, "axes").flatMap { $0.isNone ? nil : try a.shapeValue($0) } ?? Array((0..<t.rank).reversed())
            return .object(NDArrayObject(try bridged { try t.permute(axes) }))
        }
        np.def("abs") { a in .object(NDArrayObject(try arrayFrom(try a.value(0, "x"), a).unary(.abs))) }
        np.def("sqrt") { a in .object(NDArrayObject(try arrayFrom(try a.value(0, "x"), a).unary(.sqrt))) }
        np.def("exp") { a in .object(NDArrayObject(try arrayFrom(try a.value(0, "x"), a).unary(.exp))) }
        np.def("round") { a in .object(NDArrayObject(try arrayFrom(try a.value(0, "a"), a).unary(.round))) }
        for name in ["mean", "sum", "min", "max", "std"] {
            np.def(name) { a in
                let t = try arrayFrom(try a.value(0, "a"), a)
                guard case .builtin(let f)? = try NDArrayObject(t).getAttribute(name) else { return .none }
                var rest = a
                rest.positional = Array(a.positional.dropFirst())
                return try f.body(rest)
            }
        }
        np.def("allclose") { a in
            let x = try arrayFrom(try a.value(0, "a"), a), y = try arrayFrom(try a.value(1, "b"), a)
            let rtol = Float(try a.double(2, "rtol", default: 1e-5)), atol = Float(try a.double(3, "atol", default: 1e-8))
            return .bool(try bridged { try Tensor.binary(.le, (try x - y).abs(), try y.abs() * rtol + atol).reduce(.all).item() } != 0)
        }
        return np
    }
}

private let M_E_VALUE = 2.718281828459045
