// Phase 3: the resolver. Decides, for each function, which names are its locals, which of those
// inner functions capture (cells), and which it takes from enclosing functions (free variables),
// so the compiler can turn every name into an array slot instead of a dictionary lookup.

/// What the resolver learned about one function body.
struct ScopeInfo {
    /// Local variable names in slot order (parameters first).
    var locals: [String] = []
    /// Locals captured by inner functions: stored in cells.
    var cells: Set<String> = []
    /// Names declared `global`.
    var globals: Set<String> = []
    /// Names declared `nonlocal`.
    var nonlocals: Set<String> = []
    /// Names read (or nonlocal-written) here or in inner functions that are not local here.
    var free: Set<String> = []
}

struct Resolver {
    private var assigned: [String] = []
    private var assignedSet: Set<String> = []
    private var used: Set<String> = []
    private var globals: Set<String> = []
    private var nonlocals: Set<String> = []
    private var innerFree: Set<String> = []
    /// Names bound by enclosing comprehensions (they get their own slots, not function locals).
    private var comprehensionNames: [Set<String>] = []

    /// Analyses a function with the given parameters and body.
    static func analyze(parameters: Parameters, body: [Stmt]) throws -> ScopeInfo {
        var r = Resolver()
        for n in parameters.allNames { r.bind(n) }
        for s in body { try r.visit(s) }
        return r.finish()
    }

    /// Analyses a lambda.
    static func analyze(parameters: Parameters, expression: Expr) throws -> ScopeInfo {
        var r = Resolver()
        for n in parameters.allNames { r.bind(n) }
        try r.visit(expression)
        return r.finish()
    }

    private func finish() -> ScopeInfo {
        var info = ScopeInfo()
        info.locals = assigned.filter { !globals.contains($0) && !nonlocals.contains($0) }
        let localSet = Set(info.locals)
        info.globals = globals
        info.nonlocals = nonlocals
        info.cells = innerFree.intersection(localSet)
        info.free = used.union(innerFree).union(nonlocals).subtracting(localSet).subtracting(globals)
        return info
    }

    private mutating func bind(_ n: String) {
        if comprehensionNames.contains(where: { $0.contains(n) }) { return }
        if !assignedSet.contains(n) { assignedSet.insert(n); assigned.append(n) }
    }

    private mutating func bindTarget(_ e: Expr) throws {
        switch e.kind {
        case .name(let n): bind(n)
        case .tuple(let elts), .list(let elts): for x in elts { try bindTarget(x) }
        case .starred(let x): try bindTarget(x)
        default: try visit(e)
        }
    }

    private mutating func visit(_ s: Stmt) throws {
        switch s.kind {
        case .expr(let e): try visit(e)
        case .assign(let targets, let value):
            try visit(value)
            for t in targets { try bindTarget(t) }
        case .augAssign(let t, _, let v):
            try visit(v); try visit(t); try bindTarget(t)
        case .annAssign(let t, _, let v):
            if let v = v { try visit(v); try bindTarget(t) }
        case .ifStmt(let branches, let orElse):
            for b in branches { try visit(b.test); for x in b.body { try visit(x) } }
            for x in orElse { try visit(x) }
        case .whileStmt(let t, let body, let orElse):
            try visit(t); for x in body + orElse { try visit(x) }
        case .forStmt(let target, let iter, let body, let orElse):
            try visit(iter); try bindTarget(target); for x in body + orElse { try visit(x) }
        case .breakStmt, .continueStmt, .pass: break
        case .returnStmt(let e): if let e = e { try visit(e) }
        case .def(let name, let params, let body, let decorators):
            for d in decorators { try visit(d) }
            for d in params.positional.compactMap(\.defaultValue) + params.keywordOnly.compactMap(\.defaultValue) { try visit(d) }
            bind(name)
            let inner = try Resolver.analyze(parameters: params, body: body)
            innerFree.formUnion(inner.free)
        case .with(let items, let body):
            for (e, t) in items { try visit(e); if let t = t { try bindTarget(t) } }
            for x in body { try visit(x) }
        case .tryStmt(let body, let handlers, let orElse, let fin):
            for x in body { try visit(x) }
            for h in handlers {
                if let t = h.type { try visit(t) }
                if let n = h.name { bind(n) }
                for x in h.body { try visit(x) }
            }
            for x in orElse + fin { try visit(x) }
        case .raise(let e, let c):
            if let e = e { try visit(e) }
            if let c = c { try visit(c) }
        case .assert(let t, let m): try visit(t); if let m = m { try visit(m) }
        case .del(let targets): for t in targets { try bindTarget(t) }
        case .global(let names):
            for n in names {
                if assignedSet.contains(n) || used.contains(n) {
                    throw SyntaxErrorInfo(message: "name '\(n)' is used prior to global declaration", location: s.range.start)
                }
                globals.insert(n)
            }
        case .nonlocal(let names):
            for n in names { nonlocals.insert(n) }
        case .importModule(let path, let asName): bind(asName ?? path[0])
        case .importFrom(_, let names): for (n, a) in names { bind(a ?? n) }
        }
    }

    private mutating func visit(_ e: Expr) throws {
        switch e.kind {
        case .name(let n):
            if !comprehensionNames.contains(where: { $0.contains(n) }) { used.insert(n) }
        case .int, .float, .string, .bool, .none, .ellipsis: break
        case .fstring(let parts): try visitParts(parts)
        case .list(let xs), .tuple(let xs), .set(let xs): for x in xs { try visit(x) }
        case .dict(let items): for it in items { if let k = it.key { try visit(k) }; try visit(it.value) }
        case .starred(let x), .unary(_, let x), .not(let x): try visit(x)
        case .listComp(let elt, let clauses), .setComp(let elt, let clauses):
            try visitComprehension(clauses) { try $0.visit(elt) }
        case .dictComp(let k, let v, let clauses):
            try visitComprehension(clauses) { try $0.visit(k); try $0.visit(v) }
        case .binary(_, let a, let b), .and(let a, let b), .or(let a, let b): try visit(a); try visit(b)
        case .compare(let a, let rest): try visit(a); for (_, x) in rest { try visit(x) }
        case .conditional(let t, let a, let b): try visit(t); try visit(a); try visit(b)
        case .call(let f, let args):
            try visit(f)
            for a in args {
                switch a {
                case .positional(let x), .keyword(_, let x), .star(let x), .doubleStar(let x): try visit(x)
                }
            }
        case .attribute(let x, _): try visit(x)
        case .index(let x, let i): try visit(x); try visit(i)
        case .slice(let a, let b, let c):
            for x in [a, b, c].compactMap({ $0 }) { try visit(x) }
        case .lambda(let params, let body):
            for d in params.positional.compactMap(\.defaultValue) + params.keywordOnly.compactMap(\.defaultValue) { try visit(d) }
            let inner = try Resolver.analyze(parameters: params, expression: body)
            innerFree.formUnion(inner.free.filter { n in !comprehensionNames.contains(where: { $0.contains(n) }) })
        }
    }

    private mutating func visitParts(_ parts: [FStringPart]) throws {
        for p in parts {
            if case .field(let e, _, let spec, _) = p {
                try visit(e)
                if let s = spec { try visitParts(s) }
            }
        }
    }

    private mutating func visitComprehension(_ clauses: [ComprehensionClause], _ body: (inout Resolver) throws -> Void) throws {
        var pushed = 0
        for (k, c) in clauses.enumerated() {
            // The first iterable is evaluated in the enclosing scope.
            try visit(c.iterable)
            _ = k
            comprehensionNames.append(Set(targetNames(c.target)))
            pushed += 1
            for cond in c.conditions { try visit(cond) }
        }
        try body(&self)
        comprehensionNames.removeLast(pushed)
    }
}

/// The names a target expression binds (`a, (b, *c)` → a, b, c).
func targetNames(_ e: Expr) -> [String] {
    switch e.kind {
    case .name(let n): return [n]
    case .tuple(let xs), .list(let xs): return xs.flatMap(targetNames)
    case .starred(let x): return targetNames(x)
    default: return []
    }
}
