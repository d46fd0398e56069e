import Diffusers
import Tensor

/// `model.config` / `scheduler.config`: a frozen dict whose keys are also attributes
/// (`model.config.sample_size`), printed as diffusers prints it.
final class ConfigObject: PyObject {
    let config: Config
    init(_ config: Config) { self.config = config }

    var typeName: String { "FrozenDict" }
    func repr() throws -> String { config.description }
    func length() throws -> Int? { config.entries.count }
    func makeIterator() throws -> PyIterator? { PyIterator(config.keys.map { .str($0) }, kind: "dict_keyiterator") }
    func contains(_ value: Value) throws -> Bool? {
        guard case .str(let k) = value else { return false }
        return config[k] != nil
    }

    func getItem(_ key: Value) throws -> Value {
        guard case .str(let k) = key, let v = config[k] else { throw PyException.keyError(key) }
        return pythonValue(v)
    }

    func setItem(_ key: Value, _ value: Value) throws {
        throw PyException(PyException.exceptionType, "You cannot use ``__setitem__`` on a FrozenDict instance.")
    }

    func getAttribute(_ name: String) throws -> Value? {
        if let v = config[name] { return pythonValue(v) }
        let c = config
        switch name {
        case "keys": return .builtin(BuiltinFunction("keys", owner: "FrozenDict") { _ in .list(PyList(c.keys.map { .str($0) })) })
        case "values": return .builtin(BuiltinFunction("values", owner: "FrozenDict") { _ in .list(PyList(c.entries.map { pythonValue($0.1) })) })
        case "items": return .builtin(BuiltinFunction("items", owner: "FrozenDict") { _ in
            .list(PyList(c.entries.map { .tuple([.str($0.0), pythonValue($0.1)]) }))
        })
        case "get": return .builtin(BuiltinFunction("get", owner: "FrozenDict") { a in
            let k = try a.string(0, "key")
            if let v = c[k] { return pythonValue(v) }
            return try a.optional(1, "default") ?? .none
        })
        default: return nil
        }
    }

    func setAttribute(_ name: String, _ value: Value) throws {
        throw PyException(PyException.exceptionType, "You cannot use ``__setattr__`` on a FrozenDict instance.")
    }

    var attributeNames: [String] { config.keys.filter { !$0.hasPrefix("_") } + ["get", "items", "keys", "values"] }
}

/// A JSON config value as the Python value `json.loads` would give.
func pythonValue(_ v: JSONValue) -> Value {
    switch v {
    case .null: return .none
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .double(let d): return .float(d)
    case .string(let s): return .str(s)
    case .array(let a): return .list(PyList(a.map(pythonValue)))
    case .object(let o): return .dict(PyDict(o.map { ($0.0, pythonValue($0.1)) }))
    }
}

/// A Python keyword-argument value as JSON for a config (tuples become lists, as diffusers stores them).
func jsonValue(_ v: Value, _ name: String) throws -> JSONValue {
    switch v {
    case .none: return .null
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .float(let d): return .double(d)
    case .str(let s): return .string(s)
    case .list(let l): return .array(try l.items.map { try jsonValue($0, name) })
    case .tuple(let t): return .array(try t.map { try jsonValue($0, name) })
    case .dict(let d):
        return .object(try d.entries.map { e in
            guard case .str(let k) = e.key else { throw PyException.typeError("\(name): config keys must be strings") }
            return (k, try jsonValue(e.value, name))
        })
    case .object(let o):
        if let t = o as? TensorObject { return .array(t.tensor.scalars.map { .double(Double($0)) }) }
        if let d = o as? DTypeObject { return .string(d.dtype.rawValue) }
    default: break
    }
    throw PyException.typeError("\(name): a \(v.typeName) cannot be stored in a config")
}

/// Keyword arguments (minus the ones a call consumes itself) as config entries.
func configArguments(_ a: Arguments, excluding: Set<String> = []) throws -> [(String, JSONValue)] {
    try a.keywords.filter { !excluding.contains($0.0) }.map { ($0.0, try jsonValue($0.1, $0.0)) }
}
