import Foundation
import Testing
@testable import Script

@Suite("Robustness")
struct RobustnessTests {
    @Test func deepRecursionIsARecursionError() {
        let r = runScript("def f(n):\n    return f(n + 1)\nf(0)\n")
        #expect(r.error?.typeName == "RecursionError")
        #expect(r.error?.message == "maximum recursion depth exceeded")
    }

    @Test func recursionErrorIsCatchable() {
        let src = "def f(n):\n    return f(n + 1)\ntry:\n    f(0)\nexcept RecursionError:\n    print('caught')\nprint(f.__name__)\n"
        #expect(output(src) == "caught\nf\n")
    }

    @Test func selfReferentialReprAndDeepNesting() {
        #expect(output("a = []\na.append(a)\nprint(a)") == "[[...]]\n")
        let r = runScript("a = []\nfor i in range(100000):\n    a = [a]\nprint(a)\n")
        #expect(r.error?.typeName == "RecursionError")
    }

    @Test func deeplyNestedValuesAreFreedWithoutRecursion() {
        let src = "a = []\nt = ()\nd = {}\nfor i in range(300000):\n    a = [a]\n    t = (t, i)\n    d = {'k': d}\nprint(len(a), len(t), len(d))\n"
        #expect(output(src) == "1 2 1\n")
        let hashDeep = "t = ()\nfor i in range(100000):\n    t = (t,)\nd = {t: 1}\n"
        #expect(runScript(hashDeep).error?.typeName == "RecursionError")
        let eqDeep = "a = []\nb = []\nfor i in range(100000):\n    a = [a]\n    b = [b]\nprint(a == b)\n"
        #expect(runScript(eqDeep).error?.typeName == "RecursionError")
    }

    @Test func hugeAllocationsAreErrors() {
        #expect(runScript("x = 'a' * (10 ** 12)").error?.typeName == "MemoryError")
        #expect(runScript("x = list(range(10 ** 12))").error?.typeName == "MemoryError")
    }

    /// Tensor shapes that are negative or could never fit in memory raise Python errors instead of crashing.
    @Test("impossible tensor shapes are errors, not crashes", arguments: [
        ("torch.zeros(-1)", "RuntimeError"), ("torch.ones(2, -3)", "RuntimeError"), ("torch.randn(-1)", "RuntimeError"),
        ("torch.rand(3, -2)", "RuntimeError"), ("torch.full((-1,), 2.0)", "RuntimeError"),
        ("torch.randint(0, 5, (-2,))", "RuntimeError"), ("torch.empty(10 ** 12)", "RuntimeError"),
        ("torch.zeros(2 ** 40, 2 ** 40)", "RuntimeError"), ("torch.eye(-1)", "RuntimeError"),
        ("torch.arange(0, 1e12)", "RuntimeError"), ("torch.arange(0, 1e20)", "RuntimeError"),
        ("torch.linspace(0, 1, 10 ** 12)", "RuntimeError"), ("x.expand(-2, 3)", "RuntimeError"),
        ("x.expand(10 ** 7, 10 ** 7, 3)", "RuntimeError"), ("x.repeat(-1, 1)", "RuntimeError"),
        ("x.repeat(10 ** 6, 10 ** 6)", "RuntimeError"),
        ("torch.nn.functional.interpolate(x[None, None], scale_factor=1e6)", "RuntimeError"),
        ("torch.nn.functional.interpolate(x[None, None], scale_factor=1e300)", "ValueError"),
        ("torch.nn.functional.pad(x, (10 ** 11, 0))", "RuntimeError"),
        ("np.zeros(-1)", "ValueError"), ("np.ones((10 ** 6, 10 ** 6))", "MemoryError"),
    ])
    func impossibleShapes(_ code: String, _ error: String) {
        let r = runScript("import torch\nimport numpy as np\nx = torch.ones(1, 3)\ny = \(code)\n")
        #expect(r.error?.typeName == error, "\(code): \(r.error?.traceback ?? "no error")")
    }

    @Test func modelBatchesThatCannotFitAreErrors() {
        let setup = "import torch, diffusers\npipe = diffusers.DiffusionPipeline.from_pretrained('dsh/tiny-cats-32')\npipe.set_progress_bar_config(disable=True)\n"
        let r = runScript(setup + "pipe(num_inference_steps=2, batch_size=3 * 10 ** 6)\n")
        #expect(r.error?.typeName == "RuntimeError")
        #expect(r.error?.message.contains("can't allocate memory") == true, "\(r.error?.message ?? "")")
        let m = runScript(setup + "pipe.unet(torch.ones(1, 3, 32, 32).expand(10 ** 6, 3, 32, 32), 10)\n")
        #expect(m.error?.typeName == "RuntimeError")
    }

    @Test func possibleShapesStillWork() {
        #expect(output("import torch\nx = torch.ones(1, 3)\nprint(torch.zeros(0).shape, x.expand(4, -1).shape, x.repeat(2, 2).shape, torch.eye(2, 4).shape)\n")
                == "torch.Size([0]) torch.Size([4, 3]) torch.Size([2, 6]) torch.Size([2, 4])\n")
    }

    /// Valid snippets whose tokens and characters the fuzzer mutates.
    static let seeds = [
        "x = [1, 2, 3]\nfor i, v in enumerate(x):\n    if v % 2 == 0:\n        print(f'{i}: {v:>3}')\n",
        "def f(a, b=2, *args, **kw):\n    return a + b\nprint(f(1), f(1, b=3))\n",
        "d = {'a': 1}\ntry:\n    d['b']\nexcept KeyError as e:\n    print(repr(e))\nfinally:\n    pass\n",
        "s = 'hello world'\nprint(s.split()[::-1], s[1:4], '%s=%d' % ('n', 3))\n",
        "total = 0\nwhile total < 100:\n    total += 7\nelse:\n    print(total)\n",
        "import math\nprint(math.sqrt(2), [y * y for y in range(5) if y])\n",
        "def g(n):\n    return n if n < 2 else g(n - 1) + g(n - 2)\nprint(g(10))\n",
        "a, *b = (1, 2, 3)\nprint(a, b, {k: v for k, v in zip('ab', b)})\n",
        "with open('/tmp/dsh_fuzz_never_exists/x') as f:\n    print(f.read())\n",
        "lam = lambda q: q ** 2\nprint(sorted([3, 1, 2], key=lam, reverse=True), lam(1.5))\n",
    ]

    /// A deterministic pseudo-random generator (SplitMix64).
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ s: String, _ rng: inout SplitMix) -> String {
        var chars = Array(s)
        let pieces = ["(", ")", "[", "]", ":", "\n", "    ", "'", "\"", "while True:\n    pass\n", "*", "**", "=",
                      "lambda", "f'{", "}", "\\", "0", "-1", "del ", "for ", " in ", "import ", "return ", "yield",
                      "g(g)", "x = x + x\n", "9999999999999999999", "1e308", "[]", "{}", "not ", "is "]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !chars.isEmpty else { chars = Array(pieces.randomElement(using: &rng) ?? ""); continue }
            let i = Int.random(in: 0..<chars.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: chars.remove(at: i)
            case 1: chars.insert(chars[i], at: i)
            case 2:
                let j = Int.random(in: 0..<chars.count, using: &rng)
                chars.swapAt(i, j)
            case 3: chars.insert(contentsOf: pieces.randomElement(using: &rng) ?? "", at: i)
            default:
                // Token-level: drop or duplicate a whitespace-separated word.
                let words = String(chars).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard words.count > 1 else { continue }
                var w = words
                let k = Int.random(in: 0..<w.count, using: &rng)
                if Bool.random(using: &rng) { w.remove(at: k) } else { w.insert(w[k], at: k) }
                chars = Array(w.joined(separator: " "))
            }
        }
        return String(chars)
    }

    @Test func fuzzNeverCrashesOrHangs() {
        var rng = SplitMix(state: 0xD5)
        var ran = 0, pythonErrors = 0
        let budget = 20_000
        for round in 0..<2000 {
            var program: String
            if round % 10 == 9 {
                // Pure noise from the language's alphabet.
                let alphabet = Array("abcxyz019_ ()[]{}:,.=+-*/%<>!'\"\n\t#@\\fr")
                program = String((0..<Int.random(in: 1...60, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? " " })
            } else {
                program = RobustnessTests.mutate(RobustnessTests.seeds[round % RobustnessTests.seeds.count], &rng)
                if round % 3 == 0 { program = RobustnessTests.mutate(program, &rng) }
            }
            let r = runScript(program, budget: budget)
            if let e = r.error {
                pythonErrors += 1
                #expect(e.typeName != "Swift", "non-Python error for:\n\(program)\n\(e.traceback)")
                #expect(!e.traceback.isEmpty)
            } else {
                ran += 1
            }
        }
        #expect(ran + pythonErrors == 2000)
        #expect(ran > 0)
        #expect(pythonErrors > 0)
    }

    @Test func instructionBudgetStopsInfiniteLoops() {
        let r = runScript("while True:\n    pass\n", budget: 10_000)
        #expect(r.error?.typeName == "KeyboardInterrupt")
        let r2 = runScript("def f():\n    while 1:\n        x = [i for i in range(10)]\nf()\n", budget: 10_000)
        #expect(r2.error?.typeName == "KeyboardInterrupt")
        let r3 = runScript("while True:\n    try:\n        for i in range(10):\n            pass\n    except:\n        pass\n", budget: 10_000)
        #expect(r3.error?.typeName == "KeyboardInterrupt")
        #expect(runScript("x = 'ab'\nwhile True:\n    x = x + x\n").error?.typeName == "MemoryError")
    }
}
