import Foundation
import Imaging

/// A `tqdm.tqdm` in Python: iterating yields the items of the wrapped iterable and advances an
/// Imaging `ProgressBar`, which draws on the interpreter's standard error. On a terminal the bar
/// is redrawn in place, and images drawn meanwhile (`display`, `dsh.show`) clear it first and
/// redraw it after; off a terminal it prints a line at the start, every few seconds and at the end.
final class TqdmObject: PyObject {
    let bar: ProgressBar
    let iterable: Value?
    let unit: String
    let session: ImagingSession

    init(iterable: Value?, total: Int?, desc: String, disable: Bool, leave: Bool, unit: String,
         minInterval: Double?, session: ImagingSession) {
        self.iterable = iterable
        self.unit = unit
        self.session = session
        bar = ProgressBar(total: total, desc: desc, disable: disable, leave: leave, console: session.console)
        if let m = minInterval { bar.minInterval = m }
    }

    /// A bar left open (a loop ended by `break`) is closed when the object goes, as tqdm's
    /// `__del__` does.
    deinit { bar.close() }

    var typeName: String { "tqdm" }
    var pyType: PyType { TqdmModule.tqdmType }
    func repr() throws -> String { bar.line() }
    func length() throws -> Int? {
        if let t = bar.total { return t }
        if let it = iterable { return try lengthOf(it) }
        throw PyException.typeError("object of type 'tqdm' has no len()")
    }
    func truthy() throws -> Bool { true }

    func makeIterator() throws -> PyIterator? {
        guard let iterable else { throw PyException.typeError("'NoneType' object is not iterable") }
        let it = try Script.makeIterator(iterable)
        var started = false
        // The iterator keeps the object (not just its bar) alive, so a loop left by `break`
        // closes the bar when the iterator goes (see `deinit`).
        return PyIterator("tqdm") { [self] in
            if started { bar.update(1) }
            started = true
            guard let x = try it.next() else {
                bar.close()
                return nil
            }
            return x
        }
    }

    var isContextManager: Bool { true }
    func exit(_ error: PyException?) throws -> Bool {
        bar.close()
        return false
    }

    func getAttribute(_ name: String) throws -> Value? {
        let bar = self.bar
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value {
            .builtin(BuiltinFunction(name, owner: "tqdm", body))
        }
        switch name {
        case "n": return .int(bar.n)
        case "total": return bar.total.map { .int($0) } ?? Value.none
        case "desc": return .str(bar.desc)
        case "unit": return .str(unit)
        case "disable": return .bool(bar.disabled)
        case "iterable": return iterable ?? Value.none
        case "update": return method { args in
            try args.check(maxPositional: 1, keywords: ["n"])
            bar.update(try args.int(0, "n", default: 1))
            return .none
        }
        case "close": return method { args in
            try args.exactly(0)
            bar.close()
            return .none
        }
        case "refresh": return method { args in
            try args.check(maxPositional: 0, keywords: ["nolock", "lock_args"])
            bar.refresh()
            return .none
        }
        case "set_description", "set_description_str": return method { args in
            try args.check(maxPositional: 2, keywords: ["desc", "refresh"])
            bar.desc = try args.optional(0, "desc").flatMap { $0.isNone ? nil : try pyStr($0) } ?? ""
            if try args.bool(1, "refresh", default: true) { bar.refresh() }
            return .none
        }
        case "set_postfix_str": return method { args in
            try args.check(maxPositional: 2, keywords: ["s", "refresh"])
            bar.postfix = try pyStr(try args.optional(0, "s") ?? .str(""))
            if try args.bool(1, "refresh", default: true) { bar.refresh() }
            return .none
        }
        case "set_postfix": return method { args in
            try args.check(maxPositional: 2, keywords: args.keywords.map(\.0))
            var pairs: [(String, Value)] = []
            if let first = args.positional.first, case .dict(let d) = first {
                for (k, v) in d.entries { pairs.append((try pyStr(k), v)) }
            }
            for (k, v) in args.keywords where k != "refresh" { pairs.append((k, v)) }
            bar.postfix = try pairs.map { k, v in k + "=" + (try TqdmModule.formatPostfixValue(v)) }.joined(separator: ", ")
            let refresh = args.keyword("refresh").map { (try? args.interpreter.truthy($0)) ?? true } ?? true
            if refresh { bar.refresh() }
            return .none
        }
        case "reset": return method { args in
            try args.check(maxPositional: 1, keywords: ["total"])
            throw PyException.notImplemented("tqdm.reset() is not supported in dsh; create a new bar")
        }
        case "write": return TqdmModule.tqdmType.classAttributes["write"]
        default: return nil
        }
    }

    var attributeNames: [String] {
        ["close", "desc", "disable", "iterable", "n", "refresh", "set_description", "set_description_str", "set_postfix",
         "set_postfix_str", "total", "unit", "update", "write"]
    }
}

/// Builds `tqdm` and `tqdm.auto` (the same functions).
enum TqdmModule {
    static let keywords = ["iterable", "desc", "total", "leave", "file", "ncols", "mininterval", "maxinterval", "miniters",
                           "ascii", "disable", "unit", "unit_scale", "dynamic_ncols", "smoothing", "bar_format",
                           "initial", "position", "postfix", "unit_divisor", "write_bytes", "lock_args", "nrows",
                           "colour", "delay"]

    static let tqdmType: PyType = {
        let t = PyType("tqdm", constructor: { args in try make(args, iterable: try args.optional(0, "iterable")) })
        t.moduleName = "tqdm.std"
        t.classAttributes["write"] = .builtin(BuiltinFunction("write") { args in
            try args.check(maxPositional: 2, keywords: ["s", "file", "end", "nolock"])
            let end = try args.string(-1, "end", default: "\n")
            ImagingSession.of(args.interpreter).write(try pyStr(try args.value(0, "s")) + end)
            return .none
        })
        return t
    }()

    static func make(_ args: Arguments, iterable: Value?) throws -> Value {
        try args.check(maxPositional: 2, keywords: keywords)
        var total: Int? = nil
        if let v = try args.optional(2, "total"), !v.isNone {
            total = Int(try args.doubleValue(v, "total"))
        } else if let it = iterable, !it.isNone {
            total = try? lengthOf(it)
        }
        let desc = try args.optional(1, "desc").flatMap { $0.isNone ? nil : try pyStr($0) } ?? ""
        let disable = try args.bool(-1, "disable", default: false)
        let obj = TqdmObject(iterable: iterable.flatMap { $0.isNone ? nil : $0 }, total: total, desc: desc,
                             disable: disable, leave: try args.bool(-1, "leave", default: true),
                             unit: try args.string(-1, "unit", default: "it"),
                             minInterval: try args.keyword("mininterval").map { try args.doubleValue($0, "mininterval") },
                             session: ImagingSession.of(args.interpreter))
        if let initial = args.keyword("initial"), !initial.isNone { obj.bar.update(try args.intValue(initial, "initial")) }
        return .object(obj)
    }

    /// tqdm's `format_num` for postfix values: numbers in `{:.3g}` when shorter, others as str.
    static func formatPostfixValue(_ v: Value) throws -> String {
        switch v {
        case .int(let i):
            let f = pythonG3(Double(i)), n = String(i)
            return f.count < n.count ? f : n
        case .float(let d):
            let f = pythonG3(d), n = try pyStr(v)
            return f.count < n.count ? f : n
        default:
            return try pyStr(v).trimmingCharacters(in: .whitespaces)
        }
    }

    private static func pythonG3(_ d: Double) -> String {
        String(format: "%.3g", d).replacingOccurrences(of: "+0", with: "+").replacingOccurrences(of: "-0", with: "-")
    }

    static func makeModule(_ name: String) -> PyModule {
        let m = PyModule(name)
        m["__version__"] = .str("4.67.1")
        m["tqdm"] = .object(tqdmType)
        m.def("trange") { args in
            var rest = args
            let n = args.positional.count
            guard n >= 1 else { throw PyException.typeError("trange() missing required argument: 'stop'") }
            let ints = try args.positional.prefix(3).map { try args.intValue($0, "stop") }
            let range: PyRange
            switch ints.count {
            case 1: range = PyRange(0, ints[0], 1)
            case 2: range = PyRange(ints[0], ints[1], 1)
            default:
                guard ints[2] != 0 else { throw PyException.valueError("range() arg 3 must not be zero") }
                range = PyRange(ints[0], ints[1], ints[2])
            }
            rest.positional = []
            rest.functionName = "tqdm"
            return try make(rest, iterable: .object(range))
        }
        return m
    }
}
