import Foundation
import Testing

/// The REPL driven through a pseudo-terminal, the way a person uses it.
@Suite("REPL on a terminal", .serialized)
struct REPLTests {
    @Test("echoes results, runs multi-line blocks, and exits on Ctrl-D")
    func basics() throws {
        let s = try PTYSession([])
        #expect(s.expect(">>> "))
        s.send("x = 6 * 7\r")
        s.send("x\r")
        #expect(s.expect("42"))
        s.send("for i in range(3):\r")
        #expect(s.expect("... "))
        s.send("    print(i * 10)\r\r")
        #expect(s.expect("20"))
        s.waitForPrompt()
        s.send("\u{4}")
        #expect(s.wait() == 0)
    }

    @Test("Ctrl-C stops a running loop and keeps the variables")
    func interruptKeepsSession() throws {
        let s = try PTYSession([])
        #expect(s.expect(">>> "))
        s.send("kept = 'still here'\r")
        s.send("n = 0\r")
        s.waitForPrompt()
        s.send("while True: n += 1\r")
        #expect(s.expect("while True: n += 1\r\n"))   // accepted; running, or about to
        Thread.sleep(forTimeInterval: 0.5)
        s.interrupt()
        #expect(s.expect("KeyboardInterrupt"))
        s.send("kept, n >= 0\r")
        #expect(s.expect("('still here', True)"))
        s.waitForPrompt()
        s.send("\u{4}")
        let status = s.wait()
        #expect(status == 0, "transcript: \(s.transcript.debugDescription)")
    }

    @Test("Ctrl-C at the prompt abandons the line")
    func interruptAtPrompt() throws {
        let s = try PTYSession([])
        #expect(s.expect(">>> "))
        s.send("this is not run")
        Thread.sleep(forTimeInterval: 0.2)
        s.interrupt()
        #expect(s.expect("KeyboardInterrupt"))
        s.send("1 + 1\r")
        #expect(s.expect("\r2\r\n"))   // the result line, not a "2" in the banner
        #expect(!s.transcript.contains("SyntaxError"))
        s.waitForPrompt()
        s.send("\u{4}")
        #expect(s.wait() == 0)
    }

    @Test("Tab completes attribute names")
    func completion() throws {
        let s = try PTYSession([])
        #expect(s.expect(">>> "))
        s.send("import torch\r")
        s.send("t = torch.ones(2)\r")
        s.send("t.unsq\t")
        #expect(s.expect("t.unsqueeze"))
        s.send("(0).shape\r")
        #expect(s.expect("torch.Size([1, 2])"))
        s.waitForPrompt()
        s.send("\u{4}")
        #expect(s.wait() == 0)
    }

    @Test("pasted >>> transcripts run, their output lines are skipped")
    func pastedPrompts() throws {
        let s = try PTYSession([])
        #expect(s.expect(">>> "))
        s.send(">>> a = [1, 2, 3]\r")
        s.send(">>> sum(a)\r")
        #expect(s.expect("\r6\r\n"))
        s.send("6\r")
        s.send(">>> len(a)\r")
        #expect(s.expect("\r3\r\n"))
        #expect(!s.transcript.contains("SyntaxError"))
        s.waitForPrompt()
        s.send("\u{4}")
        #expect(s.wait() == 0)
    }

    @Test("history persists between sessions")
    func history() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-hist-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            let s = try PTYSession([], environment: ["DSH_HISTFILE": file])
            #expect(s.expect(">>> "))
            s.send("remembered = 123\r")
            s.waitForPrompt()
            s.send("\u{4}")
            #expect(s.wait() == 0)
        }
        let saved = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        #expect(saved.contains("remembered = 123"))
        let s = try PTYSession([], environment: ["DSH_HISTFILE": file])
        #expect(s.expect(">>> "))
        s.send("\u{1B}[A") // up arrow recalls the last line
        #expect(s.expect("remembered = 123"))
        s.send("\r\u{4}")
        #expect(s.wait() == 0)
    }

    @Test("obj? shows type and tensor statistics")
    func inspect() throws {
        let s = try PTYSession([])
        #expect(s.expect(">>> "))
        s.send("import torch\r")
        s.send("x = torch.arange(4.0)\r")
        s.send("x?\r")
        #expect(s.expect("min=0  max=3  mean=1.5"))
        s.waitForPrompt()
        s.send("\u{4}")
        #expect(s.wait() == 0)
    }
}
