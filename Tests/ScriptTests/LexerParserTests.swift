import Testing
@testable import Script

@Suite("Lexer")
struct LexerTests {
    @Test func indentationTokens() throws {
        let toks = try Lexer.tokenize("if x:\n    y = 1\nz\n").map(\.kind)
        #expect(toks.contains(.indent))
        #expect(toks.contains(.dedent))
        #expect(toks.last == .eof)
    }

    @Test func numbersAndStrings() throws {
        let toks = try Lexer.tokenize("0x1F 1_000 2.5e3 'a\\n' r'a\\n'").map(\.kind)
        #expect(toks[0] == .int(31))
        #expect(toks[1] == .int(1000))
        #expect(toks[2] == .float(2500))
        if case .string(let s, _, _, _) = toks[3] { #expect(s == "a\n") } else { Issue.record("not a string") }
        if case .string(let s, _, _, _) = toks[4] { #expect(s == "a\\n") } else { Issue.record("not a string") }
    }

    @Test func bracketsJoinLines() throws {
        let toks = try Lexer.tokenize("f(1,\n  2)\n").map(\.kind)
        #expect(toks.filter { $0 == .newline }.count == 1)
    }

    @Test func unterminatedString() {
        #expect(throws: SyntaxErrorInfo.self) { try Lexer.tokenize("x = 'abc\n") }
    }

    @Test func tokenLocations() throws {
        let toks = try Lexer.tokenize("a = 1\n  \nbb\n")
        let bb = toks.first { $0.kind == .name("bb") }
        #expect(bb?.range.start == SourceLocation(line: 3, column: 0))
    }
}

@Suite("Parser")
struct ParserTests {
    @Test func precedence() throws {
        let stmts = try Parser.parse("x = 1 + 2 * 3 ** 2")
        guard case .assign(_, let value) = stmts[0].kind, case .binary(.add, _, let rhs) = value.kind,
              case .binary(.mul, _, let pow) = rhs.kind, case .binary(.pow, _, _) = pow.kind else {
            Issue.record("wrong tree"); return
        }
    }

    @Test func unaryMinusBindsLooserThanPower() throws {
        #expect(output("print(-2 ** 2)") == "-4\n")
    }

    @Test func compoundStatements() throws {
        let src = """
        def f(a, b=2, *args, c, **kw):
            for i, x in enumerate(a):
                if i % 2 == 0:
                    continue
            with open('x') as fh:
                pass
            try:
                pass
            except (ValueError, TypeError) as e:
                raise
            finally:
                pass
            return [y for y in a if y]
        """
        let stmts = try Parser.parse(src)
        guard case .def(let name, let params, let body, _) = stmts[0].kind else { Issue.record("not a def"); return }
        #expect(name == "f")
        #expect(params.positional.count == 2)
        #expect(params.varArgs == "args")
        #expect(params.keywordOnly.map(\.name) == ["c"])
        #expect(params.varKeywords == "kw")
        #expect(body.count == 4)
    }

    @Test func nodesCarryLocations() throws {
        let stmts = try Parser.parse("a = 1\nprint(a.b)\n")
        #expect(stmts[1].range.start.line == 2)
        guard case .expr(let call) = stmts[1].kind, case .call(_, let args) = call.kind, case .positional(let attr) = args[0] else {
            Issue.record("wrong tree"); return
        }
        #expect(attr.range.start.column == 6)
        #expect(attr.range.end.column == 9)
    }

    @Test func syntaxErrors() {
        for src in ["x = ", "if x\n  pass", "def f(:\n", "(1, 2", "x = [1, 2", "a b", "return 5", "class A: pass", "1 = x", "f(x=1, 2)"] {
            #expect(throws: SyntaxErrorInfo.self, "\(src)") { try Parser.parse(src) }
        }
    }

    @Test func deepNestingIsASyntaxErrorNotACrash() {
        let src = String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300)
        let r = runScript(src)
        #expect(r.error?.typeName == "SyntaxError")
        let deepList = String(repeating: "[", count: 250) + String(repeating: "]", count: 250)
        #expect(runScript(deepList).error?.typeName == "SyntaxError")
        let longSum = "x = " + Array(repeating: "1", count: 5000).joined(separator: " + ")
        let r2 = runScript(longSum + "\nprint(x)")
        #expect(r2.out == "5000\n" || r2.error?.typeName == "SyntaxError")
    }

    @Test func fstringFields() throws {
        let stmts = try Parser.parse("f'{x!r:>{w}} {y=}'")
        guard case .expr(let e) = stmts[0].kind, case .fstring(let parts) = e.kind else { Issue.record("not an f-string"); return }
        #expect(parts.count == 3)
    }
}
