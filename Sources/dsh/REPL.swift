import CReadline
import Dispatch
import Foundation
import Script

/// The interactive shell: GNU readline editing, persistent history, Tab completion, multi-line
/// blocks, pasted `>>>` transcripts, IPython-style `%time`/`%timeit`/`%who`, `obj?` help, and
/// Ctrl-C that stops running code (or clears the line) without losing the session.
final class REPL {
    let interpreter: Interpreter
    let style: Style
    let historyPath: String
    private var buffer: [String] = []
    /// While a pasted transcript is being read: lines without a prompt are its output, skipped.
    private var inTranscript = false

    init(interpreter: Interpreter, style: Style) {
        self.interpreter = interpreter
        self.style = style
        let env = ProcessInfo.processInfo.environment
        historyPath = env["DSH_HISTFILE"] ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.dsh_history")
    }

    var prompt: String { buffer.isEmpty ? style.prompt(">>> ") : style.prompt("... ") }

    /// Runs until end of input (Ctrl-D). Returns the exit status.
    func run(banner: Bool) -> Int32 {
        let tty = isatty(STDIN_FILENO) != 0
        if banner { writeOut(REPL.banner + "\n") }
        if !tty { return runWithoutTerminal() }

        setUpReadline()
        defer { saveHistory() }
        while true {
            guard let line = LineReader.shared.readLine(prompt: prompt) else {
                // Ctrl-D
                writeOut("\n")
                return 0
            }
            if line == LineReader.interrupted {
                buffer.removeAll(); inTranscript = false
                writeOut(style.error("KeyboardInterrupt") + "\n")
                continue
            }
            if !line.trimmingWhitespace().isEmpty { add_history(line) }
            if let status = handle(line: line) { return status }
        }
    }

    /// Standard input is not a terminal: read it all and behave like `python < file` would with
    /// prompts shown, so that piping a session in works.
    private func runWithoutTerminal() -> Int32 {
        while let line = Swift.readLine(strippingNewline: true) {
            if let status = handle(line: line) { return status }
        }
        if !buffer.isEmpty { _ = handle(line: "") }
        return 0
    }

    /// Handles one input line; returns an exit status when the session should end.
    private func handle(line rawLine: String) -> Int32? {
        var line = rawLine
        let trimmedLead = line.drop(while: { $0 == " " })
        if trimmedLead.hasPrefix(">>>") || (trimmedLead.hasPrefix("...") && (inTranscript || !buffer.isEmpty)) {
            // A pasted transcript line: strip its prompt.
            let isContinuation = trimmedLead.hasPrefix("...")
            inTranscript = true
            line = Transcript.stripPrompts(String(trimmedLead))
            if !isContinuation && !buffer.isEmpty {
                // A new `>>>` statement ends the block before it.
                runBuffer()
            }
            if isContinuation && line.trimmingWhitespace().isEmpty { return nil } // blank `...` inside a pasted block
        } else if inTranscript && buffer.isEmpty && !line.trimmingWhitespace().isEmpty && !line.hasPrefix(" ") {
            // Output lines of a pasted transcript.
            if looksLikeOutput(line) { return nil }
            inTranscript = false
        } else if inTranscript && !buffer.isEmpty && !line.trimmingWhitespace().isEmpty && !line.hasPrefix(" ") {
            // Output after a pasted block: the block is complete.
            runBuffer()
            return nil
        }

        if buffer.isEmpty {
            let t = line.trimmingWhitespace()
            if t.isEmpty { return nil }
            if let status = magic(t) { return status == -1 ? nil : status }
        }
        buffer.append(line)
        let text = buffer.joined(separator: "\n")
        let blankEndsBlock = line.trimmingWhitespace().isEmpty && buffer.count > 1
        if blankEndsBlock || (Interpreter.isComplete(text + "\n") && !opensBlock(buffer)) {
            runBuffer()
        }
        return nil
    }

    /// A one-line statement like `if x: y` is complete; a header ending in ':' waits for its body.
    private func opensBlock(_ lines: [String]) -> Bool {
        guard let first = lines.first else { return false }
        let t = first.trimmingWhitespace()
        if lines.count == 1 { return t.hasSuffix(":") || t.hasSuffix("\\") }
        return true // multi-line blocks end with a blank line
    }

    private func looksLikeOutput(_ line: String) -> Bool { true }

    private func runBuffer() {
        let source = buffer.joined(separator: "\n")
        buffer.removeAll()
        guard !source.trimmingWhitespace().isEmpty else { return }
        execute(source)
    }

    /// Runs one interactive input and echoes its value.
    func execute(_ source: String) {
        Interrupts.shared.running = true
        defer { Interrupts.shared.running = false }
        // A Ctrl-C pressed after Enter, before this input started running, is meant for it.
        if Interrupts.shared.takePending() {
            writeOut(style.error("KeyboardInterrupt") + "\n")
            return
        }
        do {
            if let echo = try interpreter.runInteractive(source + "\n") {
                writeOut(echo + "\n")
            }
        } catch let error as ScriptError {
            writeErr(style.traceback(error.traceback))
        } catch {
            writeErr(style.error("\(error)") + "\n")
        }
    }

    // MARK: Magics

    /// `%time`, `%timeit`, `%who`, `!cmd`, `obj?`, `exit`. Returns nil when the line is ordinary
    /// code, -1 when it was handled, or an exit status.
    private func magic(_ t: String) -> Int32? {
        if t.hasPrefix("!") {
            let cmd = String(t.dropFirst()).trimmingWhitespace()
            if cmd.hasPrefix("pip") {
                writeOut("dsh has diffusers, torch, numpy, PIL and tqdm built in (in Swift): there is nothing to install with pip.\n")
            } else {
                writeOut("dsh does not run shell commands; use a terminal beside it for `\(cmd)`.\n")
            }
            return -1
        }
        if t.hasPrefix("%time ") || t.hasPrefix("%timeit ") {
            let isTimeit = t.hasPrefix("%timeit ")
            let stmt = String(t.dropFirst(isTimeit ? 8 : 6))
            isTimeit ? timeit(stmt) : time(stmt)
            return -1
        }
        if t == "%who" {
            let names = interpreter.globalNames.filter { !$0.hasPrefix("_") }.sorted()
            writeOut(names.isEmpty ? "Interactive namespace is empty.\n" : names.joined(separator: "\t") + "\n")
            return -1
        }
        if t.hasPrefix("%") {
            writeOut("UsageError: Line magic function `\(t.split(separator: " ")[0])` not found (dsh has %time, %timeit, %who).\n")
            return -1
        }
        if t.hasSuffix("?") && !t.hasSuffix("??") && !t.contains("#") {
            let expr = String(t.dropLast()).trimmingWhitespace()
            if !expr.isEmpty {
                do { writeOut(try interpreter.inspect(expr) + "\n") } catch let e as ScriptError {
                    writeErr(style.traceback(e.traceback))
                } catch { writeErr("\(error)\n") }
                return -1
            }
        }
        return nil
    }

    private func time(_ stmt: String) {
        let cpu0 = cpuTime(), wall0 = DispatchTime.now()
        execute(stmt)
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0.uptimeNanoseconds) / 1e9
        let cpu = cpuTime()
        writeOut("CPU times: user \(formatDuration(cpu.user - cpu0.user)), sys: \(formatDuration(cpu.sys - cpu0.sys)), total: \(formatDuration(cpu.user + cpu.sys - cpu0.user - cpu0.sys))\nWall time: \(formatDuration(wall))\n")
    }

    private func timeit(_ stmt: String) {
        // IPython's rule: grow the loop count until one run takes at least 0.2 s, then 7 runs.
        func once(_ loops: Int) -> Double? {
            let t0 = DispatchTime.now()
            Interrupts.shared.running = true
            defer { Interrupts.shared.running = false }
            for _ in 0..<loops {
                do { _ = try interpreter.runInteractive(stmt + "\n") } catch let e as ScriptError {
                    writeErr(style.traceback(e.traceback)); return nil
                } catch { writeErr("\(error)\n"); return nil }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
        }
        var loops = 1
        while true {
            guard let t = once(loops) else { return }
            if t >= 0.2 || loops >= 1_000_000 { break }
            loops *= 10
        }
        var runs: [Double] = []
        for _ in 0..<7 { guard let t = once(loops) else { return }; runs.append(t / Double(loops)) }
        let mean = runs.reduce(0, +) / Double(runs.count)
        let sd = (runs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(runs.count)).squareRoot()
        let loopsText = loops == 1 ? "1 loop each" : "\(groupThousands(loops)) loops each"
        writeOut("\(formatDuration(mean)) ± \(formatDuration(sd)) per loop (mean ± std. dev. of 7 runs, \(loopsText))\n")
    }

    private func cpuTime() -> (user: Double, sys: Double) {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (secs(usage.ru_utime), secs(usage.ru_stime))
    }

    // MARK: Readline

    private func setUpReadline() {
        rl_readline_name = UnsafePointer(strdup("dsh"))
        stifle_history(10_000)
        read_history(historyPath)
        Completion.interpreter = interpreter
        rl_attempted_completion_function = completionAttempt
        rl_completer_word_break_characters = UnsafePointer(strdup(" \t\n\"'`@$><=;|&{(,+-*/%~^!"))
        rl_basic_quote_characters = UnsafePointer(strdup(""))
    }

    private func saveHistory() {
        if write_history(historyPath) == 0 { history_truncate_file(historyPath, 10_000) }
    }

    static let banner = "dsh \(Version.string) — the diffusion shell (Python subset; torch, diffusers, numpy, PIL, tqdm built in)\nType help() for help, Ctrl-D to exit."
}

/// Readline's completion state (C function pointers cannot capture, so it is global).
enum Completion {
    nonisolated(unsafe) static var interpreter: Interpreter?
    nonisolated(unsafe) static var matches: [String] = []
}

/// Readline's `rl_attempted_completion_function`: asks the interpreter for candidates.
func completionAttempt(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    guard let interpreter = Completion.interpreter, let lineBuffer = rl_line_buffer else { return nil }
    let line = String(cString: lineBuffer)
    let prefix = String(decoding: line.utf8.prefix(Int(end)), as: UTF8.self)
    let word = text.map { String(cString: $0) } ?? ""
    // Readline replaces the word before the cursor: make every candidate a whole word.
    let head = word.lastIndex(of: ".").map { String(word[...$0]) } ?? ""
    Completion.matches = interpreter.completions(for: prefix, cursor: prefix.count).map { c in
        c.hasPrefix(word) || head.isEmpty ? c : head + c
    }.filter { $0.hasPrefix(word) }
    if Completion.matches.isEmpty { return nil }
    rl_completion_append_character = 0
    return rl_completion_matches(text, completionGenerator)
}

/// Readline's generator: hands out the candidates one by one.
func completionGenerator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    if state >= Int32(Completion.matches.count) { return nil }
    return strdup(Completion.matches[Int(state)])
}
