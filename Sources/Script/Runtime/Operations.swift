import Foundation
import Tensor

// Python semantics of the built-in types: truthiness, repr/str, arithmetic, comparison, indexing.

/// The most elements a sequence may be grown to by `*`, `range` → list, etc. (a MemoryError beyond).
let maxSequenceLength = 1 << 25

// MARK: repr / str

private struct ReprState {
    var active: Set<ObjectIdentifier> = []
    var depth = 0
}

/// `repr(v)`.
public func pyRepr(_ v: Value) throws -> String {
    var st = ReprState()
    return try repr(v, &st)
}

/// `str(v)`.
public func pyStr(_ v: Value) throws -> String {
    switch v {
    case .str(let s): return s
    case .object(let o): return try o.str()
    default: return try pyRepr(v)
    }
}

private func repr(_ v: Value, _ st: inout ReprState) throws -> String {
    switch v {
    case .none: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let i): return String(i)
    case .float(let d): return pythonFloatRepr(d)
    case .str(let s): return quoteString(s)
    case .list(let l):
        return try container(ObjectIdentifier(l), "[", "]", l.items, &st, recursive: "[...]")
    case .tuple(let t):
        if t.count == 1 { return "(" + (try repr(t[0], &st)) + ",)" }
        st.depth += 1; defer { st.depth -= 1 }
        if st.depth > 500 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded while getting the repr of an object") }
        return "(" + (try t.map { try repr($0, &st) }.joined(separator: ", ")) + ")"
    case .set(let s):
        if s.count == 0 { return "set()" }
        return try container(ObjectIdentifier(s), "{", "}", s.items, &st, recursive: "{...}")
    case .dict(let d):
        let id = ObjectIdentifier(d)
        if st.active.contains(id) { return "{...}" }
        st.active.insert(id); defer { st.active.remove(id) }
        st.depth += 1; defer { st.depth -= 1 }
        if st.depth > 500 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded while getting the repr of an object") }
        var parts: [String] = []
        for e in d.entries { parts.append(try repr(e.key, &st) + ": " + (try repr(e.value, &st))) }
        return "{" + parts.joined(separator: ", ") + "}"
    case .function(let f): return "<function \(f.name) at \(addressString(f))>"
    case .builtin(let b):
        if let owner = b.ownerTypeName { return "<built-in method \(b.name) of \(owner) object at \(addressString(b))>" }
        return "<built-in function \(b.name)>"
    case .module(let m): return "<module '\(m.name)'>"
    case .object(let o): return try o.repr()
    }
}

private func container(_ id: ObjectIdentifier, _ open: String, _ close: String, _ items: [Value], _ st: inout ReprState, recursive: String) throws -> String {
    if st.active.contains(id) { return recursive }
    st.active.insert(id); defer { st.active.remove(id) }
    st.depth += 1; defer { st.depth -= 1 }
    if st.depth > 500 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded while getting the repr of an object") }
    return open + (try items.map { try repr($0, &st) }.joined(separator: ", ")) + close
}

func addressString(_ o: AnyObject) -> String {
    "0x" + String(UInt(bitPattern: ObjectIdentifier(o).hashValue), radix: 16).leftPadded(12)
}

extension String {
    func leftPadded(_ n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
}

/// Python's `repr(str)`: single quotes unless the text has a `'` and no `"`.
public func quoteString(_ s: String) -> String {
    let q: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(q)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(u) == q { out += "\\" + String(q); continue }
            if u.value < 0x20 || u.value == 0x7F {
                out += "\\x" + String(u.value, radix: 16).leftPadded(2)
            } else if u.value >= 0x80 && !isPrintable(u) {
                if u.value <= 0xFF { out += "\\x" + String(u.value, radix: 16).leftPadded(2) }
                else if u.value <= 0xFFFF { out += "\\u" + String(u.value, radix: 16).leftPadded(4) }
                else { out += "\\U" + String(u.value, radix: 16).leftPadded(8) }
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out.append(q)
    return out
}

private func isPrintable(_ u: Unicode.Scalar) -> Bool {
    switch u.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
    case .spaceSeparator: return u == " "
    default: return true
    }
}

// MARK: truthiness

/// `bool(v)`.
func isTruthy(_ v: Value) throws -> Bool {
    switch v {
    case .none: return false
    case .bool(let b): return b
    case .int(let i): return i != 0
    case .float(let d): return d != 0
    case .str(let s): return !s.isEmpty
    case .list(let l): return !l.items.isEmpty
    case .tuple(let t): return !t.isEmpty
    case .dict(let d): return d.count != 0
    case .set(let s): return s.count != 0
    case .function, .builtin, .module: return true
    case .object(let o): return try o.truthy()
    }
}

// MARK: numbers

func floorDiv(_ a: Int, _ b: Int) throws -> Int {
    if b == 0 { throw PyException.zeroDivision("integer division or modulo by zero") }
    if a == Int.min && b == -1 { throw PyException.overflow() }
    var q = a / b
    if (a % b != 0) && ((a < 0) != (b < 0)) { q -= 1 }
    return q
}

func floorMod(_ a: Int, _ b: Int) throws -> Int {
    if b == 0 { throw PyException.zeroDivision("integer modulo by zero") }
    if b == -1 { return 0 }
    let r = a % b
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
}

func floatMod(_ a: Double, _ b: Double) throws -> Double {
    if b == 0 { throw PyException.zeroDivision("float modulo") }
    var r = fmod(a, b)
    if r != 0 && ((r < 0) != (b < 0)) { r += b } else if r == 0 { r = copysign(0, b) }
    return r
}

func floatFloorDiv(_ a: Double, _ b: Double) throws -> Double {
    if b == 0 { throw PyException.zeroDivision("float floor division by zero") }
    let m = fmod(a, b)
    var div = (a - m) / b
    if m != 0 && ((b < 0) != (m < 0)) { div -= 1 }
    if div == 0 { return copysign(0, a / b) }
    let f = div.rounded(.down)
    return div - f > 0.5 ? f + 1 : f
}

func intPow(_ base: Int, _ exp: Int) throws -> Value {
    if exp < 0 {
        if base == 0 { throw PyException.zeroDivision("0.0 cannot be raised to a negative power") }
        return .float(Foundation.pow(Double(base), Double(exp)))
    }
    var result = 1, b = base, e = exp
    while e > 0 {
        if e & 1 == 1 {
            let (r, o) = result.multipliedReportingOverflow(by: b)
            if o { throw PyException.overflow() }
            result = r
        }
        e >>= 1
        if e > 0 {
            let (sq, o) = b.multipliedReportingOverflow(by: b)
            if o { throw PyException.overflow() }
            b = sq
        }
    }
    return .int(result)
}

func floatPow(_ a: Double, _ b: Double) throws -> Double {
    if a == 0 && b < 0 { throw PyException.zeroDivision("0.0 cannot be raised to a negative power") }
    if a < 0 && b != b.rounded() && b.isFinite {
        throw PyException.valueError("negative number cannot be raised to a fractional power (complex numbers are not supported by dsh)")
    }
    let r = Foundation.pow(a, b)
    if r.isInfinite && a.isFinite && b.isFinite { throw PyException(PyException.overflowErrorType, [.int(34), .str("Numerical result out of range")]) }
    return r
}

func intValueForIndex(_ v: Value) throws -> Int? {
    switch v {
    case .int(let i): return i
    case .bool(let b): return b ? 1 : 0
    case .object(let o): return try o.toInt()
    default: return nil
    }
}

/// The result of applying a binary operator to two values.
func binaryOp(_ op: BinaryOperator, _ a: Value, _ b: Value) throws -> Value {
    // Numbers (bools act as ints).
    switch (a, b) {
    case (.int, .int), (.int, .bool), (.bool, .int), (.bool, .bool):
        guard case .int(let x) = a.asIntLike, case .int(let y) = b.asIntLike else { break }
        return try intOp(op, x, y)
    case (.float(let x), .float(let y)):
        if let r = try floatOp(op, x, y) { return r }
    case (.float(let x), .int), (.float(let x), .bool):
        if let yv = b.numericDouble, let r = try floatOp(op, x, yv) { return r }
    case (.int, .float(let y)), (.bool, .float(let y)):
        if let xv = a.numericDouble, let r = try floatOp(op, xv, y) { return r }
    default: break
    }
    switch (op, a, b) {
    case let (.add, .str(x), .str(y)):
        if x.utf8.count + y.utf8.count > maxSequenceLength { throw PyException.memoryError("string too large") }
        return .str(x + y)
    case let (.add, .list(x), .list(y)):
        if x.items.count + y.items.count > maxSequenceLength { throw PyException.memoryError("list too large") }
        return .list(PyList(x.items + y.items))
    case let (.add, .tuple(x), .tuple(y)):
        if x.count + y.count > maxSequenceLength { throw PyException.memoryError("tuple too large") }
        return .tuple(x + y)
    case (.add, .str, _) where !isObject(b):
        throw PyException.typeError("can only concatenate str (not \"\(b.typeName)\") to str")
    case (.add, .list, _) where !isObject(b):
        throw PyException.typeError("can only concatenate list (not \"\(b.typeName)\") to list")
    case (.add, .tuple, _) where !isObject(b):
        throw PyException.typeError("can only concatenate tuple (not \"\(b.typeName)\") to tuple")
    case (.mul, .str, _), (.mul, .list, _), (.mul, .tuple, _):
        if let n = try intValueForIndex(b), !isObject(b) { return try repeatSequence(a, n) }
        if !isObject(b) { throw PyException.typeError("can't multiply sequence by non-int of type '\(b.typeName)'") }
    case (.mul, _, .str), (.mul, _, .list), (.mul, _, .tuple):
        if let n = try intValueForIndex(a), !isObject(a) { return try repeatSequence(b, n) }
        if !isObject(a) { throw PyException.typeError("can't multiply sequence by non-int of type '\(a.typeName)'") }
    case let (.mod, .str(fmt), _):
        return .str(try percentFormat(fmt, b))
    case let (.or, .dict(x), .dict(y)):
        let d = x.copy()
        for e in y.entries { d.setUnchecked(e.key, e.value) }
        return .dict(d)
    case let (_, .set(x), .set(y)):
        switch op {
        case .or: let s = x.copy(); for v in y.items { try s.insert(v) }; return .set(s)
        case .and: return .set(try PySet(x.items.filter { try y.contains($0) }))
        case .sub: return .set(try PySet(x.items.filter { try !y.contains($0) }))
        case .xor:
            let s = try PySet(x.items.filter { try !y.contains($0) })
            for v in y.items where try !x.contains(v) { try s.insert(v) }
            return .set(s)
        default: break
        }
    default: break
    }
    if case .object(let o) = a, let r = try o.binaryOp(op, b, reflected: false) { return r }
    if case .object(let o) = b, let r = try o.binaryOp(op, a, reflected: true) { return r }
    let opText = op == .pow ? "** or pow()" : op.rawValue
    throw PyException.typeError("unsupported operand type(s) for \(opText): '\(a.typeName)' and '\(b.typeName)'")
}

private func isObject(_ v: Value) -> Bool { if case .object = v { return true }; return false }

func repeatSequence(_ seq: Value, _ n: Int) throws -> Value {
    let count = max(0, n)
    switch seq {
    case .str(let s):
        if s.utf8.count.multipliedReportingOverflow(by: count).overflow || s.utf8.count * count > maxSequenceLength { throw PyException.memoryError("string too large") }
        return .str(String(repeating: s, count: count))
    case .list(let l):
        if l.items.count.multipliedReportingOverflow(by: count).overflow || l.items.count * count > maxSequenceLength { throw PyException.memoryError("list too large") }
        var out: [Value] = []
        out.reserveCapacity(l.items.count * count)
        for _ in 0..<count { out += l.items }
        return .list(PyList(out))
    case .tuple(let t):
        if t.count.multipliedReportingOverflow(by: count).overflow || t.count * count > maxSequenceLength { throw PyException.memoryError("tuple too large") }
        var out: [Value] = []
        for _ in 0..<count { out += t }
        return .tuple(out)
    default: return seq
    }
}

func intOp(_ op: BinaryOperator, _ x: Int, _ y: Int) throws -> Value {
    switch op {
    case .add:
        let (r, o) = x.addingReportingOverflow(y); if o { throw PyException.overflow() }; return .int(r)
    case .sub:
        let (r, o) = x.subtractingReportingOverflow(y); if o { throw PyException.overflow() }; return .int(r)
    case .mul:
        let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw PyException.overflow() }; return .int(r)
    case .div:
        if y == 0 { throw PyException.zeroDivision() }
        return .float(Double(x) / Double(y))
    case .floorDiv: return .int(try floorDiv(x, y))
    case .mod: return .int(try floorMod(x, y))
    case .pow: return try intPow(x, y)
    case .lshift:
        if y < 0 { throw PyException.valueError("negative shift count") }
        if x == 0 { return .int(0) }
        if y >= 63 { throw PyException.overflow() }
        let r = x << y
        if r >> y != x { throw PyException.overflow() }
        return .int(r)
    case .rshift:
        if y < 0 { throw PyException.valueError("negative shift count") }
        return .int(y >= 64 ? (x < 0 ? -1 : 0) : x >> y)
    case .and: return .int(x & y)
    case .or: return .int(x | y)
    case .xor: return .int(x ^ y)
    case .matMul:
        throw PyException.typeError("unsupported operand type(s) for @: 'int' and 'int'")
    }
}

func floatOp(_ op: BinaryOperator, _ x: Double, _ y: Double) throws -> Value? {
    switch op {
    case .add: return .float(x + y)
    case .sub: return .float(x - y)
    case .mul: return .float(x * y)
    case .div:
        if y == 0 { throw PyException.zeroDivision("float division by zero") }
        return .float(x / y)
    case .floorDiv: return .float(try floatFloorDiv(x, y))
    case .mod: return .float(try floatMod(x, y))
    case .pow: return .float(try floatPow(x, y))
    default: return nil
    }
}

/// `-v`, `+v`, `~v`.
func unaryOp(_ op: UnaryOperator, _ v: Value) throws -> Value {
    switch (op, v.asIntLike) {
    case (.neg, .int(let i)):
        if i == Int.min { throw PyException.overflow() }
        return .int(-i)
    case (.pos, .int(let i)): return .int(i)
    case (.invert, .int(let i)): return .int(~i)
    case (.neg, .float(let d)): return .float(-d)
    case (.pos, .float(let d)): return .float(d)
    case (_, .object(let o)):
        if let r = try o.unaryOp(op) { return r }
    default: break
    }
    throw PyException.typeError("bad operand type for unary \(op.rawValue): '\(v.typeName)'")
}

// MARK: comparison

/// `a == b` with Python semantics (containers compare element-wise).
func pyEquals(_ a: Value, _ b: Value, depth: Int = 0) throws -> Bool {
    if depth > 500 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded in comparison") }
    switch (a, b) {
    case let (.list(x), .list(y)):
        if x === y { return true }
        guard x.items.count == y.items.count else { return false }
        for (p, q) in zip(x.items, y.items) where !(try pyEquals(p, q, depth: depth + 1)) { return false }
        return true
    case let (.tuple(x), .tuple(y)):
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where !(try pyEquals(p, q, depth: depth + 1)) { return false }
        return true
    case let (.dict(x), .dict(y)):
        if x === y { return true }
        guard x.count == y.count else { return false }
        for e in x.entries {
            guard let v = try y.get(e.key), try pyEquals(e.value, v, depth: depth + 1) else { return false }
        }
        return true
    case let (.set(x), .set(y)):
        guard x.count == y.count else { return false }
        for v in x.items where !(try y.contains(v)) { return false }
        return true
    case (.object(let o), _):
        if let r = try o.compare(.eq, b) { return try isTruthy(r) }
        if case .object(let p) = b, let r = try p.compare(.eq, a) { return try isTruthy(r) }
        if case .object(let p) = b { return o === p }
        return false
    case (_, .object(let p)):
        if let r = try p.compare(.eq, a) { return try isTruthy(r) }
        return false
    default:
        return a == b
    }
}

/// A rich comparison; the result is usually a bool but objects (tensors) may return anything.
func compareValues(_ op: CompareOperator, _ a: Value, _ b: Value) throws -> Value {
    if case .object(let o) = a, let r = try o.compare(op, b) { return r }
    if case .object(let o) = b, let r = try o.compare(op.swapped, a) { return r }
    switch op {
    case .eq: return .bool(try pyEquals(a, b))
    case .ne: return .bool(!(try pyEquals(a, b)))
    default: return .bool(try orderValues(op, a, b))
    }
}

func orderValues(_ op: CompareOperator, _ a: Value, _ b: Value, depth: Int = 0) throws -> Bool {
    func cmp<T: Comparable>(_ x: T, _ y: T) -> Bool {
        switch op {
        case .lt: return x < y
        case .le: return x <= y
        case .gt: return x > y
        case .ge: return x >= y
        case .eq: return x == y
        case .ne: return x != y
        }
    }
    switch (a.asIntLike, b.asIntLike) {
    case let (.int(x), .int(y)): return cmp(x, y)
    case let (.float(x), .float(y)): return cmp(x, y)
    case let (.int(x), .float(y)): return cmp(Double(x), y)
    case let (.float(x), .int(y)): return cmp(x, Double(y))
    case let (.str(x), .str(y)):
        // Python compares code points, not grapheme clusters.
        if x == y { return cmp(0, 0) }
        let xs = x.unicodeScalars.map(\.value), ys = y.unicodeScalars.map(\.value)
        return cmp(xs.lexicographicallyPrecedes(ys) ? -1 : 1, 0)
    case let (.list(x), .list(y)): return try sequenceOrder(op, x.items, y.items, depth)
    case let (.tuple(x), .tuple(y)): return try sequenceOrder(op, x, y, depth)
    case let (.set(x), .set(y)):
        let sub = try x.items.allSatisfy { try y.contains($0) }
        let sup = try y.items.allSatisfy { try x.contains($0) }
        switch op {
        case .le: return sub
        case .lt: return sub && x.count < y.count
        case .ge: return sup
        case .gt: return sup && x.count > y.count
        default: break
        }
    default: break
    }
    throw PyException.typeError("'\(op.rawValue)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
}

private func sequenceOrder(_ op: CompareOperator, _ x: [Value], _ y: [Value], _ depth: Int) throws -> Bool {
    if depth > 500 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded in comparison") }
    for (p, q) in zip(x, y) where !(try pyEquals(p, q, depth: depth + 1)) {
        return try orderValues(op, p, q, depth: depth + 1)
    }
    return try orderValues(op, .int(x.count), .int(y.count))
}

/// `item in container`.
func containsValue(_ container: Value, _ item: Value) throws -> Bool {
    switch container {
    case .str(let s):
        guard case .str(let sub) = item else {
            throw PyException.typeError("'in <string>' requires string as left operand, not \(item.typeName)")
        }
        return sub.isEmpty || s.contains(sub)
    case .list(let l): for v in l.items where try pyEquals(v, item) { return true }; return false
    case .tuple(let t): for v in t where try pyEquals(v, item) { return true }; return false
    case .dict(let d): return try d.get(item) != nil
    case .set(let s): return try s.contains(item)
    case .object(let o):
        if let r = try o.contains(item) { return r }
        if let it = try o.makeIterator() {
            while let v = try it.next() { if try pyEquals(v, item) { return true } }
            return false
        }
    default: break
    }
    throw PyException.typeError("argument of type '\(container.typeName)' is not iterable")
}

// MARK: iteration

/// The elements of an iterable, collected eagerly (checks the interrupt flag via `interp`).
func iterateToArray(_ v: Value, _ interp: Interpreter? = nil) throws -> [Value] {
    switch v {
    case .list(let l): return l.items
    case .tuple(let t): return t
    case .str(let s): return s.unicodeScalars.map { .str(String($0)) }
    case .dict(let d): return d.keys
    case .set(let s): return s.items
    case .object(let o):
        if let r = o as? PyRange {
            if r.count > maxSequenceLength { throw PyException.memoryError("range too large to materialise") }
            var out: [Value] = []
            out.reserveCapacity(r.count)
            var i = r.start
            for _ in 0..<r.count { out.append(.int(i)); i &+= r.step }
            return out
        }
        guard let it = try o.makeIterator() else { break }
        var out: [Value] = []
        while let x = try it.next() {
            out.append(x)
            if out.count > maxSequenceLength { throw PyException.memoryError("iterator too long") }
            if out.count & 1023 == 0 { try interp?.checkInterrupt() }
        }
        return out
    default: break
    }
    throw PyException.typeError("'\(v.typeName)' object is not iterable")
}

/// `iter(v)`.
func makeIterator(_ v: Value) throws -> PyIterator {
    switch v {
    case .list(let l):
        var i = 0
        return PyIterator("list_iterator") {
            guard i < l.items.count else { return nil }
            defer { i += 1 }
            return l.items[i]
        }
    case .tuple, .str, .dict, .set:
        return PyIterator(try iterateToArray(v), kind: "\(v.typeName)_iterator")
    case .object(let o):
        if let it = try o.makeIterator() { return it }
    default: break
    }
    throw PyException.typeError("'\(v.typeName)' object is not iterable")
}

// MARK: indexing

/// Normalises a sequence index, raising `IndexError` with `what` (`list index out of range`).
func sequenceIndex(_ key: Value, count: Int, what: String) throws -> Int {
    guard var i = try intValueForIndex(key) else {
        throw PyException.typeError("\(what) indices must be integers or slices, not \(key.typeName)")
    }
    if i < 0 { i += count }
    guard i >= 0, i < count else { throw PyException.indexError("\(what) index out of range") }
    return i
}

func sliceArray<T>(_ a: [T], _ s: PySlice) throws -> [T] {
    let (start, _, step, n) = try s.indices(a.count)
    if step == 1 { return Array(a[start..<(start + n)]) }
    var out: [T] = []
    out.reserveCapacity(n)
    var i = start
    for _ in 0..<n { out.append(a[i]); i += step }
    return out
}

/// `container[key]` for the built-in types (objects use their own `getItem`).
func getItem(_ container: Value, _ key: Value) throws -> Value {
    switch container {
    case .list(let l):
        if case .object(let o) = key, let s = o as? PySlice { return .list(PyList(try sliceArray(l.items, s))) }
        return l.items[try sequenceIndex(key, count: l.items.count, what: "list")]
    case .tuple(let t):
        if case .object(let o) = key, let s = o as? PySlice { return .tuple(try sliceArray(t, s)) }
        return t[try sequenceIndex(key, count: t.count, what: "tuple")]
    case .str(let str):
        let u = Array(str.unicodeScalars)
        if case .object(let o) = key, let s = o as? PySlice {
            return .str(String(String.UnicodeScalarView(try sliceArray(u, s))))
        }
        return .str(String(u[try sequenceIndex(key, count: u.count, what: "string")]))
    case .dict(let d):
        if let v = try d.get(key) { return v }
        throw PyException.keyError(key)
    case .object(let o): return try o.getItem(key)
    default:
        throw PyException.typeError("'\(container.typeName)' object is not subscriptable")
    }
}

/// `container[key] = value`.
func setItem(_ container: Value, _ key: Value, _ value: Value) throws {
    switch container {
    case .list(let l):
        if case .object(let o) = key, let s = o as? PySlice {
            let new = try iterateToArray(value)
            let (start, stop, step, n) = try s.indices(l.items.count)
            if step == 1 {
                l.items.replaceSubrange(start..<max(start, stop), with: new)
            } else {
                guard new.count == n else {
                    throw PyException.valueError("attempt to assign sequence of size \(new.count) to extended slice of size \(n)")
                }
                var i = start
                for v in new { l.items[i] = v; i += step }
            }
            return
        }
        guard let _ = try intValueForIndex(key) else {
            throw PyException.typeError("list indices must be integers or slices, not \(key.typeName)")
        }
        l.items[try sequenceIndex(key, count: l.items.count, what: "list assignment")] = value
    case .dict(let d): try d.set(key, value)
    case .object(let o): try o.setItem(key, value)
    default:
        throw PyException.typeError("'\(container.typeName)' object does not support item assignment")
    }
}

/// `del container[key]`.
func deleteItem(_ container: Value, _ key: Value) throws {
    switch container {
    case .list(let l):
        if case .object(let o) = key, let s = o as? PySlice {
            let (start, _, step, n) = try s.indices(l.items.count)
            var idx = Set<Int>()
            var i = start
            for _ in 0..<n { idx.insert(i); i += step }
            l.items = l.items.enumerated().filter { !idx.contains($0.offset) }.map(\.element)
            return
        }
        l.items.remove(at: try sequenceIndex(key, count: l.items.count, what: "list assignment"))
    case .dict(let d):
        if try d.remove(key) == nil { throw PyException.keyError(key) }
    case .object(let o): try o.deleteItem(key)
    default:
        throw PyException.typeError("'\(container.typeName)' object doesn't support item deletion")
    }
}

/// `len(v)`.
func lengthOf(_ v: Value) throws -> Int {
    switch v {
    case .str(let s): return s.unicodeScalars.count
    case .list(let l): return l.items.count
    case .tuple(let t): return t.count
    case .dict(let d): return d.count
    case .set(let s): return s.count
    case .object(let o): if let n = try o.length() { return n }
    default: break
    }
    throw PyException.typeError("object of type '\(v.typeName)' has no len()")
}
