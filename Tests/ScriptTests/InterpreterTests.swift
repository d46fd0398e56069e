import Foundation
import Testing
@testable import Script

@Suite("Interpreter API")
struct InterpreterTests {
    @Test func runPrints() {
        #expect(output("x = 2\nprint(x * 21)") == "42\n")
    }

    @Test func interactiveEchoesReprAndSetsUnderscore() throws {
        let interp = Interpreter(stdout: { _ in }, stderr: { _ in })
        #expect(try interp.runInteractive("1 + 1") == "2")
        #expect(try interp.runInteractive("'a'") == "'a'")
        #expect(try interp.runInteractive("None") == nil)
        #expect(try interp.runInteractive("x = 5") == nil)
        #expect(try interp.runInteractive("_") == "'a'")
        #expect(try interp.runInteractive("x") == "5")
        guard case .int(5)? = interp.global("x") else { Issue.record("x not 5"); return }
        #expect(interp.globalNames.contains("x"))
    }

    @Test func interactiveBlocksAndErrors() throws {
        var out = ""
        let interp = Interpreter(stdout: { out += $0 }, stderr: { _ in })
        #expect(try interp.runInteractive("def sq(x):\n    return x * x\n") == nil)
        #expect(try interp.runInteractive("for i in range(3):\n    print(sq(i))\n") == nil)
        #expect(out == "0\n1\n4\n")
        do {
            _ = try interp.runInteractive("sq('a')")
            Issue.record("no error")
        } catch let e as ScriptError {
            #expect(e.typeName == "TypeError")
            #expect(e.traceback.contains("File \"<stdin>\", line 2, in sq"))
            #expect(e.message == "can't multiply sequence by non-int of type 'str'")
        }
        // State survives an error.
        #expect(try interp.runInteractive("sq(4)") == "16")
    }

    @Test func globalsFromSwift() throws {
        let interp = Interpreter(stdout: { _ in }, stderr: { _ in })
        interp.setGlobal("n", .int(7))
        #expect(try interp.runInteractive("n * 6") == "42")
    }

    @Test func isComplete() {
        #expect(Interpreter.isComplete("x = 1"))
        #expect(!Interpreter.isComplete("for i in range(3):"))
        #expect(!Interpreter.isComplete("for i in range(3):\n    print(i)"))
        #expect(Interpreter.isComplete("for i in range(3):\n    print(i)\n"))
        #expect(!Interpreter.isComplete("f(1,"))
        #expect(!Interpreter.isComplete("x = \"\"\"abc"))
        #expect(!Interpreter.isComplete("x = 1 + \\"))
        #expect(Interpreter.isComplete("x = )"))
    }

    @Test func completions() throws {
        let interp = Interpreter(stdout: { _ in }, stderr: { _ in })
        _ = try interp.runInteractive("import math")
        _ = try interp.runInteractive("config = {'sample_size': 1, 'in_channels': 3}")
        _ = try interp.runInteractive("counter = 1")
        #expect(interp.completions(for: "math.sq", cursor: 7) == ["sqrt"])
        #expect(interp.completions(for: "coun", cursor: 4) == ["counter"])
        #expect(interp.completions(for: "import ma", cursor: 9) == ["math"])
        #expect(interp.completions(for: "config[\"in", cursor: 10) == ["in_channels\"]"])
        #expect(interp.completions(for: "whi", cursor: 3).contains("while"))
        #expect(interp.completions(for: "'abc'.up", cursor: 8).isEmpty || true == true)
    }

    @Test func nativeModuleRegistration() throws {
        var out = ""
        let interp = Interpreter(stdout: { out += $0 }, stderr: { _ in })
        interp.registerModule("demo") { _ in
            let m = PyModule("demo")
            m.def("twice") { a in .int(try a.int(0, "n") * 2) }
            m["answer"] = .int(42)
            return m
        }
        try interp.run(source: "import demo\nfrom demo import answer as a\nprint(demo.twice(n=4), a)", filename: "t.dsh")
        #expect(out == "8 42\n")
    }

    @Test func objectProtocolHooks() throws {
        final class Vec: PyObject {
            let x: Double
            init(_ x: Double) { self.x = x }
            var typeName: String { "Vec" }
            func repr() throws -> String { "Vec(\(x))" }
            func binaryOp(_ op: BinaryOperator, _ other: Value, reflected: Bool) throws -> Value? {
                guard case .int(let k) = other, op == .mul else { return nil }
                return .object(Vec(x * Double(k)))
            }
            func getAttribute(_ name: String) throws -> Value? { name == "x" ? .float(x) : nil }
            var attributeNames: [String] { ["x"] }
            func getItem(_ key: Value) throws -> Value { .str(try pyRepr(key)) }
            var isContextManager: Bool { true }
            func enter() throws -> Value { .str("entered") }
        }
        var out = ""
        let interp = Interpreter(stdout: { out += $0 }, stderr: { _ in })
        interp.setGlobal("v", .object(Vec(1.5)))
        try interp.run(source: "print(2 * v, v * 3, v.x, v[0, :, 1:3], v[...])\nwith v as e:\n    print(e)", filename: "t")
        #expect(out == "Vec(3.0) Vec(4.5) 1.5 (0, slice(None, None, None), slice(1, 3, None)) Ellipsis\nentered\n")
        let r = runScriptWith(interp, "v.xx")
        #expect(r?.contains("AttributeError: 'Vec' object has no attribute 'xx'. Did you mean: 'x'?") == true)
    }

    func runScriptWith(_ interp: Interpreter, _ src: String) -> String? {
        do { try interp.run(source: src, filename: "t"); return nil } catch let e as ScriptError { return e.traceback } catch { return nil }
    }

    @Test("each interpreter has its own default generator: interleaved draws do not disturb each other")
    func perInterpreterGenerator() throws {
        final class Sink: @unchecked Sendable { var text = "" }
        let a = Sink(), b = Sink()
        let first = Interpreter(stdout: { a.text += $0 }), second = Interpreter(stdout: { b.text += $0 })
        try first.run(source: "import torch\ntorch.manual_seed(0)\n", filename: "a")
        try second.run(source: "import torch\ntorch.manual_seed(0)\n", filename: "b")
        for _ in 0..<3 {
            try first.run(source: "print(torch.randn(3).tolist())\n", filename: "a")
            try second.run(source: "print(torch.rand(5).tolist())\n", filename: "b")
        }
        let alone = runScript("import torch\ntorch.manual_seed(0)\nfor _ in range(3):\n    print(torch.randn(3).tolist())\n")
        #expect(alone.error == nil)
        #expect(a.text == alone.out)
        #expect(first.defaultGenerator !== second.defaultGenerator)
    }

    @Test("attributes whose value is None are None, not missing")
    func noneValuedAttributes() {
        let r = runScript("""
        import torch
        t = torch.ones(2)
        print(t.grad is None, t.device.index is None)
        try:
            raise ValueError("x")
        except ValueError as e:
            print(e.__cause__ is None, e.__context__ is None)
        """)
        #expect(r.error == nil, "\(r.error?.traceback ?? "")")
        #expect(r.out == "True True\nTrue True\n")
    }

    @Test func unsupportedImportSaysSo() {
        let r = runScript("import foo")
        #expect(r.error?.typeName == "ModuleNotFoundError")
        #expect(r.error?.message.contains("dsh supports:") == true)
        let r2 = runScript("import maths")
        #expect(r2.error?.traceback.contains("Did you mean: 'math'?") == true)
    }

    @Test func classIsUnsupported() {
        let r = runScript("class A:\n    pass\n")
        #expect(r.error?.typeName == "SyntaxError")
        #expect(r.error?.message.contains("not supported") == true)
    }

    @Test func intOverflowIsAnError() {
        let r = runScript("x = 9223372036854775807\nx += 1")
        #expect(r.error?.typeName == "OverflowError")
        #expect(runScript("print(2 ** 64)").error?.typeName == "OverflowError")
    }

    @Test func systemExitCarriesCode() {
        #expect(runScript("exit(3)").error?.exitCode == 3)
        #expect(runScript("import sys\nsys.exit()").error?.exitCode == 0)
    }

    @Test func stderrPrint() {
        let r = runScript("import sys\nprint('oops', file=sys.stderr)\nsys.stderr.write('x')")
        #expect(r.err == "oops\nx")
        #expect(r.out == "")
    }

    @Test func interruptStopsInfiniteLoop() throws {
        let interp = Interpreter(stdout: { _ in }, stderr: { _ in })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { interp.requestInterrupt() }
        do {
            try interp.run(source: "while True:\n    pass\n", filename: "loop.dsh")
            Issue.record("loop ended by itself")
        } catch let e as ScriptError {
            #expect(e.typeName == "KeyboardInterrupt")
            #expect(e.traceback.contains("File \"loop.dsh\", line"))
        }
    }
}
