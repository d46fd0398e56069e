#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How images are drawn in a terminal.
public enum ColorMode: String, Sendable, CaseIterable {
    /// Half-block cells with 24-bit colours.
    case truecolor
    /// Half-block cells with the xterm 256-colour palette (6×6×6 cube and grey ramp).
    case ansi256 = "256"
    /// Half-block cells with the 16 basic ANSI colours.
    case ansi16 = "16"
    /// Plain text: one ASCII character per cell by brightness, no escape sequences.
    case none
    /// The kitty graphics protocol (carries a PNG).
    case kitty
    /// iTerm2 inline images (carries a PNG).
    case iterm
    /// DEC sixel graphics, 256 colours.
    case sixel

    /// Parses a `--color=` / `DSH_COLOR` value. `auto` (or an empty string) gives nil, meaning
    /// "detect". Accepted spellings: `truecolor`/`24bit`, `256`, `16`, `none`/`never`/`plain`/`off`,
    /// `kitty`, `iterm`/`iterm2`, `sixel`.
    public init?(argument: String) throws {
        switch argument.lowercased() {
        case "", "auto": return nil
        case "truecolor", "24bit", "24-bit", "rgb", "always": self = .truecolor
        case "256", "ansi256", "8bit": self = .ansi256
        case "16", "ansi16", "ansi": self = .ansi16
        case "none", "never", "plain", "off", "no", "text": self = .none
        case "kitty": self = .kitty
        case "iterm", "iterm2": self = .iterm
        case "sixel": self = .sixel
        default:
            throw imagingValueError("invalid colour mode '\(argument)' (expected auto, truecolor, 256, 16, none, kitty, iterm or sixel)")
        }
    }

    /// True for the modes that draw with half-block characters or plain text (one pixel per
    /// cell column); false for the pixel protocols.
    public var isCellBased: Bool {
        switch self {
        case .truecolor, .ansi256, .ansi16, .none: return true
        case .kitty, .iterm, .sixel: return false
        }
    }

    /// The mode for a terminal, in this order: `DSH_COLOR` (unless `auto` or invalid);
    /// `NO_COLOR` set and non-empty → `.none`; not a terminal → `.none`; kitty
    /// (`KITTY_WINDOW_ID`, `TERM=xterm-kitty`) → `.kitty`; `TERM_PROGRAM` `iTerm.app` or
    /// `WezTerm` → `.iterm`; `COLORTERM` `truecolor`/`24bit` → `.truecolor`; `TERM` with
    /// `256color` → `.ansi256`; `TERM` `dumb` or unset → `.none`; otherwise `.ansi16`.
    public static func detect(environment env: [String: String], isTTY: Bool) -> ColorMode {
        if let v = env["DSH_COLOR"], let m = try? ColorMode(argument: v) { return m }
        if let v = env["NO_COLOR"], !v.isEmpty { return .none }
        if !isTTY { return .none }
        let term = env["TERM"] ?? ""
        if env["KITTY_WINDOW_ID"] != nil || term == "xterm-kitty" { return .kitty }
        if let p = env["TERM_PROGRAM"], p == "iTerm.app" || p == "WezTerm" { return .iterm }
        if let c = env["COLORTERM"]?.lowercased(), c == "truecolor" || c == "24bit" { return .truecolor }
        if term.contains("256color") { return .ansi256 }
        if term.isEmpty || term == "dumb" { return .none }
        return .ansi16
    }
}

/// The size of a terminal.
public struct TerminalSize: Equatable, Sendable {
    /// Width in cells.
    public var columns: Int
    /// Height in cells.
    public var rows: Int
    /// Pixel size of one cell when the terminal reports it (TIOCGWINSZ), else nil.
    public var cellPixels: (width: Int, height: Int)?

    /// A size in cells, with the cell's pixel size when known.
    public init(columns: Int, rows: Int, cellPixels: (width: Int, height: Int)? = nil) {
        self.columns = columns
        self.rows = rows
        self.cellPixels = cellPixels
    }

    /// Equal sizes and cell sizes.
    public static func == (a: TerminalSize, b: TerminalSize) -> Bool {
        a.columns == b.columns && a.rows == b.rows && a.cellPixels?.width == b.cellPixels?.width
            && a.cellPixels?.height == b.cellPixels?.height
    }

    /// The size of the terminal on `fd` (TIOCGWINSZ); else `COLUMNS`/`LINES` from the
    /// environment; else 80×24.
    public static func current(fd: Int32 = 1, environment env: [String: String] = [:]) -> TerminalSize {
        var ws = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 {
            let cell: (Int, Int)? = ws.ws_xpixel > 0 && ws.ws_ypixel > 0 && ws.ws_row > 0
                ? (Int(ws.ws_xpixel) / Int(ws.ws_col), Int(ws.ws_ypixel) / Int(ws.ws_row)) : nil
            return TerminalSize(columns: Int(ws.ws_col), rows: Int(ws.ws_row), cellPixels: cell)
        }
        let cols = env["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 80
        let rows = env["LINES"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 24
        return TerminalSize(columns: cols, rows: rows)
    }
}

/// Whether `fd` is a terminal.
public func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }
