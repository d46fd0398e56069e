import Foundation
@testable import Script

/// Runs a script and returns (stdout, stderr, error).
func runScript(_ source: String, filename: String = "test.dsh", budget: Int? = nil) -> (out: String, err: String, error: ScriptError?) {
    final class Sink: @unchecked Sendable { var text = "" }
    let out = Sink(), err = Sink()
    let interp = Interpreter(argv: [filename], stdout: { out.text += $0 }, stderr: { err.text += $0 })
    interp.instructionBudget = budget
    do {
        try interp.run(source: source, filename: filename)
        return (out.text, err.text, nil)
    } catch let e as ScriptError {
        return (out.text, err.text, e)
    } catch {
        return (out.text, err.text, ScriptError(typeName: "Swift", message: "\(error)", traceback: "\(error)", exitCode: nil, exception: nil))
    }
}

/// Output of a script that must succeed (the traceback text otherwise).
func output(_ source: String) -> String {
    let r = runScript(source)
    if let e = r.error { return r.out + e.traceback }
    return r.out
}

let conformanceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Conformance")
