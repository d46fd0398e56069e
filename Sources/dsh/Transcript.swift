import Script

/// Turning pasted transcripts and whole files into the statements dsh runs one at a time.
enum Transcript {
    /// True when the text looks like a doctest/REPL transcript: its first line that is neither blank
    /// nor a comment starts with a `>>>` prompt (as the code blocks of the Diffusers docs do).
    static func hasPrompts(_ text: String) -> Bool {
        guard let first = text.split(separator: "\n", omittingEmptySubsequences: true)
            .map({ $0.drop(while: { $0 == " " || $0 == "\t" }) })
            .first(where: { !$0.allSatisfy(\.isWhitespace) && !$0.hasPrefix("#") }) else { return false }
        return first.hasPrefix(">>>")
    }

    /// Removes `>>> ` and `... ` prompts, by doctest's rules: a `...` line continues the example only
    /// after a prompt line at the same indentation, and only as `...` alone or `... ` (so printed output
    /// such as `  ...,` stays output). Output lines are dropped. A blank line does not end the example,
    /// since the docs put blank lines inside `...` blocks.
    static func stripPrompts(_ text: String) -> String {
        var out: [String] = []
        var promptIndent: Int? = nil   // indentation of the example being read, nil after output
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = raw.prefix(while: { $0 == " " }).count
            let line = raw.dropFirst(indent)
            if let code = afterPrompt(">>>", line) {
                out.append(code)
                promptIndent = indent
            } else if promptIndent == indent, let code = afterPrompt("...", line) {
                out.append(code)
            } else {
                // Output or blank line: keep a blank so that line numbers stay meaningful.
                out.append("")
                if !line.allSatisfy(\.isWhitespace) { promptIndent = nil }
            }
        }
        return out.joined(separator: "\n")
    }

    /// The code after a doctest prompt (`>>>` or `...`, alone or followed by a space), or nil.
    private static func afterPrompt(_ prompt: String, _ line: Substring) -> String? {
        guard line.hasPrefix(prompt) else { return nil }
        let rest = line.dropFirst(prompt.count)
        if rest.isEmpty { return "" }
        return rest.first == " " ? String(rest.dropFirst()) : nil
    }

    /// One top-level statement (with any comment lines just before it) and where it starts.
    struct Statement: Equatable {
        /// Comment lines directly above the statement (narration in echo/step mode).
        var comments: [String]
        /// The statement's source, possibly several lines.
        var code: String
        /// 1-based line number of the statement's first line.
        var line: Int
    }

    /// Splits a program into top-level statements, the way a person would type them at the REPL:
    /// a statement runs on until it is complete and the next line is neither indented nor a
    /// continuation keyword (`elif`, `else`, `except`, `finally`).
    static func statements(_ source: String) -> [Statement] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [Statement] = []
        var comments: [String] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { comments.removeAll(); i += 1; continue }
            if trimmed.hasPrefix("#") && !line.hasPrefix(" ") && !line.hasPrefix("\t") {
                comments.append(line); i += 1; continue
            }
            let start = i
            var chunk = [line]
            i += 1
            while i < lines.count {
                let next = lines[i]
                let nextTrimmed = next.trimmingWhitespace()
                let text = chunk.joined(separator: "\n")
                let complete = Interpreter.isComplete(text + "\n")
                if !complete || nextTrimmed.isEmpty || next.hasPrefix(" ") || next.hasPrefix("\t")
                    || isContinuationKeyword(nextTrimmed) {
                    // Blank lines inside a block: look ahead to see whether the block continues.
                    if nextTrimmed.isEmpty && complete {
                        var j = i
                        while j < lines.count && lines[j].trimmingWhitespace().isEmpty { j += 1 }
                        if j >= lines.count { break }
                        let after = lines[j]
                        if !(after.hasPrefix(" ") || after.hasPrefix("\t") || isContinuationKeyword(after.trimmingWhitespace())) { break }
                        if !blockOpen(chunk) { break }
                    }
                    chunk.append(next)
                    i += 1
                } else {
                    break
                }
            }
            while let last = chunk.last, last.trimmingWhitespace().isEmpty { chunk.removeLast() }
            result.append(Statement(comments: comments, code: chunk.joined(separator: "\n"), line: start + 1))
            comments.removeAll()
        }
        return result
    }

    private static func isContinuationKeyword(_ s: String) -> Bool {
        for k in ["elif", "else", "except", "finally"] where s.hasPrefix(k) {
            let rest = s.dropFirst(k.count)
            if rest.isEmpty || rest.first == ":" || rest.first == " " || rest.first == "(" { return true }
        }
        return false
    }

    /// A chunk opens a block when its first line ends with ':' (ignoring comments) — only then can
    /// indented lines after a blank belong to it.
    private static func blockOpen(_ chunk: [String]) -> Bool {
        guard let first = chunk.first else { return false }
        return first.trimmingWhitespace().hasSuffix(":") || chunk.count > 1
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
