import Foundation
import Tensor

/// `safetensors` and `safetensors.torch`: `load_file`, `save_file` and `safe_open`, over the Tensor
/// library's `SafeTensorsFile` / `SafeTensors.save`.
enum SafetensorsModule {
    static func make() -> PyModule {
        let m = PyModule("safetensors")
        m["__version__"] = .str("0.5.2")
        m["torch"] = .module(makeTorch())
        m.def("safe_open") { args in
            try args.check(maxPositional: 3, keywords: ["filename", "framework", "device"])
            let path = try args.string(0, "filename")
            let framework = try args.string(1, "framework", default: "pt")
            guard ["pt", "torch", "np", "numpy"].contains(framework) else {
                throw PyException.valueError("framework \(try pyRepr(.str(framework))) is not supported by dsh (use 'pt' or 'np')")
            }
            return .object(SafeOpenObject(try open(path), numpy: framework == "np" || framework == "numpy"))
        }
        return m
    }

    static func makeTorch() -> PyModule {
        let m = PyModule("safetensors.torch")
        m.def("load_file") { args in
            try args.check(maxPositional: 2, keywords: ["filename", "device"])
            let file = try open(try args.string(0, "filename"))
            let d = PyDict()
            for (name, t) in try bridged({ try file.tensors() }) { d.set(name, wrap(t)) }
            return .dict(d)
        }
        m.def("save_file") { args in
            try args.check(maxPositional: 3, keywords: ["tensors", "filename", "metadata"])
            let tensors = try args.value(0, "tensors")
            guard case .dict(let d) = tensors else {
                throw PyException.typeError("save_file(): tensors must be a dict of str to torch.Tensor, not \(tensors.typeName)")
            }
            var list: [(String, Tensor)] = []
            for (k, v) in d.entries {
                guard case .str(let name) = k else {
                    throw PyException.typeError("save_file(): tensor names must be str, not \(k.typeName)")
                }
                guard case .object(let o) = v, o is TensorObject || o is NDArrayObject, let t = try v.asTensor() else {
                    throw PyException.valueError("Key `\(name)` is invalid, expected torch.Tensor but received \(v.typeName)")
                }
                list.append((name, t))
            }
            var metadata: [String: String] = [:]
            if let md = try args.optional(2, "metadata"), !md.isNone {
                guard case .dict(let mdict) = md else {
                    throw PyException.typeError("save_file(): metadata must be a dict of str to str, not \(md.typeName)")
                }
                for (k, v) in mdict.entries {
                    guard case .str(let key) = k, case .str(let value) = v else {
                        throw PyException.typeError("save_file(): metadata must map str to str, got \(k.typeName) → \(v.typeName)")
                    }
                    metadata[key] = value
                }
            }
            let path = try args.string(1, "filename")
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                throw PyException.fileNotFound(path)
            }
            try bridged { try SafeTensors.save(list, metadata: metadata, to: path) }
            return .none
        }
        return m
    }

    /// Opens a file; a missing one raises `FileNotFoundError` naming it.
    static func open(_ path: String) throws -> SafeTensorsFile {
        guard FileManager.default.fileExists(atPath: path) else { throw PyException.fileNotFound(path) }
        return try bridged { try SafeTensorsFile(path: path) }
    }
}

/// `safe_open(path, framework="pt")`: a file to read tensors from one at a time.
final class SafeOpenObject: PyObject {
    let file: SafeTensorsFile
    let numpy: Bool
    init(_ file: SafeTensorsFile, numpy: Bool) {
        self.file = file
        self.numpy = numpy
    }

    var typeName: String { "safe_open" }
    var isContextManager: Bool { true }

    func getAttribute(_ name: String) throws -> Value? {
        let f = file, numpy = self.numpy
        func method(_ body: @escaping (Arguments) throws -> Value) -> Value {
            .builtin(BuiltinFunction(name, owner: "safe_open", body))
        }
        switch name {
        case "keys": return method { args in
            try args.exactly(0)
            return .list(PyList(f.names.sorted().map { .str($0) }))
        }
        case "metadata": return method { args in
            try args.exactly(0)
            if f.metadata.isEmpty { return .none }
            return .dict(PyDict(f.metadata.keys.sorted().map { ($0, .str(f.metadata[$0] ?? "")) }))
        }
        case "get_tensor": return method { args in
            try args.exactly(1)
            let t = try bridged { try f.tensor(try args.string(0, "name")) }
            return numpy ? .object(NDArrayObject(t)) : wrap(t)
        }
        default: return nil
        }
    }
    var attributeNames: [String] { ["get_tensor", "keys", "metadata"] }
}
