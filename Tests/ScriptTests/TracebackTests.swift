import Testing
@testable import Script

@Suite("Tracebacks")
struct TracebackTests {
    @Test func nameErrorWithSuggestion() {
        let r = runScript("value = 1\nprint(valeu)\n", filename: "x.dsh")
        #expect(r.error?.traceback == """
        Traceback (most recent call last):
          File "x.dsh", line 2, in <module>
            print(valeu)
                  ^^^^^
        NameError: name 'valeu' is not defined. Did you mean: 'value'?

        """)
    }

    @Test func errorInsideFunction() {
        let src = """
        def divide(a, b):
            return a / b

        print(divide(1, 0))
        """
        let r = runScript(src, filename: "x.dsh")
        #expect(r.error?.traceback == """
        Traceback (most recent call last):
          File "x.dsh", line 4, in <module>
            print(divide(1, 0))
                  ^^^^^^^^^^^^
          File "x.dsh", line 2, in divide
            return a / b
                   ^^^^^
        ZeroDivisionError: division by zero

        """)
    }

    @Test func typeErrorMessage() {
        let r = runScript("x = 1 + 'a'\n", filename: "t.dsh")
        #expect(r.error?.typeName == "TypeError")
        #expect(r.error?.traceback.hasSuffix("TypeError: unsupported operand type(s) for +: 'int' and 'str'\n") == true)
        #expect(r.error?.traceback.contains("    x = 1 + 'a'\n        ^^^^^^^\n") == true)
    }

    @Test func attributeSuggestion() {
        let r = runScript("a = [1]\na.apend(2)\n")
        #expect(r.error?.traceback.hasSuffix("AttributeError: 'list' object has no attribute 'apend'. Did you mean: 'append'?\n") == true)
    }

    @Test func syntaxErrorShowsLocation() {
        let r = runScript("x = 1\ny = (2 +\n", filename: "s.dsh")
        #expect(r.error?.typeName == "SyntaxError")
        #expect(r.error?.traceback.contains("File \"s.dsh\", line 2") == true)
        #expect(r.error?.traceback.contains("(s.dsh:2:5)") == true)
        #expect(r.error?.traceback.contains("^") == true)
    }

    @Test func chainedExceptions() {
        let src = "try:\n    1/0\nexcept ZeroDivisionError as e:\n    raise ValueError('bad') from e\n"
        let tb = runScript(src).error?.traceback ?? ""
        #expect(tb.contains("ZeroDivisionError: division by zero"))
        #expect(tb.contains("The above exception was the direct cause of the following exception:"))
        #expect(tb.hasSuffix("ValueError: bad\n"))
    }

    @Test func keyErrorShowsRepr() {
        #expect(runScript("{}['k']").error?.traceback.hasSuffix("KeyError: 'k'\n") == true)
    }
}
