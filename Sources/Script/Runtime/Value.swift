// The object model: a tagged enum for the common Python values, and `PyObject` for everything else.

/// A Python value. Ints and floats are stored inline (no boxing); containers are reference types
/// so that aliasing works as in Python (`b = a; b.append(1)` changes `a`).
public enum Value {
    case none
    case bool(Bool)
    /// A 64-bit int; arithmetic that overflows raises `OverflowError`.
    case int(Int)
    case float(Double)
    case str(String)
    case list(PyList)
    /// Tuples are immutable, so a Swift array is enough.
    case tuple([Value])
    case dict(PyDict)
    case set(PySet)
    case function(PyFunction)
    case builtin(BuiltinFunction)
    case module(PyModule)
    /// Everything else: types, exceptions, ranges, iterators, and the objects bindings define.
    case object(PyObject)
}

/// A mutable Python list.
public final class PyList {
    public var items: [Value]
    public init(_ items: [Value] = []) { self.items = items }
    deinit { Trashcan.release(&items) }
}

/// Frees deeply nested containers without recursion (CPython's "trashcan"), so dropping a
/// list nested 10⁶ levels deep cannot overflow the stack.
enum Trashcan {
    static func release(_ items: inout [Value]) {
        guard items.contains(where: { $0.isContainer }) else { return }
        var lists: [PyList] = [], arrays: [[Value]] = [], dicts: [PyDict] = []
        func collect(_ a: [Value]) {
            for v in a {
                switch v {
                case .list(let l): lists.append(l)
                case .tuple(let t) where !t.isEmpty: arrays.append(t)
                case .dict(let d): dicts.append(d)
                default: break
                }
            }
        }
        collect(items)
        items = []
        while true {
            if var l = lists.popLast() {
                if isKnownUniquelyReferenced(&l) {
                    let children = l.items
                    l.items = []
                    collect(children)
                }
            } else if let a = arrays.popLast() {
                collect(a)
            } else if var d = dicts.popLast() {
                if isKnownUniquelyReferenced(&d) {
                    let children = d.entries
                    d.removeAll()
                    collect(children.map(\.key) + children.map(\.value))
                }
            } else {
                return
            }
        }
    }
}

extension Value {
    var isContainer: Bool {
        switch self {
        case .list, .tuple, .dict: return true
        default: return false
        }
    }
}

/// A Python dict: insertion-ordered, keyed by hashable values.
public final class PyDict {
    public private(set) var entries: [(key: Value, value: Value)] = []
    private var index: [Value: Int] = [:]

    public init() {}

    deinit {
        guard entries.contains(where: { $0.value.isContainer || $0.key.isContainer }) else { return }
        var values = entries.map(\.value) + entries.map(\.key)
        entries = []
        index = [:]
        Trashcan.release(&values)
    }

    /// A dict with string keys, in the given order.
    public convenience init(_ pairs: [(String, Value)]) {
        self.init()
        for (k, v) in pairs { setUnchecked(.str(k), v) }
    }

    public var count: Int { entries.count }
    public var keys: [Value] { entries.map(\.key) }
    public var values: [Value] { entries.map(\.value) }

    /// Looks a key up. Throws `TypeError` for an unhashable key.
    public func get(_ key: Value) throws -> Value? {
        try checkHashable(key)
        return index[key].map { entries[$0].value }
    }

    /// Looks up a string key.
    public func get(_ key: String) -> Value? { index[.str(key)].map { entries[$0].value } }

    /// Stores a value. Throws `TypeError` for an unhashable key.
    public func set(_ key: Value, _ value: Value) throws {
        try checkHashable(key)
        setUnchecked(key, value)
    }

    /// Stores a value under a string key.
    public func set(_ key: String, _ value: Value) { setUnchecked(.str(key), value) }

    func setUnchecked(_ key: Value, _ value: Value) {
        if let i = index[key] { entries[i].value = value } else {
            index[key] = entries.count
            entries.append((key, value))
        }
    }

    /// Removes a key, returning its value (nil when absent).
    @discardableResult
    public func remove(_ key: Value) throws -> Value? {
        try checkHashable(key)
        guard let i = index[key] else { return nil }
        let v = entries[i].value
        entries.remove(at: i)
        index.removeAll(keepingCapacity: true)
        for (j, e) in entries.enumerated() { index[e.key] = j }
        return v
    }

    public func removeAll() { entries.removeAll(); index.removeAll() }

    public func copy() -> PyDict {
        let d = PyDict()
        d.entries = entries
        d.index = index
        return d
    }
}

/// A Python set (kept in insertion order).
public final class PySet {
    public private(set) var items: [Value] = []
    private var index: [Value: Int] = [:]
    public init() {}
    public init(_ values: [Value]) throws {
        for v in values { try insert(v) }
    }
    public var count: Int { items.count }
    public func contains(_ v: Value) throws -> Bool { try checkHashable(v); return index[v] != nil }
    public func insert(_ v: Value) throws {
        try checkHashable(v)
        if index[v] == nil { index[v] = items.count; items.append(v) }
    }
    @discardableResult
    public func remove(_ v: Value) throws -> Bool {
        try checkHashable(v)
        guard let i = index[v] else { return false }
        items.remove(at: i)
        index.removeAll(keepingCapacity: true)
        for (j, e) in items.enumerated() { index[e] = j }
        return true
    }
    public func removeAll() { items.removeAll(); index.removeAll() }
    public func copy() -> PySet {
        let s = PySet()
        s.items = items
        s.index = index
        return s
    }
}

/// A variable captured by an inner function (`nonlocal` and closures).
final class Cell {
    var value: Value?
    init(_ value: Value? = nil) { self.value = value }
}

/// Throws `TypeError: unhashable type: 'list'` for values that cannot be dict keys.
func checkHashable(_ v: Value, depth: Int = 0) throws {
    switch v {
    case .list, .dict, .set: throw PyException.typeError("unhashable type: '\(v.typeName)'")
    case .tuple(let items):
        if depth > 2000 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded while hashing a tuple") }
        for x in items { try checkHashable(x, depth: depth + 1) }
    case .object(let o): if !o.isHashable { throw PyException.typeError("unhashable type: '\(o.typeName)'") }
    default: break
    }
}

extension Value: Hashable {
    /// Python equality for hashable values: `1 == 1.0 == True`; objects by identity.
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.str(x), .str(y)): return x == y
        case let (.tuple(x), .tuple(y)): return x == y
        case (.int, _), (.float, _), (.bool, _):
            guard let x = a.numericDouble, let y = b.numericDouble else { return false }
            if case .int(let i) = a.asIntLike, case .int(let j) = b.asIntLike { return i == j }
            return x == y
        case let (.function(x), .function(y)): return x === y
        case let (.builtin(x), .builtin(y)): return x === y
        case let (.module(x), .module(y)): return x === y
        case let (.list(x), .list(y)): return x === y
        case let (.dict(x), .dict(y)): return x === y
        case let (.set(x), .set(y)): return x === y
        case let (.object(x), .object(y)): return x === y || x.identityEquals(y)
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .none: h.combine(0)
        case .bool(let b): h.combine(b ? 1 : 0)
        case .int(let i): h.combine(i)
        case .float(let d):
            if d == d.rounded(), Swift.abs(d) < 9.2e18 { h.combine(Int(d)) } else { h.combine(d) }
        case .str(let s): h.combine(s)
        case .tuple(let t): h.combine(t.count); for x in t { x.hash(into: &h) }
        case .list(let x): h.combine(ObjectIdentifier(x))
        case .dict(let x): h.combine(ObjectIdentifier(x))
        case .set(let x): h.combine(ObjectIdentifier(x))
        case .function(let x): h.combine(ObjectIdentifier(x))
        case .builtin(let x): h.combine(ObjectIdentifier(x))
        case .module(let x): h.combine(ObjectIdentifier(x))
        case .object(let o): h.combine(o.identityHash)
        }
    }

    var numericDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    var asIntLike: Value {
        switch self {
        case .bool(let b): return .int(b ? 1 : 0)
        default: return self
        }
    }
}

extension Value {
    /// The Python type name (`int`, `str`, `Tensor`, …), as error messages show it.
    public var typeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .str: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .set: return "set"
        case .function: return "function"
        case .builtin(let b): return b.isMethod ? "builtin_function_or_method" : "builtin_function_or_method"
        case .module: return "module"
        case .object(let o): return o.typeName
        }
    }

    /// True for `None`.
    public var isNone: Bool { if case .none = self { return true }; return false }

    /// Convenience constructors for bindings.
    public static func list(_ items: [Value]) -> Value { .list(PyList(items)) }
    public static func dict(_ pairs: [(String, Value)]) -> Value { .dict(PyDict(pairs)) }
}

extension Value: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    public init(integerLiteral v: Int) { self = .int(v) }
    public init(floatLiteral v: Double) { self = .float(v) }
    public init(stringLiteral v: String) { self = .str(v) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
}
