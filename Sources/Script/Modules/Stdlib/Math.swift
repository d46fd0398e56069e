import Foundation

/// `math`: the common functions and constants.
enum MathModule {
    static func make(_ interp: Interpreter) throws -> PyModule {
        let m = PyModule("math", [("pi", .float(Double.pi)), ("e", .float(M_E)), ("tau", .float(2 * Double.pi)),
                                  ("inf", .float(.infinity)), ("nan", .float(.nan))])
        func unary(_ name: String, domain: ((Double) -> Bool)? = nil, _ f: @escaping (Double) -> Double) {
            m.def(name) { a in
                try a.exactly(1)
                let x = try a.double(0, "x")
                if let ok = domain, !ok(x) { throw PyException.valueError("math domain error") }
                let r = f(x)
                if r.isInfinite && x.isFinite { throw PyException.overflow("math range error") }
                return .float(r)
            }
        }
        unary("sqrt", domain: { $0 >= 0 || $0.isNaN }, Foundation.sqrt)
        unary("exp", Foundation.exp)
        unary("sin", Foundation.sin)
        unary("cos", Foundation.cos)
        unary("tan", Foundation.tan)
        unary("asin", domain: { abs($0) <= 1 }, Foundation.asin)
        unary("acos", domain: { abs($0) <= 1 }, Foundation.acos)
        unary("atan", Foundation.atan)
        unary("sinh", Foundation.sinh)
        unary("cosh", Foundation.cosh)
        unary("tanh", Foundation.tanh)
        unary("log2", domain: { $0 > 0 }, Foundation.log2)
        unary("log10", domain: { $0 > 0 }, Foundation.log10)
        unary("log1p", domain: { $0 > -1 }, Foundation.log1p)
        unary("expm1", Foundation.expm1)
        unary("fabs", Swift.abs)
        unary("degrees") { $0 * 180 / Double.pi }
        unary("radians") { $0 * Double.pi / 180 }
        m.def("log") { a in
            try a.check(maxPositional: 2)
            let x = try a.double(0, "x")
            guard x > 0 else { throw PyException.valueError("math domain error") }
            if a.positional.count > 1 {
                let b = try a.double(1, "base")
                guard b > 0, b != 1 else { throw PyException.valueError("math domain error") }
                return .float(Foundation.log(x) / Foundation.log(b))
            }
            return .float(Foundation.log(x))
        }
        m.def("atan2") { a in try a.exactly(2); return .float(Foundation.atan2(try a.double(0, "y"), try a.double(1, "x"))) }
        m.def("hypot") { a in .float(Foundation.sqrt(try a.positional.indices.reduce(0.0) { let v = try a.double($1, "x"); return $0 + v * v })) }
        m.def("pow") { a in
            try a.exactly(2)
            return .float(try floatPow(try a.double(0, "x"), try a.double(1, "y")))
        }
        for (name, rule) in [("floor", FloatingPointRoundingRule.down), ("ceil", .up), ("trunc", .towardZero)] {
            m.def(name) { a in
                try a.exactly(1)
                if case .int(let i) = a.positional[0].asIntLike { return .int(i) }
                return .int(try toInt(.float(try a.double(0, "x").rounded(rule))))
            }
        }
        m.def("isclose") { a in
            try a.check(maxPositional: 2, keywords: ["rel_tol", "abs_tol"])
            let x = try a.double(0, "a"), y = try a.double(1, "b")
            let rel = try a.double(-1, "rel_tol", default: 1e-9), abst = try a.double(-1, "abs_tol", default: 0)
            if rel < 0 || abst < 0 { throw PyException.valueError("tolerances must be non-negative") }
            if x == y { return .bool(true) }
            if x.isInfinite || y.isInfinite { return .bool(false) }
            let d = Swift.abs(x - y)
            return .bool(d <= Swift.abs(rel * y) || d <= Swift.abs(rel * x) || d <= abst)
        }
        m.def("isnan") { a in .bool(try a.double(0, "x").isNaN) }
        m.def("isinf") { a in .bool(try a.double(0, "x").isInfinite) }
        m.def("isfinite") { a in .bool(try a.double(0, "x").isFinite) }
        m.def("copysign") { a in .float(Foundation.copysign(try a.double(0, "x"), try a.double(1, "y"))) }
        m.def("fmod") { a in
            let y = try a.double(1, "y")
            if y == 0 { throw PyException.valueError("math domain error") }
            return .float(Foundation.fmod(try a.double(0, "x"), y))
        }
        m.def("factorial") { a in
            try a.exactly(1)
            let n = try a.int(0, "n")
            if n < 0 { throw PyException.valueError("factorial() not defined for negative values") }
            var r = 1
            for k in stride(from: 2, through: n, by: 1) {
                let (p, o) = r.multipliedReportingOverflow(by: k)
                if o { throw PyException.overflow() }
                r = p
            }
            return .int(r)
        }
        m.def("gcd") { a in
            var g = 0
            for i in a.positional.indices {
                var x = Swift.abs(try a.int(i, "x")), y = g
                while y != 0 { (x, y) = (y, x % y) }
                g = x
            }
            return .int(g)
        }
        m.def("prod") { a in
            var r: Value = .int(1)
            for v in try iterateToArray(try a.value(0, "iterable"), a.interpreter) { r = try binaryOp(.mul, r, v) }
            return r
        }
        m.def("fsum") { a in
            .float(try iterateToArray(try a.value(0, "iterable"), a.interpreter).reduce(0.0) { $0 + (try toFloat($1)) })
        }
        return m
    }
}
