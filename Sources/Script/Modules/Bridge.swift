import Foundation
import Tensor

// Conversions between Python values and the Swift libraries, shared by every binding module.
// Bindings stay thin: they unpack arguments, call the library, and wrap the result.

extension PyException {
    /// The Python exception for a library error: shape problems are RuntimeError (as in PyTorch),
    /// bad indices IndexError, bad values ValueError, missing features NotImplementedError.
    static func from(_ error: Error) -> PyException {
        if let e = error as? PyException { return e }
        if let t = error as? TensorError {
            switch t.kind {
            case .shape: return .runtimeError(t.message)
            case .index: return .indexError(t.message)
            case .value: return .valueError(t.message)
            case .format: return .valueError(t.message)
            case .unsupported: return .notImplemented(t.message)
            }
        }
        return .runtimeError("\(error)")
    }
}

/// Runs library code, turning its errors into Python exceptions.
@inline(__always)
func bridged<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw PyException.from(error) }
}

/// Prints a warning once per process (e.g. the first `.to("cuda")`).
enum Warnings {
    nonisolated(unsafe) private static var shown: Set<String> = []
    static func once(_ key: String, _ message: String, interpreter: Interpreter) {
        guard !shown.contains(key) else { return }
        shown.insert(key)
        interpreter.stderr("UserWarning: \(message)\n")
    }
}

extension Value {
    /// The tensor behind a Python value: a tensor, a numpy array, a number (0-d), or a nested list.
    func asTensor(dtype: DType? = nil) throws -> Tensor? {
        switch self {
        case .object(let o):
            if let t = o as? TensorObject { return t.tensor }
            if let a = o as? NDArrayObject { return a.array }
            return nil
        case .int(let i): return Tensor(Float(i), dtype: dtype ?? .int64)
        case .bool(let b): return Tensor(b ? 1 : 0, dtype: dtype ?? .bool)
        case .float(let d): return Tensor(Float(d), dtype: dtype ?? .float32)
        case .list, .tuple: return try nestedTensor(self, dtype: dtype)
        default: return nil
        }
    }

    /// Python int/float/bool as a Double, with whether it was an int.
    var number: (value: Double, isInteger: Bool)? {
        switch self {
        case .int(let i): return (Double(i), true)
        case .bool(let b): return (b ? 1 : 0, true)
        case .float(let d): return (d, false)
        default: return nil
        }
    }
}

/// `torch.tensor([[1, 2], [3, 4]])`: nested lists/tuples of numbers (or 0-d tensors) to a tensor.
/// The dtype is inferred as PyTorch does: bool < int64 < float32.
func nestedTensor(_ v: Value, dtype: DType?) throws -> Tensor {
    var shape: [Int] = []
    var flat: [Float] = []
    var kind = 0 // 0 bool, 1 int, 2 float
    func walk(_ v: Value, depth: Int) throws {
        switch v {
        case .list(let l): try seq(l.items, depth)
        case .tuple(let t): try seq(t, depth)
        case .int(let i): flat.append(Float(i)); kind = max(kind, 1); try leaf(depth)
        case .bool(let b): flat.append(b ? 1 : 0); try leaf(depth)
        case .float(let d): flat.append(Float(d)); kind = 2; try leaf(depth)
        case .object(let o):
            if let t = o as? TensorObject, t.tensor.count == 1 {
                flat.append(try bridged { try t.tensor.item() })
                kind = max(kind, t.tensor.dtype.isFloatingPoint ? 2 : 1)
                try leaf(depth)
            } else {
                throw PyException.typeError("tensor(): could not convert an element of type '\(o.typeName)' (only numbers and nested lists)")
            }
        default:
            throw PyException.typeError("new(): invalid data type '\(v.typeName)'")
        }
    }
    func leaf(_ depth: Int) throws {
        if depth != shape.count && !(shape.isEmpty && depth == 0) {
            throw PyException.valueError("expected sequence of length \(shape.count > depth ? shape[depth] : 0) at dim \(depth) (got a number)")
        }
    }
    func seq(_ items: [Value], _ depth: Int) throws {
        if depth == shape.count { shape.append(items.count) }
        else if shape[depth] != items.count {
            throw PyException.valueError("expected sequence of length \(shape[depth]) at dim \(depth) (got \(items.count))")
        }
        for x in items { try walk(x, depth: depth + 1) }
    }
    try walk(v, depth: 0)
    let inferred: DType = kind == 2 ? .float32 : (kind == 1 ? .int64 : .bool)
    return try bridged { try Tensor(shape: shape, scalars: flat, dtype: dtype ?? inferred) }
}

extension Arguments {
    /// A tensor argument (numbers become 0-d tensors).
    func tensor(_ index: Int, _ name: String) throws -> Tensor {
        let v = try value(index, name)
        guard let t = try v.asTensor() else {
            throw PyException.typeError("\(functionName)(): argument '\(name)' must be Tensor, not \(v.typeName)")
        }
        return t
    }

    func optionalTensor(_ index: Int, _ name: String) throws -> Tensor? {
        guard let v = try optional(index, name), !v.isNone else { return nil }
        guard let t = try v.asTensor() else {
            throw PyException.typeError("\(functionName)(): argument '\(name)' must be Tensor, not \(v.typeName)")
        }
        return t
    }

    /// A shape given as `f(1, 3, 8, 8)`, `f((1, 3, 8, 8))`, `f([1, 3])` or `f(torch.Size(...))`,
    /// starting at positional `from`, or the keyword `size`.
    func shape(from start: Int, keyword: String = "size") throws -> [Int] {
        let rest = Array(positional.dropFirst(start))
        if rest.isEmpty, let kw = self.keyword(keyword) { return try shapeValue(kw) }
        if rest.count == 1, case .int = rest[0] { return [try intValue(rest[0], keyword)] }
        if rest.count == 1 { return try shapeValue(rest[0]) }
        return try rest.map { try intValue($0, keyword) }
    }

    /// A shape for a new tensor: no negative sizes, and no more elements than this machine has memory for
    /// (PyTorch's errors, prefixed with the function; `numpy` gives NumPy's wording for negative sizes).
    func newShape(_ shape: [Int], numpy: Bool = false) throws -> [Int] {
        if !numpy { try bridged { try Tensor.checkAllocation(shape, op: functionName) }; return shape }
        if shape.contains(where: { $0 < 0 }) { throw PyException.valueError("negative dimensions are not allowed") }
        do { try Tensor.checkAllocation(shape, op: functionName) } catch let e as TensorError {
            throw PyException.memoryError("Unable to allocate an array with shape (\(shape.map(String.init).joined(separator: ", "))): \(e.message)")
        }
        return shape
    }

    func shapeValue(_ v: Value) throws -> [Int] {
        switch v {
        case .tuple(let t): return try t.map { try intValue($0, "size") }
        case .list(let l): return try l.items.map { try intValue($0, "size") }
        case .int, .bool: return [try intValue(v, "size")]
        case .object(let o):
            if let s = o as? TorchSize { return s.dims }
            if let i = try o.toInt() { return [i] }
        default: break
        }
        throw PyException.typeError("\(functionName)(): argument 'size' must be tuple of ints, not \(v.typeName)")
    }

    /// Dimensions given as an int, a tuple/list of ints, or absent.
    func dims(_ index: Int, _ name: String = "dim") throws -> [Int]? {
        guard let v = try optional(index, name), !v.isNone else { return nil }
        switch v {
        case .tuple(let t): return try t.map { try intValue($0, name) }
        case .list(let l): return try l.items.map { try intValue($0, name) }
        default: return [try intValue(v, name)]
        }
    }

    /// A dtype given as `torch.float16`, `np.uint8`, or a string like "float16".
    func dtype(_ index: Int, _ name: String = "dtype") throws -> DType? {
        guard let v = try optional(index, name), !v.isNone else { return nil }
        return try dtypeValue(v)
    }

    func dtypeValue(_ v: Value) throws -> DType {
        switch v {
        case .object(let o):
            if let d = o as? DTypeObject { return d.dtype }
            if let t = o as? PyType, let d = DTypeObject.numpyTypes[t.name] { return d }
        case .str(let s):
            if let d = DTypeObject.parse(s) { return d }
        default: break
        }
        throw PyException.typeError("\(functionName)(): argument 'dtype' must be torch.dtype, not \(v.typeName)")
    }

    /// The `generator=` argument; the interpreter's default generator when none is given.
    func generator(_ index: Int = -1) throws -> Generator {
        guard let v = try optional(index, "generator"), !v.isNone else { return interpreter.defaultGenerator }
        if case .object(let o) = v, let g = o as? GeneratorObject { return g.generator }
        if case .list(let l) = v, let first = l.items.first, case .object(let o) = first, let g = o as? GeneratorObject {
            return g.generator // diffusers accepts a list of generators; dsh uses the first
        }
        throw PyException.typeError("\(functionName)(): argument 'generator' must be torch.Generator, not \(v.typeName)")
    }
}

/// Wraps a tensor for Python.
@inline(__always)
func wrap(_ t: Tensor) -> Value { .object(TensorObject(t)) }
