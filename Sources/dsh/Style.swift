import Foundation

/// Colours for prompts and errors: only on a terminal, never with `NO_COLOR`.
struct Style {
    var enabled: Bool

    static func detect(fd: Int32) -> Style {
        let env = ProcessInfo.processInfo.environment
        let noColor = (env["NO_COLOR"].map { !$0.isEmpty } ?? false) || env["TERM"] == "dumb"
        return Style(enabled: isatty(fd) != 0 && !noColor)
    }

    /// Readline needs \001…\002 around invisible characters in a prompt.
    func prompt(_ p: String) -> String { enabled ? "\u{1}\u{1B}[1;32m\u{2}\(p)\u{1}\u{1B}[0m\u{2}" : p }
    func echoPrompt(_ p: String) -> String { enabled ? "\u{1B}[1;32m\(p)\u{1B}[0m" : p }
    func error(_ s: String) -> String { enabled ? "\u{1B}[31m\(s)\u{1B}[0m" : s }
    func comment(_ s: String) -> String { enabled ? "\u{1B}[2;3m\(s)\u{1B}[0m" : s }
    func highlight(_ s: String) -> String { enabled ? "\u{1B}[1m\(s)\u{1B}[0m" : s }

    /// A traceback, its last line (the exception) in red.
    func traceback(_ text: String) -> String {
        var t = text.hasSuffix("\n") ? text : text + "\n"
        guard enabled else { return t }
        t.removeLast()
        if let nl = t.lastIndex(of: "\n") {
            return String(t[...nl]) + error(String(t[t.index(after: nl)...])) + "\n"
        }
        return error(t) + "\n"
    }
}

func writeOut(_ s: String) {
    FileHandle.standardOutput.write(s.data(using: .utf8) ?? Data())
}

func writeErr(_ s: String) {
    FileHandle.standardError.write(s.data(using: .utf8) ?? Data())
}

/// Seconds as IPython prints them: `1.23 s`, `45.6 ms`, `789 µs`, `12 ns`.
func formatDuration(_ seconds: Double) -> String {
    let (value, unit): (Double, String)
    if seconds >= 1 { (value, unit) = (seconds, "s") }
    else if seconds >= 1e-3 { (value, unit) = (seconds * 1e3, "ms") }
    else if seconds >= 1e-6 { (value, unit) = (seconds * 1e6, "µs") }
    else { (value, unit) = (seconds * 1e9, "ns") }
    let digits = value >= 100 ? 0 : (value >= 10 ? 1 : 2)
    return String(format: "%.\(digits)f \(unit)", value)
}

/// `1000000` → `1,000,000`.
func groupThousands(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return out
}
