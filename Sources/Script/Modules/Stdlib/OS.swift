import Foundation

/// `os` and `os.path`: the file-system helpers scripts need.
enum OSModule {
    static func make(_ interp: Interpreter) throws -> PyModule {
        let m = PyModule("os")
        m["sep"] = .str("/")
        m["name"] = .str("posix")
        m["linesep"] = .str("\n")
        m.def("getcwd") { _ in .str(FileManager.default.currentDirectoryPath) }
        m.def("listdir") { a in
            let p = try a.string(0, "path", default: ".")
            guard let items = try? FileManager.default.contentsOfDirectory(atPath: p) else { throw PyException.fileNotFound(p) }
            return .list(PyList(items.sorted().map { .str($0) }))
        }
        m.def("makedirs") { a in
            try a.check(maxPositional: 2, keywords: ["name", "mode", "exist_ok"])
            let p = try a.string(0, "name")
            let existOK = try a.bool(-1, "exist_ok", default: false)
            if FileManager.default.fileExists(atPath: p) {
                if existOK { return .none }
                let e = PyException(PyException.fileExistsErrorType, [.int(17), .str("File exists")])
                e.fileNameForMessage = p
                throw e
            }
            do { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) } catch {
                throw PyException.osError("cannot create directory '\(p)'")
            }
            return .none
        }
        m.def("mkdir") { a in
            let p = try a.string(0, "path")
            if FileManager.default.fileExists(atPath: p) {
                let e = PyException(PyException.fileExistsErrorType, [.int(17), .str("File exists")])
                e.fileNameForMessage = p
                throw e
            }
            do { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: false) } catch {
                throw PyException.fileNotFound(p)
            }
            return .none
        }
        m.def("remove") { a in
            let p = try a.string(0, "path")
            guard FileManager.default.fileExists(atPath: p) else { throw PyException.fileNotFound(p) }
            do { try FileManager.default.removeItem(atPath: p) } catch { throw PyException.osError("cannot remove '\(p)'") }
            return .none
        }
        m["environ"] = .object(Environ())
        m.def("getenv") { a in
            let k = try a.string(0, "key")
            if let v = ProcessInfo.processInfo.environment[k] { return .str(v) }
            return a.positional.count > 1 ? a.positional[1] : .none
        }
        return m
    }

    static func makePath(_ interp: Interpreter) throws -> PyModule {
        let m = PyModule("posixpath")
        m.def("join") { a in
            var out = ""
            for i in a.positional.indices {
                let p = try a.string(i, "path")
                if p.hasPrefix("/") { out = p } else if out.isEmpty || out.hasSuffix("/") { out += p } else { out += "/" + p }
            }
            return .str(out)
        }
        m.def("exists") { a in .bool(FileManager.default.fileExists(atPath: try a.string(0, "path"))) }
        m.def("isfile") { a in
            var d: ObjCBool = false
            return .bool(FileManager.default.fileExists(atPath: try a.string(0, "path"), isDirectory: &d) && !d.boolValue)
        }
        m.def("isdir") { a in
            var d: ObjCBool = false
            return .bool(FileManager.default.fileExists(atPath: try a.string(0, "path"), isDirectory: &d) && d.boolValue)
        }
        m.def("dirname") { a in
            let p = try a.string(0, "p")
            guard let i = p.lastIndex(of: "/") else { return .str("") }
            var head = String(p[...i])
            if head.contains(where: { $0 != "/" }) { while head.hasSuffix("/") { head.removeLast() } }
            return .str(head)
        }
        m.def("basename") { a in
            let p = try a.string(0, "p")
            guard let i = p.lastIndex(of: "/") else { return .str(p) }
            return .str(String(p[p.index(after: i)...]))
        }
        m.def("splitext") { a in
            let p = try a.string(0, "p")
            let baseStart = p.lastIndex(of: "/").map { p.index(after: $0) } ?? p.startIndex
            let base = p[baseStart...]
            if let dot = base.lastIndex(of: "."), base[base.startIndex..<dot].contains(where: { $0 != "." }) {
                return .tuple([.str(String(p[..<dot])), .str(String(p[dot...]))])
            }
            return .tuple([.str(p), .str("")])
        }
        m.def("abspath") { a in
            let p = try a.string(0, "path")
            let full = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
            return .str((full as NSString).standardizingPath)
        }
        m["sep"] = .str("/")
        return m
    }
}

/// `os.environ`: a read-only view of the process environment.
final class Environ: PyObject {
    var typeName: String { "_Environ" }
    var env: [String: String] { ProcessInfo.processInfo.environment }
    func getItem(_ key: Value) throws -> Value {
        guard case .str(let k) = key, let v = env[k] else { throw PyException.keyError(key) }
        return .str(v)
    }
    func contains(_ value: Value) throws -> Bool? {
        guard case .str(let k) = value else { return false }
        return env[k] != nil
    }
    func length() throws -> Int? { env.count }
    func makeIterator() throws -> PyIterator? { PyIterator(env.keys.sorted().map { .str($0) }) }
    var attributeNames: [String] { ["get", "keys", "items"] }
    func getAttribute(_ name: String) throws -> Value? {
        switch name {
        case "get":
            return .builtin(BuiltinFunction("get", owner: typeName) { [self] a in
                let k = try a.string(0, "key")
                if let v = env[k] { return .str(v) }
                return a.positional.count > 1 ? a.positional[1] : .none
            })
        case "keys": return .builtin(BuiltinFunction("keys", owner: typeName) { [self] _ in .list(PyList(env.keys.sorted().map { .str($0) })) })
        case "items":
            return .builtin(BuiltinFunction("items", owner: typeName) { [self] _ in
                .list(PyList(env.sorted { $0.key < $1.key }.map { .tuple([.str($0.key), .str($0.value)]) }))
            })
        default: return nil
        }
    }
    func repr() throws -> String { "environ({...})" }
}
