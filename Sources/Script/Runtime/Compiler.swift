// Phase 4: the compiler. Turns the resolved syntax tree into a tree of Swift closures: names are
// slot indexes, and each node's work is chosen once, at compile time, not on every evaluation.

/// How a name is reached at run time.
enum NameRef {
    case local(Int)
    case cell(Int)
    case global(Int)
}

/// Compile-time view of one scope (module or function).
final class CompileScope {
    let isModule: Bool
    let info: ScopeInfo
    let parent: CompileScope?
    var localSlots: [String: Int] = [:]
    var localCount = 0
    var cellSlots: [String: Int] = [:]
    var cellCount = 0
    var ownCellCount = 0
    var freeCaptures: [Int] = []
    var comprehensions: [[String: Int]] = []

    init(module: Bool, info: ScopeInfo, parent: CompileScope?) {
        isModule = module
        self.info = info
        self.parent = parent
        if !module {
            for n in info.locals { localSlots[n] = localCount; localCount += 1 }
            for n in info.locals where info.cells.contains(n) { cellSlots[n] = cellCount; cellCount += 1 }
            ownCellCount = cellCount
        }
    }

    func newHiddenSlot() -> Int { defer { localCount += 1 }; return localCount }

    /// The cell index for `name` if this scope (or an enclosing one) holds it in a cell.
    func cellForCapture(_ name: String) -> Int? {
        if isModule { return nil }
        if let c = cellSlots[name] { return c }
        if info.globals.contains(name) || localSlots[name] != nil { return nil }
        guard let p = parent, let pc = p.cellForCapture(name) else { return nil }
        let c = cellCount
        cellCount += 1
        cellSlots[name] = c
        freeCaptures.append(pc)
        return c
    }

    func resolve(_ name: String, globals: Globals) -> NameRef {
        for m in comprehensions.reversed() { if let s = m[name] { return .local(s) } }
        if isModule { return .global(globals.slot(name)) }
        if info.globals.contains(name) { return .global(globals.slot(name)) }
        if let c = cellSlots[name] { return .cell(c) }
        if let s = localSlots[name] { return .local(s) }
        if let p = parent, let pc = p.cellForCapture(name) {
            let c = cellCount
            cellCount += 1
            cellSlots[name] = c
            freeCaptures.append(pc)
            return .cell(c)
        }
        return .global(globals.slot(name))
    }
}

/// Compiles statements and expressions into closures.
final class Compiler {
    unowned let interp: Interpreter
    let globals: Globals
    var scope: CompileScope
    let code: CodeInfo
    var nesting = 0

    init(interp: Interpreter, globals: Globals, code: CodeInfo) {
        self.interp = interp
        self.globals = globals
        self.code = code
        scope = CompileScope(module: true, info: ScopeInfo(), parent: nil)
    }

    func enterNesting(_ range: SourceRange) throws {
        nesting += 1
        if nesting > 900 {
            throw SyntaxErrorInfo(message: "too many nested expressions or statements (maximum recursion depth exceeded during compilation)", location: range.start)
        }
    }

    // MARK: blocks and statements

    func block(_ stmts: [Stmt]) throws -> StmtCode {
        let codes = try stmts.map { try statement($0) }
        switch codes.count {
        case 0: return { _ in .normal }
        case 1: return codes[0]
        case 2:
            let a = codes[0], b = codes[1]
            return { f in
                let r = try a(f)
                if case .normal = r { return try b(f) }
                return r
            }
        default:
            return { f in
                for c in codes {
                    let r = try c(f)
                    if case .normal = r { continue }
                    return r
                }
                return .normal
            }
        }
    }

    /// Wraps a simple statement so errors without a location get the statement's range.
    func located(_ range: SourceRange, _ c: @escaping StmtCode) -> StmtCode {
        return { f in
            do { return try c(f) } catch let e as PyException {
                if e.pendingRange == nil { e.pendingRange = range }
                throw e
            }
        }
    }

    func statement(_ s: Stmt) throws -> StmtCode {
        try enterNesting(s.range); defer { nesting -= 1 }
        let interp = self.interp
        switch s.kind {
        case .expr(let e):
            let c = try expr(e)
            return located(s.range) { f in _ = try c(f); return .normal }
        case .assign(let targets, let value):
            let v = try expr(value)
            let stores = try targets.map { try store($0) }
            if stores.count == 1 {
                let st = stores[0]
                return located(s.range) { f in try st(f, try v(f)); return .normal }
            }
            return located(s.range) { f in
                let x = try v(f)
                for st in stores { try st(f, x) }
                return .normal
            }
        case .annAssign(let target, _, let value):
            guard let value = value else { return { _ in .normal } }
            let v = try expr(value)
            let st = try store(target)
            return located(s.range) { f in try st(f, try v(f)); return .normal }
        case .augAssign(let target, let op, let value):
            return located(s.range, try augAssign(target, op, value))
        case .ifStmt(let branches, let orElse):
            let tests = try branches.map { try condition($0.test) }
            let bodies = try branches.map { try block($0.body) }
            let elseCode = try block(orElse)
            if tests.count == 1 {
                let t = tests[0], b = bodies[0]
                return { f in try t(f) ? try b(f) : try elseCode(f) }
            }
            return { f in
                for k in 0..<tests.count where try tests[k](f) { return try bodies[k](f) }
                return try elseCode(f)
            }
        case .whileStmt(let test, let body, let orElse):
            let t = try condition(test)
            let b = try block(body)
            let e = try block(orElse)
            let testRange = test.range
            return { f in
                while try t(f) {
                    try interp.tick(testRange)
                    switch try b(f) {
                    case .normal, .continueLoop: continue
                    case .breakLoop: return .normal
                    case .returned(let v): return .returned(v)
                    }
                }
                return try e(f)
            }
        case .forStmt(let target, let iterable, let body, let orElse):
            return try forLoop(target, iterable, body, orElse)
        case .breakStmt: return { _ in .breakLoop }
        case .continueStmt: return { _ in .continueLoop }
        case .pass: return { _ in .normal }
        case .returnStmt(let e):
            guard let e = e else { return { _ in .returned(.none) } }
            let c = try expr(e)
            return located(s.range) { f in .returned(try c(f)) }
        case .def(let name, let params, let body, let decorators):
            let make = try function(name: name, params: params, body: body, range: s.range)
            let decos = try decorators.map { try expr($0) }
            let st = try store(Expr(kind: .name(name), range: s.range))
            return located(s.range) { f in
                var fn = try make(f)
                for d in decos.reversed() { fn = try interp.call(try d(f), [fn]) }
                try st(f, fn)
                return .normal
            }
        case .with(let items, let body):
            return try withStatement(items, body, s.range)
        case .tryStmt(let body, let handlers, let orElse, let fin):
            return try tryStatement(body, handlers, orElse, fin)
        case .raise(let e, let cause):
            let ec = try e.map { try expr($0) }
            let cc = try cause.map { try expr($0) }
            return located(s.range) { f in
                guard let ec = ec else {
                    guard let current = interp.handling.last else {
                        throw PyException.runtimeError("No active exception to reraise")
                    }
                    throw current
                }
                let exc = try interp.makeException(try ec(f))
                if let cc = cc {
                    let cv = try cc(f)
                    if cv.isNone { exc.cause = nil } else { exc.cause = try interp.makeException(cv) }
                    exc.suppressContext = true
                }
                if let current = interp.handling.last, current !== exc, exc.context == nil { exc.context = current }
                exc.traceback = []
                exc.pendingRange = nil
                throw exc
            }
        case .assert(let test, let msg):
            let t = try condition(test)
            let m = try msg.map { try expr($0) }
            return located(s.range) { f in
                if try !t(f) {
                    throw PyException(PyException.assertionErrorType, try m.map { [try $0(f)] } ?? [])
                }
                return .normal
            }
        case .del(let targets):
            let dels = try targets.map { try delete($0) }
            return located(s.range) { f in for d in dels { try d(f) }; return .normal }
        case .global, .nonlocal:
            return { _ in .normal }
        case .importModule(let path, let asName):
            let st = try store(Expr(kind: .name(asName ?? path[0]), range: s.range))
            let dotted = path.joined(separator: ".")
            return located(s.range) { f in
                let leaf = try interp.importModule(dotted)
                if asName != nil { try st(f, .module(leaf)) } else { try st(f, .module(try interp.importModule(path[0]))) }
                return .normal
            }
        case .importFrom(let path, let names):
            let dotted = path.joined(separator: ".")
            let stores = try names.map { try store(Expr(kind: .name($0.1 ?? $0.0), range: s.range)) }
            return located(s.range) { f in
                let m = try interp.importModule(dotted)
                for (k, (n, _)) in names.enumerated() {
                    var v = m[n]
                    if v == nil, let sub = try? interp.importModule(dotted + "." + n) { v = .module(sub) }
                    guard let value = v else {
                        let e = PyException.importError("cannot import name '\(n)' from '\(dotted)'")
                        e.suggestion = suggestName(n, among: m.names)
                        throw e
                    }
                    try stores[k](f, value)
                }
                return .normal
            }
        }
    }

    func condition(_ e: Expr) throws -> (Frame) throws -> Bool {
        // Fast paths for comparisons of ints, the common loop/if test.
        if case .compare(let l, let ops) = e.kind, ops.count == 1, case .rich(let op) = ops[0].0 {
            let a = try expr(l), b = try expr(ops[0].1)
            let range = e.range
            return { f in
                let x = try a(f), y = try b(f)
                if case .int(let i) = x, case .int(let j) = y {
                    switch op {
                    case .lt: return i < j
                    case .le: return i <= j
                    case .gt: return i > j
                    case .ge: return i >= j
                    case .eq: return i == j
                    case .ne: return i != j
                    }
                }
                do { return try isTruthy(try compareValues(op, x, y)) } catch let err as PyException {
                    if err.pendingRange == nil { err.pendingRange = range }
                    throw err
                }
            }
        }
        let c = try expr(e)
        return { f in
            let v = try c(f)
            if case .bool(let b) = v { return b }
            return try isTruthy(v)
        }
    }

    func augAssign(_ target: Expr, _ op: BinaryOperator, _ value: Expr) throws -> StmtCode {
        let v = try expr(value)
        let range = target.range.to(value.range)
        func combine(_ a: Value, _ b: Value) throws -> Value {
            if op == .add, case .int(let x) = a, case .int(let y) = b {
                let (r, o) = x.addingReportingOverflow(y)
                if !o { return .int(r) }
            }
            // In-place list extension (`lst += iterable`).
            if op == .add, case .list(let l) = a {
                if case .list = b {} else if case .str = b {} else if case .tuple = b {} else if case .object = b {} else {
                    return try binaryOp(op, a, b)
                }
                l.items += try iterateToArray(b)
                return a
            }
            if op == .mul, case .list(let l) = a, let n = try intValueForIndex(b), !isObjectValue(b) {
                if case .list(let r) = try repeatSequence(a, n) { l.items = r.items }
                return a
            }
            if case .object(let o) = a, let r = try o.binaryOp(op, b, reflected: false) { return r }
            return try binaryOp(op, a, b)
        }
        switch target.kind {
        case .name(let n):
            let load = try expr(target)
            let ref = scope.resolve(n, globals: globals)
            if case .global(let slot) = ref {
                let g = globals
                return { f in
                    guard let cur = g.storage[slot] ?? g.fallback[slot] else { _ = try load(f); return .normal }
                    let rhs = try v(f)
                    if case .int(let x) = cur, case .int(let y) = rhs {
                        let (r, o) = x.addingReportingOverflow(y)
                        if !o && op == .add { g.storage[slot] = .int(r); return .normal }
                    }
                    do { g.storage[slot] = try combine(cur, rhs) } catch let e as PyException {
                        if e.pendingRange == nil { e.pendingRange = range }; throw e
                    }
                    return .normal
                }
            }
            if case .local(let slot) = ref {
                return { f in
                    guard let cur = f.locals[slot] else { _ = try load(f); return .normal }
                    let rhs = try v(f)
                    if op == .add, case .int(let x) = cur, case .int(let y) = rhs {
                        let (r, o) = x.addingReportingOverflow(y)
                        if !o { f.locals[slot] = .int(r); return .normal }
                    }
                    do { f.locals[slot] = try combine(cur, rhs) } catch let e as PyException {
                        if e.pendingRange == nil { e.pendingRange = range }; throw e
                    }
                    return .normal
                }
            }
            let st = try store(target)
            return { f in
                let cur = try load(f)
                try st(f, try combine(cur, try v(f)))
                return .normal
            }
        case .attribute(let obj, let name):
            let o = try expr(obj)
            let interp = self.interp
            return { f in
                let ov = try o(f)
                let cur = try interp.getAttribute(ov, name)
                try interp.setAttribute(ov, name, try combine(cur, try v(f)))
                return .normal
            }
        case .index(let obj, let index):
            let o = try expr(obj), i = try expr(index)
            return { f in
                let ov = try o(f), iv = try i(f)
                let cur = try getItem(ov, iv)
                try setItem(ov, iv, try combine(cur, try v(f)))
                return .normal
            }
        default:
            throw SyntaxErrorInfo(message: "illegal expression for augmented assignment", location: target.range.start)
        }
    }

    func forLoop(_ target: Expr, _ iterable: Expr, _ body: [Stmt], _ orElse: [Stmt]) throws -> StmtCode {
        let iter = try expr(iterable)
        let assign = try store(target)
        let b = try block(body)
        let e = try block(orElse)
        let interp = self.interp
        let range = iterable.range
        return { f in
            let it = try iter(f)
            switch it {
            case .object(let o) where o is PyRange:
                guard let r = o as? PyRange else { break }
                var i = r.start
                let stop = r.stop, step = r.step
                while step > 0 ? i < stop : i > stop {
                    try interp.tick(range)
                    try assign(f, .int(i))
                    switch try b(f) {
                    case .normal, .continueLoop: break
                    case .breakLoop: return .normal
                    case .returned(let v): return .returned(v)
                    }
                    let (n, o) = i.addingReportingOverflow(step)
                    if o { break }
                    i = n
                }
                return try e(f)
            case .list(let l):
                var i = 0
                while i < l.items.count {
                    try interp.tick(range)
                    try assign(f, l.items[i])
                    i += 1
                    switch try b(f) {
                    case .normal, .continueLoop: break
                    case .breakLoop: return .normal
                    case .returned(let v): return .returned(v)
                    }
                }
                return try e(f)
            default: break
            }
            let iterator: PyIterator
            do { iterator = try makeIterator(it) } catch let err as PyException {
                if err.pendingRange == nil { err.pendingRange = range }
                throw err
            }
            while let v = try iterator.next() {
                try interp.tick(range)
                try assign(f, v)
                switch try b(f) {
                case .normal, .continueLoop: break
                case .breakLoop: return .normal
                case .returned(let v): return .returned(v)
                }
            }
            return try e(f)
        }
    }

    func withStatement(_ items: [(Expr, Expr?)], _ body: [Stmt], _ range: SourceRange) throws -> StmtCode {
        guard let (first, target) = items.first else { return try block(body) }
        let mgr = try expr(first)
        let st = try target.map { try store($0) }
        let inner = items.count > 1 ? try withStatement(Array(items.dropFirst()), body, range) : try block(body)
        let exprRange = first.range
        return { f in
            let m = try mgr(f)
            guard case .object(let o) = m, o.isContextManager else {
                let e = PyException.typeError("'\(m.typeName)' object does not support the context manager protocol")
                e.pendingRange = exprRange
                throw e
            }
            let entered: Value
            do { entered = try o.enter() } catch let e as PyException {
                if e.pendingRange == nil { e.pendingRange = exprRange }
                throw e
            }
            if let st = st { try st(f, entered) }
            let flow: Flow
            do { flow = try inner(f) } catch let e as PyException {
                if try o.exit(e), !e.uncatchable { return .normal }
                throw e
            }
            _ = try o.exit(nil)
            return flow
        }
    }

    func tryStatement(_ body: [Stmt], _ handlers: [ExceptHandler], _ orElse: [Stmt], _ fin: [Stmt]) throws -> StmtCode {
        let b = try block(body)
        let hs = try handlers.map { h -> (ExprCode?, StoreCode?, StmtCode, SourceRange) in
            (try h.type.map { try expr($0) },
             try h.name.map { try store(Expr(kind: .name($0), range: h.range)) },
             try block(h.body), h.range)
        }
        let unbind = try handlers.map { h in try h.name.map { try delete(Expr(kind: .name($0), range: h.range), quiet: true) } }
        let elseCode = orElse.isEmpty ? nil : try block(orElse)
        let finCode = fin.isEmpty ? nil : try block(fin)
        let interp = self.interp
        let guarded: StmtCode = { f in
            var flow: Flow
            do {
                flow = try b(f)
            } catch let e as PyException {
                if e.uncatchable { throw e }
                for (k, (typeCode, nameStore, handler, _)) in hs.enumerated() {
                    if let tc = typeCode {
                        guard try interp.exceptionMatches(e, try tc(f)) else { continue }
                    }
                    if let ns = nameStore { try ns(f, .object(e)) }
                    interp.handling.append(e)
                    defer { interp.handling.removeLast() }
                    do {
                        flow = try handler(f)
                    } catch let e2 as PyException {
                        if e2 !== e && e2.context == nil { e2.context = e }
                        if let u = unbind[k] { try? u(f) }
                        throw e2
                    }
                    if let u = unbind[k] { try u(f) }
                    return flow
                }
                throw e
            }
            if case .normal = flow, let ec = elseCode { return try ec(f) }
            return flow
        }
        guard let fc = finCode else { return guarded }
        return { f in
            let flow: Flow
            do { flow = try guarded(f) } catch {
                let ff = try fc(f)
                if case .normal = ff { throw error }
                return ff
            }
            let ff = try fc(f)
            if case .normal = ff { return flow }
            return ff
        }
    }

    // MARK: functions

    /// Compiles a function body; returns a closure that creates the function object at run time.
    func function(name: String, params: Parameters, body: [Stmt]?, lambdaBody: Expr? = nil, range: SourceRange) throws -> ExprCode {
        let info: ScopeInfo
        do {
            if let body = body { info = try Resolver.analyze(parameters: params, body: body) }
            else if let e = lambdaBody { info = try Resolver.analyze(parameters: params, expression: e) }
            else { info = ScopeInfo() }
        }
        // Defaults are evaluated in the enclosing scope, at definition time.
        let defaultCodes = try params.positional.map { try $0.defaultValue.map { try expr($0) } }
        let kwDefaultCodes = try params.keywordOnly.compactMap { p in try p.defaultValue.map { (p.name, try expr($0)) } }
        let outer = scope
        let fnScope = CompileScope(module: false, info: info, parent: outer)
        scope = fnScope
        defer { scope = outer }
        let bodyCode: StmtCode
        if let body = body {
            bodyCode = try block(body)
        } else if let e = lambdaBody {
            let c = try expr(e)
            bodyCode = { f in .returned(try c(f)) }
        } else {
            bodyCode = { _ in .normal }
        }
        var cellParams: [(Int, Int)] = []
        for n in params.allNames {
            if let c = fnScope.cellSlots[n], let s = fnScope.localSlots[n], c < fnScope.ownCellCount { cellParams.append((s, c)) }
        }
        let fc = FunctionCode(name: name, parameters: params, localCount: fnScope.localCount, ownCellCount: fnScope.ownCellCount,
                              cellParameters: cellParams, freeCaptures: fnScope.freeCaptures, body: bodyCode,
                              info: code.with(name: name))
        let g = globals
        return { f in
            let defaults = try defaultCodes.map { try $0?(f) }
            var kw: [String: Value] = [:]
            for (n, c) in kwDefaultCodes { kw[n] = try c(f) }
            let closure = fc.freeCaptures.map { f.cells[$0] }
            return .function(PyFunction(code: fc, defaults: defaults, keywordDefaults: kw, closure: closure, globals: g))
        }
    }

    // MARK: stores and deletes

    func store(_ target: Expr) throws -> StoreCode {
        switch target.kind {
        case .name(let n):
            switch scope.resolve(n, globals: globals) {
            case .local(let s): return { f, v in f.locals[s] = v }
            case .cell(let c): return { f, v in f.cells[c].value = v }
            case .global(let s):
                let g = globals
                return { _, v in g.storage[s] = v }
            }
        case .attribute(let obj, let name):
            let o = try expr(obj)
            let interp = self.interp
            let range = target.range
            return { f, v in
                let ov = try o(f)
                do { try interp.setAttribute(ov, name, v) } catch let e as PyException {
                    if e.pendingRange == nil { e.pendingRange = range }; throw e
                }
            }
        case .index(let obj, let index):
            let o = try expr(obj), i = try expr(index)
            let range = target.range
            return { f, v in
                let ov = try o(f), iv = try i(f)
                do { try setItem(ov, iv, v) } catch let e as PyException {
                    if e.pendingRange == nil { e.pendingRange = range }; throw e
                }
            }
        case .tuple(let elts), .list(let elts):
            let starIndex = elts.firstIndex { if case .starred = $0.kind { return true }; return false }
            let stores = try elts.map { e -> StoreCode in
                if case .starred(let inner) = e.kind { return try store(inner) }
                return try store(e)
            }
            let n = elts.count
            let interp = self.interp
            return { f, v in
                let items: [Value]
                switch v {
                case .tuple(let t): items = t
                case .list(let l): items = l.items
                case .int, .float, .bool, .none, .function, .builtin, .module:
                    throw PyException.typeError("cannot unpack non-iterable \(v.typeName) object")
                default: items = try iterateToArray(v, interp)
                }
                if let si = starIndex {
                    guard items.count >= n - 1 else {
                        throw PyException.valueError("not enough values to unpack (expected at least \(n - 1), got \(items.count))")
                    }
                    for k in 0..<si { try stores[k](f, items[k]) }
                    let restCount = items.count - (n - 1)
                    try stores[si](f, .list(PyList(Array(items[si..<(si + restCount)]))))
                    for k in (si + 1)..<n { try stores[k](f, items[k - 1 + restCount]) }
                    return
                }
                if items.count != n {
                    if items.count > n { throw PyException.valueError("too many values to unpack (expected \(n))") }
                    throw PyException.valueError("not enough values to unpack (expected \(n), got \(items.count))")
                }
                for k in 0..<n { try stores[k](f, items[k]) }
            }
        case .starred:
            throw SyntaxErrorInfo(message: "starred assignment target must be in a list or tuple", location: target.range.start)
        default:
            throw SyntaxErrorInfo(message: "cannot assign to expression", location: target.range.start)
        }
    }

    func delete(_ target: Expr, quiet: Bool = false) throws -> (Frame) throws -> Void {
        switch target.kind {
        case .name(let n):
            let missing = { () -> PyException in PyException.nameError("name '\(n)' is not defined") }
            switch scope.resolve(n, globals: globals) {
            case .local(let s): return { f in if f.locals[s] == nil && !quiet { throw missing() }; f.locals[s] = nil }
            case .cell(let c): return { f in if f.cells[c].value == nil && !quiet { throw missing() }; f.cells[c].value = nil }
            case .global(let s):
                let g = globals
                return { _ in if g.storage[s] == nil && !quiet { throw missing() }; g.storage[s] = nil }
            }
        case .index(let obj, let index):
            let o = try expr(obj), i = try expr(index)
            return { f in try deleteItem(try o(f), try i(f)) }
        case .attribute(let obj, let name):
            let o = try expr(obj)
            return { f in
                let v = try o(f)
                if case .module(let m) = v, m[name] != nil { m[name] = nil; return }
                throw PyException.attributeError("cannot delete attribute '\(name)' of '\(v.typeName)' object")
            }
        case .tuple(let elts), .list(let elts):
            let ds = try elts.map { try delete($0) }
            return { f in for d in ds { try d(f) } }
        default:
            throw SyntaxErrorInfo(message: "cannot delete expression", location: target.range.start)
        }
    }

    // MARK: expressions

    func expr(_ e: Expr) throws -> ExprCode {
        try enterNesting(e.range); defer { nesting -= 1 }
        let interp = self.interp
        let range = e.range
        switch e.kind {
        case .int(let i): let v = Value.int(i); return { _ in v }
        case .float(let d): let v = Value.float(d); return { _ in v }
        case .string(let s): let v = Value.str(s); return { _ in v }
        case .bool(let b): let v = Value.bool(b); return { _ in v }
        case .none: return { _ in .none }
        case .ellipsis: return { _ in .object(PyEllipsis.shared) }
        case .name(let n):
            switch scope.resolve(n, globals: globals) {
            case .local(let s):
                return { f in
                    if let v = f.locals[s] { return v }
                    let err = PyException(PyException.unboundLocalErrorType, "cannot access local variable '\(n)' where it is not associated with a value")
                    err.pendingRange = range
                    throw err
                }
            case .cell(let c):
                return { f in
                    if let v = f.cells[c].value { return v }
                    let err = PyException.nameError("cannot access free variable '\(n)' where it is not associated with a value in enclosing scope")
                    err.pendingRange = range
                    throw err
                }
            case .global(let s):
                let g = globals
                return { f in
                    if let v = g.storage[s] { return v }
                    if let v = g.fallback[s] { return v }
                    throw interp.nameError(n, frame: f, range: range)
                }
            }
        case .fstring(let parts):
            let pieces = try fstringParts(parts)
            return { f in
                var out = ""
                for p in pieces { out += try p(f) }
                return .str(out)
            }
        case .list(let elts):
            let items = try sequenceItems(elts)
            return { f in .list(PyList(try items(f))) }
        case .tuple(let elts):
            let items = try sequenceItems(elts)
            return { f in .tuple(try items(f)) }
        case .set(let elts):
            let items = try sequenceItems(elts)
            return { f in .set(try PySet(try items(f))) }
        case .dict(let pairs):
            let codes = try pairs.map { (try $0.key.map { try expr($0) }, try expr($0.value)) }
            return { f in
                let d = PyDict()
                for (k, v) in codes {
                    if let k = k {
                        let kv = try k(f)
                        do { try d.set(kv, try v(f)) } catch let err as PyException {
                            if err.pendingRange == nil { err.pendingRange = range }; throw err
                        }
                    } else {
                        let m = try v(f)
                        guard case .dict(let other) = m else {
                            throw PyException.typeError("'\(m.typeName)' object is not a mapping")
                        }
                        for en in other.entries { d.setUnchecked(en.key, en.value) }
                    }
                }
                return .dict(d)
            }
        case .starred:
            throw SyntaxErrorInfo(message: "can't use starred expression here", location: e.range.start)
        case .listComp(let elt, let clauses):
            let run = try comprehension(clauses) { try self.expr(elt) } build: { codes in
                let c = codes[0]
                return { f, acc in acc.append(try c(f)) }
            }
            return { f in
                var acc: [Value] = []
                try run(f, &acc)
                return .list(PyList(acc))
            }
        case .setComp(let elt, let clauses):
            let run = try comprehension(clauses) { try self.expr(elt) } build: { codes in
                let c = codes[0]
                return { f, acc in acc.append(try c(f)) }
            }
            return { f in
                var acc: [Value] = []
                try run(f, &acc)
                return .set(try PySet(acc))
            }
        case .dictComp(let k, let v, let clauses):
            let run = try comprehension(clauses, bodies: { [try self.expr(k), try self.expr(v)] }) { codes in
                let kc = codes[0], vc = codes[1]
                return { f, acc in acc.append(.tuple([try kc(f), try vc(f)])) }
            }
            return { f in
                var acc: [Value] = []
                try run(f, &acc)
                let d = PyDict()
                for case .tuple(let kv) in acc { try d.set(kv[0], kv[1]) }
                return .dict(d)
            }
        case .binary(let op, let l, let r):
            return try binary(op, l, r, range)
        case .unary(let op, let x):
            let c = try expr(x)
            return { f in
                let v = try c(f)
                do { return try unaryOp(op, v) } catch let err as PyException {
                    if err.pendingRange == nil { err.pendingRange = range }; throw err
                }
            }
        case .not:
            let c = try condition(e.kind.notOperand)
            return { f in .bool(!(try c(f))) }
        case .and(let a, let b):
            let x = try expr(a), y = try expr(b)
            return { f in
                let v = try x(f)
                return try isTruthy(v) ? try y(f) : v
            }
        case .or(let a, let b):
            let x = try expr(a), y = try expr(b)
            return { f in
                let v = try x(f)
                return try isTruthy(v) ? v : try y(f)
            }
        case .compare(let first, let ops):
            if ops.count == 1, case .rich(let op) = ops[0].0 {
                do {
                    let a = try expr(first), b = try expr(ops[0].1)
                    return { f in
                        let x = try a(f), y = try b(f)
                        if case .int(let i) = x, case .int(let j) = y {
                            switch op {
                            case .lt: return .bool(i < j)
                            case .le: return .bool(i <= j)
                            case .gt: return .bool(i > j)
                            case .ge: return .bool(i >= j)
                            case .eq: return .bool(i == j)
                            case .ne: return .bool(i != j)
                            }
                        }
                        do { return try compareValues(op, x, y) } catch let err as PyException {
                            if err.pendingRange == nil { err.pendingRange = range }; throw err
                        }
                    }
                }
            }
            let firstCode = try expr(first)
            let rest = try ops.map { ($0.0, try expr($0.1)) }
            return { f in
                var left = try firstCode(f)
                var result: Value = .bool(true)
                for (op, rc) in rest {
                    let right = try rc(f)
                    do { result = try interp.compare(op, left, right) } catch let err as PyException {
                        if err.pendingRange == nil { err.pendingRange = range }; throw err
                    }
                    if try !isTruthy(result) { return result }
                    left = right
                }
                return result
            }
        case .conditional(let test, let then, let orElse):
            let t = try condition(test), a = try expr(then), b = try expr(orElse)
            return { f in try t(f) ? try a(f) : try b(f) }
        case .call(let callee, let args):
            return try call(callee, args, range)
        case .attribute(let obj, let name):
            let o = try expr(obj)
            let nameRange = SourceRange(e.range.start, e.range.end)
            return { f in
                let v = try o(f)
                do { return try interp.getAttribute(v, name) } catch let err as PyException {
                    if err.pendingRange == nil { err.pendingRange = nameRange }; throw err
                }
            }
        case .index(let obj, let index):
            let o = try expr(obj), i = try expr(index)
            return { f in
                let ov = try o(f), iv = try i(f)
                if case .list(let l) = ov, case .int(var k) = iv {
                    if k < 0 { k += l.items.count }
                    if k >= 0 && k < l.items.count { return l.items[k] }
                }
                do { return try getItem(ov, iv) } catch let err as PyException {
                    if err.pendingRange == nil { err.pendingRange = range }; throw err
                }
            }
        case .slice(let a, let b, let c):
            let x = try a.map { try expr($0) }, y = try b.map { try expr($0) }, z = try c.map { try expr($0) }
            return { f in
                .object(PySlice(try x?(f) ?? .none, try y?(f) ?? .none, try z?(f) ?? .none))
            }
        case .lambda(let params, let body):
            return try function(name: "<lambda>", params: params, body: nil, lambdaBody: body, range: range)
        }
    }

    func sequenceItems(_ elts: [Expr]) throws -> (Frame) throws -> [Value] {
        let codes = try elts.map { e -> (ExprCode, Bool) in
            if case .starred(let inner) = e.kind { return (try expr(inner), true) }
            return (try expr(e), false)
        }
        let interp = self.interp
        if !codes.contains(where: { $0.1 }) {
            let cs = codes.map(\.0)
            return { f in
                var out: [Value] = []
                out.reserveCapacity(cs.count)
                for c in cs { out.append(try c(f)) }
                return out
            }
        }
        return { f in
            var out: [Value] = []
            for (c, star) in codes {
                if star { out += try iterateToArray(try c(f), interp) } else { out.append(try c(f)) }
            }
            return out
        }
    }

    func fstringParts(_ parts: [FStringPart]) throws -> [(Frame) throws -> String] {
        try parts.map { p -> (Frame) throws -> String in
            switch p {
            case .literal(let s): return { _ in s }
            case .field(let e, let conversion, let spec, let selfDoc):
                let c = try expr(e)
                let specParts = try spec.map { try fstringParts($0) }
                let range = e.range
                return { f in
                    var v = try c(f)
                    do {
                        switch conversion {
                        case "r": v = .str(try pyRepr(v))
                        case "s": v = .str(try pyStr(v))
                        case "a": v = .str(try pyRepr(v))
                        default: break
                        }
                        var specText = ""
                        if let sp = specParts { for s in sp { specText += try s(f) } }
                        return (selfDoc ?? "") + (try formatValue(v, specText))
                    } catch let err as PyException {
                        if err.pendingRange == nil { err.pendingRange = range }; throw err
                    }
                }
            }
        }
    }

    /// Comprehension clauses → a closure that appends each produced element to an accumulator.
    func comprehension(_ clauses: [ComprehensionClause], bodies: () throws -> [ExprCode],
                       build: ([ExprCode]) -> (Frame, inout [Value]) throws -> Void) throws -> (Frame, inout [Value]) throws -> Void {
        // The first iterable belongs to the enclosing scope; targets get fresh hidden slots.
        var pushed = 0
        defer { scope.comprehensions.removeLast(pushed) }
        typealias Level = (iter: ExprCode, store: StoreCode, conds: [(Frame) throws -> Bool])
        var levels: [Level] = []
        for c in clauses {
            let iter = try expr(c.iterable)
            var names: [String: Int] = [:]
            for n in targetNames(c.target) { names[n] = scope.newHiddenSlot() }
            scope.comprehensions.append(names)
            pushed += 1
            let st = try store(c.target)
            let conds = try c.conditions.map { try condition($0) }
            levels.append((iter, st, conds))
        }
        let inner = build(try bodies())
        let interp = self.interp
        func run(_ k: Int, _ f: Frame, _ acc: inout [Value]) throws {
            if k == levels.count { try inner(f, &acc); return }
            let lv = levels[k]
            let it = try lv.iter(f)
            let items: [Value]
            if case .object(let o) = it, let r = o as? PyRange {
                var i = r.start
                outer: for _ in 0..<r.count {
                    try interp.tick()
                    try lv.store(f, .int(i))
                    i &+= r.step
                    for c in lv.conds where try !c(f) { continue outer }
                    try run(k + 1, f, &acc)
                    if acc.count > maxSequenceLength { throw PyException.memoryError("comprehension too large") }
                }
                return
            }
            items = try iterateToArray(it, interp)
            outer: for v in items {
                try interp.tick()
                try lv.store(f, v)
                for c in lv.conds where try !c(f) { continue outer }
                try run(k + 1, f, &acc)
                if acc.count > maxSequenceLength { throw PyException.memoryError("comprehension too large") }
            }
        }
        return { f, acc in try run(0, f, &acc) }
    }

    func comprehension(_ clauses: [ComprehensionClause], _ body: () throws -> ExprCode,
                       build: ([ExprCode]) -> (Frame, inout [Value]) throws -> Void) throws -> (Frame, inout [Value]) throws -> Void {
        try comprehension(clauses, bodies: { [try body()] }, build: build)
    }

    func binary(_ op: BinaryOperator, _ l: Expr, _ r: Expr, _ range: SourceRange) throws -> ExprCode {
        let a = try expr(l), b = try expr(r)
        @inline(__always) func slow(_ x: Value, _ y: Value) throws -> Value {
            do { return try binaryOp(op, x, y) } catch let err as PyException {
                if err.pendingRange == nil { err.pendingRange = range }; throw err
            }
        }
        switch op {
        case .add:
            return { f in
                let x = try a(f), y = try b(f)
                if case .int(let i) = x, case .int(let j) = y {
                    let (s, o) = i.addingReportingOverflow(j)
                    if !o { return .int(s) }
                } else if case .float(let p) = x, case .float(let q) = y { return .float(p + q) }
                return try slow(x, y)
            }
        case .sub:
            return { f in
                let x = try a(f), y = try b(f)
                if case .int(let i) = x, case .int(let j) = y {
                    let (s, o) = i.subtractingReportingOverflow(j)
                    if !o { return .int(s) }
                } else if case .float(let p) = x, case .float(let q) = y { return .float(p - q) }
                return try slow(x, y)
            }
        case .mul:
            return { f in
                let x = try a(f), y = try b(f)
                if case .int(let i) = x, case .int(let j) = y {
                    let (s, o) = i.multipliedReportingOverflow(by: j)
                    if !o { return .int(s) }
                } else if case .float(let p) = x, case .float(let q) = y { return .float(p * q) }
                return try slow(x, y)
            }
        case .mod:
            return { f in
                let x = try a(f), y = try b(f)
                if case .int(let i) = x, case .int(let j) = y, j > 0, i >= 0 { return .int(i % j) }
                return try slow(x, y)
            }
        default:
            return { f in try slow(try a(f), try b(f)) }
        }
    }

    func call(_ callee: Expr, _ args: [Argument], _ range: SourceRange) throws -> ExprCode {
        let interp = self.interp
        let fn = try expr(callee)
        let simple = args.allSatisfy { if case .positional = $0 { return true }; return false }
        if simple {
            let codes = try args.map { a -> ExprCode in
                if case .positional(let e) = a { return try expr(e) }
                return { _ in .none }
            }
            return { f in
                let c = try fn(f)
                var vals: [Value] = []
                vals.reserveCapacity(codes.count)
                for code in codes { vals.append(try code(f)) }
                do { return try interp.call(c, vals, []) } catch let err as PyException {
                    if err.pendingRange == nil { err.pendingRange = range }; throw err
                }
            }
        }
        enum ArgCode { case pos(ExprCode), kw(String, ExprCode), star(ExprCode), dstar(ExprCode) }
        let codes = try args.map { a -> ArgCode in
            switch a {
            case .positional(let e): return .pos(try expr(e))
            case .keyword(let n, let e): return .kw(n, try expr(e))
            case .star(let e): return .star(try expr(e))
            case .doubleStar(let e): return .dstar(try expr(e))
            }
        }
        return { f in
            let c = try fn(f)
            var pos: [Value] = []
            var kws: [(String, Value)] = []
            do {
                for a in codes {
                    switch a {
                    case .pos(let e): pos.append(try e(f))
                    case .kw(let n, let e):
                        let v = try e(f)
                        if kws.contains(where: { $0.0 == n }) {
                            throw PyException.typeError("\(interp.callableName(c))() got multiple values for keyword argument '\(n)'")
                        }
                        kws.append((n, v))
                    case .star(let e): pos += try iterateToArray(try e(f), interp)
                    case .dstar(let e):
                        let m = try e(f)
                        guard case .dict(let d) = m else {
                            throw PyException.typeError("\(interp.callableName(c))() argument after ** must be a mapping, not \(m.typeName)")
                        }
                        for en in d.entries {
                            guard case .str(let k) = en.key else { throw PyException.typeError("keywords must be strings") }
                            if kws.contains(where: { $0.0 == k }) {
                                throw PyException.typeError("\(interp.callableName(c))() got multiple values for keyword argument '\(k)'")
                            }
                            kws.append((k, en.value))
                        }
                    }
                }
                return try interp.call(c, pos, kws)
            } catch let err as PyException {
                if err.pendingRange == nil { err.pendingRange = range }; throw err
            }
        }
    }
}

extension ExprKind {
    var notOperand: Expr {
        if case .not(let e) = self { return e }
        return Expr(kind: .none, range: .unknown)
    }
}

func isObjectValue(_ v: Value) -> Bool { if case .object = v { return true }; return false }
