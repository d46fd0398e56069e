import Tensor

/// A `torch.Tensor` in Python: a thin wrapper over `Tensor`.
final class TensorObject: PyObject {
    var tensor: Tensor
    init(_ tensor: Tensor) { self.tensor = tensor }

    var typeName: String { "Tensor" }
    var pyType: PyType { TorchTypes.tensor }

    func repr() throws -> String { tensor.description }

    func length() throws -> Int? {
        guard tensor.rank > 0 else { throw PyException.typeError("len() of a 0-d tensor") }
        return tensor.shape[0]
    }

    func truthy() throws -> Bool {
        guard tensor.count == 1 else {
            throw PyException.runtimeError("Boolean value of Tensor with more than one value is ambiguous")
        }
        return try bridged { try tensor.item() } != 0
    }

    func toDouble() throws -> Double? {
        guard tensor.count == 1 else {
            throw PyException.typeError("only one element tensors can be converted to Python scalars")
        }
        return Double(try bridged { try tensor.item() })
    }

    func toInt() throws -> Int? {
        guard tensor.count == 1, tensor.dtype.isIntegral else { return nil }
        return Int(try bridged { try tensor.item() })
    }

    var isHashable: Bool { true }

    func makeIterator() throws -> PyIterator? {
        guard tensor.rank > 0 else { throw PyException.typeError("iteration over a 0-d tensor") }
        let t = tensor
        var i = 0
        return PyIterator("iterator") {
            guard i < t.shape[0] else { return nil }
            defer { i += 1 }
            return wrap(try bridged { try t.indexed([.int(i)]) })
        }
    }

    func contains(_ value: Value) throws -> Bool? {
        guard let v = try value.asTensor() else { return false }
        return try bridged { try Tensor.binary(.eq, tensor, v).reduce(.any).item() } != 0
    }

    // MARK: Indexing

    func getItem(_ key: Value) throws -> Value {
        wrap(try bridged { try tensor.indexed(try TensorObject.indices(key)) })
    }

    func setItem(_ key: Value, _ value: Value) throws {
        let idx = try TensorObject.indices(key)
        guard let v = try value.asTensor() else {
            throw PyException.typeError("can't assign a \(value.typeName) to a torch.FloatTensor")
        }
        try bridged { try tensor.assign(v, at: idx) }
    }

    /// Python subscript values to tensor indices.
    static func indices(_ key: Value) throws -> [TensorIndex] {
        let items: [Value]
        if case .tuple(let t) = key { items = t } else { items = [key] }
        return try items.map { item in
            switch item {
            case .int(let i): return .int(i)
            case .bool(let b): return .tensor(Tensor(b ? 1 : 0, dtype: .bool))
            case .none: return .newAxis
            case .list, .tuple:
                guard let t = try item.asTensor() else { throw PyException.indexError("invalid index") }
                return .tensor(t)
            case .object(let o):
                if let s = o as? PySlice {
                    return .slice(start: try sliceBound(s.start), stop: try sliceBound(s.stop), step: try sliceBound(s.step))
                }
                if o is PyEllipsis { return .ellipsis }
                if let t = o as? TensorObject {
                    if t.tensor.rank == 0 && t.tensor.dtype.isIntegral && t.tensor.dtype != .bool {
                        return .int(Int(try bridged { try t.tensor.item() }))
                    }
                    return .tensor(t.tensor)
                }
                if let a = o as? NDArrayObject { return .tensor(a.array) }
                if let i = try o.toInt() { return .int(i) }
            default: break
            }
            throw PyException.indexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got \(item.typeName))")
        }
    }

    private static func sliceBound(_ v: Value) throws -> Int? {
        switch v {
        case .none: return nil
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .object(let o): if let i = try o.toInt() { return i }
        default: break
        }
        throw PyException.typeError("slice indices must be integers or None or have an __index__ method")
    }

    // MARK: Operators

    func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value? {
        let tensorOp: BinaryOp
        switch op {
        case .add: tensorOp = .add
        case .sub: tensorOp = .sub
        case .mul: tensorOp = .mul
        case .div: tensorOp = .div
        case .floorDiv: tensorOp = .floorDivide
        case .mod: tensorOp = .remainder
        case .pow: tensorOp = .pow
        case .and: tensorOp = .logicalAnd
        case .or: tensorOp = .logicalOr
        case .xor: tensorOp = .logicalXor
        case .matMul:
            guard let o = try other.asTensor() else { return nil }
            return wrap(try bridged { reflected ? try o.matmul(tensor) : try tensor.matmul(o) })
        case .lshift, .rshift: return nil
        }
        if let (n, isInt) = other.number {
            return wrap(try bridged {
                reflected ? try Tensor.binary(tensorOp, scalar: n, isInteger: isInt, tensor)
                          : try Tensor.binary(tensorOp, tensor, scalar: n, isInteger: isInt)
            })
        }
        guard let o = try other.asTensor() else { return nil }
        return wrap(try bridged { reflected ? try Tensor.binary(tensorOp, o, tensor) : try Tensor.binary(tensorOp, tensor, o) })
    }

    func unaryOp(_ op: UnaryOperator) throws -> Value? {
        switch op {
        case .neg: return wrap(tensor.unary(.neg))
        case .pos: return .object(self)
        case .invert:
            guard tensor.dtype == .bool else { return nil }
            return wrap(tensor.unary(.logicalNot))
        }
    }

    func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        let tensorOp: BinaryOp
        switch op {
        case .eq: tensorOp = .eq
        case .ne: tensorOp = .ne
        case .lt: tensorOp = .lt
        case .le: tensorOp = .le
        case .gt: tensorOp = .gt
        case .ge: tensorOp = .ge
        }
        if let (n, isInt) = other.number {
            return wrap(try bridged { try Tensor.binary(tensorOp, tensor, scalar: n, isInteger: isInt) })
        }
        guard let o = try other.asTensor() else { return nil }
        return wrap(try bridged { try Tensor.binary(tensorOp, tensor, o) })
    }

    // MARK: Attributes

    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "shape": return .object(TorchSize(tensor.shape))
        case "dtype": return .object(DTypeObject.for(tensor.dtype))
        case "device": return .object(DeviceObject.cpu)
        case "ndim": return .int(tensor.rank)
        case "T": return wrap(try bridged { try tensor.permute(Array((0..<tensor.rank).reversed())) })
        case "mT": return wrap(try bridged { try tensor.transpose(-2, -1) })
        case "data": return .object(self)
        case "requires_grad": return .bool(false)
        case "grad": return Value.none
        case "is_cuda": return .bool(false)
        case "is_leaf": return .bool(true)
        case "layout": return .str("torch.strided")
        default:
            guard let method = TensorMethods.table[name] else { return nil }
            let t = tensor
            let me = self
            return .builtin(BuiltinFunction(name, owner: "Tensor") { args in
                try method(me, t, args)
            })
        }
    }

    func setAttribute(_ name: String, _ value: Value) throws {
        switch name {
        case "data":
            guard let t = try value.asTensor() else { throw PyException.typeError("data must be a Tensor") }
            tensor = t
        case "requires_grad":
            throw PyException.notImplemented("dsh does not compute gradients: requires_grad is always False")
        default:
            throw PyException.attributeError("'Tensor' object has no attribute '\(name)'")
        }
    }

    var attributeNames: [String] {
        ["shape", "dtype", "device", "ndim", "T", "mT", "data", "requires_grad", "grad", "is_cuda"] + TensorMethods.table.keys.sorted()
    }

    /// `help(x)` / `x?` for a tensor: what a person exploring wants to know at a glance.
    func summary() -> String {
        var lines = ["Tensor  shape=\(tensor.shapeDescription)  dtype=\(tensor.dtype.torchName)  device=cpu"]
        if tensor.count > 0 {
            let f = tensor.to(.float32)
            if let mn = try? f.reduce(.min).item(), let mx = try? f.reduce(.max).item(),
               let mean = try? f.mean().item() {
                let std = (try? f.std().item()) ?? .nan
                lines.append("min=\(fmt(mn))  max=\(fmt(mx))  mean=\(fmt(mean))  std=\(fmt(std))")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func fmt(_ x: Float) -> String { String(format: "%.4g", Double(x)) }
}

/// `torch.Size([1, 3, 256, 256])`: a tuple of ints that prints like PyTorch's.
final class TorchSize: PyObject {
    let dims: [Int]
    init(_ dims: [Int]) { self.dims = dims }
    var typeName: String { "Size" }
    var pyType: PyType { TorchTypes.size }
    func repr() throws -> String { "torch.Size([\(dims.map(String.init).joined(separator: ", "))])" }
    func length() throws -> Int? { dims.count }
    func makeIterator() throws -> PyIterator? { PyIterator(dims.map { .int($0) }, kind: "tuple_iterator") }
    func getItem(_ key: Value) throws -> Value {
        if case .object(let o) = key, let s = o as? PySlice {
            let (start, _, step, n) = try s.indices(dims.count)
            return .object(TorchSize((0..<n).map { dims[start + $0 * step] }))
        }
        guard let i0 = key.number, i0.isInteger else {
            throw PyException.typeError("tuple indices must be integers or slices, not \(key.typeName)")
        }
        let i = Int(i0.value) < 0 ? Int(i0.value) + dims.count : Int(i0.value)
        guard i >= 0 && i < dims.count else { throw PyException.indexError("tuple index out of range") }
        return .int(dims[i])
    }
    func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        let mine = Value.tuple(dims.map { .int($0) })
        var theirs = other
        if case .object(let o) = other, let s = o as? TorchSize { theirs = .tuple(s.dims.map { .int($0) }) }
        switch op {
        case .eq: return .bool(mine == theirs)
        case .ne: return .bool(mine != theirs)
        default: return nil
        }
    }
    var isHashable: Bool { true }
    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "numel": return .builtin(BuiltinFunction("numel", owner: "Size") { _ in .int(self.dims.reduce(1, *)) })
        default: return nil
        }
    }
    func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value? {
        guard op == .add else { return nil }
        let mine = dims.map { Value.int($0) }
        switch other {
        case .tuple(let t): return .tuple(reflected ? t + mine : mine + t)
        case .object(let o):
            if let s = o as? TorchSize { return .object(TorchSize(reflected ? s.dims + dims : dims + s.dims)) }
        default: break
        }
        return nil
    }
}

/// `device(type='cpu')`.
final class DeviceObject: PyObject {
    static let cpu = DeviceObject()
    var typeName: String { "device" }
    func repr() throws -> String { "device(type='cpu')" }
    func str() throws -> String { "cpu" }
    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "type": return .str("cpu")
        case "index": return Value.none
        default: return nil
        }
    }
    func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        let same: Bool
        switch other {
        case .str(let s): same = s == "cpu"
        case .object(let o): same = o is DeviceObject
        default: same = false
        }
        switch op {
        case .eq: return .bool(same)
        case .ne: return .bool(!same)
        default: return nil
        }
    }
}

/// `torch.float32` and friends.
final class DTypeObject: PyObject {
    let dtype: DType
    private init(_ dtype: DType) { self.dtype = dtype }
    nonisolated(unsafe) private static var cache: [DType: DTypeObject] = [:]
    static func `for`(_ d: DType) -> DTypeObject {
        if let o = cache[d] { return o }
        let o = DTypeObject(d)
        cache[d] = o
        return o
    }
    var typeName: String { "dtype" }
    func repr() throws -> String { dtype.torchName }
    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "is_floating_point": return .bool(dtype.isFloatingPoint)
        case "itemsize": return .int(dtype.itemSize)
        default: return nil
        }
    }
    /// numpy scalar type names used with `astype`.
    static let numpyTypes: [String: DType] = [
        "uint8": .uint8, "int64": .int64, "int32": .int32, "float32": .float32, "float64": .float64,
        "float16": .float16, "bool_": .bool, "bool": .bool, "float": .float64, "int": .int64,
    ]
    static func parse(_ s: String) -> DType? {
        let name = s.hasPrefix("torch.") ? String(s.dropFirst(6)) : s
        switch name {
        case "float", "float32": return .float32
        case "half", "float16": return .float16
        case "bfloat16": return .bfloat16
        case "double", "float64": return .float64
        case "long", "int64": return .int64
        case "int", "int32": return .int32
        case "uint8": return .uint8
        case "bool": return .bool
        default: return nil
        }
    }
}

/// Shared type objects, so `isinstance(x, torch.Tensor)` works.
enum TorchTypes {
    static let tensor: PyType = {
        let t = PyType("Tensor")
        t.moduleName = "torch"
        return t
    }()
    static let size: PyType = {
        let t = PyType("Size")
        t.moduleName = "torch"
        return t
    }()
}
