import CReadline
import Dispatch
import Foundation

/// Reads lines with GNU readline's callback interface, so that Ctrl-C at the prompt clears the
/// line (as in Python) instead of killing the session.
final class LineReader {
    nonisolated(unsafe) static let shared = LineReader()
    /// Returned by `readLine` when Ctrl-C was pressed at the prompt.
    static let interrupted = "\u{3}<interrupted>"

    nonisolated(unsafe) private static var completedLine: String?
    nonisolated(unsafe) private static var gotLine = false
    nonisolated(unsafe) private static var gotEOF = false

    /// Reads one line; nil at end of input.
    func readLine(prompt: String) -> String? {
        rl_catch_signals = 0
        LineReader.gotLine = false
        LineReader.gotEOF = false
        rl_callback_handler_install(prompt, { line in
            if let line {
                LineReader.completedLine = String(cString: line)
                free(line)
            } else {
                LineReader.gotEOF = true
            }
            LineReader.gotLine = true
            rl_callback_handler_remove()
        })
        let interruptFD = Interrupts.shared.promptFD
        while !LineReader.gotLine {
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: interruptFD, events: Int16(POLLIN), revents: 0)]
            let r = poll(&fds, 2, -1)
            if r < 0 { if errno == EINTR { continue }; break }
            if fds[1].revents & Int16(POLLIN) != 0 {
                Interrupts.shared.takePending()
                // Abandon the current line, as Python does on Ctrl-C.
                rl_free_line_state()
                rl_callback_sigcleanup()
                rl_replace_line("", 0)
                rl_callback_handler_remove()
                FileHandle.standardOutput.write("\n".data(using: .utf8) ?? Data())
                return LineReader.interrupted
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP) != 0 {
                rl_callback_read_char()
            }
        }
        if LineReader.gotEOF { return nil }
        return LineReader.completedLine
    }
}

/// Ctrl-C handling. SIGINT is delivered to a dispatch source (no code runs in signal context):
/// while dsh code runs, it asks the interpreter to stop with KeyboardInterrupt; at the prompt it
/// wakes the line reader through a pipe.
final class Interrupts: @unchecked Sendable {
    static let shared = Interrupts()
    private var source: DispatchSourceSignal?
    private var pipeFDs: [Int32] = [-1, -1]
    /// Set while user code runs.
    var running = false
    /// Called when Ctrl-C arrives while code runs.
    var onInterrupt: (() -> Void)?

    var promptFD: Int32 { pipeFDs[0] }

    func install() {
        pipeFDs.withUnsafeMutableBufferPointer { _ = pipe($0.baseAddress!) }
        _ = fcntl(pipeFDs[0], F_SETFL, O_NONBLOCK)
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "dsh.sigint"))
        s.setEventHandler { [unowned self] in
            if self.running {
                self.onInterrupt?()
            } else {
                var b: UInt8 = 1
                _ = write(self.pipeFDs[1], &b, 1)
            }
        }
        s.resume()
        source = s
    }

    /// Whether a Ctrl-C arrived while no code ran (at the prompt, or after Enter before the input started);
    /// clears it.
    @discardableResult
    func takePending() -> Bool {
        var b = [UInt8](repeating: 0, count: 64)
        var any = false
        while read(pipeFDs[0], &b, 64) > 0 { any = true }
        return any
    }
}
