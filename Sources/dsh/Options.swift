/// What the command line asked for. dsh's command line follows python's: options first, then a
/// script (or `-c CODE`), then the script's own arguments, which dsh does not interpret.
struct Options: Equatable {
    enum Mode: Equatable {
        case repl
        case script(path: String)
        case command(code: String)
        case stdin
        case help
        case version
    }
    enum Presentation: Equatable {
        case plain      // run the script
        case echo       // print each top-level statement with its prompt and result (a transcript)
        case step       // show each statement and wait for Enter before running it
    }

    var mode: Mode = .repl
    var presentation: Presentation = .plain
    /// `-i`: open the REPL after the script, with its variables.
    var interactiveAfter = false
    /// `--color=MODE`: how images are drawn (also `DSH_COLOR`).
    var color: String?
    /// `sys.argv` for the script: the script path (or `-c`) and the arguments after it.
    var argv: [String] = [""]

    static let colorModes = ["auto", "truecolor", "256", "16", "none", "kitty", "iterm", "sixel"]

    static let usage = """
    usage: dsh [option] ... [-c cmd | file | -] [arg] ...
    The diffusion shell: a Python-subset REPL for exploring diffusion models.

    Options:
      -c CODE          run CODE (statements separated by newlines or ';')
      -i               after running the script or command, open the REPL with its variables
      --echo           print each top-level statement with its >>> prompt and its result, as a transcript
      --step           show each statement and wait for Enter before running it (for teaching live)
      --color=MODE     how images are drawn: auto, truecolor, 256, 16, none, kitty, iterm, sixel
                       (also DSH_COLOR; NO_COLOR turns colour off)
      -V, --version    print the version, the BLAS kernel and thread count
      -h, --help       print this help

    With no file, dsh starts the REPL (history in ~/.dsh_history, Tab completes, Ctrl-C stops running code,
    Ctrl-D exits). `file` may have any name (.dsh or .py); `-` reads the program from standard input.
    """

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value(for flag: String) throws -> String {
            i += 1
            guard i < arguments.count else { throw UsageError("option \(flag) requires an argument") }
            return arguments[i]
        }
        while i < arguments.count {
            let a = arguments[i]
            switch a {
            case "-h", "--help": o.mode = .help; return o
            case "-V", "--version": o.mode = .version; return o
            case "-i": o.interactiveAfter = true
            case "--echo": o.presentation = .echo
            case "--step": o.presentation = .step
            case "-c":
                let code = try value(for: "-c")
                o.mode = .command(code: code)
                o.argv = ["-c"] + arguments[(i + 1)...]
                return try o.validated()
            case "-":
                o.mode = .stdin
                o.argv = ["-"] + arguments[(i + 1)...]
                return try o.validated()
            case "--color":
                o.color = try value(for: "--color")
            default:
                if a.hasPrefix("--color=") {
                    o.color = String(a.dropFirst("--color=".count))
                } else if a.hasPrefix("-c") && a.count > 2 {
                    o.mode = .command(code: String(a.dropFirst(2)))
                    o.argv = ["-c"] + arguments[(i + 1)...]
                    return try o.validated()
                } else if a.hasPrefix("-") && a != "-" {
                    throw UsageError("unknown option \(a)")
                } else {
                    o.mode = .script(path: a)
                    o.argv = Array(arguments[i...])
                    return try o.validated()
                }
            }
            i += 1
        }
        return try o.validated()
    }

    func validated() throws -> Options {
        if let c = color, !Options.colorModes.contains(c) {
            throw UsageError("--color must be one of \(Options.colorModes.joined(separator: ", ")), not '\(c)'")
        }
        if presentation != .plain, case .repl = mode {
            throw UsageError("--echo and --step need a script file")
        }
        return self
    }
}

/// A command-line mistake; dsh prints it with the usage line and exits with status 2, as python does.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
