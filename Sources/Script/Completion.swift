// Tab completion for the REPL: names, keywords, attributes, dict keys, module names.

enum Completion {
    static func complete(_ interp: Interpreter, line: String, cursor: Int) -> [String] {
        let chars = Array(line.prefix(max(0, min(cursor, line.count))))
        let text = String(chars)
        // `import fo` / `from fo`
        let trimmed = text.drop(while: { $0 == " " })
        for kw in ["import ", "from "] where trimmed.hasPrefix(kw) && !trimmed.contains(" import ") {
            let partial = String(trimmed.dropFirst(kw.count)).trimmingTrailingSpaces()
            if partial.contains(" ") { break }
            return interp.supportedModules.filter { $0.hasPrefix(partial) }
        }
        // `d["ke`
        if let open = text.range(of: "[\"", options: .backwards) ?? text.range(of: "['", options: .backwards) {
            let partial = String(text[open.upperBound...])
            if !partial.contains("\"") && !partial.contains("'") && !partial.contains("]") {
                let obj = expressionSuffix(String(text[..<open.lowerBound]))
                if !obj.isEmpty, let v = try? lookup(interp, obj), case .dict(let d) = v {
                    let q = text[open.lowerBound...].dropFirst().first.map(String.init) ?? "\""
                    return d.keys.compactMap { if case .str(let k) = $0, k.hasPrefix(partial) { return k + q + "]" }; return nil }
                }
            }
        }
        let word = expressionSuffix(text)
        if let dot = word.lastIndex(of: ".") {
            let objText = String(word[..<dot])
            let partial = String(word[word.index(after: dot)...])
            guard let v = try? lookup(interp, objText) else { return [] }
            var names = interp.attributeNames(of: v)
            if partial.isEmpty || !partial.hasPrefix("_") { names = names.filter { !$0.hasPrefix("_") } }
            return Array(Set(names.filter { $0.hasPrefix(partial) })).sorted()
        }
        if word.isEmpty { return [] }
        let candidates = Set(interp.globalNames + Array(interp.builtins.keys) + pythonKeywords)
        return candidates.filter { $0.hasPrefix(word) }.sorted()
    }

    /// The dotted name just before the cursor (`torch.nn.fu`).
    static func expressionSuffix(_ s: String) -> String {
        var out: [Character] = []
        for c in s.reversed() {
            if c.isLetter || c.isNumber || c == "_" || c == "." { out.append(c) } else { break }
        }
        return String(out.reversed())
    }

    /// Evaluates a dotted name without running code: only globals and attribute reads.
    static func lookup(_ interp: Interpreter, _ dotted: String) throws -> Value? {
        let parts = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty, var v = interp.global(first) ?? interp.builtins[first] else { return nil }
        for p in parts.dropFirst() {
            guard !p.isEmpty else { return nil }
            if case .module(let m) = v {
                guard let x = m[p] else { return nil }
                v = x
            } else {
                v = try interp.getAttribute(v, p)
            }
        }
        return v
    }
}
