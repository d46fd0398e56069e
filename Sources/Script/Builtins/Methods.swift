import Foundation

/// Methods of the built-in types (`str.split`, `list.append`, `dict.items`, …).
enum Methods {
    static let strMethods = ["capitalize", "casefold", "center", "count", "endswith", "find", "format", "index",
                             "isalnum", "isalpha", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
                             "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
                             "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition",
                             "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title",
                             "upper", "zfill"]
    static let listMethods = ["append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort"]
    static let dictMethods = ["clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values"]
    static let setMethods = ["add", "clear", "copy", "difference", "discard", "intersection", "isdisjoint", "issubset",
                             "issuperset", "pop", "remove", "symmetric_difference", "union", "update"]
    static let tupleMethods = ["count", "index"]
    static let intMethods = ["bit_length", "conjugate", "real", "imag"]
    static let floatMethods = ["conjugate", "is_integer", "real", "imag"]

    static func names(for v: Value) -> [String] {
        switch v {
        case .str: return strMethods
        case .list: return listMethods
        case .dict: return dictMethods
        case .set: return setMethods
        case .tuple: return tupleMethods
        case .int, .bool: return intMethods
        case .float: return floatMethods
        case .function: return ["__name__", "__doc__"]
        default: return []
        }
    }

    /// `v.name` for a built-in value: a bound method, or nil when there is none.
    static func bound(_ v: Value, _ name: String, _ interp: Interpreter) -> Value? {
        let owner = v.typeName
        func m(_ body: @escaping (Arguments) throws -> Value) -> Value {
            .builtin(BuiltinFunction(name, owner: owner, body))
        }
        switch v {
        case .str(let s):
            guard strMethods.contains(name) else { return nil }
            return m { a in try strMethod(s, name, a) }
        case .list(let l):
            guard listMethods.contains(name) else { return nil }
            return m { a in try listMethod(l, name, a) }
        case .dict(let d):
            guard dictMethods.contains(name) else { return nil }
            return m { a in try dictMethod(d, name, a) }
        case .set(let s):
            guard setMethods.contains(name) else { return nil }
            return m { a in try setMethod(s, name, a) }
        case .tuple(let t):
            switch name {
            case "count": return m { a in try a.exactly(1); return .int(try t.filter { try pyEquals($0, a.positional[0]) }.count) }
            case "index": return m { a in
                try a.exactly(1)
                for (i, x) in t.enumerated() where try pyEquals(x, a.positional[0]) { return .int(i) }
                throw PyException.valueError("tuple.index(x): x not in tuple")
            }
            default: return nil
            }
        case .int, .bool:
            guard case .int(let i) = v.asIntLike else { return nil }
            switch name {
            case "bit_length": return m { _ in .int(i == 0 ? 0 : Int.bitWidth - i.magnitude.leadingZeroBitCount) }
            case "conjugate": return m { _ in .int(i) }
            case "real": return .int(i)
            case "imag": return .int(0)
            default: return nil
            }
        case .float(let d):
            switch name {
            case "is_integer": return m { _ in .bool(d.isFinite && d == d.rounded()) }
            case "conjugate": return m { _ in .float(d) }
            case "real": return .float(d)
            case "imag": return .float(0)
            default: return nil
            }
        default: return nil
        }
    }

    // MARK: str

    static func strMethod(_ s: String, _ name: String, _ a: Arguments) throws -> Value {
        var a = a
        a.functionName = "str." + name
        func str(_ i: Int, _ n: String) throws -> String { try a.string(i, n) }
        switch name {
        case "upper": return .str(s.uppercased())
        case "lower", "casefold": return .str(s.lowercased())
        case "swapcase": return .str(String(s.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }))
        case "title":
            var out = ""
            var prevLetter = false
            for ch in s {
                out += prevLetter ? ch.lowercased() : ch.uppercased()
                prevLetter = ch.isLetter
            }
            return .str(out)
        case "capitalize": return .str(s.prefix(1).uppercased() + s.dropFirst().lowercased())
        case "strip", "lstrip", "rstrip":
            try a.check(maxPositional: 1)
            let chars = try a.optional(0, "chars").flatMap { $0.isNone ? nil : try stringArg($0, "chars") }
            let set: (Unicode.Scalar) -> Bool = chars.map { c in { c.unicodeScalars.contains($0) } } ?? { $0.properties.isWhitespace }
            var u = Substring(s).unicodeScalars[...]
            if name != "rstrip" { while let f = u.first, set(f) { u = u.dropFirst() } }
            if name != "lstrip" { while let l = u.last, set(l) { u = u.dropLast() } }
            return .str(String(String.UnicodeScalarView(u)))
        case "split", "rsplit":
            try a.check(maxPositional: 2, keywords: ["sep", "maxsplit"])
            let sep = try a.optional(0, "sep").flatMap { $0.isNone ? nil : try stringArg($0, "sep") }
            let maxsplit = try a.int(1, "maxsplit", default: -1)
            return .list(PyList(try split(s, sep, maxsplit, fromRight: name == "rsplit").map { .str($0) }))
        case "splitlines":
            let keep = try a.bool(0, "keepends", default: false)
            var out: [Value] = []
            var cur = ""
            var it = Array(s.unicodeScalars)[...]
            while let c = it.first {
                it = it.dropFirst()
                if c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}" || c == "\u{1C}" || c == "\u{1D}" || c == "\u{1E}" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" {
                    var end = String(c)
                    if c == "\r", it.first == "\n" { it = it.dropFirst(); end = "\r\n" }
                    out.append(.str(keep ? cur + end : cur))
                    cur = ""
                } else {
                    cur.unicodeScalars.append(c)
                }
            }
            if !cur.isEmpty { out.append(.str(cur)) }
            return .list(PyList(out))
        case "join":
            try a.exactly(1)
            let parts = try iterateToArray(a.positional[0], a.interpreter).enumerated().map { (i, v) -> String in
                guard case .str(let p) = v else {
                    throw PyException.typeError("sequence item \(i): expected str instance, \(v.typeName) found")
                }
                return p
            }
            return .str(parts.joined(separator: s))
        case "replace":
            try a.check(maxPositional: 3)
            let old = try str(0, "old"), new = try str(1, "new")
            let count = try a.int(2, "count", default: -1)
            if count < 0 {
                if old.isEmpty {
                    return .str(new + s.unicodeScalars.map { String($0) }.joined(separator: new) + (s.isEmpty ? "" : new))
                }
                return .str(s.replacingOccurrences(of: old, with: new))
            }
            var out = ""
            var rest = Substring(s)
            var n = 0
            while n < count, !old.isEmpty, let r = rest.range(of: old) {
                out += rest[..<r.lowerBound] + new
                rest = rest[r.upperBound...]
                n += 1
            }
            return .str(out + rest)
        case "startswith", "endswith":
            try a.check(maxPositional: 3)
            let u = Array(s.unicodeScalars)
            let (lo, hi) = try bounds(a, 1, u.count)
            let sub = String(String.UnicodeScalarView(u[lo..<max(lo, hi)]))
            let prefixes: [String]
            switch try a.value(0, "prefix") {
            case .str(let p): prefixes = [p]
            case .tuple(let t): prefixes = try t.map { try stringArg($0, "prefix") }
            case let other: throw PyException.typeError("\(name) first arg must be str or a tuple of str, not \(other.typeName)")
            }
            return .bool(prefixes.contains { p in
                name == "startswith" ? sub.unicodeScalars.starts(with: p.unicodeScalars) : Array(sub.unicodeScalars).reversed().starts(with: Array(p.unicodeScalars).reversed())
            })
        case "find", "rfind", "index", "rindex", "count":
            try a.check(maxPositional: 3)
            let sub = Array(try str(0, "sub").unicodeScalars)
            let u = Array(s.unicodeScalars)
            let (lo, hi) = try bounds(a, 1, u.count)
            var found: [Int] = []
            if hi - lo >= sub.count {
                var i = lo
                while i + sub.count <= hi {
                    if sub.isEmpty || u[i..<(i + sub.count)].elementsEqual(sub) {
                        found.append(i)
                        if name == "count" && !sub.isEmpty { i += sub.count; continue }
                        if name == "find" || name == "index" { break }
                    }
                    i += 1
                }
            }
            if name == "count" { return .int(found.count) }
            let r = (name == "find" || name == "index") ? found.first : found.last
            if let r = r { return .int(r) }
            if name.hasSuffix("index") { throw PyException.valueError("substring not found") }
            return .int(-1)
        case "ljust", "rjust", "center":
            try a.check(maxPositional: 2)
            let width = try a.int(0, "width")
            if width > maxSequenceLength { throw PyException.memoryError("string too large") }
            let fill = try a.string(1, "fillchar", default: " ")
            guard fill.count == 1 else { throw PyException.typeError("The fill character must be exactly one character long") }
            let n = s.unicodeScalars.count
            guard width > n else { return .str(s) }
            let padCount = width - n
            switch name {
            case "ljust": return .str(s + String(repeating: fill, count: padCount))
            case "rjust": return .str(String(repeating: fill, count: padCount) + s)
            default:
                // CPython's centering puts the extra space on the right when the string length is even.
                let left = padCount / 2 + (padCount & width & 1)
                return .str(String(repeating: fill, count: left) + s + String(repeating: fill, count: padCount - left))
            }
        case "zfill":
            try a.exactly(1)
            let width = try a.int(0, "width")
            if width > maxSequenceLength { throw PyException.memoryError("string too large") }
            let n = s.unicodeScalars.count
            guard width > n else { return .str(s) }
            var body = Substring(s)
            var sign = ""
            if let f = body.first, f == "+" || f == "-" { sign = String(f); body = body.dropFirst() }
            return .str(sign + String(repeating: "0", count: width - n) + body)
        case "format": return .str(try strFormat(s, a))
        case "isdigit", "isdecimal", "isnumeric":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil && (name == "isnumeric" || $0.properties.numericType == .decimal || (name == "isdigit" && $0.properties.numericType == .digit)) })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isWhitespace })
        case "isupper": return .bool(s.contains { $0.isCased } && !s.contains { $0.isLowercase })
        case "islower": return .bool(s.contains { $0.isCased } && !s.contains { $0.isUppercase })
        case "istitle":
            if case .str(let t) = try strMethod(s, "title", a) { return .bool(t == s && s.contains { $0.isCased }) }
            return .bool(false)
        case "isidentifier":
            guard let f = s.unicodeScalars.first, f == "_" || f.properties.isXIDStart else { return .bool(false) }
            return .bool(s.unicodeScalars.dropFirst().allSatisfy { $0 == "_" || $0.properties.isXIDContinue })
        case "partition", "rpartition":
            try a.exactly(1)
            let sep = try str(0, "sep")
            guard !sep.isEmpty else { throw PyException.valueError("empty separator") }
            let r = name == "partition" ? s.range(of: sep) : s.range(of: sep, options: .backwards)
            guard let r = r else { return name == "partition" ? .tuple([.str(s), "", ""]) : .tuple(["", "", .str(s)]) }
            return .tuple([.str(String(s[..<r.lowerBound])), .str(sep), .str(String(s[r.upperBound...]))])
        case "removeprefix":
            try a.exactly(1)
            let p = try str(0, "prefix")
            return .str(s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s)
        case "removesuffix":
            try a.exactly(1)
            let p = try str(0, "suffix")
            return .str(s.hasSuffix(p) && !p.isEmpty ? String(s.dropLast(p.count)) : s)
        default:
            throw PyException.attributeError("'str' object has no attribute '\(name)'")
        }
    }

    static func bounds(_ a: Arguments, _ first: Int, _ count: Int) throws -> (Int, Int) {
        func norm(_ v: Value?, _ d: Int) throws -> Int {
            guard let v = v, !v.isNone else { return d }
            guard var i = try intValueForIndex(v) else { throw PyException.typeError("slice indices must be integers or None or have an __index__ method") }
            if i < 0 { i = max(0, i + count) }
            return min(i, count)
        }
        let lo = try norm(first < a.positional.count ? a.positional[first] : nil, 0)
        let hi = try norm(first + 1 < a.positional.count ? a.positional[first + 1] : nil, count)
        return (lo, hi)
    }

    static func split(_ s: String, _ sep: String?, _ maxsplit: Int, fromRight: Bool) throws -> [String] {
        let u = Array(s.unicodeScalars)
        func str(_ x: ArraySlice<Unicode.Scalar>) -> String { String(String.UnicodeScalarView(x)) }
        guard let sep = sep else {
            // Whitespace split: runs of whitespace, no empty strings.
            var words: [(Int, Int)] = []
            var i = 0
            while i < u.count {
                while i < u.count, u[i].properties.isWhitespace { i += 1 }
                if i >= u.count { break }
                let st = i
                while i < u.count, !u[i].properties.isWhitespace { i += 1 }
                words.append((st, i))
            }
            if maxsplit < 0 || words.count <= maxsplit + 1 { return words.map { str(u[$0.0..<$0.1]) } }
            if fromRight {
                let keep = words.suffix(maxsplit)
                let headEnd = words[words.count - maxsplit - 1].1
                var lo = 0
                while lo < u.count, u[lo].properties.isWhitespace { lo += 1 }
                return [str(u[lo..<headEnd])] + keep.map { str(u[$0.0..<$0.1]) }
            }
            let head = words.prefix(maxsplit).map { str(u[$0.0..<$0.1]) }
            var tailStart = words[maxsplit].0
            if tailStart > u.count { tailStart = u.count }
            var tailEnd = u.count
            while tailEnd > tailStart, u[tailEnd - 1].properties.isWhitespace { tailEnd -= 1 }
            return head + [str(u[tailStart..<tailEnd])]
        }
        let p = Array(sep.unicodeScalars)
        guard !p.isEmpty else { throw PyException.valueError("empty separator") }
        var cuts: [Int] = []
        var i = 0
        while i + p.count <= u.count {
            if u[i..<(i + p.count)].elementsEqual(p) { cuts.append(i); i += p.count } else { i += 1 }
        }
        if maxsplit >= 0 && cuts.count > maxsplit {
            cuts = fromRight ? Array(cuts.suffix(maxsplit)) : Array(cuts.prefix(maxsplit))
        }
        var out: [String] = []
        var start = 0
        for c in cuts { out.append(str(u[start..<c])); start = c + p.count }
        out.append(str(u[start...]))
        return out
    }

    // MARK: list

    static func listMethod(_ l: PyList, _ name: String, _ a: Arguments) throws -> Value {
        var a = a
        a.functionName = "list." + name
        switch name {
        case "append": try a.exactly(1); l.items.append(a.positional[0]); return .none
        case "extend":
            try a.exactly(1)
            let new = try iterateToArray(a.positional[0], a.interpreter)
            if l.items.count + new.count > maxSequenceLength { throw PyException.memoryError("list too large") }
            l.items += new
            return .none
        case "insert":
            try a.exactly(2)
            var i = try a.int(0, "index")
            if i < 0 { i = max(0, i + l.items.count) }
            l.items.insert(a.positional[1], at: min(i, l.items.count))
            return .none
        case "pop":
            try a.check(maxPositional: 1)
            guard !l.items.isEmpty else { throw PyException.indexError("pop from empty list") }
            var i = try a.int(0, "index", default: -1)
            if i < 0 { i += l.items.count }
            guard i >= 0, i < l.items.count else { throw PyException.indexError("pop index out of range") }
            return l.items.remove(at: i)
        case "remove":
            try a.exactly(1)
            for (i, x) in l.items.enumerated() where try pyEquals(x, a.positional[0]) { l.items.remove(at: i); return .none }
            throw PyException.valueError("list.remove(x): x not in list")
        case "index":
            try a.check(maxPositional: 3)
            let (lo, hi) = try bounds(a, 1, l.items.count)
            if lo < hi { for i in lo..<hi where try pyEquals(l.items[i], a.positional[0]) { return .int(i) } }
            throw PyException.valueError("\(try pyRepr(a.positional[0])) is not in list")
        case "count": try a.exactly(1); return .int(try l.items.filter { try pyEquals($0, a.positional[0]) }.count)
        case "sort":
            try a.check(maxPositional: 0, keywords: ["key", "reverse"])
            var items = l.items
            try sortValues(&items, key: a.keyword("key"), reverse: try a.bool(-1, "reverse", default: false), a.interpreter)
            l.items = items
            return .none
        case "reverse": try a.exactly(0); l.items.reverse(); return .none
        case "copy": try a.exactly(0); return .list(PyList(l.items))
        case "clear": try a.exactly(0); l.items.removeAll(); return .none
        default: throw PyException.attributeError("'list' object has no attribute '\(name)'")
        }
    }

    // MARK: dict

    static func dictMethod(_ d: PyDict, _ name: String, _ a: Arguments) throws -> Value {
        var a = a
        a.functionName = "dict." + name
        switch name {
        case "get":
            try a.check(maxPositional: 2)
            return try d.get(try a.value(0, "key")) ?? (a.positional.count > 1 ? a.positional[1] : .none)
        case "keys": try a.exactly(0); return .object(PyDictView(d, .keys))
        case "values": try a.exactly(0); return .object(PyDictView(d, .values))
        case "items": try a.exactly(0); return .object(PyDictView(d, .items))
        case "update":
            try a.check(maxPositional: 1, keywords: a.keywords.map(\.0))
            if let other = a.positional.first {
                if case .dict(let o) = other { for e in o.entries { d.setUnchecked(e.key, e.value) } }
                else if case .object(let o) = other, let view = o as? PyDictView, view.kind == .items {
                    for e in view.dict.entries { d.setUnchecked(e.key, e.value) }
                } else {
                    for item in try iterateToArray(other, a.interpreter) {
                        let pair = try iterateToArray(item)
                        guard pair.count == 2 else {
                            throw PyException.valueError("dictionary update sequence element has length \(pair.count); 2 is required")
                        }
                        try d.set(pair[0], pair[1])
                    }
                }
            }
            for (k, v) in a.keywords { d.set(k, v) }
            return .none
        case "pop":
            try a.check(maxPositional: 2)
            let k = try a.value(0, "key")
            if let v = try d.remove(k) { return v }
            if a.positional.count > 1 { return a.positional[1] }
            throw PyException.keyError(k)
        case "popitem":
            try a.exactly(0)
            guard let last = d.entries.last else { throw PyException(PyException.keyErrorType, "popitem(): dictionary is empty") }
            try d.remove(last.key)
            return .tuple([last.key, last.value])
        case "setdefault":
            try a.check(maxPositional: 2)
            let k = try a.value(0, "key")
            if let v = try d.get(k) { return v }
            let v = a.positional.count > 1 ? a.positional[1] : .none
            try d.set(k, v)
            return v
        case "copy": try a.exactly(0); return .dict(d.copy())
        case "clear": try a.exactly(0); d.removeAll(); return .none
        default: throw PyException.attributeError("'dict' object has no attribute '\(name)'")
        }
    }

    // MARK: set

    static func setMethod(_ s: PySet, _ name: String, _ a: Arguments) throws -> Value {
        var a = a
        a.functionName = "set." + name
        func others() throws -> [[Value]] { try a.positional.map { try iterateToArray($0, a.interpreter) } }
        switch name {
        case "add": try a.exactly(1); try s.insert(a.positional[0]); return .none
        case "remove":
            try a.exactly(1)
            if try !s.remove(a.positional[0]) { throw PyException.keyError(a.positional[0]) }
            return .none
        case "discard": try a.exactly(1); try s.remove(a.positional[0]); return .none
        case "pop":
            try a.exactly(0)
            guard let v = s.items.first else { throw PyException(PyException.keyErrorType, "pop from an empty set") }
            try s.remove(v)
            return v
        case "clear": s.removeAll(); return .none
        case "copy": return .set(s.copy())
        case "union", "update":
            let r = name == "update" ? s : s.copy()
            for o in try others() { for v in o { try r.insert(v) } }
            return name == "update" ? .none : .set(r)
        case "intersection":
            var items = s.items
            for o in try others() { let os = try PySet(o); items = try items.filter { try os.contains($0) } }
            return .set(try PySet(items))
        case "difference":
            var items = s.items
            for o in try others() { let os = try PySet(o); items = try items.filter { try !os.contains($0) } }
            return .set(try PySet(items))
        case "symmetric_difference":
            try a.exactly(1)
            return try binaryOp(.xor, .set(s), .set(try PySet(try others()[0])))
        case "issubset":
            try a.exactly(1)
            let o = try PySet(try others()[0])
            return .bool(try s.items.allSatisfy { try o.contains($0) })
        case "issuperset":
            try a.exactly(1)
            return .bool(try others()[0].allSatisfy { try s.contains($0) })
        case "isdisjoint":
            try a.exactly(1)
            return .bool(try !others()[0].contains { try s.contains($0) })
        default: throw PyException.attributeError("'set' object has no attribute '\(name)'")
        }
    }
}

/// `dict.keys()`, `.values()`, `.items()`.
final class PyDictView: PyObject {
    enum Kind { case keys, values, items }
    let dict: PyDict
    let kind: Kind
    init(_ d: PyDict, _ k: Kind) { dict = d; kind = k }
    var typeName: String {
        switch kind {
        case .keys: return "dict_keys"
        case .values: return "dict_values"
        case .items: return "dict_items"
        }
    }
    var elements: [Value] {
        switch kind {
        case .keys: return dict.keys
        case .values: return dict.values
        case .items: return dict.entries.map { .tuple([$0.key, $0.value]) }
        }
    }
    func repr() throws -> String { "\(typeName)(\(try pyRepr(.list(PyList(elements)))))" }
    func makeIterator() throws -> PyIterator? { PyIterator(elements, kind: "\(typeName)_iterator") }
    func length() throws -> Int? { dict.count }
    func contains(_ value: Value) throws -> Bool? {
        switch kind {
        case .keys: return try dict.get(value) != nil
        default: return try elements.contains { try pyEquals($0, value) }
        }
    }
    var isHashable: Bool { false }
}
