// Runtime storage for names: module globals (slot array) and function frames (slot arrays + cells).

/// A compiled unit's identity for tracebacks: file name, source lines, function name.
final class CodeInfo {
    let filename: String
    let lines: [Substring]
    let name: String
    init(filename: String, lines: [Substring], name: String) {
        self.filename = filename
        self.lines = lines
        self.name = name
    }
    func with(name: String) -> CodeInfo { CodeInfo(filename: filename, lines: lines, name: name) }
    func line(_ n: Int) -> String? {
        n >= 1 && n <= lines.count ? String(lines[n - 1]).replacingTabs() : nil
    }
}

/// Module-level variables: each name the compiler sees gets a fixed slot.
final class Globals {
    private(set) var storage: UnsafeMutablePointer<Value?>
    /// Builtins visible when a slot is unbound (`len`, `range`…), resolved once per slot.
    private(set) var fallback: UnsafeMutablePointer<Value?>
    private var capacity: Int
    private(set) var names: [String] = []
    private var slotOf: [String: Int] = [:]
    var builtinsTable: [String: Value]

    init(builtins: [String: Value]) {
        self.builtinsTable = builtins
        capacity = 64
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: nil, count: capacity)
        fallback = .allocate(capacity: capacity)
        fallback.initialize(repeating: nil, count: capacity)
    }

    deinit {
        var values = (0..<names.count).compactMap { storage[$0] }
        storage.update(repeating: nil, count: capacity)
        Trashcan.release(&values)
        storage.deinitialize(count: capacity); storage.deallocate()
        fallback.deinitialize(count: capacity); fallback.deallocate()
    }

    /// The slot for `name`, creating it if needed.
    func slot(_ name: String) -> Int {
        if let s = slotOf[name] { return s }
        let s = names.count
        if s == capacity {
            let newCap = capacity * 2
            let ns = UnsafeMutablePointer<Value?>.allocate(capacity: newCap)
            ns.moveInitialize(from: storage, count: capacity)
            (ns + capacity).initialize(repeating: nil, count: newCap - capacity)
            storage.deallocate(); storage = ns
            let nf = UnsafeMutablePointer<Value?>.allocate(capacity: newCap)
            nf.moveInitialize(from: fallback, count: capacity)
            (nf + capacity).initialize(repeating: nil, count: newCap - capacity)
            fallback.deallocate(); fallback = nf
            capacity = newCap
        }
        names.append(name)
        slotOf[name] = s
        fallback[s] = builtinsTable[name]
        return s
    }

    func get(_ name: String) -> Value? { slotOf[name].flatMap { storage[$0] } }
    func set(_ name: String, _ v: Value?) { storage[slot(name)] = v }

    /// Bound names in definition order.
    var boundNames: [String] { names.filter { slotOf[$0].map { storage[$0] != nil } ?? false } }
}

/// One activation of a function (or of module-level code): its local slots and cells.
final class Frame {
    let locals: UnsafeMutablePointer<Value?>
    let localCount: Int
    var cells: [Cell]
    let globals: Globals
    let code: CodeInfo

    init(localCount: Int, cells: [Cell], globals: Globals, code: CodeInfo) {
        self.localCount = localCount
        locals = .allocate(capacity: max(localCount, 1))
        locals.initialize(repeating: nil, count: max(localCount, 1))
        self.cells = cells
        self.globals = globals
        self.code = code
    }

    deinit {
        for i in 0..<localCount where locals[i]?.isContainer == true {
            var values = (0..<localCount).compactMap { locals[$0] }
            locals.update(repeating: nil, count: localCount)
            Trashcan.release(&values)
            break
        }
        locals.deinitialize(count: max(localCount, 1))
        locals.deallocate()
    }
}

/// How a statement finished.
enum Flow {
    case normal
    case breakLoop
    case continueLoop
    case returned(Value)
}

typealias ExprCode = (Frame) throws -> Value
typealias StmtCode = (Frame) throws -> Flow
typealias StoreCode = (Frame, Value) throws -> Void

/// A compiled function body and its parameter layout.
final class FunctionCode {
    let name: String
    let parameters: Parameters
    let localCount: Int
    /// Number of cells the frame creates itself (captured locals); free cells come from the closure.
    let ownCellCount: Int
    /// (parameter slot, cell index) for parameters that inner functions capture.
    let cellParameters: [(Int, Int)]
    /// Closure cell indexes in the defining frame, in order.
    let freeCaptures: [Int]
    let body: StmtCode
    let info: CodeInfo

    init(name: String, parameters: Parameters, localCount: Int, ownCellCount: Int, cellParameters: [(Int, Int)],
         freeCaptures: [Int], body: @escaping StmtCode, info: CodeInfo) {
        self.name = name
        self.parameters = parameters
        self.localCount = localCount
        self.ownCellCount = ownCellCount
        self.cellParameters = cellParameters
        self.freeCaptures = freeCaptures
        self.body = body
        self.info = info
    }
}

/// A function defined in Python (`def` or `lambda`).
public final class PyFunction {
    let code: FunctionCode
    /// Default values for the trailing positional parameters.
    let defaults: [Value?]
    let keywordDefaults: [String: Value]
    let closure: [Cell]
    let globals: Globals
    public var name: String { code.name }

    init(code: FunctionCode, defaults: [Value?], keywordDefaults: [String: Value], closure: [Cell], globals: Globals) {
        self.code = code
        self.defaults = defaults
        self.keywordDefaults = keywordDefaults
        self.closure = closure
        self.globals = globals
    }
}
