import Foundation

/// A JSON value that keeps the order of object keys, so configs print as they were written
/// (diffusers' `config.json`, safetensors headers, `model_index.json`).
public enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Key–value pairs in file order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && Swift.zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.last(where: { $0.0 == key })?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && Swift.abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [(String, JSONValue)]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { self == .null }

    /// Compact JSON text.
    public var description: String { serialized(indent: nil) }

    /// JSON text; with `indent`, one member per line as Python's `json.dumps(indent=2)` writes it.
    public func serialized(indent: Int? = 2, sortKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, indent: indent, level: 0, sortKeys: sortKeys)
        return out
    }

    private func write(to out: inout String, indent: Int?, level: Int, sortKeys: Bool) {
        let nl = indent == nil ? "" : "\n"
        let pad = { (l: Int) in String(repeating: " ", count: (indent ?? 0) * l) }
        let sep = indent == nil ? ", " : ","
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.formatDouble(d)
        case .string(let s): out += JSONValue.quote(s)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "[" + nl
            for (i, v) in a.enumerated() {
                out += pad(level + 1)
                v.write(to: &out, indent: indent, level: level + 1, sortKeys: sortKeys)
                if i < a.count - 1 { out += sep }
                out += nl
            }
            out += pad(level) + "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            let pairs = sortKeys ? o.sorted { $0.0 < $1.0 } : o
            out += "{" + nl
            for (i, (k, v)) in pairs.enumerated() {
                out += pad(level + 1) + JSONValue.quote(k) + ": "
                v.write(to: &out, indent: indent, level: level + 1, sortKeys: sortKeys)
                if i < pairs.count - 1 { out += sep }
                out += nl
            }
            out += pad(level) + "}"
        }
    }

    /// A double as Python's `json` writes it (shortest round-trip repr; `NaN`, `Infinity`).
    public static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        return pythonFloatRepr(d)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value > 0x7E {
                    // Python's json.dumps escapes non-ASCII by default (ensure_ascii=True).
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", u.value)
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Parses JSON text (also Python's `NaN`/`Infinity` extensions, which diffusers configs can hold).
    public static func parse(_ text: String) throws -> JSONValue {
        var p = JSONParser(Array(text.utf8))
        return try p.parseDocument()
    }

    /// Parses JSON bytes.
    public static func parse(bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes)
        return try p.parseDocument()
    }
}

/// Python's `repr(float)`: the shortest string that round-trips, in Python's notation
/// (`1.0`, `0.0001`, `1e-05`, `1e+16`).
public func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d > 0 ? "inf" : "-inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description is the shortest round-trip digits; re-lay them out Python's way.
    return pythonFloatLayout("\(d)") { exponent in exponent < -4 || exponent >= 16 }
}

/// Lays out the digits of `text` (Swift's shortest description of a finite, non-zero float) as Python and
/// NumPy print floats: `d.ddde±XX` when `scientific(decimalExponent)` holds, else positional with at least
/// one digit after the point (`100.0`, `0.001`).
func pythonFloatLayout(_ text: String, scientific: (Int) -> Bool) -> String {
    let (negative, digits, pointPos) = shortestDigits(text)
    let decimalExp = pointPos - 1
    var out: String
    if scientific(decimalExp) {
        var m = String(digits.prefix(1))
        if digits.count > 1 { m += "." + digits.dropFirst() }
        out = m + "e" + (decimalExp < 0 ? "-" : "+") + String(format: "%02d", Swift.abs(decimalExp))
    } else if pointPos <= 0 {
        out = "0." + String(repeating: "0", count: -pointPos) + digits
    } else if pointPos >= digits.count {
        out = digits + String(repeating: "0", count: pointPos - digits.count) + ".0"
    } else {
        let i = digits.index(digits.startIndex, offsetBy: pointPos)
        out = digits[..<i] + "." + digits[i...]
    }
    return (negative ? "-" : "") + out
}

/// Shortest round-trip digits of a value written as `text` (`digits` without leading/trailing zeros;
/// the value is `0.d1d2... × 10^pointPos`).
func shortestDigits(_ text: String) -> (negative: Bool, digits: String, pointPos: Int) {
    var s = text
    var negative = false
    if s.hasPrefix("-") { negative = true; s.removeFirst() }
    var mantissa = s, exp = 0
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = String(s[..<e])
        exp = Int(s[s.index(after: e)...]) ?? 0
    }
    var intPart = mantissa, frac = ""
    if let dot = mantissa.firstIndex(of: ".") {
        intPart = String(mantissa[..<dot])
        frac = String(mantissa[mantissa.index(after: dot)...])
    }
    var digits = intPart + frac
    var pointPos = intPart.count + exp
    while digits.count > 1 && digits.hasPrefix("0") { digits.removeFirst(); pointPos -= 1 }
    while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
    return (negative, digits, pointPos)
}

/// An error in JSON text, with the byte offset where it was found.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

struct JSONParser {
    let b: [UInt8]
    var i = 0
    var depth = 0
    init(_ bytes: [UInt8]) { b = bytes }

    func fail(_ m: String) -> JSONError { JSONError(message: m, offset: i) }

    mutating func skipWS() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWS()
        let v = try parseValue()
        skipWS()
        guard i == b.count else { throw fail("invalid JSON: extra data after the value") }
        return v
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { throw fail("invalid JSON: unexpected character") }
        i += w.count
        return v
    }

    mutating func parseValue() throws -> JSONValue {
        guard i < b.count else { throw fail("invalid JSON: unexpected end of data") }
        switch b[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "N"): return try literal("NaN", .double(.nan))
        case UInt8(ascii: "I"): return try literal("Infinity", .double(.infinity))
        default: return try parseNumber()
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > 512 { throw fail("invalid JSON: nesting deeper than 512 levels") }
    }

    mutating func parseObject() throws -> JSONValue {
        try enter(); defer { depth -= 1 }
        i += 1
        var pairs: [(String, JSONValue)] = []
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
        while true {
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("invalid JSON: expected a string key") }
            let k = try parseString()
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("invalid JSON: expected ':'") }
            i += 1
            skipWS()
            let v = try parseValue()
            pairs.append((k, v))
            skipWS()
            guard i < b.count else { throw fail("invalid JSON: unexpected end of data in an object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            throw fail("invalid JSON: expected ',' or '}'")
        }
    }

    mutating func parseArray() throws -> JSONValue {
        try enter(); defer { depth -= 1 }
        i += 1
        var items: [JSONValue] = []
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWS()
            items.append(try parseValue())
            skipWS()
            guard i < b.count else { throw fail("invalid JSON: unexpected end of data in an array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("invalid JSON: expected ',' or ']'")
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= b.count else { throw fail("invalid JSON: short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]; i += 1
            v <<= 4
            switch c {
            case 0x30...0x39: v |= UInt32(c - 0x30)
            case 0x61...0x66: v |= UInt32(c - 0x61 + 10)
            case 0x41...0x46: v |= UInt32(c - 0x41 + 10)
            default: throw fail("invalid JSON: bad \\u escape")
            }
        }
        return v
    }

    mutating func parseString() throws -> String {
        i += 1
        var bytes: [UInt8] = []
        while true {
            guard i < b.count else { throw fail("invalid JSON: unterminated string") }
            let c = b[i]; i += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("invalid JSON: control character in string") }
            if c != UInt8(ascii: "\\") { bytes.append(c); continue }
            guard i < b.count else { throw fail("invalid JSON: unterminated escape") }
            let e = b[i]; i += 1
            switch e {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00, i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00) & 0x3FF
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                bytes += Array(String(scalar).utf8)
            default: throw fail("invalid JSON: bad escape")
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("invalid JSON: string is not UTF-8") }
        return s
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "I") { _ = try literal("Infinity", .null); return .double(-.infinity) }
        }
        var isFloat = false
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 { i += 1 }
            else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { isFloat = true; i += 1 }
            else { break }
        }
        guard i > start else { throw fail("invalid JSON: unexpected character '\(Character(Unicode.Scalar(b[start])))'") }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if !isFloat, let v = Int(text) { return .int(v) }
        guard let d = Double(text) else { throw JSONError(message: "invalid JSON: bad number '\(text)'", offset: start) }
        return .double(d)
    }
}
