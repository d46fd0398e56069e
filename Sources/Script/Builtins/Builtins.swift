import Foundation

/// The builtins module: functions and types every program sees.
enum Builtins {
    static func make() -> [String: Value] {
        var b: [String: Value] = [:]
        func def(_ name: String, _ body: @escaping (Arguments) throws -> Value) {
            b[name] = .builtin(BuiltinFunction(name, body))
        }
        func type(_ name: String, _ ctor: @escaping (Arguments) throws -> Value) {
            b[name] = .object(PyType(name, base: PyType.object, constructor: ctor))
        }

        for t in PyException.allTypes { b[t.name] = .object(t) }
        b["EOFError"] = .object(eofErrorType)
        b["Ellipsis"] = .object(PyEllipsis.shared)
        b["object"] = .object(PyType.object)

        def("print") { a in
            try a.check(maxPositional: Int.max, keywords: ["sep", "end", "file", "flush"])
            let sep = try a.keyword("sep").flatMap { $0.isNone ? nil : try stringArg($0, "sep") } ?? " "
            let end = try a.keyword("end").flatMap { $0.isNone ? nil : try stringArg($0, "end") } ?? "\n"
            let text = try a.positional.map { try pyStr($0) }.joined(separator: sep) + end
            if let file = a.keyword("file"), !file.isNone {
                _ = try a.interpreter.call(try a.interpreter.getAttribute(file, "write"), [.str(text)])
            } else {
                a.interpreter.stdout(text)
            }
            return .none
        }
        def("len") { a in try a.exactly(1); return .int(try lengthOf(a.positional[0])) }
        type("range") { a in
            try a.check(maxPositional: 3)
            guard !a.positional.isEmpty else { throw PyException.typeError("range expected at least 1 argument, got 0") }
            let ints = try a.positional.map { v -> Int in
                guard let i = try intValueForIndex(v) else {
                    throw PyException.typeError("'\(v.typeName)' object cannot be interpreted as an integer")
                }
                return i
            }
            switch ints.count {
            case 1: return .object(PyRange(0, ints[0], 1))
            case 2: return .object(PyRange(ints[0], ints[1], 1))
            default:
                if ints[2] == 0 { throw PyException.valueError("range() arg 3 must not be zero") }
                return .object(PyRange(ints[0], ints[1], ints[2]))
            }
        }
        type("enumerate") { a in
            try a.check(maxPositional: 2, keywords: ["iterable", "start"])
            let it = try makeIterator(try a.value(0, "iterable"))
            var i = try a.int(1, "start", default: 0)
            return .object(PyIterator("enumerate") {
                guard let v = try it.next() else { return nil }
                defer { i += 1 }
                return .tuple([.int(i), v])
            })
        }
        type("zip") { a in
            try a.check(maxPositional: Int.max, keywords: ["strict"])
            let its = try a.positional.map { try makeIterator($0) }
            if its.isEmpty { return .object(PyIterator([], kind: "zip")) }
            return .object(PyIterator("zip") {
                var out: [Value] = []
                for it in its { guard let v = try it.next() else { return nil }; out.append(v) }
                return .tuple(out)
            })
        }
        type("map") { a in
            guard a.positional.count >= 2 else { throw PyException.typeError("map() must have at least two arguments.") }
            let fn = a.positional[0]
            let its = try a.positional.dropFirst().map { try makeIterator($0) }
            let interp = a.interpreter
            return .object(PyIterator("map") {
                var args: [Value] = []
                for it in its { guard let v = try it.next() else { return nil }; args.append(v) }
                return try interp.call(fn, args)
            })
        }
        type("filter") { a in
            try a.exactly(2)
            let fn = a.positional[0]
            let it = try makeIterator(a.positional[1])
            let interp = a.interpreter
            return .object(PyIterator("filter") {
                while let v = try it.next() {
                    let keep = fn.isNone ? try isTruthy(v) : try isTruthy(try interp.call(fn, [v]))
                    if keep { return v }
                }
                return nil
            })
        }
        type("reversed") { a in
            try a.exactly(1)
            let v = a.positional[0]
            switch v {
            case .list, .tuple, .str: return .object(PyIterator(try iterateToArray(v).reversed(), kind: "reversed"))
            case .dict(let d): return .object(PyIterator(d.keys.reversed(), kind: "dict_reversekeyiterator"))
            case .object(let o) where o is PyRange: return .object(PyIterator(try iterateToArray(v).reversed(), kind: "range_iterator"))
            default: throw PyException.typeError("'\(v.typeName)' object is not reversible")
            }
        }
        def("sorted") { a in
            try a.check(maxPositional: 1, keywords: ["key", "reverse"])
            var items = try iterateToArray(try a.value(0, "iterable"), a.interpreter)
            try sortValues(&items, key: a.keyword("key"), reverse: try a.bool(-1, "reverse", default: false), a.interpreter)
            return .list(PyList(items))
        }
        type("list") { a in
            try a.check(maxPositional: 1)
            guard let v = a.positional.first else { return .list(PyList()) }
            return .list(PyList(try iterateToArray(v, a.interpreter)))
        }
        type("tuple") { a in
            try a.check(maxPositional: 1)
            guard let v = a.positional.first else { return .tuple([]) }
            return .tuple(try iterateToArray(v, a.interpreter))
        }
        type("set") { a in
            try a.check(maxPositional: 1)
            guard let v = a.positional.first else { return .set(PySet()) }
            return .set(try PySet(try iterateToArray(v, a.interpreter)))
        }
        type("frozenset") { a in
            guard let v = a.positional.first else { return .set(PySet()) }
            return .set(try PySet(try iterateToArray(v, a.interpreter)))
        }
        type("dict") { a in
            try a.check(maxPositional: 1, keywords: a.keywords.map(\.0))
            let d = PyDict()
            if let v = a.positional.first {
                if case .dict(let other) = v { for e in other.entries { d.setUnchecked(e.key, e.value) } }
                else {
                    for item in try iterateToArray(v, a.interpreter) {
                        let pair = try iterateToArray(item)
                        guard pair.count == 2 else {
                            throw PyException.valueError("dictionary update sequence element has length \(pair.count); 2 is required")
                        }
                        try d.set(pair[0], pair[1])
                    }
                }
            }
            for (k, v) in a.keywords { d.set(k, v) }
            return .dict(d)
        }
        type("int") { a in
            try a.check(maxPositional: 2, keywords: ["base"])
            guard let v = a.positional.first else { return .int(0) }
            if let bv = try a.optional(1, "base") {
                guard case .str(let s) = v else { throw PyException.typeError("int() can't convert non-string with explicit base") }
                return .int(try parseInt(s, base: try a.intValue(bv, "base")))
            }
            return .int(try toInt(v))
        }
        type("float") { a in
            try a.check(maxPositional: 1)
            guard let v = a.positional.first else { return .float(0) }
            return .float(try toFloat(v))
        }
        type("str") { a in
            try a.check(maxPositional: 1, keywords: ["object"])
            guard let v = try a.optional(0, "object") else { return .str("") }
            return .str(try pyStr(v))
        }
        type("bool") { a in
            try a.check(maxPositional: 1)
            guard let v = a.positional.first else { return .bool(false) }
            return .bool(try isTruthy(v))
        }
        type("slice") { a in
            switch a.positional.count {
            case 1: return .object(PySlice(.none, a.positional[0], .none))
            case 2: return .object(PySlice(a.positional[0], a.positional[1], .none))
            case 3: return .object(PySlice(a.positional[0], a.positional[1], a.positional[2]))
            default: throw PyException.typeError("slice expected at least 1 argument, got \(a.positional.count)")
            }
        }
        type("type") { a in
            try a.exactly(1)
            return .object(a.interpreter.typeObject(of: a.positional[0]))
        }
        def("repr") { a in try a.exactly(1); return .str(try pyRepr(a.positional[0])) }
        def("ascii") { a in try a.exactly(1); return .str(try pyRepr(a.positional[0])) }
        def("format") { a in
            try a.check(maxPositional: 2)
            return .str(try formatValue(try a.value(0, "value"), try a.string(1, "format_spec", default: "")))
        }
        def("abs") { a in
            try a.exactly(1)
            switch a.positional[0].asIntLike {
            case .int(let i):
                if i == Int.min { throw PyException.overflow() }
                return .int(Swift.abs(i))
            case .float(let d): return .float(Swift.abs(d))
            case .object(let o):
                if let r = try o.getAttribute("abs"), case let v = try a.interpreter.call(r, []) { return v }
                throw PyException.typeError("bad operand type for abs(): '\(o.typeName)'")
            default: throw PyException.typeError("bad operand type for abs(): '\(a.positional[0].typeName)'")
            }
        }
        def("min") { a in try minMax(a, wantMax: false) }
        def("max") { a in try minMax(a, wantMax: true) }
        def("sum") { a in
            try a.check(maxPositional: 2, keywords: ["start"])
            var total = try a.optional(1, "start") ?? .int(0)
            if case .str = total { throw PyException.typeError("sum() can't sum strings [use ''.join(seq) instead]") }
            for v in try iterateToArray(try a.value(0, "iterable"), a.interpreter) {
                if case .int(let x) = total, case .int(let y) = v {
                    let (r, o) = x.addingReportingOverflow(y)
                    if !o { total = .int(r); continue }
                }
                total = try binaryOp(.add, total, v)
            }
            return total
        }
        def("round") { a in
            try a.check(maxPositional: 2, keywords: ["ndigits"])
            let v = try a.value(0, "number")
            let nd = try a.optional(1, "ndigits")
            return try roundValue(v, nd.flatMap { $0.isNone ? nil : $0 }, a)
        }
        def("divmod") { a in
            try a.exactly(2)
            return .tuple([try binaryOp(.floorDiv, a.positional[0], a.positional[1]), try binaryOp(.mod, a.positional[0], a.positional[1])])
        }
        def("pow") { a in
            try a.check(maxPositional: 3)
            guard a.positional.count >= 2 else { throw PyException.typeError("pow() missing required argument 'exp' (pos 2)") }
            if a.positional.count == 3 {
                guard case .int(var base) = a.positional[0].asIntLike, case .int(var e) = a.positional[1].asIntLike,
                      case .int(let m) = a.positional[2].asIntLike else {
                    throw PyException.typeError("pow() 3rd argument not allowed unless all arguments are integers")
                }
                if m == 0 { throw PyException.valueError("pow() 3rd argument cannot be 0") }
                if e < 0 { throw PyException.valueError("pow() negative exponent with modulus is not supported by dsh") }
                let am = Swift.abs(m)
                var r = 1 % am
                base = try floorMod(base, am)
                while e > 0 {
                    if e & 1 == 1 { r = mulMod(r, base, am) }
                    base = mulMod(base, base, am)
                    e >>= 1
                }
                return .int(m < 0 && r != 0 ? r + m : r)
            }
            return try binaryOp(.pow, a.positional[0], a.positional[1])
        }
        def("hex") { a in try a.exactly(1); return .str(try radixString(a.positional[0], 16, "0x")) }
        def("oct") { a in try a.exactly(1); return .str(try radixString(a.positional[0], 8, "0o")) }
        def("bin") { a in try a.exactly(1); return .str(try radixString(a.positional[0], 2, "0b")) }
        def("chr") { a in
            try a.exactly(1)
            let i = try a.int(0, "i")
            guard i >= 0, i <= 0x10FFFF, let u = Unicode.Scalar(UInt32(i)) else { throw PyException.valueError("chr() arg not in range(0x110000)") }
            return .str(String(Character(u)))
        }
        def("ord") { a in
            try a.exactly(1)
            guard case .str(let s) = a.positional[0] else {
                throw PyException.typeError("ord() expected string of length 1, but \(a.positional[0].typeName) found")
            }
            let u = Array(s.unicodeScalars)
            guard u.count == 1 else { throw PyException.typeError("ord() expected a character, but string of length \(u.count) found") }
            return .int(Int(u[0].value))
        }
        def("isinstance") { a in
            try a.exactly(2)
            return .bool(try isInstance(a.positional[0], a.positional[1], a.interpreter))
        }
        def("issubclass") { a in
            try a.exactly(2)
            guard case .object(let o) = a.positional[0], let t = o as? PyType else { throw PyException.typeError("issubclass() arg 1 must be a class") }
            func check(_ spec: Value) throws -> Bool {
                if case .tuple(let ts) = spec { return try ts.contains { try check($0) } }
                guard case .object(let so) = spec, let st = so as? PyType else { throw PyException.typeError("issubclass() arg 2 must be a class, a tuple of classes, or a union") }
                return st.name == "object" || t.isSubtype(of: st)
            }
            return .bool(try check(a.positional[1]))
        }
        def("getattr") { a in
            guard a.positional.count == 2 || a.positional.count == 3 else {
                throw PyException.typeError("getattr expected 2 or 3 arguments, got \(a.positional.count)")
            }
            guard case .str(let n) = a.positional[1] else { throw PyException.typeError("attribute name must be string, not '\(a.positional[1].typeName)'") }
            do { return try a.interpreter.getAttribute(a.positional[0], n) } catch let e as PyException where e.type.isSubtype(of: PyException.attributeErrorType) {
                if a.positional.count == 3 { return a.positional[2] }
                throw e
            }
        }
        def("hasattr") { a in
            try a.exactly(2)
            guard case .str(let n) = a.positional[1] else { throw PyException.typeError("hasattr(): attribute name must be string") }
            do { _ = try a.interpreter.getAttribute(a.positional[0], n); return .bool(true) } catch let e as PyException where e.type.isSubtype(of: PyException.attributeErrorType) {
                return .bool(false)
            }
        }
        def("setattr") { a in
            try a.exactly(3)
            guard case .str(let n) = a.positional[1] else { throw PyException.typeError("attribute name must be string, not '\(a.positional[1].typeName)'") }
            try a.interpreter.setAttribute(a.positional[0], n, a.positional[2])
            return .none
        }
        def("dir") { a in
            try a.check(maxPositional: 1)
            guard let v = a.positional.first else { return .list(PyList(a.interpreter.globalNames.sorted().map { .str($0) })) }
            return .list(PyList(a.interpreter.attributeNames(of: v).sorted().map { .str($0) }))
        }
        def("help") { a in
            guard let v = a.positional.first else {
                a.interpreter.stdout("Type help(obj) to see what obj is and what you can do with it.\n")
                return .none
            }
            a.interpreter.stdout(helpText(v, a.interpreter))
            return .none
        }
        def("id") { a in
            try a.exactly(1)
            switch a.positional[0] {
            case .list(let x): return .int(ObjectIdentifier(x).hashValue)
            case .dict(let x): return .int(ObjectIdentifier(x).hashValue)
            case .set(let x): return .int(ObjectIdentifier(x).hashValue)
            case .function(let x): return .int(ObjectIdentifier(x).hashValue)
            case .builtin(let x): return .int(ObjectIdentifier(x).hashValue)
            case .module(let x): return .int(ObjectIdentifier(x).hashValue)
            case .object(let x): return .int(ObjectIdentifier(x).hashValue)
            default: return .int(a.positional[0].hashValue)
            }
        }
        def("hash") { a in
            try a.exactly(1)
            try checkHashable(a.positional[0])
            switch a.positional[0].asIntLike {
            case .int(let i): return .int(i == -1 ? -2 : i)
            case .float(let d) where d == d.rounded() && Swift.abs(d) < 9e18: return .int(Int(d) == -1 ? -2 : Int(d))
            default: return .int(a.positional[0].hashValue)
            }
        }
        def("callable") { a in
            try a.exactly(1)
            switch a.positional[0] {
            case .function, .builtin: return .bool(true)
            case .object(let o): return .bool(o.isCallable)
            default: return .bool(false)
            }
        }
        def("iter") { a in try a.exactly(1); return .object(try makeIterator(a.positional[0])) }
        def("next") { a in
            try a.check(maxPositional: 2)
            guard let v = a.positional.first else { throw PyException.typeError("next expected at least 1 argument, got 0") }
            guard case .object(let o) = v, let it = o as? PyIterator else {
                throw PyException.typeError("'\(v.typeName)' object is not an iterator")
            }
            if let x = try it.next() { return x }
            if a.positional.count == 2 { return a.positional[1] }
            throw PyException(PyException.stopIterationType)
        }
        def("any") { a in
            try a.exactly(1)
            let it = try makeIterator(a.positional[0])
            while let v = try it.next() { if try isTruthy(v) { return .bool(true) } }
            return .bool(false)
        }
        def("all") { a in
            try a.exactly(1)
            let it = try makeIterator(a.positional[0])
            while let v = try it.next() { if try !isTruthy(v) { return .bool(false) } }
            return .bool(true)
        }
        def("input") { a in
            try a.check(maxPositional: 1)
            let prompt = try a.positional.first.map { try pyStr($0) } ?? ""
            guard let line = a.interpreter.readLine(prompt) else { throw PyException(eofErrorType, "EOF when reading a line") }
            return .str(line)
        }
        def("open") { a in try openFile(a) }
        for n in ["exit", "quit"] {
            def(n) { a in
                try a.check(maxPositional: 1, keywords: ["code"])
                throw PyException(PyException.systemExitType, try a.optional(0, "code").map { [$0] } ?? [])
            }
        }
        def("globals") { a in
            let d = PyDict()
            for n in a.interpreter.globalNames { if let v = a.interpreter.global(n) { d.set(n, v) } }
            return .dict(d)
        }
        return b
    }

    static let eofErrorType = PyException.make("EOFError", PyException.exceptionType)
}

func stringArg(_ v: Value, _ name: String) throws -> String {
    guard case .str(let s) = v else { throw PyException.typeError("\(name) must be None or a string, not \(v.typeName)") }
    return s
}

/// (a * b) mod m for 0 <= a, b < m, without overflow.
private func mulMod(_ a: Int, _ b: Int, _ m: Int) -> Int {
    let p = a.magnitude.multipliedFullWidth(by: b.magnitude)
    let (_, r) = m.magnitude.dividingFullWidth((p.high, p.low))
    return Int(r)
}

func isInstance(_ v: Value, _ spec: Value, _ interp: Interpreter) throws -> Bool {
    switch spec {
    case .tuple(let ts): return try ts.contains { try isInstance(v, $0, interp) }
    case .object(let o):
        if let t = o as? PyType { return interp.isInstance(v, t) }
    default: break
    }
    throw PyException.typeError("isinstance() arg 2 must be a type, a tuple of types, or a union")
}

/// `int(v)` for values other than (str, base).
func toInt(_ v: Value) throws -> Int {
    switch v {
    case .int(let i): return i
    case .bool(let b): return b ? 1 : 0
    case .float(let d):
        if d.isNaN { throw PyException.valueError("cannot convert float NaN to integer") }
        if d.isInfinite { throw PyException.overflow("cannot convert float infinity to integer") }
        guard d > -9.223372036854775808e18, d < 9.223372036854775808e18 else { throw PyException.overflow() }
        return Int(d)
    case .str(let s): return try parseInt(s, base: 10)
    case .object(let o):
        if let i = try o.toInt() { return i }
        if let d = try o.toDouble() { return try toInt(.float(d)) }
    default: break
    }
    throw PyException.typeError("int() argument must be a string, a bytes-like object or a real number, not '\(v.typeName)'")
}

func parseInt(_ text: String, base: Int) throws -> Int {
    guard base == 0 || (2...36).contains(base) else { throw PyException.valueError("int() base must be >= 2 and <= 36, or 0") }
    let bad = PyException.valueError("invalid literal for int() with base \(base): \(quoteString(text))")
    var s = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
    var negative = false
    if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
    var b = base
    let lower = s.lowercased()
    for (p, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(p) && (base == 0 || base == r) {
        b = r; s = s.dropFirst(2)
        if s.hasPrefix("_") { s = s.dropFirst() }
    }
    if b == 0 {
        b = 10
        if s.count > 1 && s.hasPrefix("0") && s.contains(where: { $0 != "0" && $0 != "_" }) { throw bad }
    }
    if s.isEmpty || s.hasPrefix("_") || s.hasSuffix("_") || s.contains("__") { throw bad }
    let digits = s.replacingOccurrences(of: "_", with: "")
    guard let mag = UInt64(digits, radix: b) else {
        if digits.allSatisfy({ Int(String($0), radix: b) != nil }) { throw PyException.overflow("int too large: dsh ints are 64-bit") }
        throw bad
    }
    if negative {
        if mag == UInt64(Int64.max) + 1 { return Int.min }
        guard mag <= UInt64(Int.max) else { throw PyException.overflow("int too large: dsh ints are 64-bit") }
        return -Int(mag)
    }
    guard mag <= UInt64(Int.max) else { throw PyException.overflow("int too large: dsh ints are 64-bit") }
    return Int(mag)
}

/// `float(v)`.
func toFloat(_ v: Value) throws -> Double {
    switch v {
    case .int(let i): return Double(i)
    case .bool(let b): return b ? 1 : 0
    case .float(let d): return d
    case .str(let s):
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "_", with: "")
        switch t.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        if let d = Double(t), !t.lowercased().contains("x"), !t.isEmpty, t.first != "." || t.count > 1 { return d }
        throw PyException.valueError("could not convert string to float: \(quoteString(s))")
    case .object(let o):
        if let d = try o.toDouble() { return d }
    default: break
    }
    throw PyException.typeError("float() argument must be a string or a real number, not '\(v.typeName)'")
}

func radixString(_ v: Value, _ radix: Int, _ prefix: String) throws -> String {
    guard case .int(let i) = v.asIntLike else {
        throw PyException.typeError("'\(v.typeName)' object cannot be interpreted as an integer")
    }
    return (i < 0 ? "-" : "") + prefix + String(i.magnitude, radix: radix)
}

func roundValue(_ v: Value, _ nd: Value?, _ a: Arguments) throws -> Value {
    switch v.asIntLike {
    case .int(let i):
        guard let n = try nd.map({ try a.intValue($0, "ndigits") }), n < 0 else { return .int(i) }
        if n < -18 { return .int(0) }
        var p = 1
        for _ in 0..<(-n) { p *= 10 }
        let q = try floorDiv(i, p), r = i - q * p
        var rounded = q
        if r * 2 > p || (r * 2 == p && q % 2 != 0) { rounded += 1 }
        let (res, o) = rounded.multipliedReportingOverflow(by: p)
        if o { throw PyException.overflow() }
        return .int(res)
    case .float(let d):
        guard let ndv = nd else {
            if d.isNaN { throw PyException.valueError("cannot convert float NaN to integer") }
            if d.isInfinite { throw PyException.overflow("cannot convert float infinity to integer") }
            return .int(try toInt(.float(d.rounded(.toNearestOrEven))))
        }
        let n = try a.intValue(ndv, "ndigits")
        if !d.isFinite { return .float(d) }
        if n > 300 { return .float(d) }
        if n >= 0 {
            // printf rounds the exact binary value half-to-even, as Python's round does.
            return .float(Double(String(format: "%.\(n)f", d)) ?? d)
        }
        let p = Foundation.pow(10.0, Double(-n))
        return .float((d / p).rounded(.toNearestOrEven) * p)
    case .object(let o):
        if let d = try o.toDouble() { return try roundValue(.float(d), nd, a) }
        fallthrough
    default:
        throw PyException.typeError("type \(v.typeName) doesn't define __round__ method")
    }
}

func minMax(_ a: Arguments, wantMax: Bool) throws -> Value {
    let name = wantMax ? "max" : "min"
    try a.check(maxPositional: Int.max, keywords: ["key", "default"])
    var items: [Value]
    if a.positional.count == 1 {
        items = try iterateToArray(a.positional[0], a.interpreter)
    } else if a.positional.isEmpty {
        throw PyException.typeError("\(name) expected at least 1 argument, got 0")
    } else {
        if a.keyword("default") != nil {
            throw PyException.typeError("Cannot specify a default for \(name)() with multiple positional arguments")
        }
        items = a.positional
    }
    guard !items.isEmpty else {
        if let d = a.keyword("default") { return d }
        throw PyException.valueError("\(name)() arg is an empty sequence")
    }
    let key = a.keyword("key").flatMap { $0.isNone ? nil : $0 }
    var best = items[0]
    var bestKey = try key.map { try a.interpreter.call($0, [best]) } ?? best
    for v in items.dropFirst() {
        let k = try key.map { try a.interpreter.call($0, [v]) } ?? v
        let better = try isTruthy(try compareValues(wantMax ? .gt : .lt, k, bestKey))
        if better { best = v; bestKey = k }
    }
    return best
}

/// A stable merge sort whose comparisons may raise (Python's `sorted`/`list.sort`).
func sortValues(_ items: inout [Value], key: Value?, reverse: Bool, _ interp: Interpreter) throws {
    let keyFn = key.flatMap { $0.isNone ? nil : $0 }
    let keys = try keyFn.map { k in try items.map { try interp.call(k, [$0]) } } ?? items
    var idx = Array(items.indices)
    func less(_ i: Int, _ j: Int) throws -> Bool {
        let (x, y) = reverse ? (keys[j], keys[i]) : (keys[i], keys[j])
        if case .int(let p) = x, case .int(let q) = y { return p < q }
        return try isTruthy(try compareValues(.lt, x, y))
    }
    var tmp = idx
    func mergeSort(_ lo: Int, _ hi: Int) throws {
        if hi - lo < 2 { return }
        let mid = (lo + hi) / 2
        try mergeSort(lo, mid)
        try mergeSort(mid, hi)
        var i = lo, j = mid, k = lo
        while i < mid && j < hi {
            if try less(idx[j], idx[i]) { tmp[k] = idx[j]; j += 1 } else { tmp[k] = idx[i]; i += 1 }
            k += 1
        }
        while i < mid { tmp[k] = idx[i]; i += 1; k += 1 }
        while j < hi { tmp[k] = idx[j]; j += 1; k += 1 }
        for m in lo..<hi { idx[m] = tmp[m] }
    }
    try mergeSort(0, idx.count)
    let original = items
    items = idx.map { original[$0] }
}

func helpText(_ v: Value, _ interp: Interpreter) -> String {
    var out = ""
    switch v {
    case .builtin(let b): out = "Help on built-in function \(b.name):\n\n\(b.name)(...)\n"
    case .function(let f):
        let p = f.code.parameters
        var parts = p.positional.map { $0.defaultValue == nil ? $0.name : "\($0.name)=…" }
        if let va = p.varArgs { parts.append("*" + va) } else if !p.keywordOnly.isEmpty { parts.append("*") }
        parts += p.keywordOnly.map { $0.name }
        if let vk = p.varKeywords { parts.append("**" + vk) }
        out = "Help on function \(f.name):\n\n\(f.name)(\(parts.joined(separator: ", ")))\n"
    case .module(let m): out = "Help on module \(m.name):\n\nNAME\n    \(m.name)\n\nCONTENTS\n" + m.names.sorted().map { "    \($0)\n" }.joined()
    default:
        let names = interp.attributeNames(of: v).filter { !$0.hasPrefix("_") }.sorted()
        let t = (v.typeName == "type") ? ((try? pyRepr(v)) ?? "type") : v.typeName
        out = "Help on \(t) object:\n\n" + (names.isEmpty ? "" : "Attributes and methods:\n" + names.map { "    \($0)\n" }.joined())
    }
    return out
}
