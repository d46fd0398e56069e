import Foundation

/// An object that Python code can use: bindings (tensors, pipelines, images) conform to this.
///
/// Every requirement has a default, so a binding implements only what its Python class supports;
/// the defaults raise the `TypeError`/`AttributeError` CPython would.
public protocol PyObject: AnyObject {
    /// The class name shown in reprs and errors (`Tensor`, `DDPMScheduler`).
    var typeName: String { get }
    /// The type object `type(x)` returns; by default one shared `PyType` per `typeName`.
    var pyType: PyType { get }
    /// Reads `obj.name`; return nil when there is no such attribute (dsh then raises
    /// `AttributeError` with a "Did you mean" suggestion drawn from `attributeNames`).
    func getAttribute(_ name: String) throws -> Value?
    /// Writes `obj.name = value`.
    func setAttribute(_ name: String, _ value: Value) throws
    /// The names `dir(obj)` lists and tab completion offers.
    var attributeNames: [String] { get }
    /// `obj(…)`.
    func call(_ args: Arguments) throws -> Value
    /// Whether `callable(obj)` is true.
    var isCallable: Bool { get }
    /// `obj[key]`. Multi-dimensional indexing passes a `.tuple`; slices are `PySlice` objects,
    /// `...` is `PyEllipsis.shared`.
    func getItem(_ key: Value) throws -> Value
    /// `obj[key] = value`.
    func setItem(_ key: Value, _ value: Value) throws
    /// `del obj[key]`.
    func deleteItem(_ key: Value) throws
    /// `self op other` (or `other op self` when `reflected`). Return nil for NotImplemented.
    func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value?
    /// `-self`, `+self`, `~self`. Return nil when unsupported.
    func unaryOp(_ op: UnaryOperator) throws -> Value?
    /// `self op other`. Return nil for NotImplemented (equality then falls back to identity).
    func compare(_ op: CompareOperator, _ other: Value) throws -> Value?
    /// `repr(obj)`.
    func repr() throws -> String
    /// `str(obj)`; defaults to `repr()`.
    func str() throws -> String
    /// `iter(obj)`; nil when not iterable.
    func makeIterator() throws -> PyIterator?
    /// `len(obj)`; nil when it has no length.
    func length() throws -> Int?
    /// `bool(obj)`.
    func truthy() throws -> Bool
    /// `x in obj`; nil to fall back to iteration.
    func contains(_ value: Value) throws -> Bool?
    /// Whether `with obj:` works (`__enter__`/`__exit__`).
    var isContextManager: Bool { get }
    /// `__enter__`: the value bound by `as`.
    func enter() throws -> Value
    /// `__exit__`: return true to swallow the exception.
    func exit(_ error: PyException?) throws -> Bool
    /// Whether the object can be a dict key (by identity, like Python's default).
    var isHashable: Bool { get }
    /// `float(obj)`, `int(obj)` conversions (e.g. a one-element tensor); nil when unsupported.
    func toDouble() throws -> Double?
    /// `int(obj)` / use as an index; nil when unsupported.
    func toInt() throws -> Int?
}

extension PyObject {
    public var pyType: PyType { PyType.named(typeName) }
    public func getAttribute(_ name: String) throws -> Value? { nil }
    public func setAttribute(_ name: String, _ value: Value) throws {
        if try getAttribute(name) != nil {
            throw PyException.attributeError("attribute '\(name)' of '\(typeName)' objects is not writable")
        }
        throw PyException.attributeError("'\(typeName)' object has no attribute '\(name)'")
    }
    public var attributeNames: [String] { [] }
    public func call(_ args: Arguments) throws -> Value {
        throw PyException.typeError("'\(typeName)' object is not callable")
    }
    public var isCallable: Bool { false }
    public func getItem(_ key: Value) throws -> Value {
        throw PyException.typeError("'\(typeName)' object is not subscriptable")
    }
    public func setItem(_ key: Value, _ value: Value) throws {
        throw PyException.typeError("'\(typeName)' object does not support item assignment")
    }
    public func deleteItem(_ key: Value) throws {
        throw PyException.typeError("'\(typeName)' object does not support item deletion")
    }
    public func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value? { nil }
    public func unaryOp(_ op: UnaryOperator) throws -> Value? { nil }
    public func compare(_ op: CompareOperator, _ other: Value) throws -> Value? { nil }
    public func repr() throws -> String {
        "<\(typeName) object at 0x\(String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16))>"
    }
    public func str() throws -> String { try repr() }
    public func makeIterator() throws -> PyIterator? { nil }
    public func length() throws -> Int? { nil }
    public func truthy() throws -> Bool {
        if let n = try length() { return n != 0 }
        return true
    }
    public func contains(_ value: Value) throws -> Bool? { nil }
    public var isContextManager: Bool { false }
    public func enter() throws -> Value { .object(self) }
    public func exit(_ error: PyException?) throws -> Bool { false }
    public var isHashable: Bool { true }
    public func toDouble() throws -> Double? { nil }
    public func toInt() throws -> Int? { nil }

    var identityHash: Int { ObjectIdentifier(self).hashValue }
    func identityEquals(_ other: PyObject) -> Bool { self === other }
}

/// The arguments of a call from Python, with helpers for native functions.
///
/// ```swift
/// let t = try args.int(0, "timestep")               // positional 0 or keyword `timestep`
/// let scale = try args.double(1, "scale", default: 1.0)
/// try args.check(maxPositional: 2, keywords: ["timestep", "scale"])
/// ```
public struct Arguments {
    public var positional: [Value]
    /// Keyword arguments in call order.
    public var keywords: [(String, Value)]
    /// The function being called, for error messages (`foo() missing 1 required …`).
    public var functionName: String
    /// The interpreter running the call (to call back into Python, e.g. a `key=` function).
    public unowned let interpreter: Interpreter

    public init(_ positional: [Value], keywords: [(String, Value)] = [], functionName: String = "function", interpreter: Interpreter) {
        self.positional = positional
        self.keywords = keywords
        self.functionName = functionName
        self.interpreter = interpreter
    }

    public var count: Int { positional.count }

    /// The keyword argument `name`, if given.
    public func keyword(_ name: String) -> Value? { keywords.last(where: { $0.0 == name })?.1 }

    /// Positional argument `index`, or keyword `name`; nil when neither was given.
    public func optional(_ index: Int, _ name: String) throws -> Value? {
        let kw = keyword(name)
        if index >= 0, index < positional.count {
            if kw != nil { throw PyException.typeError("\(functionName)() got multiple values for argument '\(name)'") }
            return positional[index]
        }
        return kw
    }

    /// A required argument.
    public func value(_ index: Int, _ name: String) throws -> Value {
        guard let v = try optional(index, name) else {
            throw PyException.typeError("\(functionName)() missing required argument: '\(name)' (pos \(index + 1))")
        }
        return v
    }

    /// A required int (bools count as ints, as in Python).
    public func int(_ index: Int, _ name: String) throws -> Int {
        try intValue(try value(index, name), name)
    }
    public func int(_ index: Int, _ name: String, default d: Int) throws -> Int {
        guard let v = try optional(index, name), !v.isNone else { return d }
        return try intValue(v, name)
    }
    func intValue(_ v: Value, _ name: String) throws -> Int {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .object(let o): if let i = try o.toInt() { return i }
        default: break
        }
        throw PyException.typeError("\(functionName)(): argument '\(name)' must be int, not \(v.typeName)")
    }

    /// A required float (ints accepted).
    public func double(_ index: Int, _ name: String) throws -> Double {
        try doubleValue(try value(index, name), name)
    }
    public func double(_ index: Int, _ name: String, default d: Double) throws -> Double {
        guard let v = try optional(index, name), !v.isNone else { return d }
        return try doubleValue(v, name)
    }
    func doubleValue(_ v: Value, _ name: String) throws -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .object(let o): if let d = try o.toDouble() { return d }
        default: break
        }
        throw PyException.typeError("\(functionName)(): argument '\(name)' must be float, not \(v.typeName)")
    }

    /// A required str.
    public func string(_ index: Int, _ name: String) throws -> String {
        let v = try value(index, name)
        guard case .str(let s) = v else {
            throw PyException.typeError("\(functionName)(): argument '\(name)' must be str, not \(v.typeName)")
        }
        return s
    }
    public func string(_ index: Int, _ name: String, default d: String) throws -> String {
        guard let v = try optional(index, name), !v.isNone else { return d }
        guard case .str(let s) = v else {
            throw PyException.typeError("\(functionName)(): argument '\(name)' must be str, not \(v.typeName)")
        }
        return s
    }

    /// A bool by Python truthiness.
    public func bool(_ index: Int, _ name: String, default d: Bool) throws -> Bool {
        guard let v = try optional(index, name) else { return d }
        return try interpreter.truthy(v)
    }

    /// Raises `TypeError` for too many positional arguments or unknown keywords.
    public func check(maxPositional: Int, keywords allowed: [String] = []) throws {
        if positional.count > maxPositional {
            throw PyException.typeError("\(functionName)() takes at most \(maxPositional) positional argument\(maxPositional == 1 ? "" : "s") (\(positional.count) given)")
        }
        for (k, _) in keywords where !allowed.contains(k) {
            throw PyException.typeError("\(functionName)() got an unexpected keyword argument '\(k)'")
        }
    }

    /// Raises `TypeError` unless exactly `n` positional arguments and no keywords were given.
    public func exactly(_ n: Int) throws {
        if !keywords.isEmpty {
            throw PyException.typeError("\(functionName)() takes no keyword arguments")
        }
        if positional.count != n {
            if n == 0 { throw PyException.typeError("\(functionName)() takes no arguments (\(positional.count) given)") }
            if n == 1 { throw PyException.typeError("\(functionName)() takes exactly one argument (\(positional.count) given)") }
            throw PyException.typeError("\(functionName) expected \(n) arguments, got \(positional.count)")
        }
    }
}

/// A function written in Swift (a builtin, a module function, or a bound method).
public final class BuiltinFunction {
    public let name: String
    /// For bound methods: the receiver's type name, shown in the repr.
    public let ownerTypeName: String?
    let body: (Arguments) throws -> Value

    public init(_ name: String, owner: String? = nil, _ body: @escaping (Arguments) throws -> Value) {
        self.name = name
        self.ownerTypeName = owner
        self.body = body
    }

    var isMethod: Bool { ownerTypeName != nil }
}

/// A Python module: a namespace of values.
public final class PyModule {
    public let name: String
    public private(set) var names: [String] = []
    private var values: [String: Value] = [:]

    public init(_ name: String, _ members: [(String, Value)] = []) {
        self.name = name
        for (k, v) in members { self[k] = v }
    }

    public subscript(name: String) -> Value? {
        get { values[name] }
        set {
            if values[name] == nil, newValue != nil { names.append(name) }
            values[name] = newValue
            if newValue == nil { names.removeAll { $0 == name } }
        }
    }

    /// Adds a native function.
    public func def(_ name: String, _ body: @escaping (Arguments) throws -> Value) {
        self[name] = .builtin(BuiltinFunction(name, body))
    }
}

/// A type object: `int`, `str`, exception classes, and the classes bindings define.
public final class PyType: PyObject {
    public let name: String
    public let base: PyType?
    /// Called by `Type(…)`; nil for types that cannot be instantiated from Python.
    public var constructor: ((Arguments) throws -> Value)?
    /// Class attributes and static/class methods (`DDPMScheduler.from_config`).
    public var classAttributes: [String: Value] = [:]

    public init(_ name: String, base: PyType? = nil, constructor: ((Arguments) throws -> Value)? = nil) {
        self.name = name
        self.base = base
        self.constructor = constructor
    }

    public var typeName: String { "type" }
    public var pyType: PyType { PyType.typeType }
    public func repr() throws -> String {
        PyType.builtinNames.contains(name) || isException ? "<class '\(name)'>" : "<class '\(moduleName.map { $0 + "." } ?? "")\(name)'>"
    }
    /// The module a binding's class lives in (`diffusers`), for its repr.
    public var moduleName: String?
    public var isCallable: Bool { constructor != nil }
    public func call(_ args: Arguments) throws -> Value {
        guard let c = constructor else { throw PyException.typeError("cannot create '\(name)' instances") }
        var a = args
        a.functionName = name
        return try c(a)
    }
    public func getAttribute(_ attr: String) throws -> Value? {
        if attr == "__name__" { return .str(name) }
        var t: PyType? = self
        while let ty = t {
            if let v = ty.classAttributes[attr] { return v }
            t = ty.base
        }
        return nil
    }
    public var attributeNames: [String] { ["__name__"] + classAttributes.keys.sorted() }

    /// True when `self` is `other` or derives from it.
    public func isSubtype(of other: PyType) -> Bool {
        var t: PyType? = self
        while let ty = t {
            if ty === other || (ty.name == other.name && ty.base?.name == other.base?.name) { return true }
            t = ty.base
        }
        return false
    }

    var isException: Bool { isSubtype(of: PyType.baseException) }

    nonisolated(unsafe) private static var registry: [String: PyType] = [:]
    private static let lock = NSLock()

    /// The shared type object for a binding class name.
    public static func named(_ name: String) -> PyType {
        lock.lock(); defer { lock.unlock() }
        if let t = registry[name] { return t }
        let t = PyType(name)
        registry[name] = t
        return t
    }

    static let builtinNames: Set<String> = ["int", "float", "str", "bool", "list", "tuple", "dict", "set", "type",
                                             "NoneType", "function", "builtin_function_or_method", "module", "range",
                                             "object", "slice", "ellipsis", "enumerate", "zip", "map", "filter", "reversed",
                                             "list_iterator", "iterator"]

    static let typeType = PyType("type")
    static let object = PyType("object")
    static let baseException = PyType("BaseException", base: object)
}

/// An iterator implemented in Swift.
public final class PyIterator: PyObject {
    let nextValue: () throws -> Value?
    let kind: String
    /// `next` returns nil when exhausted.
    public init(_ kind: String = "iterator", next: @escaping () throws -> Value?) {
        self.kind = kind
        self.nextValue = next
    }
    /// An iterator over a fixed array.
    public convenience init(_ values: [Value], kind: String = "iterator") {
        var i = 0
        self.init(kind) {
            guard i < values.count else { return nil }
            defer { i += 1 }
            return values[i]
        }
    }
    public var typeName: String { kind }
    public func next() throws -> Value? { try nextValue() }
    public func makeIterator() throws -> PyIterator? { self }
}

/// `range(start, stop, step)`, iterated lazily.
public final class PyRange: PyObject {
    public let start: Int, stop: Int, step: Int
    public init(_ start: Int, _ stop: Int, _ step: Int) { self.start = start; self.stop = stop; self.step = step }
    public var typeName: String { "range" }
    public var count: Int {
        if step > 0 { return start < stop ? (stop - start - 1) / step + 1 : 0 }
        return start > stop ? (start - stop - 1) / (-step) + 1 : 0
    }
    public func length() throws -> Int? { count }
    public func repr() throws -> String { step == 1 ? "range(\(start), \(stop))" : "range(\(start), \(stop), \(step))" }
    public func makeIterator() throws -> PyIterator? {
        var i = start
        let stop = self.stop, step = self.step
        return PyIterator("range_iterator") {
            guard step > 0 ? i < stop : i > stop else { return nil }
            defer { i += step }
            return .int(i)
        }
    }
    public func contains(_ value: Value) throws -> Bool? {
        guard case .int(let v) = value.asIntLike else { return false }
        if step > 0 ? (v < start || v >= stop) : (v > start || v <= stop) { return false }
        return (v - start) % step == 0
    }
    public func getItem(_ key: Value) throws -> Value {
        if case .object(let o) = key, let s = o as? PySlice {
            let (a, _, st, n) = try s.indices(count)
            return .object(PyRange(start + a * step, start + (a + n * st) * step, step * st))
        }
        guard case .int(var i) = key.asIntLike else { throw PyException.typeError("range indices must be integers or slices, not \(key.typeName)") }
        if i < 0 { i += count }
        guard i >= 0, i < count else { throw PyException.indexError("range object index out of range") }
        return .int(start + i * step)
    }
    public func compare(_ op: CompareOperator, _ other: Value) throws -> Value? {
        guard op == .eq || op == .ne, case .object(let o) = other, let r = o as? PyRange else { return nil }
        let same = (count == 0 && r.count == 0) || (start == r.start && count == r.count && (count == 1 || step == r.step))
        return .bool(op == .eq ? same : !same)
    }
    public func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "start": return .int(start)
        case "stop": return .int(stop)
        case "step": return .int(step)
        default: return nil
        }
    }
}

/// A slice object (`a[1:3]`, `slice(1, 3)`).
public final class PySlice: PyObject {
    public let start: Value, stop: Value, step: Value
    public init(_ start: Value, _ stop: Value, _ step: Value) { self.start = start; self.stop = stop; self.step = step }
    public var typeName: String { "slice" }
    public var isHashable: Bool { false }
    public func repr() throws -> String {
        "slice(\(try pyRepr(start)), \(try pyRepr(stop)), \(try pyRepr(step)))"
    }
    public func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "start": return start
        case "stop": return stop
        case "step": return step
        default: return nil
        }
    }

    static func bound(_ v: Value) throws -> Int? {
        switch v {
        case .none: return nil
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .object(let o): if let i = try o.toInt() { return i }
        default: break
        }
        throw PyException.typeError("slice indices must be integers or None or have an __index__ method")
    }

    /// Resolves the slice against a sequence length: (start, stop, step, count).
    public func indices(_ length: Int) throws -> (Int, Int, Int, Int) {
        let st = try PySlice.bound(step) ?? 1
        if st == 0 { throw PyException.valueError("slice step cannot be zero") }
        var lo: Int, hi: Int
        if st > 0 {
            lo = try PySlice.bound(start) ?? 0
            hi = try PySlice.bound(stop) ?? length
            if lo < 0 { lo = Swift.max(0, lo &+ length) } else { lo = Swift.min(lo, length) }
            if hi < 0 { hi = Swift.max(0, hi &+ length) } else { hi = Swift.min(hi, length) }
            let n = hi > lo ? (hi - lo - 1) / st + 1 : 0
            return (lo, hi, st, n)
        } else {
            lo = try PySlice.bound(start) ?? (length - 1)
            hi = try PySlice.bound(stop) ?? -1 - length
            if lo < 0 { lo = Swift.max(-1, lo &+ length) } else { lo = Swift.min(lo, length - 1) }
            if hi < 0 { hi = Swift.max(-1, hi &+ length) } else { hi = Swift.min(hi, length - 1) }
            let n = lo > hi ? (lo - hi - 1) / (-st) + 1 : 0
            return (lo, hi, st, n)
        }
    }
}

/// The `...` singleton.
public final class PyEllipsis: PyObject {
    public static let shared = PyEllipsis()
    public var typeName: String { "ellipsis" }
    public func repr() throws -> String { "Ellipsis" }
}
