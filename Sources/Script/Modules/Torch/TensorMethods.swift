import Tensor

/// The methods of `torch.Tensor`, by Python name. Each takes the receiver object, its tensor and
/// the call's arguments. Bodies only unpack arguments and call the `Tensor` library.
enum TensorMethods {
    typealias Method = (TensorObject, Tensor, Arguments) throws -> Value

    static let table: [String: Method] = {
        var m: [String: Method] = [:]

        // Introspection
        m["size"] = { _, t, a in
            if let d = try a.dims(0) { return .int(t.shape[try bridged { try t.normalizedDim(d[0], op: "size") }]) }
            return .object(TorchSize(t.shape))
        }
        m["dim"] = { _, t, _ in .int(t.rank) }
        m["ndimension"] = m["dim"]
        m["numel"] = { _, t, _ in .int(t.count) }
        m["nelement"] = m["numel"]
        m["element_size"] = { _, t, _ in .int(t.dtype.itemSize) }
        m["item"] = { _, t, _ in
            let v = try bridged { try t.item() }
            return scalarValue(v, t.dtype)
        }
        m["tolist"] = { _, t, _ in toList(t) }
        m["is_contiguous"] = { _, t, _ in .bool(t.isContiguous) }
        m["is_floating_point"] = { _, t, _ in .bool(t.dtype.isFloatingPoint) }
        m["type"] = { _, t, a in
            if let d = try a.dtype(0) { return wrap(t.to(d)) }
            return .str(legacyTypeName(t.dtype))
        }

        // Devices and dtypes
        m["cpu"] = { me, _, _ in .object(me) }
        m["cuda"] = { me, _, a in
            Warnings.once("cuda", "dsh computes on the CPU: .cuda() leaves the tensor where it is.", interpreter: a.interpreter)
            return .object(me)
        }
        m["to"] = { me, t, a in
            var dtype: DType? = try a.dtype(-1)
            for v in a.positional {
                switch v {
                case .str(let s):
                    if s.hasPrefix("cuda") || s == "mps" {
                        Warnings.once("cuda", "dsh computes on the CPU: .to(\"\(s)\") leaves the tensor where it is.", interpreter: a.interpreter)
                    } else if s != "cpu" { throw PyException.runtimeError("Expected one of cpu, cuda, mps device type at start of device string: \(s)") }
                case .object(let o) where o is DTypeObject: dtype = try a.dtypeValue(v)
                case .object(let o) where o is DeviceObject: break
                case .object(let o) where o is TensorObject: dtype = (o as? TensorObject)?.tensor.dtype
                default: break
                }
            }
            if let d = a.keyword("device"), case .str(let s) = d, s.hasPrefix("cuda") {
                Warnings.once("cuda", "dsh computes on the CPU: .to(device=\"\(s)\") leaves the tensor where it is.", interpreter: a.interpreter)
            }
            guard let dtype, dtype != t.dtype else { return .object(me) }
            return wrap(t.to(dtype))
        }
        for (name, d) in [("float", DType.float32), ("half", .float16), ("bfloat16", .bfloat16), ("double", .float64),
                          ("long", .int64), ("int", .int32), ("bool", .bool), ("byte", .uint8)] {
            m[name] = { _, t, _ in wrap(t.to(d)) }
        }
        m["numpy"] = { _, t, _ in .object(NDArrayObject(t.contiguous())) }
        m["clone"] = { _, t, _ in wrap(t.copied()) }
        m["detach"] = { me, _, _ in .object(me) }
        m["contiguous"] = { _, t, _ in wrap(t.contiguous()) }
        m["requires_grad_"] = { me, _, _ in .object(me) }

        // Shapes
        m["view"] = { _, t, a in
            if let d = try? a.dtype(0) { _ = d; throw PyException.notImplemented("view(dtype) is not supported; use .to(dtype)") }
            return wrap(try bridged { try t.view(try a.shape(from: 0)) })
        }
        m["reshape"] = { _, t, a in wrap(try bridged { try t.reshape(try a.shape(from: 0, keyword: "shape")) }) }
        m["view_as"] = { _, t, a in wrap(try bridged { try t.view(try a.tensor(0, "other").shape) }) }
        m["reshape_as"] = { _, t, a in wrap(try bridged { try t.reshape(try a.tensor(0, "other").shape) }) }
        m["permute"] = { _, t, a in wrap(try bridged { try t.permute(try a.shape(from: 0, keyword: "dims")) }) }
        m["transpose"] = { _, t, a in wrap(try bridged { try t.transpose(try a.int(0, "dim0"), try a.int(1, "dim1")) }) }
        m["t"] = { _, t, _ in wrap(try bridged { try t.t() }) }
        m["squeeze"] = { _, t, a in wrap(try bridged { try t.squeeze(try a.optional(0, "dim").map { try a.intValue($0, "dim") }) }) }
        m["unsqueeze"] = { _, t, a in wrap(try bridged { try t.unsqueeze(try a.int(0, "dim")) }) }
        m["flatten"] = { _, t, a in
            wrap(try bridged { try t.flatten(try a.int(0, "start_dim", default: 0), try a.int(1, "end_dim", default: -1)) })
        }
        m["expand"] = { _, t, a in wrap(try bridged { try t.expand(to: try a.shape(from: 0)) }) }
        m["expand_as"] = { _, t, a in wrap(try bridged { try t.expand(to: try a.tensor(0, "other").shape) }) }
        m["repeat"] = { _, t, a in wrap(try bridged { try t.repeated(try a.shape(from: 0, keyword: "repeats")) }) }
        m["flip"] = { _, t, a in wrap(try bridged { try t.flip(try a.shape(from: 0, keyword: "dims")) }) }
        m["narrow"] = { _, t, a in
            wrap(try bridged { try t.narrow(try a.int(0, "dim"), start: try a.int(1, "start"), length: try a.int(2, "length")) })
        }
        m["chunk"] = { _, t, a in
            .tuple(try bridged { try t.chunk(try a.int(0, "chunks"), dim: try a.int(1, "dim", default: 0)) }.map(wrap))
        }
        m["split"] = { _, t, a in
            let dim = try a.int(1, "dim", default: 0)
            let s = try a.value(0, "split_size")
            if case .int(let n) = s { return .tuple(try bridged { try t.split(n, dim: dim) }.map(wrap)) }
            return .tuple(try bridged { try t.split(sizes: try a.shapeValue(s), dim: dim) }.map(wrap))
        }

        // Reductions
        func reduction(_ op: ReductionOp) -> Method {
            { _, t, a in
                let keep = try a.bool(1, "keepdim", default: false)
                let dims = try a.dims(0)
                let r = try bridged { try t.reduce(op, dims: dims, keepdim: keep) }
                if (op == .max || op == .min), let dims, dims.count == 1 {
                    // torch.max(x, dim) returns (values, indices)
                    let idx = try bridged { try t.reduce(op == .max ? .argmax : .argmin, dims: dims, keepdim: keep) }
                    return .object(NamedTupleObject("torch.return_types.\(op.rawValue)", [("values", wrap(r)), ("indices", wrap(idx))]))
                }
                return wrap(r)
            }
        }
        for op in [ReductionOp.sum, .mean, .prod, .min, .max, .amin, .amax, .argmin, .argmax, .all, .any] {
            m[op.rawValue] = reduction(op)
        }
        m["var"] = { _, t, a in
            let correction = try a.bool(1, "unbiased", default: true) ? 1 : 0
            return wrap(try bridged { try t.variance(dims: try a.dims(0), correction: try a.int(-1, "correction", default: correction), keepdim: try a.bool(2, "keepdim", default: false)) })
        }
        m["std"] = { _, t, a in
            let correction = try a.bool(1, "unbiased", default: true) ? 1 : 0
            return wrap(try bridged { try t.std(dims: try a.dims(0), correction: try a.int(-1, "correction", default: correction), keepdim: try a.bool(2, "keepdim", default: false)) })
        }
        m["cumsum"] = { _, t, a in wrap(try bridged { try t.cumulative(false, dim: try a.int(0, "dim")) }) }
        m["cumprod"] = { _, t, a in wrap(try bridged { try t.cumulative(true, dim: try a.int(0, "dim")) }) }
        m["norm"] = { _, t, a in
            let p = try a.double(0, "p", default: 2)
            let dims = try a.dims(1)
            return wrap(try bridged {
                try t.abs().pow(Float(p)).sum(dims: dims, keepdim: try a.bool(2, "keepdim", default: false)).pow(Float(1 / p))
            })
        }

        // Elementwise
        for op in UnaryOp.allCases {
            m[op.rawValue] = { _, t, _ in wrap(t.unary(op)) }
        }
        m["clamp"] = { _, t, a in
            let lo = try a.optional(0, "min").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "min")) }
            let hi = try a.optional(1, "max").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "max")) }
            return wrap(t.clamp(min: lo, max: hi))
        }
        m["clip"] = m["clamp"]
        m["pow"] = { me, t, a in try binary(me, .pow, a) }
        for (name, op) in [("add", BinaryOperator.add), ("sub", .sub), ("mul", .mul), ("div", .div), ("matmul", .matMul),
                           ("floor_divide", .floorDiv), ("remainder", .mod)] {
            m[name] = { me, _, a in try binary(me, op, a) }
        }
        m["subtract"] = m["sub"]; m["multiply"] = m["mul"]; m["divide"] = m["div"]; m["true_divide"] = m["div"]
        for (name, op) in [("eq", CompareOperator.eq), ("ne", .ne), ("lt", .lt), ("le", .le), ("gt", .gt), ("ge", .ge)] {
            m[name] = { me, _, a in
                guard let r = try me.compare(op, try a.value(0, "other")) else { throw PyException.typeError("\(name)(): argument 'other' must be Tensor or Number") }
                return r
            }
        }
        m["maximum"] = { _, t, a in wrap(try bridged { try Tensor.binary(.maximum, t, try a.tensor(0, "other")) }) }
        m["minimum"] = { _, t, a in wrap(try bridged { try Tensor.binary(.minimum, t, try a.tensor(0, "other")) }) }
        m["softmax"] = { _, t, a in wrap(try bridged { try t.softmax(dim: try a.int(0, "dim")) }) }
        m["lerp"] = { _, t, a in
            let end = try a.tensor(0, "end"), w = try a.tensor(1, "weight")
            return wrap(try bridged { try t + (try w * (try end - t)) })
        }
        m["masked_fill"] = { _, t, a in
            let mask = try a.tensor(0, "mask")
            let v = try a.tensor(1, "value")
            return wrap(try bridged { try Tensor.where(mask, v.to(t.dtype), t) })
        }

        // In place
        m["copy_"] = { me, t, a in try bridged { try t.copy_(from: try a.tensor(0, "src")) }; return .object(me) }
        m["fill_"] = { me, t, a in t.fill_(Float(try a.double(0, "value"))); return .object(me) }
        m["zero_"] = { me, t, _ in t.zero_(); return .object(me) }
        m["clamp_"] = { me, t, a in
            let lo = try a.optional(0, "min").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "min")) }
            let hi = try a.optional(1, "max").flatMap { $0.isNone ? nil : Float(try a.doubleValue($0, "max")) }
            try bridged { try t.clamp_(min: lo, max: hi) }
            return .object(me)
        }
        for name in ["add_", "sub_", "mul_", "div_"] {
            m[name] = { me, t, a in
                let other = try a.value(0, "other")
                try bridged {
                    if let (n, isInt) = other.number {
                        switch name {
                        case "add_": try t.add_(n * (try a.double(1, "alpha", default: 1)), isInteger: isInt)
                        case "sub_": try t.sub_(n * (try a.double(1, "alpha", default: 1)), isInteger: isInt)
                        case "mul_": try t.mul_(n, isInteger: isInt)
                        default: try t.div_(n, isInteger: isInt)
                        }
                    } else {
                        let o = try a.tensor(0, "other")
                        switch name {
                        case "add_": try t.add_(o, alpha: Float(try a.double(1, "alpha", default: 1)))
                        case "sub_": try t.sub_(o, alpha: Float(try a.double(1, "alpha", default: 1)))
                        case "mul_": try t.mul_(o)
                        default: try t.div_(o)
                        }
                    }
                }
                return .object(me)
            }
        }
        m["normal_"] = { me, _, a in
            let mean = try a.double(0, "mean", default: 0), std = try a.double(1, "std", default: 1), g = try a.generator()
            try bridged { try me.tensor.normal_(mean: mean, std: std, generator: g) }
            return .object(me)
        }
        m["uniform_"] = { me, _, a in
            let lo = try a.double(0, "from", default: 0), hi = try a.double(1, "to", default: 1), g = try a.generator()
            try bridged { try me.tensor.uniform_(from: lo, to: hi, generator: g) }
            return .object(me)
        }
        return m
    }()

    static func binary(_ me: TensorObject, _ op: BinaryOperator, _ a: Arguments) throws -> Value {
        let other = try a.value(0, "other")
        var o = other
        if let alphaValue = a.keyword("alpha"), op == .add || op == .sub, let t = try other.asTensor() {
            o = wrap(try bridged { try t * Float(try a.doubleValue(alphaValue, "alpha")) })
        }
        guard let r = try me.binaryOp(op, o, reflected: false) else {
            throw PyException.typeError("\(a.functionName)(): argument 'other' must be Tensor or Number, not \(other.typeName)")
        }
        return r
    }
}

/// A Python number for a tensor element of `dtype`.
func scalarValue(_ v: Float, _ dtype: DType) -> Value {
    switch dtype {
    case .bool: return .bool(v != 0)
    case .uint8, .int32, .int64: return .int(Int(v))
    default: return .float(Double(v))
    }
}

/// `t.tolist()`: nested lists of Python numbers.
func toList(_ t: Tensor) -> Value {
    let values = t.scalars
    if t.rank == 0 { return scalarValue(values.first ?? 0, t.dtype) }
    func build(_ dim: Int, _ offset: Int) -> Value {
        let stride = t.shape[(dim + 1)...].reduce(1, *)
        if dim == t.rank - 1 {
            return .list(PyList((0..<t.shape[dim]).map { scalarValue(values[offset + $0], t.dtype) }))
        }
        return .list(PyList((0..<t.shape[dim]).map { build(dim + 1, offset + $0 * stride) }))
    }
    return build(0, 0)
}

func legacyTypeName(_ d: DType) -> String {
    switch d {
    case .float32: return "torch.FloatTensor"
    case .float64: return "torch.DoubleTensor"
    case .float16: return "torch.HalfTensor"
    case .bfloat16: return "torch.BFloat16Tensor"
    case .int64: return "torch.LongTensor"
    case .int32: return "torch.IntTensor"
    case .uint8: return "torch.ByteTensor"
    case .bool: return "torch.BoolTensor"
    }
}

/// A named tuple such as `torch.return_types.max(values=…, indices=…)` or diffusers' outputs.
final class NamedTupleObject: PyObject {
    let name: String
    let fields: [(String, Value)]
    init(_ name: String, _ fields: [(String, Value)]) { self.name = name; self.fields = fields }
    var typeName: String { String(name.split(separator: ".").last ?? Substring(name)) }
    func getAttribute(_ attr: String) throws -> Value? { fields.first(where: { $0.0 == attr })?.1 }
    var attributeNames: [String] { fields.map(\.0) }
    func length() throws -> Int? { fields.count }
    func makeIterator() throws -> PyIterator? { PyIterator(fields.map(\.1), kind: "tuple_iterator") }
    func getItem(_ key: Value) throws -> Value {
        guard case .int(var i) = key else { throw PyException.typeError("tuple indices must be integers or slices, not \(key.typeName)") }
        if i < 0 { i += fields.count }
        guard i >= 0 && i < fields.count else { throw PyException.indexError("tuple index out of range") }
        return fields[i].1
    }
    func repr() throws -> String {
        "\(name)(" + (try fields.map { "\($0.0)=\(try pyRepr($0.1))" }.joined(separator: ",\n" + String(repeating: " ", count: name.count + 1))) + ")"
    }
}
