import Foundation
import Tensor

/// `json`: dumps (indent, sort_keys) and loads, over the shared `JSONValue`.
enum JSONModule {
    static func make(_ interp: Interpreter) throws -> PyModule {
        let m = PyModule("json")
        m.def("dumps") { a in
            try a.check(maxPositional: 1, keywords: ["obj", "indent", "sort_keys", "ensure_ascii", "default", "separators"])
            let indent = try a.optional(-1, "indent").flatMap { $0.isNone ? nil : try a.intValue($0, "indent") }
            let json = try toJSON(try a.value(0, "obj"), depth: 0)
            return .str(json.serialized(indent: indent, sortKeys: try a.bool(-1, "sort_keys", default: false)))
        }
        m.def("loads") { a in
            try a.check(maxPositional: 1, keywords: ["s"])
            let text = try a.string(0, "s")
            do { return fromJSON(try JSONValue.parse(text)) } catch let e as JSONError {
                throw PyException(jsonDecodeError, "\(e.message) (char \(e.offset))")
            }
        }
        m.def("dump") { a in
            try a.check(maxPositional: 2, keywords: ["obj", "fp", "indent", "sort_keys", "ensure_ascii", "default", "separators"])
            let indent = try a.optional(-1, "indent").flatMap { $0.isNone ? nil : try a.intValue($0, "indent") }
            let json = try toJSON(try a.value(0, "obj"), depth: 0)
            let text = json.serialized(indent: indent, sortKeys: try a.bool(-1, "sort_keys", default: false))
            _ = try a.interpreter.call(try a.interpreter.getAttribute(try a.value(1, "fp"), "write"), [.str(text)])
            return .none
        }
        m.def("load") { a in
            try a.check(maxPositional: 1, keywords: ["fp"])
            let text = try a.interpreter.call(try a.interpreter.getAttribute(try a.value(0, "fp"), "read"), [])
            guard case .str(let s) = text else { throw PyException.typeError("the JSON object must be str, not \(text.typeName)") }
            do { return fromJSON(try JSONValue.parse(s)) } catch let e as JSONError {
                throw PyException(jsonDecodeError, "\(e.message) (char \(e.offset))")
            }
        }
        m["JSONDecodeError"] = .object(jsonDecodeError)
        return m
    }

    static let jsonDecodeError = PyException.make("JSONDecodeError", PyException.valueErrorType)

    static func toJSON(_ v: Value, depth: Int) throws -> JSONValue {
        if depth > 500 { throw PyException(PyException.recursionErrorType, "maximum recursion depth exceeded while encoding a JSON object") }
        switch v {
        case .none: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .double(d)
        case .str(let s): return .string(s)
        case .list(let l): return .array(try l.items.map { try toJSON($0, depth: depth + 1) })
        case .tuple(let t): return .array(try t.map { try toJSON($0, depth: depth + 1) })
        case .dict(let d):
            return .object(try d.entries.map { e in
                let key: String
                switch e.key {
                case .str(let s): key = s
                case .int(let i): key = String(i)
                case .float(let f): key = pythonFloatRepr(f)
                case .bool(let b): key = b ? "true" : "false"
                case .none: key = "null"
                default: throw PyException.typeError("keys must be str, int, float, bool or None, not \(e.key.typeName)")
                }
                return (key, try toJSON(e.value, depth: depth + 1))
            })
        default:
            throw PyException.typeError("Object of type \(v.typeName) is not JSON serializable")
        }
    }

    static func fromJSON(_ j: JSONValue) -> Value {
        switch j {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .float(d)
        case .string(let s): return .str(s)
        case .array(let a): return .list(PyList(a.map(fromJSON)))
        case .object(let o):
            let d = PyDict()
            for (k, v) in o { d.set(k, fromJSON(v)) }
            return .dict(d)
        }
    }
}
