import Foundation

// Python exceptions: the object Python code sees is also the Swift `Error` that unwinds the evaluator.

/// One line of a traceback: where a frame was when the exception passed through it.
struct TraceEntry {
    var filename: String
    var range: SourceRange
    var function: String
    var sourceLine: String?
}

/// A Python exception instance. Throw one from Swift to raise it in Python:
/// `throw PyException.valueError("timestep must be positive")`.
public final class PyException: PyObject, Error, @unchecked Sendable {
    public let type: PyType
    public var args: [Value]
    public var cause: PyException?
    public var context: PyException?
    var suppressContext = false
    var traceback: [TraceEntry] = []
    /// Where in the current frame the exception happened (set by the innermost expression).
    var pendingRange: SourceRange?
    /// A "Did you mean" hint appended when printed (names and attributes).
    var suggestion: String?
    var extraAttributes: [String: Value] = [:]
    /// Set for the instruction-budget stop: `except` and `__exit__` cannot swallow it.
    var uncatchable = false

    public init(_ type: PyType, _ args: [Value] = []) {
        self.type = type
        self.args = args
    }

    public convenience init(_ type: PyType, _ message: String) {
        self.init(type, [.str(message)])
    }

    public var typeName: String { type.name }
    public var pyType: PyType { type }

    /// The message part of `Type: message`.
    public var message: String {
        if type.isSubtype(of: PyException.keyErrorType), args.count == 1 { return (try? pyRepr(args[0])) ?? "" }
        if args.isEmpty { return "" }
        if args.count == 1 { return (try? pyStr(args[0])) ?? "" }
        return (try? pyRepr(.tuple(args))) ?? ""
    }

    public func str() throws -> String { displayMessage }

    public func repr() throws -> String {
        if args.count == 1 { return "\(type.name)(\(try pyRepr(args[0])))" }
        return "\(type.name)\(try pyRepr(.tuple(args)))"
    }

    public func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "args": return .tuple(args)
        case "__cause__": return cause.map { .object($0) } ?? Value.none
        case "__context__": return context.map { .object($0) } ?? Value.none
        case "__class__": return .object(type)
        case "value" where type.isSubtype(of: PyException.stopIterationType): return args.first ?? Value.none
        case "code" where type.name == "SystemExit": return args.first ?? Value.none
        default: return extraAttributes[name]
        }
    }

    public func setAttribute(_ name: String, _ value: Value) throws {
        extraAttributes[name] = value
    }

    public var attributeNames: [String] { ["args"] + extraAttributes.keys.sorted() }

    /// `Type: message` as the last traceback line shows it.
    var headline: String {
        let m = message
        var s = m.isEmpty ? type.name : "\(type.name): \(m)"
        if let hint = suggestion { s += ". Did you mean: '\(hint)'?" }
        return s
    }

    // MARK: the built-in exception classes

    static func make(_ name: String, _ base: PyType) -> PyType {
        let t = PyType(name, base: base)
        t.constructor = { args in .object(PyException(t, args.positional)) }
        return t
    }

    public static let baseExceptionType: PyType = {
        let t = PyType.baseException
        t.constructor = { args in .object(PyException(t, args.positional)) }
        return t
    }()
    public static let systemExitType = make("SystemExit", baseExceptionType)
    public static let keyboardInterruptType = make("KeyboardInterrupt", baseExceptionType)
    public static let exceptionType = make("Exception", baseExceptionType)
    public static let arithmeticErrorType = make("ArithmeticError", exceptionType)
    public static let zeroDivisionErrorType = make("ZeroDivisionError", arithmeticErrorType)
    public static let overflowErrorType = make("OverflowError", arithmeticErrorType)
    public static let lookupErrorType = make("LookupError", exceptionType)
    public static let indexErrorType = make("IndexError", lookupErrorType)
    public static let keyErrorType = make("KeyError", lookupErrorType)
    public static let nameErrorType = make("NameError", exceptionType)
    public static let unboundLocalErrorType = make("UnboundLocalError", nameErrorType)
    public static let typeErrorType = make("TypeError", exceptionType)
    public static let valueErrorType = make("ValueError", exceptionType)
    public static let attributeErrorType = make("AttributeError", exceptionType)
    public static let runtimeErrorType = make("RuntimeError", exceptionType)
    public static let notImplementedErrorType = make("NotImplementedError", runtimeErrorType)
    public static let recursionErrorType = make("RecursionError", runtimeErrorType)
    public static let stopIterationType = make("StopIteration", exceptionType)
    public static let assertionErrorType = make("AssertionError", exceptionType)
    public static let importErrorType = make("ImportError", exceptionType)
    public static let moduleNotFoundErrorType = make("ModuleNotFoundError", importErrorType)
    public static let osErrorType = make("OSError", exceptionType)
    public static let fileNotFoundErrorType = make("FileNotFoundError", osErrorType)
    public static let fileExistsErrorType = make("FileExistsError", osErrorType)
    public static let isADirectoryErrorType = make("IsADirectoryError", osErrorType)
    public static let memoryErrorType = make("MemoryError", exceptionType)
    public static let syntaxErrorType = make("SyntaxError", exceptionType)
    public static let indentationErrorType = make("IndentationError", syntaxErrorType)
    public static let unicodeErrorType = make("UnicodeError", valueErrorType)

    /// Every built-in exception class, as the builtins module exposes them.
    static let allTypes: [PyType] = [
        baseExceptionType, systemExitType, keyboardInterruptType, exceptionType, arithmeticErrorType,
        zeroDivisionErrorType, overflowErrorType, lookupErrorType, indexErrorType, keyErrorType, nameErrorType,
        unboundLocalErrorType, typeErrorType, valueErrorType, attributeErrorType, runtimeErrorType,
        notImplementedErrorType, recursionErrorType, stopIterationType, assertionErrorType, importErrorType,
        moduleNotFoundErrorType, osErrorType, fileNotFoundErrorType, fileExistsErrorType, isADirectoryErrorType,
        memoryErrorType, syntaxErrorType, indentationErrorType, unicodeErrorType,
    ]

    public static func typeError(_ m: String) -> PyException { PyException(typeErrorType, m) }
    public static func valueError(_ m: String) -> PyException { PyException(valueErrorType, m) }
    public static func indexError(_ m: String) -> PyException { PyException(indexErrorType, m) }
    public static func keyError(_ key: Value) -> PyException { PyException(keyErrorType, [key]) }
    public static func attributeError(_ m: String) -> PyException { PyException(attributeErrorType, m) }
    public static func nameError(_ m: String) -> PyException { PyException(nameErrorType, m) }
    public static func runtimeError(_ m: String) -> PyException { PyException(runtimeErrorType, m) }
    public static func zeroDivision(_ m: String = "division by zero") -> PyException { PyException(zeroDivisionErrorType, m) }
    public static func overflow(_ m: String = "integer overflow: dsh ints are 64-bit") -> PyException { PyException(overflowErrorType, m) }
    public static func notImplemented(_ m: String) -> PyException { PyException(notImplementedErrorType, m) }
    public static func importError(_ m: String) -> PyException { PyException(importErrorType, m) }
    public static func osError(_ m: String) -> PyException { PyException(osErrorType, m) }
    public static func memoryError(_ m: String) -> PyException { PyException(memoryErrorType, m) }
    public static func fileNotFound(_ path: String) -> PyException {
        let e = PyException(fileNotFoundErrorType, [.int(2), .str("No such file or directory")])
        e.extraAttributes["filename"] = .str(path)
        e.extraAttributes["errno"] = .int(2)
        e.extraAttributes["strerror"] = .str("No such file or directory")
        e.fileNameForMessage = path
        return e
    }
    var fileNameForMessage: String?
}

extension PyException {
    /// The message with OSError's `[Errno 2] … : 'path'` layout.
    var displayMessage: String {
        if let f = fileNameForMessage, args.count == 2, case .int(let n) = args[0], case .str(let s) = args[1] {
            return "[Errno \(n)] \(s): \((try? pyRepr(.str(f))) ?? f)"
        }
        return message
    }
}

/// An uncaught Python exception or a syntax error, as the embedding API reports it.
public struct ScriptError: Error, CustomStringConvertible {
    /// `NameError`, `SyntaxError`, …
    public let typeName: String
    public let message: String
    /// The full Python-style text: `Traceback (most recent call last):` … `NameError: …`.
    public let traceback: String
    /// For `SystemExit` (`exit(2)`, `sys.exit("msg")`): the process exit status it asks for.
    public let exitCode: Int32?
    /// The Python exception object (nil for syntax errors found before running).
    public let exception: PyException?

    public var description: String { traceback }
}

// MARK: "Did you mean" suggestions, as CPython computes them.

private let moveCost = 2
private let caseCost = 1

private func levenshtein(_ a: [Character], _ b: [Character], max maxCost: Int) -> Int {
    if a == b { return 0 }
    if Swift.abs(a.count - b.count) * moveCost > maxCost { return maxCost + 1 }
    var row = Array(0...b.count).map { $0 * moveCost }
    for i in 1...max(1, a.count) where !a.isEmpty {
        var prevDiag = row[0]
        row[0] = i * moveCost
        var rowMin = row[0]
        for j in 1...max(1, b.count) where !b.isEmpty {
            let sub: Int
            if a[i - 1] == b[j - 1] { sub = 0 }
            else if a[i - 1].lowercased() == b[j - 1].lowercased() { sub = caseCost }
            else { sub = moveCost }
            let v = min(prevDiag + sub, row[j] + moveCost, row[j - 1] + moveCost)
            prevDiag = row[j]
            row[j] = v
            rowMin = min(rowMin, v)
        }
        if rowMin > maxCost { return maxCost + 1 }
    }
    return row[b.count]
}

/// The closest candidate to `name`, or nil when none is close enough (CPython's rule).
func suggestName(_ name: String, among candidates: [String]) -> String? {
    if candidates.count > 750 { return nil }
    let n = Array(name)
    var best: String?
    var bestDistance = Int.max
    for c in candidates where c != name {
        let w = Array(c)
        var maxDistance = (n.count + w.count + 3) * moveCost / 6
        maxDistance = min(maxDistance, bestDistance - 1)
        let d = levenshtein(n, w, max: maxDistance)
        if d > maxDistance { continue }
        if best == nil || d < bestDistance { best = c; bestDistance = d }
    }
    return best
}

/// Formats a whole traceback, with chained causes, the way CPython prints it.
func formatTraceback(_ e: PyException, seen: Set<ObjectIdentifier> = []) -> String {
    var out = ""
    var seen = seen
    seen.insert(ObjectIdentifier(e))
    if let c = e.cause, !seen.contains(ObjectIdentifier(c)) {
        out += formatTraceback(c, seen: seen)
        out += "\nThe above exception was the direct cause of the following exception:\n\n"
    } else if let c = e.context, !e.suppressContext, !seen.contains(ObjectIdentifier(c)) {
        out += formatTraceback(c, seen: seen)
        out += "\nDuring handling of the above exception, another exception occurred:\n\n"
    }
    if !e.traceback.isEmpty {
        out += "Traceback (most recent call last):\n"
        for entry in e.traceback.reversed() {
            out += "  File \"\(entry.filename)\", line \(entry.range.start.line), in \(entry.function)\n"
            if let line = entry.sourceLine {
                let stripped = line.drop(while: { $0 == " " || $0 == "\t" })
                let indent = line.count - stripped.count
                let text = String(stripped).trimmingTrailingSpaces()
                out += "    \(text)\n"
                // Carets under the failing expression (to the end of the line if it spans lines).
                let startCol = entry.range.start.column - indent
                var endCol = entry.range.end.line == entry.range.start.line ? entry.range.end.column - indent : text.count
                endCol = min(endCol, text.count)
                if startCol >= 0, endCol > startCol, !(startCol == 0 && endCol >= text.count) {
                    out += "    " + String(repeating: " ", count: startCol) + String(repeating: "^", count: endCol - startCol) + "\n"
                }
            }
        }
    }
    let m = e.displayMessage
    var head = m.isEmpty ? e.type.name : "\(e.type.name): \(m)"
    if let hint = e.suggestion { head += ". Did you mean: '\(hint)'?" }
    out += head + "\n"
    return out
}

/// Formats a syntax error: `File "x.dsh", line 3`, the line, a caret, `SyntaxError: …` — plus file:line:col.
func formatSyntaxError(_ e: SyntaxErrorInfo, filename: String, source: String) -> String {
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    var out = "  File \"\(filename)\", line \(e.location.line)\n"
    if e.location.line >= 1, e.location.line <= lines.count {
        let line = String(lines[e.location.line - 1]).replacingTabs()
        let stripped = line.drop(while: { $0 == " " })
        let indent = line.count - stripped.count
        let text = String(stripped).trimmingTrailingSpaces().trimmingCR()
        out += "    \(text)\n"
        let col = max(0, min(e.location.column - indent, text.count))
        out += "    " + String(repeating: " ", count: col) + "^\n"
    }
    out += "\(e.typeName): \(e.message) (\(filename):\(e.location.line):\(e.location.column + 1))\n"
    return out
}

extension String {
    func replacingTabs() -> String { replacingOccurrences(of: "\t", with: " ") }
    func trimmingCR() -> String { hasSuffix("\r") ? String(dropLast()) : self }
}
