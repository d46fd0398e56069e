import Foundation
import Script

// dsh — the diffusion shell. See `dsh --help`.

let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    writeErr("usage: dsh [option] ... [-c cmd | file | -] [arg] ...\ndsh: error: \(error)\nTry `dsh -h' for more information.\n")
    exit(2)
}

if let color = options.color { setenv("DSH_COLOR", color, 1) }

switch options.mode {
case .help:
    writeOut(Options.usage + "\n")
    exit(0)
case .version:
    writeOut(Version.report() + "\n")
    exit(0)
default:
    break
}

let interpreter = Interpreter(argv: options.argv)
Interrupts.shared.onInterrupt = { interpreter.requestInterrupt() }
Interrupts.shared.install()
let runner = Runner(interpreter: interpreter, style: Style.detect(fd: STDERR_FILENO))

var status: Int32 = 0
switch options.mode {
case .script(let path):
    guard let data = FileManager.default.contents(atPath: path) else {
        let why = FileManager.default.fileExists(atPath: path) ? "Permission denied" : "No such file or directory"
        writeErr("dsh: can't open file '\(path)': [Errno 2] \(why)\n")
        exit(2)
    }
    guard let source = String(data: data, encoding: .utf8) else {
        writeErr("dsh: can't read '\(path)': the file is not UTF-8 text\n")
        exit(2)
    }
    status = runner.run(source: source, filename: path, presentation: options.presentation)
case .command(let code):
    status = runner.run(source: code, filename: "<string>", presentation: options.presentation)
case .stdin:
    let data = FileHandle.standardInput.readDataToEndOfFile()
    status = runner.run(source: String(decoding: data, as: UTF8.self), filename: "<stdin>", presentation: options.presentation)
case .repl:
    let repl = REPL(interpreter: interpreter, style: Style.detect(fd: STDOUT_FILENO))
    exit(repl.run(banner: isatty(STDIN_FILENO) != 0))
case .help, .version:
    break
}

if options.interactiveAfter {
    let repl = REPL(interpreter: interpreter, style: Style.detect(fd: STDOUT_FILENO))
    exit(repl.run(banner: false))
}
exit(status)
