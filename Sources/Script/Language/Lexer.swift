// Phase 1: the scanner. Source text → tokens, with Python's INDENT/DEDENT/NEWLINE layout tokens.

/// A position in source text: 1-based line, 0-based column counted in Unicode scalars.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column + 1)" }
}

/// A span of source text, from `start` up to (not including) `end`.
public struct SourceRange: Equatable, Sendable {
    public var start: SourceLocation
    public var end: SourceLocation
    public init(_ start: SourceLocation, _ end: SourceLocation) { self.start = start; self.end = end }
    static let unknown = SourceRange(SourceLocation(line: 0, column: 0), SourceLocation(line: 0, column: 0))
    func to(_ other: SourceRange) -> SourceRange { SourceRange(start, other.end) }
}

/// The kinds of token the lexer produces.
enum TokenKind: Equatable {
    case name(String)
    case keyword(String)
    case int(Int)
    /// `9223372036854775808`: only valid right after a unary minus (`-9223372036854775808`).
    case intMinMagnitude
    case float(Double)
    /// A string literal: its decoded value, or for f-strings the raw body (decoded by the parser).
    case string(String, isFString: Bool, isRaw: Bool, bodyStart: SourceLocation)
    case bytes
    case op(String)
    case newline
    case indent
    case dedent
    case eof
}

/// One token: its kind and where it is.
struct Token {
    var kind: TokenKind
    var range: SourceRange
}

/// A syntax (or indentation) error, with the location it was found at.
public struct SyntaxErrorInfo: Error, Equatable, Sendable {
    public var message: String
    public var location: SourceLocation
    /// `IndentationError` or `SyntaxError`.
    public var typeName: String = "SyntaxError"
    /// True when more input could complete the source (open bracket, open block, unterminated triple quote).
    public var needsMoreInput: Bool = false
}

let pythonKeywords: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]

private let threeCharOps = ["**=", "//=", ">>=", "<<=", "...", "!="]
private let twoCharOps = ["**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "%=",
                          "&=", "|=", "^=", "@=", "->", ":="]
private let oneCharOps: Set<Unicode.Scalar> = ["+", "-", "*", "/", "%", "@", "&", "|", "^", "~", "<", ">",
                                                "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "="]

/// Turns source text into tokens.
struct Lexer {
    let src: [Unicode.Scalar]
    var i = 0
    var line = 1
    var lineStart = 0
    var tokens: [Token] = []
    var indents: [Int] = [0]
    var brackets: [(Unicode.Scalar, SourceLocation)] = []
    var atLineStart = true

    init(_ source: String) {
        src = Array(source.unicodeScalars)
    }

    var loc: SourceLocation { SourceLocation(line: line, column: i - lineStart) }

    func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < src.count ? src[i + k] : nil }

    mutating func newlineAdvance() { i += 1; line += 1; lineStart = i }

    /// Tokenizes the whole source.
    static func tokenize(_ source: String) throws -> [Token] {
        var lx = Lexer(source)
        try lx.run()
        return lx.tokens
    }

    mutating func add(_ kind: TokenKind, _ start: SourceLocation) {
        tokens.append(Token(kind: kind, range: SourceRange(start, loc)))
    }

    mutating func run() throws {
        while true {
            if atLineStart && brackets.isEmpty {
                atLineStart = false
                // Measure indentation; skip blank and comment-only lines.
                var width = 0
                var j = i
                while j < src.count, src[j] == " " || src[j] == "\t" || src[j] == "\u{0C}" {
                    width = src[j] == "\t" ? (width / 8 + 1) * 8 : width + 1
                    j += 1
                }
                if j >= src.count { i = j; break }
                if src[j] == "#" || src[j] == "\n" || src[j] == "\r" || (src[j] == "\\" && j + 1 < src.count && src[j + 1] == "\n") {
                    i = j
                    while i < src.count, src[i] != "\n" { i += 1 }
                    if i < src.count { newlineAdvance(); atLineStart = true; continue }
                    break
                }
                i = j
                if width > indents[indents.count - 1] {
                    if indents.count >= 100 {
                        throw SyntaxErrorInfo(message: "too many levels of indentation", location: loc, typeName: "IndentationError")
                    }
                    indents.append(width)
                    add(.indent, loc)
                } else {
                    while width < indents[indents.count - 1] {
                        indents.removeLast()
                        add(.dedent, loc)
                    }
                    if width != indents[indents.count - 1] {
                        throw SyntaxErrorInfo(message: "unindent does not match any outer indentation level", location: loc, typeName: "IndentationError")
                    }
                }
            }
            guard let c = peek() else { break }
            let start = loc
            switch c {
            case " ", "\t", "\u{0C}", "\r":
                i += 1
            case "\n":
                if brackets.isEmpty {
                    if let last = tokens.last, last.kind != .newline, last.kind != .indent, last.kind != .dedent {
                        add(.newline, start)
                    }
                    atLineStart = true
                }
                newlineAdvance()
            case "#":
                while let d = peek(), d != "\n" { _ = d; i += 1 }
            case "\\":
                if peek(1) == "\n" { i += 1; newlineAdvance() }
                else if peek(1) == "\r" && peek(2) == "\n" { i += 2; newlineAdvance() }
                else if peek(1) == nil {
                    throw SyntaxErrorInfo(message: "unexpected EOF while parsing", location: start, needsMoreInput: true)
                } else {
                    throw SyntaxErrorInfo(message: "unexpected character after line continuation character", location: start)
                }
            case "0"..."9":
                try number(start)
            case ".":
                if let d = peek(1), ("0"..."9").contains(d) { try number(start) } else { try op(start) }
            case "\"", "'":
                try string(prefix: "", start: start)
            default:
                if isIdentStart(c) {
                    var j = i
                    while j < src.count, isIdentContinue(src[j]) { j += 1 }
                    let word = String(String.UnicodeScalarView(src[i..<j]))
                    let lower = word.lowercased()
                    if j < src.count, src[j] == "\"" || src[j] == "'", word.count <= 2,
                       ["r", "u", "f", "b", "rf", "fr", "br", "rb"].contains(lower) {
                        i = j
                        try string(prefix: lower, start: start)
                    } else {
                        i = j
                        add(pythonKeywords.contains(word) ? .keyword(word) : .name(word), start)
                    }
                } else {
                    try op(start)
                }
            }
        }
        if let (open, at) = brackets.last {
            throw SyntaxErrorInfo(message: "'\(open)' was never closed", location: at, needsMoreInput: true)
        }
        if let last = tokens.last, last.kind != .newline, last.kind != .dedent, last.kind != .indent {
            add(.newline, loc)
        }
        while indents.count > 1 { indents.removeLast(); add(.dedent, loc) }
        add(.eof, loc)
    }

    func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isXIDStart
    }

    func isIdentContinue(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isXIDContinue
    }

    mutating func op(_ start: SourceLocation) throws {
        for candidates in [threeCharOps, twoCharOps] {
            for o in candidates {
                let scalars = Array(o.unicodeScalars)
                if i + scalars.count <= src.count, Array(src[i..<(i + scalars.count)]) == scalars {
                    i += scalars.count
                    add(.op(o), start)
                    return
                }
            }
        }
        guard let c = peek(), oneCharOps.contains(c) else {
            let ch = peek().map { String($0) } ?? ""
            if ch == "!" {
                throw SyntaxErrorInfo(message: "invalid syntax", location: start)
            }
            if ch == "$" || ch == "?" || ch == "`" {
                throw SyntaxErrorInfo(message: "invalid syntax", location: start)
            }
            throw SyntaxErrorInfo(message: "invalid character '\(ch)' (U+\(String(peek()?.value ?? 0, radix: 16, uppercase: true)))", location: start)
        }
        i += 1
        switch c {
        case "(", "[", "{":
            if brackets.count >= 200 {
                throw SyntaxErrorInfo(message: "too many nested parentheses", location: start)
            }
            brackets.append((c, start))
        case ")", "]", "}":
            let want: Unicode.Scalar = c == ")" ? "(" : c == "]" ? "[" : "{"
            guard let (open, _) = brackets.last else {
                throw SyntaxErrorInfo(message: "unmatched '\(c)'", location: start)
            }
            if open != want {
                throw SyntaxErrorInfo(message: "closing parenthesis '\(c)' does not match opening parenthesis '\(open)'", location: start)
            }
            brackets.removeLast()
        default: break
        }
        add(.op(String(c)), start)
    }

    mutating func number(_ start: SourceLocation) throws {
        var text = ""
        var isFloat = false
        func digits(_ ok: (Unicode.Scalar) -> Bool) {
            while let c = peek(), ok(c) || (c == "_" && peek(1).map(ok) == true) {
                if c != "_" { text.unicodeScalars.append(c) }
                i += 1
            }
        }
        if peek() == "0", let x = peek(1), "xXoObB".unicodeScalars.contains(x) {
            i += 2
            let radix = (x == "x" || x == "X") ? 16 : (x == "o" || x == "O") ? 8 : 2
            if peek() == "_" { i += 1 }
            digits { c in Int(String(c), radix: radix) != nil }
            guard !text.isEmpty else { throw SyntaxErrorInfo(message: "invalid \(radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary") literal", location: start) }
            guard let v = Int(text, radix: radix) else {
                throw SyntaxErrorInfo(message: "integer literal too large (dsh ints are 64-bit)", location: start)
            }
            if let c = peek(), isIdentContinue(c) { throw SyntaxErrorInfo(message: "invalid syntax", location: loc) }
            add(.int(v), start)
            return
        }
        let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        digits(isDigit)
        if peek() == "." {
            isFloat = true
            text += "."
            i += 1
            digits(isDigit)
        }
        if let e = peek(), e == "e" || e == "E" {
            let save = i, saveText = text
            text += "e"
            i += 1
            if let s = peek(), s == "+" || s == "-" { text.unicodeScalars.append(s); i += 1 }
            if let d = peek(), isDigit(d) { digits(isDigit); isFloat = true } else { i = save; text = saveText }
        }
        if let c = peek(), c == "j" || c == "J" {
            throw SyntaxErrorInfo(message: "complex numbers are not supported by dsh", location: start)
        }
        if let c = peek(), isIdentStart(c) {
            throw SyntaxErrorInfo(message: isFloat ? "invalid decimal literal" : "invalid decimal literal", location: start)
        }
        if isFloat {
            guard let d = Double(text) else { throw SyntaxErrorInfo(message: "invalid decimal literal", location: start) }
            add(.float(d), start)
        } else {
            if text.count > 1, text.hasPrefix("0"), text.contains(where: { $0 != "0" }) {
                throw SyntaxErrorInfo(message: "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", location: start)
            }
            guard let v = Int(text) else {
                if text == "9223372036854775808" { add(.intMinMagnitude, start); return }
                throw SyntaxErrorInfo(message: "integer literal too large (dsh ints are 64-bit)", location: start)
            }
            add(.int(v), start)
        }
    }

    mutating func string(prefix: String, start: SourceLocation) throws {
        guard let q = peek() else { return }
        let triple = peek(1) == q && peek(2) == q
        i += triple ? 3 : 1
        let raw = prefix.contains("r")
        let isF = prefix.contains("f")
        let bodyStart = loc
        var body: [Unicode.Scalar] = []
        while true {
            guard let c = peek() else {
                if triple {
                    throw SyntaxErrorInfo(message: "unterminated triple-quoted string literal (detected at line \(line))", location: start, needsMoreInput: true)
                }
                throw SyntaxErrorInfo(message: "unterminated string literal (detected at line \(line))", location: start)
            }
            if c == q {
                if !triple { i += 1; break }
                if peek(1) == q && peek(2) == q { i += 3; break }
            }
            if c == "\n" {
                if !triple {
                    throw SyntaxErrorInfo(message: "unterminated string literal (detected at line \(line))", location: start)
                }
                body.append(c)
                newlineAdvance()
                continue
            }
            if c == "\\" {
                body.append(c)
                i += 1
                if let n = peek() {
                    body.append(n)
                    if n == "\n" { newlineAdvance() } else { i += 1 }
                }
                continue
            }
            body.append(c)
            i += 1
        }
        if prefix.contains("b") {
            throw SyntaxErrorInfo(message: "bytes literals are not supported by dsh", location: start)
        }
        let text = String(String.UnicodeScalarView(body))
        if isF {
            add(.string(text, isFString: true, isRaw: raw, bodyStart: bodyStart), start)
        } else {
            let value = raw ? text : try decodeEscapes(text, at: start)
            add(.string(value, isFString: false, isRaw: raw, bodyStart: bodyStart), start)
        }
    }
}

/// Decodes Python backslash escapes (`\n`, `\t`, `\x41`, `\u00e9`, `\N` is not supported).
func decodeEscapes(_ s: String, at location: SourceLocation) throws -> String {
    guard s.unicodeScalars.contains("\\") else { return s }
    let u = Array(s.unicodeScalars)
    var out = String.UnicodeScalarView()
    var k = 0
    while k < u.count {
        let c = u[k]
        if c != "\\" || k + 1 >= u.count { out.append(c); k += 1; continue }
        let n = u[k + 1]
        k += 2
        switch n {
        case "\n": break
        case "\\": out.append("\\")
        case "'": out.append("'")
        case "\"": out.append("\"")
        case "a": out.append("\u{07}")
        case "b": out.append("\u{08}")
        case "f": out.append("\u{0C}")
        case "n": out.append("\n")
        case "r": out.append("\r")
        case "t": out.append("\t")
        case "v": out.append("\u{0B}")
        case "0"..."7":
            var v = Int(n.value - 48)
            var count = 1
            while count < 3, k < u.count, ("0"..."7").contains(u[k]) { v = v * 8 + Int(u[k].value - 48); k += 1; count += 1 }
            out.append(Unicode.Scalar(UInt32(v)) ?? "\u{FFFD}")
        case "x", "u", "U":
            let len = n == "x" ? 2 : n == "u" ? 4 : 8
            guard k + len <= u.count, let v = UInt32(String(String.UnicodeScalarView(u[k..<(k + len)])), radix: 16) else {
                throw SyntaxErrorInfo(message: "(unicode error) truncated \\\(n) escape", location: location)
            }
            guard let sc = Unicode.Scalar(v) else {
                throw SyntaxErrorInfo(message: "(unicode error) illegal Unicode character", location: location)
            }
            out.append(sc)
            k += len
        default:
            out.append("\\"); out.append(n)
        }
    }
    return String(out)
}
