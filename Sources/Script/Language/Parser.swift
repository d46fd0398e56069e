// Phase 2: the parser. Tokens → statements, by recursive descent over Python's grammar.

/// Parses a token stream into statements.
struct Parser {
    var tokens: [Token]
    var p = 0
    var depth = 0
    /// Nesting deeper than this is a SyntaxError (CPython's parser has a similar limit).
    static let maxDepth = 200
    var functionDepth = 0
    var loopDepth = 0

    init(tokens: [Token]) { self.tokens = tokens }

    /// Parses a whole module (script or REPL input).
    static func parse(_ source: String) throws -> [Stmt] {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        return try parser.parseModule()
    }

    /// Parses a single expression (used for f-string fields).
    static func parseExpression(_ source: String, offset: SourceLocation) throws -> Expr {
        var toks = try Lexer.tokenize("(" + source + ")")
        for k in toks.indices {
            toks[k].range = SourceRange(shift(toks[k].range.start, offset), shift(toks[k].range.end, offset))
        }
        var parser = Parser(tokens: toks)
        let e = try parser.parseTestListStarExpr()
        parser.skipNewlines()
        guard parser.at(.eof) else { throw parser.error("f-string: invalid syntax") }
        return e
    }

    private static func shift(_ l: SourceLocation, _ offset: SourceLocation) -> SourceLocation {
        if l.line == 1 { return SourceLocation(line: offset.line, column: offset.column + l.column - 1) }
        return SourceLocation(line: offset.line + l.line - 1, column: l.column)
    }

    // MARK: token helpers

    var tok: Token { tokens[min(p, tokens.count - 1)] }
    var prevEnd: SourceLocation { p > 0 ? tokens[p - 1].range.end : tok.range.start }

    func at(_ k: TokenKind) -> Bool { tok.kind == k }
    func atOp(_ o: String) -> Bool { tok.kind == .op(o) }
    func atKeyword(_ k: String) -> Bool { tok.kind == .keyword(k) }

    mutating func advance() -> Token { let t = tok; if p < tokens.count - 1 { p += 1 }; return t }

    mutating func eatOp(_ o: String) -> Bool { if atOp(o) { p += 1; return true }; return false }
    mutating func eatKeyword(_ k: String) -> Bool { if atKeyword(k) { p += 1; return true }; return false }

    func error(_ message: String, at location: SourceLocation? = nil) -> SyntaxErrorInfo {
        SyntaxErrorInfo(message: message, location: location ?? tok.range.start, needsMoreInput: tok.kind == .eof)
    }

    mutating func expectOp(_ o: String, _ message: String? = nil) throws {
        guard eatOp(o) else { throw error(message ?? (tok.kind == .eof ? "unexpected EOF while parsing" : "expected '\(o)'")) }
    }

    mutating func expectName() throws -> String {
        if case .name(let n) = tok.kind { p += 1; return n }
        throw error("invalid syntax")
    }

    mutating func skipNewlines() { while at(.newline) { p += 1 } }

    mutating func enter() throws {
        depth += 1
        if depth > Parser.maxDepth { throw error("too many nested parentheses") }
    }

    // MARK: statements

    mutating func parseModule() throws -> [Stmt] {
        var out: [Stmt] = []
        skipNewlines()
        while !at(.eof) {
            if at(.indent) { throw SyntaxErrorInfo(message: "unexpected indent", location: tok.range.start, typeName: "IndentationError") }
            out += try parseStatement()
            skipNewlines()
        }
        return out
    }

    mutating func parseBlock(after what: String, line: Int) throws -> [Stmt] {
        try expectOp(":", "expected ':'")
        if !at(.newline) {
            // Simple statements on the same line.
            return try parseSimpleStatements()
        }
        p += 1
        guard at(.indent) else {
            var e = SyntaxErrorInfo(message: "expected an indented block after \(what) on line \(line)", location: tok.range.start, typeName: "IndentationError")
            e.needsMoreInput = at(.eof)
            throw e
        }
        p += 1
        try enter(); defer { depth -= 1 }
        var body: [Stmt] = []
        while !at(.dedent) && !at(.eof) {
            if at(.indent) { throw SyntaxErrorInfo(message: "unexpected indent", location: tok.range.start, typeName: "IndentationError") }
            body += try parseStatement()
            skipNewlines()
        }
        _ = eatDedent()
        return body
    }

    mutating func eatDedent() -> Bool { if at(.dedent) { p += 1; return true }; return false }

    mutating func parseStatement() throws -> [Stmt] {
        let start = tok.range.start
        let line = start.line
        if case .keyword(let k) = tok.kind {
            switch k {
            case "if":
                p += 1
                var branches: [(test: Expr, body: [Stmt])] = []
                let test = try parseNamedExpr()
                branches.append((test, try parseBlock(after: "'if' statement", line: line)))
                var orElse: [Stmt] = []
                while atKeyword("elif") {
                    let l = tok.range.start.line
                    p += 1
                    let t = try parseNamedExpr()
                    branches.append((t, try parseBlock(after: "'elif' statement", line: l)))
                }
                if atKeyword("else") {
                    let l = tok.range.start.line
                    p += 1
                    orElse = try parseBlock(after: "'else' statement", line: l)
                }
                return [Stmt(kind: .ifStmt(branches, orElse: orElse), range: SourceRange(start, prevEnd))]
            case "while":
                p += 1
                let test = try parseNamedExpr()
                loopDepth += 1
                let body = try parseBlock(after: "'while' statement", line: line)
                loopDepth -= 1
                var orElse: [Stmt] = []
                if atKeyword("else") { let l = tok.range.start.line; p += 1; orElse = try parseBlock(after: "'else' statement", line: l) }
                return [Stmt(kind: .whileStmt(test, body: body, orElse: orElse), range: SourceRange(start, prevEnd))]
            case "for":
                p += 1
                let target = try parseTargetList()
                guard eatKeyword("in") else { throw error("invalid syntax") }
                let iter = try parseTestListStarExpr()
                loopDepth += 1
                let body = try parseBlock(after: "'for' statement", line: line)
                loopDepth -= 1
                var orElse: [Stmt] = []
                if atKeyword("else") { let l = tok.range.start.line; p += 1; orElse = try parseBlock(after: "'else' statement", line: l) }
                return [Stmt(kind: .forStmt(target: target, iterable: iter, body: body, orElse: orElse), range: SourceRange(start, prevEnd))]
            case "def":
                return [try parseDef(decorators: [])]
            case "with":
                p += 1
                var items: [(Expr, Expr?)] = []
                repeat {
                    let e = try parseTest()
                    var target: Expr?
                    if eatKeyword("as") { target = try parseTarget() }
                    items.append((e, target))
                } while eatOp(",")
                let body = try parseBlock(after: "'with' statement", line: line)
                return [Stmt(kind: .with(items, body: body), range: SourceRange(start, prevEnd))]
            case "try":
                p += 1
                let body = try parseBlock(after: "'try' statement", line: line)
                var handlers: [ExceptHandler] = []
                while atKeyword("except") {
                    let hs = tok.range.start
                    p += 1
                    var type: Expr?
                    var name: String?
                    if !atOp(":") {
                        let firstType = try parseTest()
                        type = firstType
                        if atOp(",") {
                            var elts = [firstType]
                            while eatOp(",") { if atOp(":") || atKeyword("as") { break }; elts.append(try parseTest()) }
                            type = Expr(kind: .tuple(elts), range: SourceRange(hs, prevEnd))
                        }
                        if eatKeyword("as") { name = try expectName() }
                    }
                    let hb = try parseBlock(after: "'except' statement", line: hs.line)
                    handlers.append(ExceptHandler(type: type, name: name, body: hb, range: SourceRange(hs, prevEnd)))
                }
                var orElse: [Stmt] = [], fin: [Stmt] = []
                if atKeyword("else") {
                    if handlers.isEmpty { throw error("invalid syntax") }
                    let l = tok.range.start.line; p += 1; orElse = try parseBlock(after: "'else' statement", line: l)
                }
                if atKeyword("finally") { let l = tok.range.start.line; p += 1; fin = try parseBlock(after: "'finally' statement", line: l) }
                if handlers.isEmpty && fin.isEmpty && !atKeyword("finally") {
                    throw error("expected 'except' or 'finally' block")
                }
                return [Stmt(kind: .tryStmt(body: body, handlers: handlers, orElse: orElse, finally: fin), range: SourceRange(start, prevEnd))]
            case "class":
                throw error("classes are not supported by dsh (use functions, dicts and the provided modules)")
            case "async", "await", "yield":
                throw error("'\(k)' is not supported by dsh")
            case "elif", "else", "except", "finally":
                throw error("invalid syntax")
            default: break
            }
        }
        if atOp("@") {
            var decorators: [Expr] = []
            while eatOp("@") {
                decorators.append(try parseNamedExpr())
                guard at(.newline) else { throw error("invalid syntax") }
                p += 1
            }
            guard atKeyword("def") else { throw error(atKeyword("class") ? "classes are not supported by dsh" : "invalid syntax") }
            return [try parseDef(decorators: decorators)]
        }
        return try parseSimpleStatements()
    }

    mutating func parseDef(decorators: [Expr]) throws -> Stmt {
        let start = tok.range.start
        p += 1
        let name = try expectName()
        try expectOp("(", "expected '('")
        let params = try parseParameters(closing: ")")
        try expectOp(")", "expected ')'")
        if eatOp("->") { _ = try parseTest() }
        functionDepth += 1
        let savedLoop = loopDepth
        loopDepth = 0
        defer { functionDepth -= 1; loopDepth = savedLoop }
        let body = try parseBlock(after: "function definition", line: start.line)
        return Stmt(kind: .def(name: name, params, body: body, decorators: decorators), range: SourceRange(start, prevEnd))
    }

    mutating func parseParameters(closing: String) throws -> Parameters {
        var params = Parameters()
        var seenStar = false
        var seen = Set<String>()
        func check(_ n: String, _ parser: Parser) throws {
            if seen.contains(n) { throw parser.error("duplicate argument '\(n)' in function definition") }
            seen.insert(n)
        }
        while !atOp(closing) {
            if eatOp("**") {
                let n = try expectName(); try check(n, self)
                if closing == ")", eatOp(":") { _ = try parseTest() }
                params.varKeywords = n
                _ = eatOp(",")
                break
            } else if eatOp("*") {
                if seenStar { throw error("* argument may appear only once") }
                seenStar = true
                if case .name(let n) = tok.kind {
                    p += 1; try check(n, self)
                    if closing == ")", eatOp(":") { _ = try parseTest() }
                    params.varArgs = n
                }
            } else if eatOp("/") {
                // Positional-only marker: accepted and ignored.
            } else {
                let n = try expectName(); try check(n, self)
                if closing == ")", eatOp(":") { _ = try parseTest() }
                var def: Expr?
                if eatOp("=") { def = try parseTest() }
                if seenStar {
                    params.keywordOnly.append((n, def))
                } else {
                    if def == nil, params.positional.last?.defaultValue != nil {
                        throw error("non-default argument follows default argument")
                    }
                    params.positional.append((n, def))
                }
            }
            if !eatOp(",") { break }
        }
        return params
    }

    mutating func parseSimpleStatements() throws -> [Stmt] {
        var out: [Stmt] = []
        repeat {
            if at(.newline) || at(.eof) { break }
            out.append(try parseSmallStatement())
        } while eatOp(";")
        guard at(.newline) || at(.eof) else {
            throw error(tok.kind == .indent ? "unexpected indent" : "invalid syntax")
        }
        if at(.newline) { p += 1 }
        return out
    }

    mutating func parseDottedName() throws -> [String] {
        var path = [try expectName()]
        while eatOp(".") { path.append(try expectName()) }
        return path
    }

    mutating func parseSmallStatement() throws -> Stmt {
        let start = tok.range.start
        func done(_ k: StmtKind, _ parser: Parser) -> Stmt { Stmt(kind: k, range: SourceRange(start, parser.prevEnd)) }
        if case .keyword(let k) = tok.kind {
            switch k {
            case "pass": p += 1; return done(.pass, self)
            case "break":
                if loopDepth == 0 { throw error("'break' outside loop") }
                p += 1; return done(.breakStmt, self)
            case "continue":
                if loopDepth == 0 { throw error("'continue' not properly in loop") }
                p += 1; return done(.continueStmt, self)
            case "return":
                if functionDepth == 0 { throw error("'return' outside function") }
                p += 1
                if at(.newline) || at(.eof) || atOp(";") { return done(.returnStmt(nil), self) }
                return done(.returnStmt(try parseTestListStarExpr()), self)
            case "raise":
                p += 1
                if at(.newline) || at(.eof) || atOp(";") { return done(.raise(nil, cause: nil), self) }
                let e = try parseTest()
                var cause: Expr?
                if eatKeyword("from") { cause = try parseTest() }
                return done(.raise(e, cause: cause), self)
            case "assert":
                p += 1
                let t = try parseTest()
                var msg: Expr?
                if eatOp(",") { msg = try parseTest() }
                return done(.assert(t, msg), self)
            case "del":
                p += 1
                var targets: [Expr] = []
                repeat {
                    if at(.newline) || at(.eof) { break }
                    targets.append(try parseTarget())
                } while eatOp(",")
                for t in targets { try checkTarget(t, forDel: true) }
                return done(.del(targets), self)
            case "global", "nonlocal":
                p += 1
                var names = [try expectName()]
                while eatOp(",") { names.append(try expectName()) }
                if k == "nonlocal" && functionDepth == 0 { throw error("nonlocal declaration not allowed at module level") }
                return done(k == "global" ? .global(names) : .nonlocal(names), self)
            case "import":
                p += 1
                var stmts: [Stmt] = []
                repeat {
                    let path = try parseDottedName()
                    var asName: String?
                    if eatKeyword("as") { asName = try expectName() }
                    stmts.append(done(.importModule(path: path, asName: asName), self))
                } while eatOp(",")
                if stmts.count == 1 { return stmts[0] }
                // Several modules in one statement: keep them as a sequence via an `if True` block.
                return done(.ifStmt([(Expr(kind: .bool(true), range: SourceRange(start, start)), stmts)], orElse: []), self)
            case "from":
                p += 1
                if atOp(".") || atOp("...") { throw error("relative imports are not supported by dsh") }
                let path = try parseDottedName()
                guard eatKeyword("import") else { throw error("invalid syntax") }
                if eatOp("*") { throw error("'from … import *' is not supported by dsh; import the names you need") }
                let paren = eatOp("(")
                var names: [(String, String?)] = []
                repeat {
                    if paren && atOp(")") { break }
                    let n = try expectName()
                    var asName: String?
                    if eatKeyword("as") { asName = try expectName() }
                    names.append((n, asName))
                } while eatOp(",")
                if paren { try expectOp(")") }
                if names.isEmpty { throw error("invalid syntax") }
                return done(.importFrom(path: path, names: names), self)
            default: break
            }
        }
        // Expression statement or assignment.
        let first = try parseTestListStarExpr()
        if case .op(let o) = tok.kind, o.count >= 2, o.hasSuffix("="), !["==", "<=", ">=", "!="].contains(o) {
            let opText = String(o.dropLast())
            guard let op = BinaryOperator(rawValue: opText) else { throw error("invalid syntax") }
            try checkTarget(first, augmented: true)
            p += 1
            let value = try parseTestListStarExpr()
            return done(.augAssign(first, op, value), self)
        }
        if atOp(":") {
            p += 1
            try checkTarget(first)
            let ann = try parseTest()
            var value: Expr?
            if eatOp("=") { value = try parseTestListStarExpr() }
            return done(.annAssign(first, annotation: ann, value: value), self)
        }
        if atOp("=") {
            var targets = [first]
            var value = first
            while eatOp("=") {
                value = try parseTestListStarExpr()
                targets.append(value)
            }
            targets.removeLast()
            for t in targets { try checkTarget(t) }
            return done(.assign(targets: targets, value: value), self)
        }
        return done(.expr(first), self)
    }

    func describe(_ e: Expr) -> String {
        switch e.kind {
        case .call: return "function call"
        case .int, .float, .string, .bool, .none, .ellipsis: return "literal"
        case .fstring: return "f-string expression"
        case .binary, .unary: return "expression"
        case .compare: return "comparison"
        case .lambda: return "lambda"
        case .conditional: return "conditional expression"
        case .and, .or, .not: return "expression"
        case .listComp: return "list comprehension"
        case .dictComp: return "dict comprehension"
        case .setComp: return "set comprehension"
        case .dict: return "dict literal"
        case .set: return "set display"
        default: return "expression"
        }
    }

    func checkTarget(_ e: Expr, augmented: Bool = false, forDel: Bool = false) throws {
        switch e.kind {
        case .name(let n):
            if n == "__debug__" { throw SyntaxErrorInfo(message: "cannot assign to __debug__", location: e.range.start) }
        case .attribute, .index: break
        case .tuple(let elts), .list(let elts):
            if augmented {
                throw SyntaxErrorInfo(message: "'\(e.kind.isTuple ? "tuple" : "list")' is an illegal expression for augmented assignment", location: e.range.start)
            }
            for x in elts { try checkTarget(x, forDel: forDel) }
        case .starred(let inner):
            if augmented || forDel { throw SyntaxErrorInfo(message: "cannot use starred expression here", location: e.range.start) }
            try checkTarget(inner)
        case .bool, .none:
            throw SyntaxErrorInfo(message: "cannot assign to \(e.kind.literalName)", location: e.range.start)
        default:
            let verb = forDel ? "delete" : "assign to"
            if augmented {
                throw SyntaxErrorInfo(message: "'\(describe(e))' is an illegal expression for augmented assignment", location: e.range.start)
            }
            throw SyntaxErrorInfo(message: "cannot \(verb) \(describe(e))\(forDel ? "" : " here. Maybe you meant '==' instead of '='?")", location: e.range.start)
        }
    }

    /// `a, b` targets of `for` (stops before `in`).
    mutating func parseTargetList() throws -> Expr {
        let start = tok.range.start
        var elts = [try parseTarget()]
        var trailing = false
        while eatOp(",") {
            trailing = true
            if atKeyword("in") || atOp("=") { break }
            elts.append(try parseTarget())
            trailing = false
        }
        let e = elts.count == 1 && !trailing ? elts[0] : Expr(kind: .tuple(elts), range: SourceRange(start, prevEnd))
        try checkTarget(e)
        return e
    }

    mutating func parseTarget() throws -> Expr {
        if atOp("*") {
            let s = tok.range.start
            p += 1
            let inner = try parseOr(allowIn: false)
            return Expr(kind: .starred(inner), range: SourceRange(s, prevEnd))
        }
        return try parseOr(allowIn: false)
    }

    // MARK: expressions

    /// `a, *b, c` — a tuple when there is a comma.
    mutating func parseTestListStarExpr() throws -> Expr {
        let start = tok.range.start
        let first = try parseStarOrTest()
        guard atOp(",") else { return first }
        var elts = [first]
        while eatOp(",") {
            if isExprEnd { break }
            elts.append(try parseStarOrTest())
        }
        return Expr(kind: .tuple(elts), range: SourceRange(start, prevEnd))
    }

    var isExprEnd: Bool {
        switch tok.kind {
        case .newline, .eof, .indent, .dedent: return true
        case .op(let o): return [")", "]", "}", "=", ":", ";"].contains(o) || (o.hasSuffix("=") && o.count >= 2 && !["==", "<=", ">=", "!="].contains(o))
        case .keyword(let k): return k == "in"
        default: return false
        }
    }

    mutating func parseStarOrTest() throws -> Expr {
        if atOp("*") {
            let s = tok.range.start
            p += 1
            let inner = try parseOr()
            return Expr(kind: .starred(inner), range: SourceRange(s, prevEnd))
        }
        return try parseNamedExpr()
    }

    mutating func parseNamedExpr() throws -> Expr {
        let e = try parseTest()
        if atOp(":=") { throw error("the walrus operator ':=' is not supported by dsh") }
        return e
    }

    mutating func parseTest() throws -> Expr {
        try enter(); defer { depth -= 1 }
        if atKeyword("lambda") { return try parseLambda() }
        let start = tok.range.start
        let body = try parseOr()
        if atKeyword("if") {
            // Don't treat a comprehension's `if` as a ternary: a ternary needs `else`.
            let save = p
            p += 1
            let test = try parseOr()
            if eatKeyword("else") {
                let orElse = try parseTest()
                return Expr(kind: .conditional(test: test, then: body, orElse: orElse), range: SourceRange(start, prevEnd))
            }
            p = save
            return body
        }
        return body
    }

    mutating func parseTestNoCond() throws -> Expr {
        if atKeyword("lambda") { return try parseLambda() }
        return try parseOr()
    }

    mutating func parseLambda() throws -> Expr {
        let start = tok.range.start
        p += 1
        let params = try parseParameters(closing: ":")
        try expectOp(":", "expected ':'")
        functionDepth += 1
        defer { functionDepth -= 1 }
        let body = try parseTest()
        return Expr(kind: .lambda(params, body), range: SourceRange(start, prevEnd))
    }

    mutating func parseOr(allowIn: Bool = true) throws -> Expr {
        var left = try parseAnd(allowIn: allowIn)
        while eatKeyword("or") {
            let right = try parseAnd(allowIn: allowIn)
            left = Expr(kind: .or(left, right), range: left.range.to(right.range))
        }
        return left
    }

    mutating func parseAnd(allowIn: Bool) throws -> Expr {
        var left = try parseNot(allowIn: allowIn)
        while eatKeyword("and") {
            let right = try parseNot(allowIn: allowIn)
            left = Expr(kind: .and(left, right), range: left.range.to(right.range))
        }
        return left
    }

    mutating func parseNot(allowIn: Bool) throws -> Expr {
        if atKeyword("not") {
            let start = tok.range.start
            p += 1
            try enter(); defer { depth -= 1 }
            let e = try parseNot(allowIn: allowIn)
            return Expr(kind: .not(e), range: SourceRange(start, e.range.end))
        }
        return try parseComparison(allowIn: allowIn)
    }

    mutating func parseComparison(allowIn: Bool) throws -> Expr {
        let left = try parseBitOr()
        var ops: [(ComparisonOp, Expr)] = []
        while true {
            var op: ComparisonOp?
            switch tok.kind {
            case .op(let o):
                if let r = CompareOperator(rawValue: o) { op = .rich(r); p += 1 }
            case .keyword("in") where allowIn: op = .inOp; p += 1
            case .keyword("not"):
                if p + 1 < tokens.count, tokens[p + 1].kind == .keyword("in") { op = .notIn; p += 2 }
            case .keyword("is"):
                p += 1
                op = eatKeyword("not") ? .isNot : .isOp
            default: break
            }
            guard let o = op else { break }
            ops.append((o, try parseBitOr()))
        }
        if ops.isEmpty { return left }
        return Expr(kind: .compare(left, ops), range: left.range.to(ops[ops.count - 1].1.range))
    }

    mutating func binaryLevel(_ ops: [String], _ next: (inout Parser) throws -> Expr) throws -> Expr {
        var left = try next(&self)
        while case .op(let o) = tok.kind, ops.contains(o), let op = BinaryOperator(rawValue: o) {
            p += 1
            let right = try next(&self)
            left = Expr(kind: .binary(op, left, right), range: left.range.to(right.range))
        }
        return left
    }

    mutating func parseBitOr() throws -> Expr { try binaryLevel(["|"]) { try $0.parseBitXor() } }
    mutating func parseBitXor() throws -> Expr { try binaryLevel(["^"]) { try $0.parseBitAnd() } }
    mutating func parseBitAnd() throws -> Expr { try binaryLevel(["&"]) { try $0.parseShift() } }
    mutating func parseShift() throws -> Expr { try binaryLevel(["<<", ">>"]) { try $0.parseArith() } }
    mutating func parseArith() throws -> Expr { try binaryLevel(["+", "-"]) { try $0.parseTerm() } }
    mutating func parseTerm() throws -> Expr { try binaryLevel(["*", "/", "//", "%", "@"]) { try $0.parseFactor() } }

    mutating func parseFactor() throws -> Expr {
        if case .op(let o) = tok.kind, let u = UnaryOperator(rawValue: o) {
            let start = tok.range.start
            p += 1
            if u == .neg, tok.kind == .intMinMagnitude, !(p + 1 < tokens.count && tokens[p + 1].kind == .op("**")) {
                let t = advance()
                return Expr(kind: .int(Int.min), range: SourceRange(start, t.range.end))
            }
            try enter(); defer { depth -= 1 }
            let e = try parseFactor()
            // Fold negative literals so `-9223372036854775808` stays an int.
            if u == .neg, case .int(let v) = e.kind { return Expr(kind: .int(-v), range: SourceRange(start, e.range.end)) }
            if u == .neg, case .float(let v) = e.kind { return Expr(kind: .float(-v), range: SourceRange(start, e.range.end)) }
            return Expr(kind: .unary(u, e), range: SourceRange(start, e.range.end))
        }
        return try parsePower()
    }

    mutating func parsePower() throws -> Expr {
        let base = try parsePrimary()
        if eatOp("**") {
            try enter(); defer { depth -= 1 }
            let exp = try parseFactor()
            return Expr(kind: .binary(.pow, base, exp), range: base.range.to(exp.range))
        }
        return base
    }

    mutating func parsePrimary() throws -> Expr {
        var e = try parseAtom()
        while true {
            if atOp("(") {
                p += 1
                try enter(); defer { depth -= 1 }
                let args = try parseCallArguments()
                try expectOp(")", "'(' was never closed")
                e = Expr(kind: .call(e, args), range: SourceRange(e.range.start, prevEnd))
            } else if atOp("[") {
                p += 1
                try enter(); defer { depth -= 1 }
                let index = try parseSubscriptList()
                try expectOp("]", "'[' was never closed")
                e = Expr(kind: .index(e, index), range: SourceRange(e.range.start, prevEnd))
            } else if atOp(".") {
                p += 1
                let n = try expectName()
                e = Expr(kind: .attribute(e, n), range: SourceRange(e.range.start, prevEnd))
            } else {
                return e
            }
        }
    }

    mutating func parseCallArguments() throws -> [Argument] {
        var args: [Argument] = []
        var sawKeyword = false
        while !atOp(")") {
            if eatOp("**") {
                args.append(.doubleStar(try parseTest())); sawKeyword = true
            } else if eatOp("*") {
                args.append(.star(try parseTest()))
            } else if case .name(let n) = tok.kind, p + 1 < tokens.count, tokens[p + 1].kind == .op("=") {
                p += 2
                args.append(.keyword(n, try parseTest())); sawKeyword = true
            } else {
                let start = tok.range.start
                let e = try parseNamedExpr()
                if atKeyword("for") {
                    let clauses = try parseComprehensionClauses()
                    args.append(.positional(Expr(kind: .listComp(e, clauses), range: SourceRange(start, prevEnd))))
                } else {
                    if sawKeyword {
                        throw SyntaxErrorInfo(message: "positional argument follows keyword argument", location: e.range.start)
                    }
                    args.append(.positional(e))
                }
            }
            if !eatOp(",") { break }
        }
        return args
    }

    mutating func parseSubscriptList() throws -> Expr {
        let start = tok.range.start
        let first = try parseSubscriptItem()
        guard atOp(",") else { return first }
        var elts = [first]
        while eatOp(",") {
            if atOp("]") { break }
            elts.append(try parseSubscriptItem())
        }
        return Expr(kind: .tuple(elts), range: SourceRange(start, prevEnd))
    }

    mutating func parseSubscriptItem() throws -> Expr {
        let start = tok.range.start
        var lower: Expr?
        if !atOp(":") {
            let first = try parseStarOrTest()
            if !atOp(":") { return first }
            lower = first
        }
        p += 1
        var upper: Expr?, step: Expr?
        if !atOp(":") && !atOp("]") && !atOp(",") { upper = try parseTest() }
        if eatOp(":") {
            if !atOp("]") && !atOp(",") { step = try parseTest() }
        }
        return Expr(kind: .slice(lower, upper, step), range: SourceRange(start, prevEnd))
    }

    mutating func parseComprehensionClauses() throws -> [ComprehensionClause] {
        var clauses: [ComprehensionClause] = []
        while eatKeyword("for") {
            let target = try parseTargetList()
            guard eatKeyword("in") else { throw error("invalid syntax") }
            let iter = try parseOr()
            var conds: [Expr] = []
            while eatKeyword("if") { conds.append(try parseTestNoCond()) }
            clauses.append(ComprehensionClause(target: target, iterable: iter, conditions: conds))
        }
        return clauses
    }

    mutating func parseAtom() throws -> Expr {
        let t = tok
        let start = t.range.start
        switch t.kind {
        case .name(let n): p += 1; return Expr(kind: .name(n), range: t.range)
        case .int(let v): p += 1; return Expr(kind: .int(v), range: t.range)
        case .float(let v): p += 1; return Expr(kind: .float(v), range: t.range)
        case .keyword("True"): p += 1; return Expr(kind: .bool(true), range: t.range)
        case .keyword("False"): p += 1; return Expr(kind: .bool(false), range: t.range)
        case .keyword("None"): p += 1; return Expr(kind: .none, range: t.range)
        case .op("..."): p += 1; return Expr(kind: .ellipsis, range: t.range)
        case .string: return try parseStrings()
        case .op("("):
            p += 1
            try enter(); defer { depth -= 1 }
            if eatOp(")") { return Expr(kind: .tuple([]), range: SourceRange(start, prevEnd)) }
            let first = try parseStarOrTest()
            if atKeyword("for") {
                let clauses = try parseComprehensionClauses()
                try expectOp(")", "'(' was never closed")
                return Expr(kind: .listComp(first, clauses), range: SourceRange(start, prevEnd))
            }
            if eatOp(")") {
                if case .starred = first.kind { throw SyntaxErrorInfo(message: "cannot use starred expression here", location: first.range.start) }
                var e = first
                e.range = SourceRange(start, prevEnd)
                if case .tuple = first.kind { return e }
                return first
            }
            var elts = [first]
            while eatOp(",") {
                if atOp(")") { break }
                elts.append(try parseStarOrTest())
            }
            try expectOp(")", "invalid syntax. Perhaps you forgot a comma?")
            return Expr(kind: .tuple(elts), range: SourceRange(start, prevEnd))
        case .op("["):
            p += 1
            try enter(); defer { depth -= 1 }
            if eatOp("]") { return Expr(kind: .list([]), range: SourceRange(start, prevEnd)) }
            let first = try parseStarOrTest()
            if atKeyword("for") {
                let clauses = try parseComprehensionClauses()
                try expectOp("]", "'[' was never closed")
                return Expr(kind: .listComp(first, clauses), range: SourceRange(start, prevEnd))
            }
            var elts = [first]
            while eatOp(",") {
                if atOp("]") { break }
                elts.append(try parseStarOrTest())
            }
            try expectOp("]", "invalid syntax. Perhaps you forgot a comma?")
            return Expr(kind: .list(elts), range: SourceRange(start, prevEnd))
        case .op("{"):
            p += 1
            try enter(); defer { depth -= 1 }
            if eatOp("}") { return Expr(kind: .dict([]), range: SourceRange(start, prevEnd)) }
            if eatOp("**") {
                let m = try parseBitOr()
                return try parseDictRest(start: start, first: (nil, m))
            }
            let first = try parseStarOrTest()
            if eatOp(":") {
                let v = try parseTest()
                if atKeyword("for") {
                    let clauses = try parseComprehensionClauses()
                    try expectOp("}", "'{' was never closed")
                    return Expr(kind: .dictComp(first, v, clauses), range: SourceRange(start, prevEnd))
                }
                return try parseDictRest(start: start, first: (first, v))
            }
            if atKeyword("for") {
                let clauses = try parseComprehensionClauses()
                try expectOp("}", "'{' was never closed")
                return Expr(kind: .setComp(first, clauses), range: SourceRange(start, prevEnd))
            }
            var elts = [first]
            while eatOp(",") {
                if atOp("}") { break }
                elts.append(try parseStarOrTest())
            }
            try expectOp("}", "invalid syntax. Perhaps you forgot a comma?")
            return Expr(kind: .set(elts), range: SourceRange(start, prevEnd))
        case .eof:
            throw error("unexpected EOF while parsing")
        case .intMinMagnitude:
            throw error("integer literal too large (dsh ints are 64-bit)")
        case .keyword(let k) where !["True", "False", "None"].contains(k):
            throw error("invalid syntax")
        case .indent:
            throw SyntaxErrorInfo(message: "unexpected indent", location: start, typeName: "IndentationError")
        default:
            throw error("invalid syntax")
        }
    }

    mutating func parseDictRest(start: SourceLocation, first: (Expr?, Expr)) throws -> Expr {
        var items: [(key: Expr?, value: Expr)] = [first]
        while eatOp(",") {
            if atOp("}") { break }
            if eatOp("**") { items.append((nil, try parseBitOr())); continue }
            let k = try parseTest()
            try expectOp(":", "':' expected after dictionary key")
            items.append((k, try parseTest()))
        }
        try expectOp("}", "'{' was never closed")
        return Expr(kind: .dict(items), range: SourceRange(start, prevEnd))
    }

    mutating func parseStrings() throws -> Expr {
        let start = tok.range.start
        var parts: [FStringPart] = []
        var anyF = false
        while case .string(let s, let isF, let raw, let bodyStart) = tok.kind {
            p += 1
            if isF {
                anyF = true
                parts += try parseFString(s, raw: raw, at: bodyStart)
            } else {
                parts.append(.literal(s))
            }
        }
        let range = SourceRange(start, prevEnd)
        if !anyF {
            var s = ""
            for case .literal(let l) in parts { s += l }
            return Expr(kind: .string(s), range: range)
        }
        return Expr(kind: .fstring(parts), range: range)
    }

    /// Splits an f-string body into literal text and `{…}` fields.
    mutating func parseFString(_ body: String, raw: Bool, at location: SourceLocation) throws -> [FStringPart] {
        let u = Array(body.unicodeScalars)
        var parts: [FStringPart] = []
        var lit = ""
        var k = 0
        func locAt(_ idx: Int) -> SourceLocation {
            var l = location.line, c = location.column
            for j in 0..<min(idx, u.count) { if u[j] == "\n" { l += 1; c = 0 } else { c += 1 } }
            return SourceLocation(line: l, column: c)
        }
        func flush() throws {
            if !lit.isEmpty {
                parts.append(.literal(raw ? lit : try decodeEscapes(lit, at: location)))
                lit = ""
            }
        }
        while k < u.count {
            let c = u[k]
            if c == "{" {
                if k + 1 < u.count, u[k + 1] == "{" { lit += "{"; k += 2; continue }
                try flush()
                // Find the end of the expression: a top-level `}`, `!` (not `!=`), `:` or `=` (self-doc).
                var j = k + 1
                var nest = 0
                var quote: Unicode.Scalar?
                let exprStart = j
                var exprEnd = -1
                while j < u.count {
                    let d = u[j]
                    if let q = quote { if d == q { quote = nil }; j += 1; continue }
                    if d == "'" || d == "\"" { quote = d; j += 1; continue }
                    if d == "(" || d == "[" || d == "{" { nest += 1 }
                    else if d == ")" || d == "]" || d == "}" {
                        if nest == 0 { exprEnd = j; break }
                        nest -= 1
                    } else if nest == 0 && d == "!" && !(j + 1 < u.count && u[j + 1] == "=") { exprEnd = j; break }
                    else if nest == 0 && d == ":" { exprEnd = j; break }
                    j += 1
                }
                guard exprEnd >= 0 else { throw SyntaxErrorInfo(message: "f-string: expecting '}'", location: locAt(k)) }
                var exprText = String(String.UnicodeScalarView(u[exprStart..<exprEnd]))
                var selfDoc: String?
                let trimmed = exprText.trimmingTrailingSpaces()
                if trimmed.hasSuffix("="), !trimmed.hasSuffix("=="), !trimmed.hasSuffix("!="), !trimmed.hasSuffix("<="), !trimmed.hasSuffix(">=") {
                    selfDoc = exprText
                    exprText = String(trimmed.dropLast())
                }
                if exprText.allSatisfy({ $0 == " " }) { throw SyntaxErrorInfo(message: "f-string: empty expression not allowed", location: locAt(k)) }
                let expr = try Parser.parseExpression(exprText, offset: locAt(exprStart))
                j = exprEnd
                var conversion: Character?
                if u[j] == "!" {
                    guard j + 1 < u.count, ["r", "s", "a"].contains(u[j + 1]) else {
                        throw SyntaxErrorInfo(message: "f-string: invalid conversion character: expected 's', 'r', or 'a'", location: locAt(j))
                    }
                    conversion = Character(u[j + 1])
                    j += 2
                }
                var spec: [FStringPart]?
                if j < u.count, u[j] == ":" {
                    // The spec runs to the matching `}` and may hold nested fields.
                    var m = j + 1
                    var n = 0
                    while m < u.count {
                        if u[m] == "{" { n += 1 } else if u[m] == "}" { if n == 0 { break }; n -= 1 }
                        m += 1
                    }
                    guard m < u.count else { throw SyntaxErrorInfo(message: "f-string: expecting '}'", location: locAt(j)) }
                    let specText = String(String.UnicodeScalarView(u[(j + 1)..<m]))
                    spec = try parseFString(specText, raw: true, at: locAt(j + 1))
                    j = m
                }
                guard j < u.count, u[j] == "}" else { throw SyntaxErrorInfo(message: "f-string: expecting '}'", location: locAt(j)) }
                parts.append(.field(expr, conversion: conversion ?? (selfDoc != nil && spec == nil ? "r" : nil), spec: spec, selfDoc: selfDoc))
                k = j + 1
            } else if c == "}" {
                if k + 1 < u.count, u[k + 1] == "}" { lit += "}"; k += 2; continue }
                throw SyntaxErrorInfo(message: "f-string: single '}' is not allowed", location: locAt(k))
            } else {
                lit.unicodeScalars.append(c)
                k += 1
            }
        }
        try flush()
        return parts
    }
}

extension ExprKind {
    var isTuple: Bool { if case .tuple = self { return true }; return false }
    var literalName: String {
        switch self {
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        default: return "literal"
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let l = s.last, l == " " { s.removeLast() }
        return String(s)
    }
}
