// Phase 2 output: the syntax tree. Every node carries its source range.

/// Binary operators, also passed to `PyObject.binaryOp` hooks.
public enum BinaryOperator: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%", pow = "**", matMul = "@"
    case lshift = "<<", rshift = ">>", and = "&", or = "|", xor = "^"

    /// The dunder name (`__add__`), for error messages and docs.
    public var dunder: String {
        switch self {
        case .add: return "__add__"
        case .sub: return "__sub__"
        case .mul: return "__mul__"
        case .div: return "__truediv__"
        case .floorDiv: return "__floordiv__"
        case .mod: return "__mod__"
        case .pow: return "__pow__"
        case .matMul: return "__matmul__"
        case .lshift: return "__lshift__"
        case .rshift: return "__rshift__"
        case .and: return "__and__"
        case .or: return "__or__"
        case .xor: return "__xor__"
        }
    }
}

/// Unary operators (`-x`, `+x`, `~x`).
public enum UnaryOperator: String, Sendable {
    case neg = "-", pos = "+", invert = "~"
}

/// Rich comparison operators, also passed to `PyObject.compare` hooks.
public enum CompareOperator: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    var swapped: CompareOperator {
        switch self {
        case .eq: return .eq
        case .ne: return .ne
        case .lt: return .gt
        case .le: return .ge
        case .gt: return .lt
        case .ge: return .le
        }
    }
}

/// A comparison in a (possibly chained) comparison expression.
enum ComparisonOp {
    case rich(CompareOperator)
    case isOp, isNot, inOp, notIn

    var text: String {
        switch self {
        case .rich(let o): return o.rawValue
        case .isOp: return "is"
        case .isNot: return "is not"
        case .inOp: return "in"
        case .notIn: return "not in"
        }
    }
}

/// A call argument: positional, `name=value`, `*iterable` or `**mapping`.
enum Argument {
    case positional(Expr)
    case keyword(String, Expr)
    case star(Expr)
    case doubleStar(Expr)
}

/// One `for … in … if …` clause of a comprehension.
struct ComprehensionClause {
    var target: Expr
    var iterable: Expr
    var conditions: [Expr]
}

/// A part of an f-string: literal text, or `{expr!conv:spec}`.
enum FStringPart {
    case literal(String)
    case field(Expr, conversion: Character?, spec: [FStringPart]?, selfDoc: String?)
}

/// A function's parameter list.
struct Parameters {
    var positional: [(name: String, defaultValue: Expr?)] = []
    var varArgs: String?
    var keywordOnly: [(name: String, defaultValue: Expr?)] = []
    var varKeywords: String?

    var allNames: [String] {
        positional.map(\.name) + (varArgs.map { [$0] } ?? []) + keywordOnly.map(\.name) + (varKeywords.map { [$0] } ?? [])
    }
}

/// An expression node.
indirect enum ExprKind {
    case name(String)
    case int(Int)
    case float(Double)
    case string(String)
    case fstring([FStringPart])
    case bool(Bool)
    case none
    case ellipsis
    case list([Expr])
    case tuple([Expr])
    case dict([(key: Expr?, value: Expr)])   // key nil: `**mapping`
    case set([Expr])
    case starred(Expr)
    case listComp(Expr, [ComprehensionClause])
    case setComp(Expr, [ComprehensionClause])
    case dictComp(Expr, Expr, [ComprehensionClause])
    case binary(BinaryOperator, Expr, Expr)
    case unary(UnaryOperator, Expr)
    case not(Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case compare(Expr, [(ComparisonOp, Expr)])
    case conditional(test: Expr, then: Expr, orElse: Expr)
    case call(Expr, [Argument])
    case attribute(Expr, String)
    case index(Expr, Expr)
    case slice(Expr?, Expr?, Expr?)
    case lambda(Parameters, Expr)
}

/// An expression with its source range.
struct Expr {
    var kind: ExprKind
    var range: SourceRange
}

/// One `except` clause.
struct ExceptHandler {
    var type: Expr?
    var name: String?
    var body: [Stmt]
    var range: SourceRange
}

/// A statement node.
indirect enum StmtKind {
    case expr(Expr)
    case assign(targets: [Expr], value: Expr)
    case augAssign(Expr, BinaryOperator, Expr)
    case annAssign(Expr, annotation: Expr, value: Expr?)
    case ifStmt([(test: Expr, body: [Stmt])], orElse: [Stmt])
    case whileStmt(Expr, body: [Stmt], orElse: [Stmt])
    case forStmt(target: Expr, iterable: Expr, body: [Stmt], orElse: [Stmt])
    case breakStmt
    case continueStmt
    case pass
    case returnStmt(Expr?)
    case def(name: String, Parameters, body: [Stmt], decorators: [Expr])
    case with([(Expr, Expr?)], body: [Stmt])
    case tryStmt(body: [Stmt], handlers: [ExceptHandler], orElse: [Stmt], finally: [Stmt])
    case raise(Expr?, cause: Expr?)
    case assert(Expr, Expr?)
    case del([Expr])
    case global([String])
    case nonlocal([String])
    /// `import a.b.c [as d]`, one per name.
    case importModule(path: [String], asName: String?)
    /// `from a.b import x [as y], …`.
    case importFrom(path: [String], names: [(String, String?)])
}

/// A statement with its source range.
struct Stmt {
    var kind: StmtKind
    var range: SourceRange
}
