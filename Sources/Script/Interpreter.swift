import Foundation
import Tensor
import Synchronization

/// The dsh Python-subset interpreter: runs scripts and REPL input, and hosts native modules.
///
/// ```swift
/// let interp = Interpreter(argv: ["demo.dsh"])
/// try interp.run(source: "print(1 + 2)", filename: "demo.dsh")
/// ```
public final class Interpreter {
    /// Where `print` writes.
    public var stdout: (String) -> Void
    /// Where tracebacks and `print(file=sys.stderr)` write.
    public var stderr: (String) -> Void
    /// Reads a line for `input()`; nil at end of input.
    public var readLine: (String) -> String? = { prompt in
        FileHandle.standardOutput.write(prompt.data(using: .utf8) ?? Data())
        return Swift.readLine()
    }
    public let argv: [String]
    /// The generator behind `torch.manual_seed`, `torch.default_generator` and every draw made without a
    /// `generator=`. Each interpreter has its own, so interpreters in one process (tests, embedders) do not
    /// disturb each other's random streams.
    public let defaultGenerator = Generator()
    /// Python's `sys.getrecursionlimit()`.
    public var recursionLimit = 1000
    /// Loop iterations and calls allowed before `KeyboardInterrupt` (for fuzzing and sandboxes); nil = unlimited.
    public var instructionBudget: Int?

    let globals: Globals
    var builtins: [String: Value] = [:]
    var modules: [String: PyModule] = [:]
    var moduleFactories: [String: (Interpreter) throws -> PyModule] = [:]
    var handling: [PyException] = []
    var callDepth = 0
    private var ticks = 0
    private let interruptFlag = Atomic<Bool>(false)

    public init(argv: [String] = [],
                stdout: @escaping (String) -> Void = { FileHandle.standardOutput.write($0.data(using: .utf8) ?? Data()) },
                stderr: @escaping (String) -> Void = { FileHandle.standardError.write($0.data(using: .utf8) ?? Data()) }) {
        self.argv = argv
        self.stdout = stdout
        self.stderr = stderr
        let b = Builtins.make()
        globals = Globals(builtins: [:])
        builtins = b
        globals.replaceBuiltins(b)
        globals.set("__name__", .str("__main__"))
        registerStandardModules()
        registerLibraryModules()
    }

    // MARK: running code

    /// Runs a whole script. Throws `ScriptError` (uncaught Python exception or syntax error) whose
    /// `.traceback` is the full Python-style text.
    /// Python's `__file__` is set to `filename` unless it is a pseudo-name like `<string>` or `<stdin>`.
    public func run(source: String, filename: String) throws {
        if !filename.hasPrefix("<") { globals.set("__file__", .str(filename)) }
        try runOnLargeStack {
            let code = try self.compile(source, filename: filename, interactive: false)
            try self.execute(code.0, code.1, echo: false)
        }
    }

    /// REPL: runs one complete interactive input (one statement or block); if it is a lone
    /// expression whose value is not None, returns its repr (and sets `_`), like Python's REPL echo.
    public func runInteractive(_ source: String, filename: String = "<stdin>") throws -> String? {
        try runOnLargeStack {
            let code = try self.compile(source, filename: filename, interactive: true)
            return try self.execute(code.0, code.1, echo: true)
        }
    }

    /// Evaluates one expression and returns its value (for embedding and tests).
    public func evaluate(_ expression: String) throws -> Value {
        try runOnLargeStack { try self.evaluateOnThisThread(expression) }
    }

    private func evaluateOnThisThread(_ expression: String) throws -> Value {
        let stmts: [Stmt]
        do { stmts = try Parser.parse(expression) } catch let e as SyntaxErrorInfo {
            throw syntaxScriptError(e, filename: "<string>", source: expression)
        }
        guard stmts.count == 1, case .expr(let e) = stmts[0].kind else {
            throw ScriptError(typeName: "SyntaxError", message: "expected one expression", traceback: "SyntaxError: expected one expression\n", exitCode: nil, exception: nil)
        }
        let info = CodeInfo(filename: "<string>", lines: expression.split(separator: "\n", omittingEmptySubsequences: false), name: "<module>")
        let compiler = Compiler(interp: self, globals: globals, code: info)
        let c: ExprCode
        do { c = try compiler.expr(e) } catch let e as SyntaxErrorInfo { throw syntaxScriptError(e, filename: "<string>", source: expression) }
        let frame = Frame(localCount: compiler.scope.localCount, cells: [], globals: globals, code: info)
        do { return try c(frame) } catch { throw scriptError(for: error, code: info) }
    }

    func compile(_ source: String, filename: String, interactive: Bool) throws -> (StmtCode, Frame) {
        let stmts: [Stmt]
        do { stmts = try Parser.parse(source) } catch let e as SyntaxErrorInfo {
            throw syntaxScriptError(e, filename: filename, source: source)
        }
        let info = CodeInfo(filename: filename, lines: source.split(separator: "\n", omittingEmptySubsequences: false), name: "<module>")
        let compiler = Compiler(interp: self, globals: globals, code: info)
        var body: StmtCode
        do {
            if interactive, stmts.count == 1, case .expr(let e) = stmts[0].kind {
                let c = try compiler.expr(e)
                let g = globals
                let range = e.range
                body = { f in
                    let v: Value
                    do { v = try c(f) } catch let err as PyException {
                        if err.pendingRange == nil { err.pendingRange = range }; throw err
                    }
                    if !v.isNone { g.set("_", v) }
                    return .returned(v)
                }
            } else {
                body = try compiler.block(stmts)
            }
        } catch let e as SyntaxErrorInfo {
            throw syntaxScriptError(e, filename: filename, source: source)
        }
        let frame = Frame(localCount: compiler.scope.localCount, cells: [], globals: globals, code: info)
        return (body, frame)
    }

    @discardableResult
    func execute(_ body: @escaping StmtCode, _ frame: Frame, echo: Bool) throws -> String? {
        handling = []
        callDepth = 0
        // A Ctrl-C that arrived while nothing ran (at the prompt) must not stop this input.
        interruptFlag.store(false, ordering: .relaxed)
        do {
            let flow = try body(frame)
            if echo, case .returned(let v) = flow, !v.isNone {
                do { return try pyRepr(v) } catch { throw scriptError(for: error, code: frame.code) }
            }
            return nil
        } catch let e as ScriptError {
            throw e
        } catch {
            throw scriptError(for: error, code: frame.code)
        }
    }

    /// Runs `work` on a thread with a big stack, so deep (but limited) Python recursion can't
    /// overflow the caller's stack, whichever thread that is.
    func runOnLargeStack<T>(_ work: @escaping () throws -> T) throws -> T {
        try Interpreter.onLargeStack(work)
    }

    static func onLargeStack<T>(_ work: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try work() }
            done.signal()
        }
        thread.stackSize = 256 << 20
        thread.start()
        done.wait()
        guard let r = box.result else { throw PyException.runtimeError("interpreter thread failed") }
        return try r.get()
    }

    func scriptError(for error: Error, code: CodeInfo) -> ScriptError {
        let e: PyException
        if let p = error as? PyException { e = p }
        else if let s = error as? SyntaxErrorInfo {
            return syntaxScriptError(s, filename: code.filename, source: code.lines.joined(separator: "\n"))
        } else { e = PyException.runtimeError("\(error)") }
        if let r = e.pendingRange {
            e.traceback.append(TraceEntry(filename: code.filename, range: r, function: "<module>", sourceLine: code.line(r.start.line)))
            e.pendingRange = nil
        }
        var exitCode: Int32?
        if e.type === PyException.systemExitType {
            switch e.args.first ?? .none {
            case .none: exitCode = 0
            case .int(let i): exitCode = Int32(truncatingIfNeeded: i)
            case .bool(let b): exitCode = b ? 1 : 0
            default: exitCode = 1
            }
        }
        return ScriptError(typeName: e.type.name, message: e.displayMessage, traceback: formatTraceback(e), exitCode: exitCode, exception: e)
    }

    func syntaxScriptError(_ e: SyntaxErrorInfo, filename: String, source: String) -> ScriptError {
        ScriptError(typeName: e.typeName, message: e.message, traceback: formatSyntaxError(e, filename: filename, source: source),
                    exitCode: nil, exception: nil)
    }

    // MARK: REPL support

    /// REPL: false while the input needs more lines (open block, open bracket, trailing backslash,
    /// unterminated triple-quoted string) — like `codeop`.
    public static func isComplete(_ source: String) -> Bool {
        let tokens: [Token]
        do { tokens = try Lexer.tokenize(source) } catch let e as SyntaxErrorInfo {
            return !e.needsMoreInput
        } catch { return true }
        let needsMore = (try? onLargeStack { () -> Bool in
            do { _ = try Parser.parse(source) } catch let e as SyntaxErrorInfo { return e.needsMoreInput }
            return false
        }) ?? false
        if needsMore { return false }
        // A block (or a line ending in ':') needs a blank line to finish, as in Python's REPL.
        let opensBlock = tokens.contains { $0.kind == .indent } ||
            source.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces).hasSuffix(":") } == true
        if opensBlock {
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
            guard let last = lines.last else { return true }
            return last.trimmingCharacters(in: .whitespaces).isEmpty && lines.count > 1
        }
        return true
    }

    /// Tab completion for `line` with the cursor at `cursor` (a character offset).
    public func completions(for line: String, cursor: Int) -> [String] {
        Completion.complete(self, line: line, cursor: cursor)
    }

    // MARK: interrupts

    /// Asks running code to stop at the next loop iteration / call boundary with
    /// `KeyboardInterrupt`. Safe to call from any thread or a signal handler's thread.
    public func requestInterrupt() {
        interruptFlag.store(true, ordering: .relaxed)
    }

    /// True once Ctrl-C was requested and not yet delivered. Long native work (a model's forward
    /// pass, a sampling loop) polls this between steps.
    public var isInterruptRequested: Bool { interruptFlag.load(ordering: .relaxed) }

    /// The `KeyboardInterrupt` for native code that stopped because of ``isInterruptRequested``;
    /// clears the request.
    public func takeInterrupt() -> PyException {
        interruptFlag.store(false, ordering: .relaxed)
        return PyException(PyException.keyboardInterruptType)
    }

    /// Called once per loop iteration and call: every 256th time, checks for an interrupt.
    @inline(__always)
    func tick(_ range: SourceRange? = nil) throws {
        ticks &+= 1
        if ticks & 0xFF == 0 { try checkInterrupt(at: range) }
    }

    func checkInterrupt(at range: SourceRange? = nil) throws {
        var e: PyException?
        if interruptFlag.load(ordering: .relaxed) {
            interruptFlag.store(false, ordering: .relaxed)
            e = PyException(PyException.keyboardInterruptType)
        } else if let b = instructionBudget {
            if b <= 0 {
                // Not catchable: a bare `except:` in a loop must not outlive the budget.
                let x = PyException(PyException.keyboardInterruptType, "instruction budget exhausted")
                x.uncatchable = true
                e = x
            }
            instructionBudget = b - 256
        }
        if let e = e {
            e.pendingRange = range
            throw e
        }
    }

    // MARK: modules

    /// Registers a native module (bindings live in `Sources/Script/Modules/`), imported lazily on
    /// first `import`. Dotted names (`PIL.Image`) become attributes of their parent package.
    public func registerModule(_ name: String, _ make: @escaping (Interpreter) throws -> PyModule) {
        moduleFactories[name] = make
        modules[name] = nil
    }

    /// Names `import` accepts.
    public var supportedModules: [String] { moduleFactories.keys.sorted() }

    /// Imports a module by dotted name (loading parents first) and returns it.
    public func importModule(_ dotted: String) throws -> PyModule {
        if let m = modules[dotted] { return m }
        let parts = dotted.split(separator: ".").map(String.init)
        var parent: PyModule?
        if parts.count > 1 { parent = try importModule(parts.dropLast().joined(separator: ".")) }
        guard let factory = moduleFactories[dotted] else {
            let top = parts[0]
            let roots = Set(moduleFactories.keys.map { String($0.split(separator: ".")[0]) }).sorted()
            var msg = "No module named '\(dotted)'"
            if parent == nil || !roots.contains(top) {
                msg += " — dsh supports: " + roots.joined(separator: ", ")
            }
            let e = PyException(PyException.moduleNotFoundErrorType, msg)
            e.suggestion = suggestName(dotted, among: moduleFactories.keys.sorted())
            throw e
        }
        let m = try factory(self)
        modules[dotted] = m
        if let p = parent, let last = parts.last, p[last] == nil { p[last] = .module(m) }
        return m
    }

    // MARK: globals

    /// A module-level variable of the running program.
    public func global(_ name: String) -> Value? { globals.get(name) }
    /// Sets a module-level variable.
    public func setGlobal(_ name: String, _ value: Value) { globals.set(name, value) }
    /// Names bound at module level, in definition order.
    public var globalNames: [String] { globals.boundNames }

    /// Adds (or replaces) a builtin, visible everywhere unless shadowed (`display`, for example).
    public func setBuiltin(_ name: String, _ value: Value) {
        builtins[name] = value
        globals.replaceBuiltins(builtins)
    }

    // MARK: calls

    /// Calls any callable value with positional and keyword arguments.
    public func call(_ callee: Value, _ args: [Value], _ kwargs: [(String, Value)] = []) throws -> Value {
        switch callee {
        case .function(let f): return try invoke(f, args, kwargs)
        case .builtin(let b):
            try tick()
            return try b.body(Arguments(args, keywords: kwargs, functionName: b.name, interpreter: self))
        case .object(let o):
            try tick()
            return try o.call(Arguments(args, keywords: kwargs, functionName: o.typeName, interpreter: self))
        default:
            throw PyException.typeError("'\(callee.typeName)' object is not callable")
        }
    }

    func callableName(_ v: Value) -> String {
        switch v {
        case .function(let f): return "__main__." + f.name
        case .builtin(let b): return b.name
        case .object(let o): return (o as? PyType)?.name ?? o.typeName
        default: return v.typeName
        }
    }

    func invoke(_ fn: PyFunction, _ args: [Value], _ kwargs: [(String, Value)]) throws -> Value {
        let code = fn.code
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > recursionLimit {
            throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded")
        }
        try checkInterrupt()
        var cells: [Cell] = []
        if code.ownCellCount > 0 || !fn.closure.isEmpty {
            cells.reserveCapacity(code.ownCellCount + fn.closure.count)
            for _ in 0..<code.ownCellCount { cells.append(Cell()) }
            cells += fn.closure
        }
        let frame = Frame(localCount: code.localCount, cells: cells, globals: fn.globals, code: code.info)
        try bindArguments(fn, args, kwargs, frame)
        for (slot, cell) in code.cellParameters { frame.cells[cell].value = frame.locals[slot] }
        do {
            if case .returned(let v) = try code.body(frame) { return v }
            return .none
        } catch let e as PyException {
            if let r = e.pendingRange {
                e.traceback.append(TraceEntry(filename: code.info.filename, range: r, function: code.name, sourceLine: code.info.line(r.start.line)))
                e.pendingRange = nil
            }
            throw e
        }
    }

    private func bindArguments(_ fn: PyFunction, _ args: [Value], _ kwargs: [(String, Value)], _ frame: Frame) throws {
        let p = fn.code.parameters
        let name = fn.name
        let np = p.positional.count
        let locals = frame.locals
        if kwargs.isEmpty && args.count == np && p.varArgs == nil && p.varKeywords == nil && p.keywordOnly.isEmpty {
            for i in 0..<np { locals[i] = args[i] }
            return
        }
        var slot = 0
        for i in 0..<min(np, args.count) { locals[i] = args[i] }
        slot = np
        if args.count > np {
            guard p.varArgs != nil else {
                let required = p.positional.filter { $0.defaultValue == nil }.count
                let takes = required == np ? "\(np)" : "from \(required) to \(np)"
                let kwOnlyGiven = kwargs.filter { k in p.keywordOnly.contains { $0.name == k.0 } }.count
                let plural = np == 1 && required == np ? "" : "s"
                if kwOnlyGiven > 0 {
                    throw PyException.typeError("\(name)() takes \(takes) positional argument\(plural) but \(args.count) positional argument\(args.count == 1 ? "" : "s") (and \(kwOnlyGiven) keyword-only argument\(kwOnlyGiven == 1 ? "" : "s")) were given")
                }
                throw PyException.typeError("\(name)() takes \(takes) positional argument\(plural) but \(args.count) \(args.count == 1 ? "was" : "were") given")
            }
        }
        if p.varArgs != nil {
            locals[slot] = .tuple(args.count > np ? Array(args[np...]) : [])
            slot += 1
        }
        let kwStart = slot
        var extra: PyDict?
        if p.varKeywords != nil { extra = PyDict() }
        for (k, v) in kwargs {
            if let i = p.positional.firstIndex(where: { $0.name == k }) {
                if locals[i] != nil { throw PyException.typeError("\(name)() got multiple values for argument '\(k)'") }
                locals[i] = v
            } else if let j = p.keywordOnly.firstIndex(where: { $0.name == k }) {
                locals[kwStart + j] = v
            } else if let d = extra {
                d.set(k, v)
            } else {
                let e = PyException.typeError("\(name)() got an unexpected keyword argument '\(k)'")
                throw e
            }
        }
        var missing: [String] = []
        for i in 0..<np where locals[i] == nil {
            if let d = fn.defaults[i] { locals[i] = d } else { missing.append(p.positional[i].name) }
        }
        if !missing.isEmpty {
            throw PyException.typeError("\(name)() missing \(missing.count) required positional argument\(missing.count == 1 ? "" : "s"): \(listNames(missing))")
        }
        for (j, kp) in p.keywordOnly.enumerated() where locals[kwStart + j] == nil {
            if let d = fn.keywordDefaults[kp.name] { locals[kwStart + j] = d } else { missing.append(kp.name) }
        }
        if !missing.isEmpty {
            throw PyException.typeError("\(name)() missing \(missing.count) required keyword-only argument\(missing.count == 1 ? "" : "s"): \(listNames(missing))")
        }
        if let d = extra { locals[kwStart + p.keywordOnly.count] = .dict(d) }
    }

    private func listNames(_ names: [String]) -> String {
        let q = names.map { "'\($0)'" }
        if q.count == 1 { return q[0] }
        if q.count == 2 { return "\(q[0]) and \(q[1])" }
        return q.dropLast().joined(separator: ", ") + ", and " + (q.last ?? "")
    }

    // MARK: attributes

    /// `getattr(v, name)` with Python's errors and "Did you mean" suggestions.
    public func getAttribute(_ v: Value, _ name: String) throws -> Value {
        switch v {
        case .module(let m):
            if let x = m[name] { return x }
            if name == "__name__" { return .str(m.name) }
            if let sub = try? importModule(m.name + "." + name) { return .module(sub) }
            let e = PyException.attributeError("module '\(m.name)' has no attribute '\(name)'")
            e.suggestion = suggestName(name, among: m.names)
            throw e
        case .object(let o):
            if let x = try o.getAttribute(name) { return x }
            if name == "__class__" { return .object(o.pyType) }
            let e = PyException.attributeError(o is PyType ? "type object '\((o as? PyType)?.name ?? "")' has no attribute '\(name)'" : "'\(o.typeName)' object has no attribute '\(name)'")
            e.suggestion = suggestName(name, among: o.attributeNames)
            throw e
        case .function(let f):
            if name == "__name__" || name == "__qualname__" { return .str(f.name) }
            if name == "__doc__" { return .none }
        case .builtin(let b):
            if name == "__name__" { return .str(b.name) }
        default:
            if let m = Methods.bound(v, name, self) { return m }
        }
        if name == "__class__" { return .object(typeObject(of: v)) }
        let e = PyException.attributeError("'\(v.typeName)' object has no attribute '\(name)'")
        e.suggestion = suggestName(name, among: attributeNames(of: v))
        throw e
    }

    /// `setattr(v, name, value)`.
    public func setAttribute(_ v: Value, _ name: String, _ value: Value) throws {
        switch v {
        case .module(let m): m[name] = value
        case .object(let o): try o.setAttribute(name, value)
        default:
            if Methods.names(for: v).contains(name) {
                throw PyException.attributeError("'\(v.typeName)' object attribute '\(name)' is read-only")
            }
            throw PyException.attributeError("'\(v.typeName)' object has no attribute '\(name)'")
        }
    }

    /// The attribute names `dir(v)` lists.
    public func attributeNames(of v: Value) -> [String] {
        switch v {
        case .module(let m): return m.names
        case .object(let o): return o.attributeNames
        default: return Methods.names(for: v)
        }
    }

    /// `type(v)`.
    public func typeObject(of v: Value) -> PyType {
        switch v {
        case .object(let o): return o.pyType
        default:
            if case .object(let o) = builtins[v.typeName] ?? .none, let t = o as? PyType { return t }
            return PyType.named(v.typeName)
        }
    }

    /// `isinstance(v, t)`.
    public func isInstance(_ v: Value, _ t: PyType) -> Bool {
        if t.name == "object" { return true }
        let vt = typeObject(of: v)
        if vt.isSubtype(of: t) { return true }
        if case .bool = v, t.name == "int" { return true }
        return false
    }

    // MARK: helpers used by compiled code

    func nameError(_ name: String, frame: Frame, range: SourceRange) -> PyException {
        let e = PyException.nameError("name '\(name)' is not defined")
        var candidates: [String] = []
        candidates += globals.boundNames
        candidates += builtins.keys.sorted()
        e.suggestion = suggestName(name, among: candidates)
        e.pendingRange = range
        return e
    }

    func compare(_ op: ComparisonOp, _ a: Value, _ b: Value) throws -> Value {
        switch op {
        case .rich(let r): return try compareValues(r, a, b)
        case .inOp: return .bool(try containsValue(b, a))
        case .notIn: return .bool(!(try containsValue(b, a)))
        case .isOp: return .bool(isSame(a, b))
        case .isNot: return .bool(!isSame(a, b))
        }
    }

    func isSame(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x.bitPattern == y.bitPattern
        case let (.str(x), .str(y)): return x == y
        case let (.tuple(x), .tuple(y)): return x.isEmpty && y.isEmpty
        case let (.list(x), .list(y)): return x === y
        case let (.dict(x), .dict(y)): return x === y
        case let (.set(x), .set(y)): return x === y
        case let (.function(x), .function(y)): return x === y
        case let (.builtin(x), .builtin(y)): return x === y
        case let (.module(x), .module(y)): return x === y
        case let (.object(x), .object(y)): return x === y
        default: return false
        }
    }

    /// Truthiness (`bool(v)`).
    public func truthy(_ v: Value) throws -> Bool { try isTruthy(v) }

    /// Turns the operand of `raise` into an exception instance.
    func makeException(_ v: Value) throws -> PyException {
        if case .object(let o) = v {
            if let e = o as? PyException { return e }
            if let t = o as? PyType, t.isException {
                if case .object(let inst) = try t.call(Arguments([], interpreter: self)), let e = inst as? PyException { return e }
            }
        }
        throw PyException.typeError("exceptions must derive from BaseException")
    }

    func exceptionMatches(_ e: PyException, _ spec: Value) throws -> Bool {
        switch spec {
        case .tuple(let ts): return try ts.contains { try exceptionMatches(e, $0) }
        case .object(let o):
            if let t = o as? PyType, t.isException { return e.type.isSubtype(of: t) }
        default: break
        }
        throw PyException.typeError("catching classes that do not inherit from BaseException is not allowed")
    }
}

extension Globals {
    func replaceBuiltins(_ b: [String: Value]) {
        for (i, n) in names.enumerated() { fallback[i] = b[n] }
        builtinsTable = b
    }
}

/// Carries a result back from the interpreter thread.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
