extension Interpreter {
    /// `obj?` in the REPL: the object's type, its value, and for tensors and arrays the statistics
    /// a person exploring wants at a glance (shape, dtype, min, max, mean, std). Errors (a name
    /// that does not exist, say) come back as a Python traceback in `ScriptError`.
    public func inspect(_ expression: String) throws -> String {
        let value = try evaluate(expression)
        var lines: [String] = []
        lines.append("Type:        \(typeDescription(value))")
        switch value {
        case .object(let o as TensorObject):
            lines.append(o.summary())
        case .object(let o as NDArrayObject):
            lines.append(TensorObject(o.array).summary().replacingOccurrences(of: "Tensor  shape=torch.Size(", with: "ndarray  shape=("))
        case .function(let f):
            lines.append("Signature:   \(f.name)(…)")
        case .builtin(let b):
            lines.append("Signature:   \(b.name)(…)  (built in)")
        case .module(let m):
            lines.append("Members:     " + m.names.filter { !$0.hasPrefix("_") }.sorted().joined(separator: ", "))
        default:
            break
        }
        if case .object(let o as TensorObject) = value, o.tensor.count > 1000 {
            lines.append("String form: (\(o.tensor.count) elements; print(x) shows a summary)")
        } else {
            var text = (try? pyRepr(value)) ?? "<unprintable>"
            if text.count > 600 { text = String(text.prefix(600)) + " …" }
            lines.append("String form: " + text.replacingOccurrences(of: "\n", with: "\n             "))
        }
        return lines.joined(separator: "\n")
    }

    private func typeDescription(_ v: Value) -> String {
        switch v {
        case .object(let o):
            if let t = o.pyType.moduleName { return "\(t).\(o.typeName)" }
            return o.typeName
        default: return v.typeName
        }
    }
}
