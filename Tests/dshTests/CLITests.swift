import Foundation
import Testing

/// dsh run as a user runs it: scripts, -c, errors, exit statuses.
@Suite("Command line")
struct CLITests {
    @Test("dsh -c runs code and prints")
    func command() throws {
        let r = try DSH.run(["-c", "x = 6 * 7\nprint(x, 'ok')"])
        #expect(r.status == 0)
        #expect(r.stdout == "42 ok\n")
    }

    @Test("a script gets its arguments in sys.argv")
    func scriptArguments() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("args.dsh")
        try "import sys\nprint(sys.argv[1:])\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try DSH.run([script.path, "a", "--b"])
        #expect(r.status == 0)
        #expect(r.stdout == "['a', '--b']\n")
    }

    @Test("an uncaught exception prints a traceback and exits 1")
    func traceback() throws {
        let r = try DSH.run(["-c", "a = 1\nb = a + nope\n"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("Traceback (most recent call last):"))
        #expect(r.stderr.contains("line 2"))
        #expect(r.stderr.contains("NameError: name 'nope' is not defined"))
    }

    @Test("a missing script file is reported with status 2")
    func missingFile() throws {
        let r = try DSH.run(["/nonexistent/walkthrough.dsh"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("can't open file '/nonexistent/walkthrough.dsh'"))
    }

    @Test("an unknown option or bad --color value is a usage error")
    func usageErrors() throws {
        let a = try DSH.run(["--frobnicate"])
        #expect(a.status == 2)
        #expect(a.stderr.contains("unknown option --frobnicate"))
        let b = try DSH.run(["--color=purple", "-c", "pass"])
        #expect(b.status == 2)
        #expect(b.stderr.contains("--color must be one of"))
    }

    @Test("--version names the BLAS kernel, the threads and dsh's own kernels")
    func version() throws {
        let r = try DSH.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("dsh "))
        #expect(r.stdout.contains("kernel"))
        #expect(r.stdout.contains("threads"))
        #expect(r.stdout.contains("dsh kernels: "))
        let off = try DSH.run(["--version"], environment: ["DSH_AVX512": "0"])
        #expect(off.stdout.contains("dsh kernels: portable"))
    }

    @Test("--echo prints statements with prompts and echoes values")
    func echo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-echo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("t.dsh")
        try "# narration\nx = 2\nx * 21\nfor i in range(2):\n    print(i)\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try DSH.run(["--echo", script.path])
        #expect(r.status == 0)
        #expect(r.stdout == "# narration\n>>> x = 2\n>>> x * 21\n42\n>>> for i in range(2):\n...     print(i)\n...\n0\n1\n")
    }

    @Test("a transcript with >>> prompts runs as code; its output lines are skipped")
    func transcriptScript() throws {
        let r = try DSH.run(["-"], stdin: ">>> a = [1, 2]\n>>> len(a)\n2\n>>> for v in a:\n...     print(v * 10)\n\n...     print('again')\n")
        #expect(r.status == 0)
        #expect(r.stdout == "10\nagain\n20\nagain\n")
    }
}
