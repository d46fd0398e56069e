import Foundation
import Tensor

// String formatting: the format-spec mini-language (f-strings, `format`, `str.format`) and `%`.

/// A parsed format spec: `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
struct FormatSpec {
    var fill: Character = " "
    var align: Character?
    var sign: Character = "-"
    var alternate = false
    var zeroPad = false
    var width = 0
    var grouping: Character?
    var precision: Int?
    var type: Character?

    init(_ spec: String) throws {
        let c = Array(spec)
        var i = 0
        if c.count >= 2, "<>=^".contains(c[1]) { fill = c[0]; align = c[1]; i = 2 }
        else if c.count >= 1, "<>=^".contains(c[0]) { align = c[0]; i = 1 }
        if i < c.count, "+- ".contains(c[i]) { sign = c[i]; i += 1 }
        if i < c.count, c[i] == "z" { i += 1 }
        if i < c.count, c[i] == "#" { alternate = true; i += 1 }
        if i < c.count, c[i] == "0" { zeroPad = true; i += 1 }
        var w = ""
        while i < c.count, c[i].isASCII, c[i].isNumber { w.append(c[i]); i += 1 }
        if !w.isEmpty { guard let n = Int(w), n < 100_000 else { throw PyException.valueError("Too many decimal digits in format string") }; width = n }
        if i < c.count, c[i] == "," || c[i] == "_" { grouping = c[i]; i += 1 }
        if i < c.count, c[i] == "." {
            i += 1
            var p = ""
            while i < c.count, c[i].isASCII, c[i].isNumber { p.append(c[i]); i += 1 }
            guard !p.isEmpty, let n = Int(p), n < 100_000 else { throw PyException.valueError("Format specifier missing precision") }
            precision = n
        }
        if i < c.count { type = c[i]; i += 1 }
        if i < c.count { throw PyException.valueError("Invalid format specifier '\(spec)'") }
        if zeroPad && align == nil { fill = "0"; align = "=" }
    }
}

func pad(_ s: String, _ spec: FormatSpec, defaultAlign: Character) -> String {
    let n = s.unicodeScalars.count   // Python counts code points, not grapheme clusters
    guard spec.width > n else { return s }
    let padCount = spec.width - n
    let fill = String(spec.fill)
    switch spec.align ?? defaultAlign {
    case "<": return s + String(repeating: fill, count: padCount)
    case "^":
        let left = padCount / 2
        return String(repeating: fill, count: left) + s + String(repeating: fill, count: padCount - left)
    case "=":
        // Padding goes after the sign (and 0x prefix).
        var body = Substring(s)
        var prefix = ""
        if let f = body.first, "+- ".contains(f) { prefix.append(f); body = body.dropFirst() }
        if body.hasPrefix("0x") || body.hasPrefix("0b") || body.hasPrefix("0o") || body.hasPrefix("0X") {
            prefix += body.prefix(2); body = body.dropFirst(2)
        }
        return prefix + String(repeating: fill, count: padCount) + body
    default: return String(repeating: fill, count: padCount) + s
    }
}

private func group(_ digits: String, _ sep: Character, every: Int = 3) -> String {
    var out: [Character] = []
    for (k, ch) in digits.reversed().enumerated() {
        if k > 0 && k % every == 0 { out.append(sep) }
        out.append(ch)
    }
    return String(out.reversed())
}

private func signed(_ body: String, negative: Bool, _ spec: FormatSpec) -> String {
    if negative { return "-" + body }
    switch spec.sign {
    case "+": return "+" + body
    case " ": return " " + body
    default: return body
    }
}

/// `%g`-style formatting with Python's rules (`1e-05`, trailing zeros stripped unless `alternate`).
func formatGeneral(_ x: Double, precision: Int, alternate: Bool, upper: Bool = false) -> String {
    let p = max(precision, 1)
    if x == 0 { return alternate ? "0." + String(repeating: "0", count: p - 1) : "0" }
    let sci = String(format: "%.\(p - 1)e", x)
    let exp = Int(sci.split(separator: "e").last ?? "0") ?? 0
    var s: String
    if exp >= -4 && exp < p {
        s = String(format: "%.\(max(0, p - 1 - exp))f", x)
        if !alternate && s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
    } else {
        var mant = String(sci.split(separator: "e").first ?? "")
        if !alternate && mant.contains(".") {
            while mant.hasSuffix("0") { mant.removeLast() }
            if mant.hasSuffix(".") { mant.removeLast() }
        }
        s = mant + "e" + (exp < 0 ? "-" : "+") + String(abs(exp)).leftPadded(2)
    }
    return upper ? s.uppercased() : s
}

func formatFloat(_ x: Double, _ spec: FormatSpec) throws -> String {
    let negative = x < 0 || (x == 0 && x.sign == .minus)
    let a = Swift.abs(x)
    var body: String
    if a.isNaN || a.isInfinite {
        body = a.isNaN ? "nan" : "inf"
        if let t = spec.type, t.isUppercase { body = body.uppercased() }
        var sp = spec
        if sp.fill == "0" && sp.align == "=" { sp.fill = " "; sp.align = ">" }
        return pad(signed(body, negative: negative && !a.isNaN, spec), sp, defaultAlign: ">")
    }
    switch spec.type {
    case "f", "F": body = String(format: "%.\(spec.precision ?? 6)f", a)
    case "e", "E":
        body = String(format: "%.\(spec.precision ?? 6)e", a)
        if spec.type == "E" { body = body.uppercased() }
    case "g", "G":
        body = formatGeneral(a, precision: spec.precision ?? 6, alternate: spec.alternate, upper: spec.type == "G")
    case "%":
        body = String(format: "%.\(spec.precision ?? 6)f", a * 100) + "%"
    case nil:
        if let p = spec.precision {
            body = formatGeneral(a, precision: p, alternate: spec.alternate)
            if !body.contains(".") && !body.contains("e") && !body.contains("inf") { body += ".0" }
            // Python switches to exponent form at 1e16 for repr-like output, same as 'g' with precision.
        } else {
            body = pythonFloatRepr(a)
        }
    case "n": body = formatGeneral(a, precision: spec.precision ?? 6, alternate: spec.alternate)
    default:
        throw PyException.valueError("Unknown format code '\(spec.type.map(String.init) ?? "")' for object of type 'float'")
    }
    if let g = spec.grouping {
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let intPart = String(parts[0])
        if intPart.allSatisfy({ $0.isNumber }) {
            body = group(intPart, g) + (parts.count > 1 ? "." + parts[1] : "")
        }
    }
    return pad(signed(body, negative: negative, spec), spec, defaultAlign: ">")
}

func formatInt(_ x: Int, _ spec: FormatSpec) throws -> String {
    switch spec.type {
    case "e", "E", "f", "F", "g", "G", "%": return try formatFloat(Double(x), spec)
    case "c":
        guard let u = Unicode.Scalar(UInt32(clamping: max(0, x))) else { throw PyException.overflow("%c arg not in range(0x110000)") }
        return pad(String(Character(u)), spec, defaultAlign: "<")
    default: break
    }
    if spec.precision != nil { throw PyException.valueError("Precision not allowed in integer format specifier") }
    let magnitude = x.magnitude
    var body: String
    var prefix = ""
    switch spec.type {
    case nil, "d", "n": body = String(magnitude)
    case "x": body = String(magnitude, radix: 16); prefix = spec.alternate ? "0x" : ""
    case "X": body = String(magnitude, radix: 16).uppercased(); prefix = spec.alternate ? "0X" : ""
    case "o": body = String(magnitude, radix: 8); prefix = spec.alternate ? "0o" : ""
    case "b": body = String(magnitude, radix: 2); prefix = spec.alternate ? "0b" : ""
    default:
        throw PyException.valueError("Unknown format code '\(spec.type.map(String.init) ?? "")' for object of type 'int'")
    }
    if let g = spec.grouping { body = group(body, g, every: spec.type == nil || spec.type == "d" ? 3 : 4) }
    return pad(signed(prefix + body, negative: x < 0, spec), spec, defaultAlign: ">")
}

/// `format(value, spec)`.
func formatValue(_ v: Value, _ specText: String) throws -> String {
    if specText.isEmpty { return try pyStr(v) }
    let spec = try FormatSpec(specText)
    switch v {
    case .int(let i): return try formatInt(i, spec)
    case .bool(let b): return try formatInt(b ? 1 : 0, spec)
    case .float(let d): return try formatFloat(d, spec)
    case .str(let s):
        if let t = spec.type, t != "s" { throw PyException.valueError("Unknown format code '\(t)' for object of type 'str'") }
        if spec.sign != "-" { throw PyException.valueError("Sign not allowed in string format specifier") }
        var text = s
        if let p = spec.precision { text = String(s.prefix(p)) }
        return pad(text, spec, defaultAlign: "<")
    case .object(let o):
        if let d = try o.toDouble() { return try formatFloat(d, spec) }
        if spec.type == nil || spec.type == "s" {
            let s = try o.str()
            return pad(spec.precision.map { String(s.prefix($0)) } ?? s, spec, defaultAlign: "<")
        }
        throw PyException.typeError("unsupported format string passed to \(o.typeName).__format__")
    default:
        if spec.type == nil || spec.type == "s" { return pad(try pyStr(v), spec, defaultAlign: "<") }
        throw PyException.typeError("unsupported format string passed to \(v.typeName).__format__")
    }
}

// MARK: printf-style `%`

func percentFormat(_ fmt: String, _ arg: Value) throws -> String {
    var args: [Value]
    var mapping: PyDict?
    switch arg {
    case .tuple(let t): args = t
    case .dict(let d): args = [arg]; mapping = d
    default: args = [arg]
    }
    var next = 0
    var out = ""
    let c = Array(fmt)
    var i = 0
    func nextArg() throws -> Value {
        guard next < args.count else { throw PyException.typeError("not enough arguments for format string") }
        defer { next += 1 }
        return args[next]
    }
    while i < c.count {
        if c[i] != "%" { out.append(c[i]); i += 1; continue }
        i += 1
        guard i < c.count else { throw PyException.valueError("incomplete format") }
        var value: Value?
        if c[i] == "(" {
            guard let m = mapping else { throw PyException.typeError("format requires a mapping") }
            var j = i + 1, depth = 1
            while j < c.count, depth > 0 { if c[j] == "(" { depth += 1 } else if c[j] == ")" { depth -= 1 }; j += 1 }
            guard depth == 0 else { throw PyException.valueError("incomplete format key") }
            let key = String(c[(i + 1)..<(j - 1)])
            guard let v = m.get(key) else { throw PyException.keyError(.str(key)) }
            value = v
            i = j
        }
        var spec = try FormatSpec("")
        var leftAlign = false
        while i < c.count, "-+ #0".contains(c[i]) {
            switch c[i] {
            case "-": leftAlign = true
            case "+": spec.sign = "+"
            case " ": if spec.sign != "+" { spec.sign = " " }
            case "#": spec.alternate = true
            default: spec.zeroPad = true
            }
            i += 1
        }
        if i < c.count, c[i] == "*" {
            guard case .int(let w) = try nextArg() else { throw PyException.typeError("* wants int") }
            spec.width = min(abs(w), 100_000); if w < 0 { leftAlign = true }
            i += 1
        } else {
            var w = ""
            while i < c.count, c[i].isASCII, c[i].isNumber { w.append(c[i]); i += 1 }
            if !w.isEmpty { spec.width = min(Int(w) ?? 0, 100_000) }
        }
        if i < c.count, c[i] == "." {
            i += 1
            if i < c.count, c[i] == "*" {
                guard case .int(let p) = try nextArg() else { throw PyException.typeError("* wants int") }
                spec.precision = max(0, p); i += 1
            } else {
                var p = ""
                while i < c.count, c[i].isASCII, c[i].isNumber { p.append(c[i]); i += 1 }
                spec.precision = min(Int(p) ?? 0, 100_000)
            }
        }
        while i < c.count, "hlL".contains(c[i]) { i += 1 }
        guard i < c.count else { throw PyException.valueError("incomplete format") }
        let t = c[i]
        i += 1
        if t == "%" { out += "%"; continue }
        let v = try value ?? nextArg()
        if leftAlign { spec.align = "<"; spec.fill = " " } else if spec.zeroPad { spec.align = "="; spec.fill = "0" } else { spec.align = ">" }
        switch t {
        case "s", "r", "a":
            var s = t == "s" ? try pyStr(v) : try pyRepr(v)
            if let p = spec.precision { s = String(s.prefix(p)) }
            spec.fill = " "
            out += pad(s, spec, defaultAlign: ">")
        case "d", "i", "u", "x", "X", "o", "c":
            var n: Int
            switch v.asIntLike {
            case .int(let x): n = x
            case .float(let d):
                if t == "c" { throw PyException.typeError("%c requires int or char") }
                guard d.isFinite, Swift.abs(d) < 9.2e18 else { throw PyException.overflow("cannot convert float to integer") }
                n = Int(d)
            case .str(let s) where t == "c" && s.unicodeScalars.count == 1:
                out += pad(s, spec, defaultAlign: ">"); continue
            case .object(let o):
                if let x = try o.toInt() { n = x } else {
                    throw PyException.typeError("%\(t) format: a real number is required, not \(v.typeName)")
                }
            default:
                throw PyException.typeError("%\(t) format: a\(t == "c" ? "n" : "") \(t == "x" || t == "X" || t == "o" || t == "c" ? "integer" : "real number") is required, not \(v.typeName)")
            }
            var s2 = spec
            s2.precision = nil
            s2.type = (t == "i" || t == "u") ? "d" : t
            if let p = spec.precision, t != "c" {
                // %.3d pads the digits with zeros.
                let digits = try formatInt(Swift.abs(n), FormatSpec(s2.type.map { String($0) } ?? ""))
                let body = String(repeating: "0", count: max(0, p - digits.count)) + digits
                out += pad(signed(body, negative: n < 0, spec), spec, defaultAlign: ">")
            } else {
                if t == "x" || t == "X" || t == "o" { s2.alternate = spec.alternate }
                out += try formatInt(n, s2)
            }
        case "e", "E", "f", "F", "g", "G":
            var objectDouble: Double?
            if case .object(let o) = v { objectDouble = try o.toDouble() }
            guard let d = v.numericDouble ?? objectDouble else {
                throw PyException.typeError("must be real number, not \(v.typeName)")
            }
            var s2 = spec
            s2.type = t
            s2.precision = spec.precision ?? 6
            out += try formatFloat(d, s2)
        default:
            throw PyException.valueError("unsupported format character '\(t)' (0x\(String(t.unicodeScalars.first?.value ?? 0, radix: 16))) at index \(i - 1)")
        }
    }
    if mapping == nil && next < args.count {
        throw PyException.typeError("not all arguments converted during string formatting")
    }
    return out
}

// MARK: str.format

func strFormat(_ fmt: String, _ args: Arguments) throws -> String {
    let c = Array(fmt)
    var out = ""
    var i = 0
    var auto = 0
    var usedManual = false
    while i < c.count {
        let ch = c[i]
        if ch == "}" {
            if i + 1 < c.count, c[i + 1] == "}" { out += "}"; i += 2; continue }
            throw PyException.valueError("Single '}' encountered in format string")
        }
        if ch != "{" { out.append(ch); i += 1; continue }
        if i + 1 < c.count, c[i + 1] == "{" { out += "{"; i += 2; continue }
        var j = i + 1, depth = 1
        while j < c.count {
            if c[j] == "{" { depth += 1 } else if c[j] == "}" { depth -= 1; if depth == 0 { break } }
            j += 1
        }
        guard j < c.count else { throw PyException.valueError("expected '}' before end of string") }
        let field = String(c[(i + 1)..<j])
        i = j + 1
        var name = field, conversion: Character?, spec = ""
        if let colon = firstTopLevel(field, ":") {
            name = String(field[..<colon]); spec = String(field[field.index(after: colon)...])
        }
        if let bang = name.firstIndex(of: "!") {
            let conv = name[name.index(after: bang)...]
            guard conv.count == 1, let cv = conv.first, "rsa".contains(cv) else {
                throw PyException.valueError("Unknown conversion specifier \(conv)")
            }
            conversion = cv
            name = String(name[..<bang])
        }
        // Split `name.attr[key]` into the first part and accessors.
        var headEnd = name.endIndex
        if let k = name.firstIndex(where: { $0 == "." || $0 == "[" }) { headEnd = k }
        let head = String(name[..<headEnd])
        var value: Value
        if head.isEmpty {
            if usedManual { throw PyException.valueError("cannot switch from manual field specification to automatic field numbering") }
            guard auto < args.positional.count else {
                throw PyException.indexError("Replacement index \(auto) out of range for positional args tuple")
            }
            value = args.positional[auto]; auto += 1
        } else if let n = Int(head) {
            usedManual = true
            guard n < args.positional.count else {
                throw PyException.indexError("Replacement index \(n) out of range for positional args tuple")
            }
            value = args.positional[n]
        } else {
            guard let v = args.keyword(head) else { throw PyException.keyError(.str(head)) }
            value = v
        }
        var rest = name[headEnd...]
        while !rest.isEmpty {
            if rest.first == "." {
                rest = rest.dropFirst()
                let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
                value = try args.interpreter.getAttribute(value, String(rest[..<end]))
                rest = rest[end...]
            } else if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw PyException.valueError("Missing ']' in format string") }
                let key = String(rest[rest.index(after: rest.startIndex)..<close])
                value = try getItem(value, Int(key).map { .int($0) } ?? .str(key))
                rest = rest[rest.index(after: close)...]
            } else {
                throw PyException.valueError("Only '.' or '[' may follow ']' in format field specifier")
            }
        }
        if let cv = conversion { value = .str(cv == "s" ? try pyStr(value) : try pyRepr(value)) }
        if spec.contains("{") {
            spec = try strFormat(spec, args)
        }
        out += try formatValue(value, spec)
    }
    return out
}

private func firstTopLevel(_ s: String, _ ch: Character) -> String.Index? {
    var depth = 0
    var idx = s.startIndex
    while idx < s.endIndex {
        let c = s[idx]
        if c == "[" { depth += 1 } else if c == "]" { depth -= 1 } else if c == ch && depth == 0 { return idx }
        idx = s.index(after: idx)
    }
    return nil
}
