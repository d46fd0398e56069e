import Foundation
import Script

/// Runs a program: plainly, as an echoed transcript (`--echo`), or a statement at a time (`--step`).
struct Runner {
    let interpreter: Interpreter
    let style: Style

    /// Runs `source` as `filename`; returns the exit status (1 after an uncaught exception).
    func run(source rawSource: String, filename: String, presentation: Options.Presentation) -> Int32 {
        let source = Transcript.hasPrompts(rawSource) ? Transcript.stripPrompts(rawSource) : rawSource
        Interrupts.shared.running = true
        defer { Interrupts.shared.running = false }
        switch presentation {
        case .plain:
            do {
                try interpreter.run(source: source, filename: filename)
                return 0
            } catch {
                return report(error)
            }
        case .echo, .step:
            for statement in Transcript.statements(source) {
                for c in statement.comments { writeOut(style.comment(c) + "\n") }
                let lines = statement.code.split(separator: "\n", omittingEmptySubsequences: false)
                let shown = lines.enumerated().map { i, l in
                    (i == 0 ? style.echoPrompt(">>> ") : style.echoPrompt("... ")) + (presentation == .step ? style.highlight(String(l)) : String(l))
                }.joined(separator: "\n")
                writeOut(shown + "\n")
                if lines.count > 1 { writeOut(style.echoPrompt("...") + "\n") }
                if presentation == .step && !waitForEnter() { return 0 }
                // Pad with blank lines so tracebacks give the statement's line in the file.
                let padded = String(repeating: "\n", count: statement.line - 1) + statement.code + "\n"
                do {
                    if let echo = try interpreter.runInteractive(padded, filename: filename) {
                        writeOut(echo + "\n")
                    }
                } catch {
                    return report(error)
                }
            }
            return 0
        }
    }

    private func report(_ error: Error) -> Int32 {
        if let e = error as? ScriptError {
            if let code = e.exitCode { return code }
            writeErr(style.traceback(e.traceback))
        } else {
            writeErr(style.error("dsh: \(error)") + "\n")
        }
        return 1
    }

    /// `--step`: waits for Enter (q then Enter quits). Reads the terminal even when stdin is a pipe.
    private func waitForEnter() -> Bool {
        writeOut(style.comment("  [Enter] run · [q] quit") + "\r")
        let answer: String?
        if let tty = FileHandle(forReadingAtPath: "/dev/tty"), isatty(STDIN_FILENO) == 0 {
            var bytes: [UInt8] = []
            while true {
                let d = tty.readData(ofLength: 1)
                guard let b = d.first else { break }
                if b == 10 { break }
                bytes.append(b)
            }
            answer = String(decoding: bytes, as: UTF8.self)
        } else {
            answer = Swift.readLine()
        }
        writeOut("\u{1B}[2K")
        guard let a = answer else { return false }
        return a.trimmingWhitespace().lowercased() != "q"
    }
}
