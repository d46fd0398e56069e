import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Somewhere text goes: a standard stream, or a string in tests.
public protocol TextSink: AnyObject {
    /// Writes `text` as it is (no newline added).
    func write(_ text: String)
    /// Whether this is an interactive terminal (so cursor movement and in-place redraw work).
    var isTerminal: Bool { get }
    /// The terminal's width in columns, or nil when unknown (not a terminal).
    var columns: Int? { get }
}

/// A C standard stream (`stdout`, `stderr`), written through stdio so it stays ordered with
/// Swift's `print`, and flushed after each write.
public final class StdioSink: TextSink, @unchecked Sendable {
    let file: UnsafeMutablePointer<FILE>
    let fd: Int32

    /// A sink over a stdio stream and its file descriptor.
    public init(file: UnsafeMutablePointer<FILE>, fd: Int32) {
        self.file = file
        self.fd = fd
    }

    /// The process's standard output.
    public static let standardOutput = StdioSink(file: stdout, fd: 1)
    /// The process's standard error.
    public static let standardError = StdioSink(file: stderr, fd: 2)

    /// Writes and flushes.
    public func write(_ text: String) {
        fputs(text, file)
        fflush(file)
    }

    /// `isatty` of the descriptor.
    public var isTerminal: Bool { isatty(fd) != 0 }

    /// The terminal's width (TIOCGWINSZ), nil when not a terminal.
    public var columns: Int? {
        guard isTerminal else { return nil }
        return TerminalSize.current(fd: fd, environment: ProcessInfo.processInfo.environment).columns
    }
}

/// A sink that keeps what is written, for tests.
public final class StringSink: TextSink, @unchecked Sendable {
    /// Everything written so far.
    public private(set) var text = ""
    /// Whether to behave as a terminal.
    public var isTerminal: Bool
    /// The width to report.
    public var columns: Int?

    /// A sink that pretends to be a terminal of `columns` when `isTerminal`.
    public init(isTerminal: Bool = false, columns: Int? = nil) {
        self.isTerminal = isTerminal
        self.columns = columns
    }

    /// Appends to ``text``.
    public func write(_ text: String) { self.text += text }
}

/// Standard output and standard error together, so that images and text printed while
/// progress bars are showing do not garble them: before anything is written to standard
/// output, live bars are cleared from their line, and redrawn after.
public final class Console: @unchecked Sendable {
    /// The process's console.
    public static let shared = Console(stdout: StdioSink.standardOutput, stderr: StdioSink.standardError,
                                       environment: ProcessInfo.processInfo.environment)

    /// Where images and text go.
    public let stdout: TextSink
    /// Where progress bars go.
    public let stderr: TextSink
    /// Environment used for colour-mode detection.
    public var environment: [String: String]
    /// A colour mode chosen with `--color` (overrides detection); nil to detect.
    public var colorMode: ColorMode?

    let lock = NSRecursiveLock()
    var bars: [ProgressBar] = []

    /// A console over two sinks (the same sink for both is a terminal showing both streams).
    public init(stdout: TextSink, stderr: TextSink, environment: [String: String] = [:], colorMode: ColorMode? = nil) {
        self.stdout = stdout
        self.stderr = stderr
        self.environment = environment
        self.colorMode = colorMode
    }

    /// The renderer for standard output: `mode`, else ``colorMode``, else detected.
    public func renderer(mode: ColorMode? = nil) -> TerminalRenderer {
        let m = mode ?? colorMode ?? ColorMode.detect(environment: environment, isTTY: stdout.isTerminal)
        var cell = (10, 20)
        if let s = stdout as? StdioSink, s.isTerminal, let c = TerminalSize.current(fd: s.fd).cellPixels { cell = c }
        let cols = stdout.columns ?? environment["COLUMNS"].flatMap { Int($0) } ?? 80
        return TerminalRenderer(mode: m, columns: cols, cellPixels: cell)
    }

    /// Writes text to standard output, keeping progress bars intact.
    public func write(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        let live = bars.filter { $0.isLiveOnTerminal }
        for b in live { b.clearLine() }
        stdout.write(text)
        for b in live { b.refresh() }
    }

    /// Draws an image on standard output.
    public func show(_ image: Image, widthCells: Int? = nil, heightCells: Int? = nil, mode: ColorMode? = nil) throws {
        write(try renderer(mode: mode).render(image, widthCells: widthCells, heightCells: heightCells))
    }

    func register(_ bar: ProgressBar) {
        lock.lock(); defer { lock.unlock() }
        bars.append(bar)
    }

    func unregister(_ bar: ProgressBar) {
        lock.lock(); defer { lock.unlock() }
        bars.removeAll { $0 === bar }
    }
}

/// A block of output that is redrawn in place on a terminal (e.g. a filmstrip of samples
/// updated every few steps of a loop): each ``update(_:)`` moves the cursor back up over the
/// previous drawing and replaces it. Off a terminal each drawing is simply printed after the
/// last.
public final class LiveDisplay: @unchecked Sendable {
    let console: Console
    var lines = 0

    /// A display writing through `console`.
    public init(console: Console = .shared) {
        self.console = console
    }

    /// Replaces the previous drawing with `rendered` (text ending with a newline), which takes
    /// `lines` terminal lines (by default, its number of newlines; pass the image's rows for the
    /// pixel protocols).
    public func update(_ rendered: String, lines height: Int? = nil) {
        var s = ""
        if console.stdout.isTerminal && lines > 0 {
            s = "\u{1B}[\(lines)F\u{1B}[J"   // up `lines` lines to column 1, clear below
        }
        s += rendered
        lines = height ?? rendered.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
        console.write(s)
    }

    /// Forgets the previous drawing, so the next update starts below it.
    public func finish() { lines = 0 }
}
