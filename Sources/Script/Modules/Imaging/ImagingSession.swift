import Foundation
import Imaging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one interpreter's images, notebook-style output and progress bars go: an Imaging
/// `Console` whose two sinks write through the interpreter's `stdout`/`stderr` closures, so
/// embedders and tests capture everything, and so a live progress bar is cleared before an image
/// is drawn and redrawn after it.
///
/// Drawing rule (``drawMode(_:)``): a colour mode given to the call (`dsh.show(x, color=…)`),
/// else one set with `dsh.set_color`/``colorMode``, else `DSH_COLOR` (the dsh CLI sets it from
/// `--color`) forces drawing, even off a terminal. Otherwise images are drawn only when standard
/// output is a terminal, in the mode `ColorMode.detect` picks; off a terminal each image becomes
/// a one-line placeholder, `<image 32×32 RGB>`.
final class ImagingSession {
    /// The environment used for colour detection (`DSH_COLOR`, `NO_COLOR`, `TERM`, `COLUMNS`, …).
    var environment: [String: String] {
        get { console.environment }
        set { console.environment = newValue }
    }
    /// A colour mode chosen for this interpreter (overrides `DSH_COLOR` and detection).
    var colorMode: ColorMode? {
        get { console.colorMode }
        set { console.colorMode = newValue }
    }
    /// Whether the interpreter's standard output is a terminal (default: `isatty(1)`).
    var stdoutIsTerminal: Bool {
        get { out.isTerminal }
        set { out.isTerminal = newValue }
    }
    /// Whether the interpreter's standard error is a terminal (default: `isatty(2)`).
    var stderrIsTerminal: Bool {
        get { err.isTerminal }
        set { err.isTerminal = newValue }
    }
    /// Terminal width to use instead of asking the terminal (tests, embedders).
    var columns: Int? {
        get { out.fixedColumns }
        set { out.fixedColumns = newValue; err.fixedColumns = newValue }
    }

    let console: Console
    /// The last `dsh.filmstrip` drawing, which `dsh.filmstrip(…, replace=True)` draws over.
    let filmstrip: LiveDisplay
    private let out: InterpreterSink
    private let err: InterpreterSink

    init(_ interp: Interpreter, environment: [String: String] = ProcessInfo.processInfo.environment) {
        out = InterpreterSink(interp, fd: 1)
        err = InterpreterSink(interp, fd: 2)
        console = Console(stdout: out, stderr: err, environment: environment)
        filmstrip = LiveDisplay(console: console)
    }

    // MARK: one session per interpreter

    private struct Entry {
        weak var interpreter: Interpreter?
        let session: ImagingSession
    }
    nonisolated(unsafe) private static var table: [ObjectIdentifier: Entry] = [:]
    private static let lock = NSLock()

    /// The session of `interp`, made on first use.
    static func of(_ interp: Interpreter) -> ImagingSession {
        lock.lock(); defer { lock.unlock() }
        let key = ObjectIdentifier(interp)
        if let e = table[key], e.interpreter === interp { return e.session }
        table = table.filter { $0.value.interpreter != nil }
        let s = ImagingSession(interp)
        table[key] = Entry(interpreter: interp, session: s)
        return s
    }

    // MARK: drawing

    /// The mode to draw in, or nil for a text placeholder (see the type's documentation).
    func drawMode(_ forced: ColorMode? = nil) -> ColorMode? {
        if let m = forced ?? colorMode { return m }
        if let v = environment["DSH_COLOR"], let m = try? ColorMode(argument: v) { return m }
        guard stdoutIsTerminal else { return nil }
        return ColorMode.detect(environment: environment, isTTY: true)
    }

    /// The one-line stand-in for an image off a terminal: `<image 32×32 RGB>`.
    static func placeholder(_ image: Image) -> String {
        "<image \(image.width)×\(image.height) \(image.mode.rawValue)>"
    }

    /// Draws images (one alone, several as a captioned row), or writes their placeholders.
    func show(_ images: [Image], captions: [String] = [], widthCells: Int? = nil, heightCells: Int? = nil,
              mode forced: ColorMode? = nil) throws {
        guard !images.isEmpty else { return }
        guard let mode = drawMode(forced) else {
            var text = ""
            for (i, img) in images.enumerated() {
                let cap = i < captions.count && !captions[i].isEmpty ? captions[i] + ": " : ""
                text += cap + ImagingSession.placeholder(img) + "\n"
            }
            console.write(text)
            return
        }
        try bridgedImaging {
            if images.count == 1 && captions.isEmpty {
                try console.show(images[0], widthCells: widthCells, heightCells: heightCells, mode: mode)
            } else {
                try console.showRow(images, captions: captions, tileColumns: widthCells, mode: mode)
            }
        }
    }

    /// The drawing of `images` for a live (redrawn in place) display, and its height in lines.
    func liveRendering(_ images: [Image], captions: [String], widthCells: Int?, mode forced: ColorMode?) throws
        -> (text: String, lines: Int) {
        guard let mode = drawMode(forced) else {
            let text = images.enumerated().map { i, img in
                (i < captions.count && !captions[i].isEmpty ? captions[i] + ": " : "") + ImagingSession.placeholder(img) + "\n"
            }.joined()
            return (text, images.count)
        }
        return try bridgedImaging {
            try Filmstrip(renderer: console.renderer(mode: mode)).render(images, captions: captions, tileColumns: widthCells)
        }
    }

    /// Writes text to standard output, keeping progress bars intact.
    func write(_ text: String) { console.write(text) }
}

/// A `TextSink` over one of an interpreter's output closures (read at each write, so an embedder
/// may replace them).
final class InterpreterSink: TextSink, @unchecked Sendable {
    weak var interpreter: Interpreter?
    let fd: Int32
    var isTerminal: Bool
    var fixedColumns: Int?

    init(_ interp: Interpreter, fd: Int32) {
        interpreter = interp
        self.fd = fd
        isTerminal = isatty(fd) != 0
    }

    func write(_ text: String) {
        guard let interp = interpreter else { return }
        if fd == 2 { interp.stderr(text) } else { interp.stdout(text) }
    }

    var columns: Int? {
        if let c = fixedColumns { return c }
        guard isTerminal else { return nil }
        return TerminalSize.current(fd: fd, environment: ProcessInfo.processInfo.environment).columns
    }
}

// MARK: errors

extension PyException {
    /// PIL's `UnidentifiedImageError` (an `OSError`): a file that is not an image dsh can read.
    static let unidentifiedImageErrorType: PyType = {
        let t = make("UnidentifiedImageError", osErrorType)
        t.moduleName = "PIL"
        return t
    }()

    /// The Python exception for an Imaging error: OS errors keep their errno and path
    /// (`FileNotFoundError: [Errno 2] No such file or directory: 'x.png'`), unreadable files are
    /// `UnidentifiedImageError`, bad arguments `ValueError`.
    static func fromImaging(_ error: Error, path: String? = nil) -> PyException {
        guard let e = error as? ImagingError else { return PyException.from(error) }
        switch e.kind {
        case .io:
            guard let code = e.errno, let path else { return .osError(e.message) }
            if code == ENOENT { return .fileNotFound(path) }
            let type: PyType
            switch code {
            case EISDIR: type = isADirectoryErrorType
            case EEXIST: type = fileExistsErrorType
            default: type = osErrorType
            }
            let reason = String(cString: strerror(code))
            let x = PyException(type, [.int(Int(code)), .str(reason)])
            x.extraAttributes["filename"] = .str(path)
            x.extraAttributes["errno"] = .int(Int(code))
            x.extraAttributes["strerror"] = .str(reason)
            x.fileNameForMessage = path
            return x
        case .format: return PyException(unidentifiedImageErrorType, e.message)
        case .value: return .valueError(e.message)
        }
    }
}

/// Runs Imaging code, turning its errors into Python exceptions (naming `path` for file errors).
@inline(__always)
func bridgedImaging<R>(path: String? = nil, _ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw PyException.fromImaging(error, path: path) }
}
