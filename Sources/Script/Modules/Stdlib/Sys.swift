import Foundation

/// `sys.stdout` / `sys.stderr`: text streams that write through the interpreter's callbacks.
final class PyTextStream: PyObject {
    let name: String
    let sink: (String) -> Void
    init(name: String, sink: @escaping (String) -> Void) { self.name = name; self.sink = sink }
    var typeName: String { "TextIOWrapper" }
    func repr() throws -> String { "<_io.TextIOWrapper name='<\(name)>' mode='w' encoding='utf-8'>" }
    var attributeNames: [String] { ["flush", "write"] }
    func getAttribute(_ attr: String) throws -> Value? {
        switch attr {
        case "write":
            return .builtin(BuiltinFunction("write", owner: typeName) { [sink] a in
                let s = try a.string(0, "s")
                sink(s)
                return .int(s.unicodeScalars.count)
            })
        case "flush": return .builtin(BuiltinFunction("flush", owner: typeName) { _ in .none })
        default: return nil
        }
    }
}

/// `sys`: argv, stdout/stderr, exit, version, path, recursion limit.
enum SysModule {
    static func make(_ interp: Interpreter) throws -> PyModule {
        let m = PyModule("sys")
        m["argv"] = .list(PyList(interp.argv.map { .str($0) }))
        m["stdout"] = .object(PyTextStream(name: "stdout") { [unowned interp] in interp.stdout($0) })
        m["stderr"] = .object(PyTextStream(name: "stderr") { [unowned interp] in interp.stderr($0) })
        m["version"] = .str("3.11.0 (dsh, the diffusion shell: a Python subset)")
        m["version_info"] = .tuple([3, 11, 0])
        m["platform"] = .str("linux")
        m["path"] = .list(PyList())
        m["maxsize"] = .int(Int.max)
        m.def("exit") { a in
            try a.check(maxPositional: 1)
            throw PyException(PyException.systemExitType, a.positional.first.map { [$0] } ?? [])
        }
        m.def("getrecursionlimit") { a in .int(a.interpreter.recursionLimit) }
        m.def("setrecursionlimit") { a in
            let n = try a.int(0, "limit")
            guard n > 0 else { throw PyException.valueError("recursion limit must be greater or equal than 1") }
            a.interpreter.recursionLimit = min(n, 20_000)
            return .none
        }
        return m
    }
}
