import Foundation
import Testing
@testable import Tensor
import TensorKernels

// Neural-network ops against PyTorch. Inputs, arguments (metadata) and expected outputs come from
// Fixtures/nn_*.safetensors, written by tools/fixtures_nn.py.

/// One fixture file: its cases (metadata keys) with their JSON arguments.
private struct NNFixture {
    let file: SafeTensorsFile

    init(_ family: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent("nn_\(family).safetensors")
        file = try SafeTensorsFile(path: url.path)
    }

    var cases: [String] { file.metadata.keys.sorted() }

    func args(_ name: String) throws -> JSONValue {
        try JSONValue.parse(bytes: Array((file.metadata[name] ?? "{}").utf8))
    }

    func tensor(_ name: String, _ part: String) throws -> Tensor { try file.tensor("\(name).\(part)") }

    func optional(_ name: String, _ part: String) throws -> Tensor? {
        file.contains("\(name).\(part)") ? try tensor(name, part) : nil
    }
}

/// Max |a − b| within `rtol · max|expected| + atol`, shapes equal. Returns a description on failure.
private func nnClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6) -> String? {
    guard actual.shape == expected.shape else {
        return "shape \(actual.shape) != expected \(expected.shape)"
    }
    let a = actual.scalars, e = expected.scalars
    var maxRef: Float = 0, maxDiff: Float = 0
    for v in e where v.isFinite { maxRef = max(maxRef, abs(v)) }
    for i in 0..<a.count {
        if a[i].isNaN != e[i].isNaN { return "NaN mismatch at \(i): \(a[i]) vs \(e[i])" }
        if a[i].isNaN { continue }
        maxDiff = max(maxDiff, abs(a[i] - e[i]))
    }
    let tol = rtol * maxRef + atol
    return maxDiff <= tol ? nil : "max abs diff \(maxDiff) > tolerance \(tol) (max |ref| \(maxRef))"
}

/// Records a failure naming the case when `nnClose` fails.
private func expectClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6, _ what: String) {
    let problem = nnClose(actual, expected, rtol: rtol, atol: atol)
    #expect(problem == nil, "\(what): \(problem ?? "")")
}

private func ints(_ v: JSONValue?) -> [Int] { (v?.arrayValue ?? []).compactMap(\.intValue) }

@Suite("Neural-network ops", .serialized)
struct NNTests {
    @Test("BLAS loads the fast kernel and sgemm agrees with a naive product")
    func blasLoads() throws {
        #expect(BLAS.coreName != "unavailable")
        #expect(BLAS.threadCount >= 1)
        if BLAS.detectedCoreType() == "SkylakeX" && ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            #expect(BLAS.coreName.lowercased() == "skylakex")
        }
        let m = 7, n = 5, k = 9
        let a = (0..<(m * k)).map { Float(($0 * 7) % 11) - 5 }, b = (0..<(k * n)).map { Float(($0 * 5) % 13) - 6 }
        var c = [Float](repeating: 0, count: m * n)
        try a.withUnsafeBufferPointer { ap in
            try b.withUnsafeBufferPointer { bp in
                try c.withUnsafeMutableBufferPointer { cp in
                    try BLAS.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n,
                                   c: cp.baseAddress!, ldc: n)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                #expect(c[i * n + j] == s)
            }
        }
    }

    @Test("the vectorisable exp agrees with libm expf to a few ulp, including the edges")
    func vectorExp() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88.5 {
            worst = max(worst, abs(VectorMath.exp(x) - expf(x)) / expf(x))
            x += 0.0007
        }
        #expect(worst < 4e-7, "max relative error \(worst)")
        #expect(VectorMath.exp(-.infinity) == 0 && VectorMath.exp(.infinity) == .infinity && VectorMath.exp(.nan).isNaN)
        #expect(VectorMath.exp(-100) == 0 && VectorMath.exp(100) == .infinity)
        #expect(VectorMath.exp(0) == 1 && VectorMath.exp(-87.5) == 0 && VectorMath.exp(88.8) == .infinity)
        for v: Float in [1, -1, 0.5, -0.5, 10, -10, 20, -20] { #expect(abs(VectorMath.exp(v) - expf(v)) <= 4e-7 * expf(v)) }
        // The loop form the kernels use (vectorised by the compiler) gives the same numbers.
        var buffer = (0..<1000).map { Float($0) * 0.173 - 86 }
        let expected = buffer.map { VectorMath.exp($0 - 1) }
        let sum = buffer.withUnsafeMutableBufferPointer { VectorMath.expShiftedSum($0.baseAddress!, count: 1000, shift: 1) }
        #expect(buffer == expected)
        #expect(abs(sum - expected.reduce(0, +)) <= 1e-5 * sum)
    }

    @Test("the 16-lane exp, and group norm's SiLU built on it, equal the scalar exp bit for bit")
    func sixteenLaneExp() {
        var values: [Float] = [0, -0.0, 1, -1, 88.7228394, 88.72284, -87.3365448, -87.33655, 100, -100,
                               .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        var x: Float = -90
        while x < 90 { values.append(x); x += 0.0131 }
        while values.count % 16 != 0 { values.append(Float(values.count) * 0.01) }
        for start in stride(from: 0, to: values.count, by: 16) {
            let lanes = VectorMath.exp(VectorMath.V(values[start..<(start + 16)]))
            for k in 0..<16 {
                let expected = VectorMath.exp(values[start + k])
                #expect(lanes[k].bitPattern == expected.bitPattern || (lanes[k].isNaN && expected.isNaN), "exp(\(values[start + k]))")
            }
        }
        // The logistic functions' exp: the same lanes and scalars, and the general exp wherever it is not clamped.
        for start in stride(from: 0, to: values.count, by: 16) {
            let lanes = VectorKernels.logisticExp(VectorMath.V(values[start..<(start + 16)]))
            let silu = VectorKernels.silu(VectorMath.V(values[start..<(start + 16)]))
            for k in 0..<16 {
                let v = values[start + k]
                let expected = VectorKernels.logisticExp(v), expectedSilu = VectorKernels.silu(v)
                #expect(lanes[k].bitPattern == expected.bitPattern || (lanes[k].isNaN && expected.isNaN), "logisticExp(\(v))")
                #expect(silu[k].bitPattern == expectedSilu.bitPattern || (silu[k].isNaN && expectedSilu.isNaN), "silu(\(v))")
                if (v > -87.3 && v <= 88) || v == .infinity { #expect(expected == VectorMath.exp(v), "logisticExp(\(v)) = exp") }
            }
        }
        // SiLU over a length that leaves a scalar tail, against the definition in double precision: within 2 ulp of
        // the value (or of the smallest normal float, where the value underflows).
        let n = values.count - 3
        var y = [Float](repeating: 0, count: n)
        values.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { VectorMath.affine(xs.baseAddress!, $0.baseAddress!, count: n, scale: 0.7, shift: 0.1, silu: true) }
        }
        for i in 0..<n {
            let v = values[i] * 0.7 + 0.1
            #expect(y[i].bitPattern == VectorKernels.silu(v).bitPattern || (y[i].isNaN && v.isNaN), "silu at \(values[i])")
            guard v.isFinite else { continue }
            let exact = Double(v) / (1 + Foundation.exp(-Double(v)))
            #expect(abs(Double(y[i]) - exact) <= 2 * Double(max(Float(abs(exact)), .leastNormalMagnitude).ulp), "silu(\(v))")
        }
        #expect(VectorKernels.silu(Float.nan).isNaN && VectorKernels.silu(Float.infinity) == .infinity)
        #expect(VectorKernels.silu(-Float.infinity).isNaN)   // −∞ · 0, as PyTorch gives
        #expect(VectorKernels.silu(-100) <= 0 && VectorKernels.silu(-100) > -1e-35 && VectorKernels.silu(100) == 100)
        #expect(VectorKernels.sigmoid(-100) < 1e-38 && VectorKernels.sigmoid(100) == 1 && VectorKernels.sigmoid(0) == 0.5)
    }

    @Test("matmul, bmm and linear match PyTorch")
    func matmulFixtures() throws {
        let f = try NNFixture("matmul")
        #expect(f.cases.count == 14)
        for name in f.cases {
            let args = try f.args(name)
            switch args["op"]?.stringValue {
            case "matmul":
                var a = try f.tensor(name, "a"), b = try f.tensor(name, "b")
                if args["transpose_a"]?.boolValue == true { a = try a.transpose(-1, -2) }
                if args["transpose_b"]?.boolValue == true { b = try b.transpose(-1, -2) }
                expectClose(try a.matmul(b), try f.tensor(name, "out"), name)
            case "bmm":
                expectClose(try Tensor.bmm(f.tensor(name, "a"), f.tensor(name, "b")), try f.tensor(name, "out"), name)
            case "linear":
                let y = try f.tensor(name, "x").linear(weight: f.tensor(name, "w"), bias: f.optional(name, "b"))
                expectClose(y, try f.tensor(name, "out"), name)
            default:
                Issue.record("unknown op in case \(name)")
            }
        }
    }

    @Test("conv2d matches PyTorch (strides, padding, dilation, groups, strided input)")
    func convFixtures() throws {
        let f = try NNFixture("conv")
        #expect(f.cases.count == 15)
        for name in f.cases {
            expectClose(try convCase(f, name), try f.tensor(name, "out"), rtol: 1e-5, atol: 1e-5, name)
        }
    }

    /// Runs the fixture's conv2d case `name` (through `cache` when given).
    private func convCase(_ f: NNFixture, _ name: String, cache: ConvWeightCache? = nil) throws -> Tensor {
        let args = try f.args(name)
        var x = try f.tensor(name, "x")
        if args["channels_last"]?.boolValue == true { x = try x.permute([0, 3, 1, 2]) }
        return try x.conv2d(weight: f.tensor(name, "w"), bias: f.optional(name, "b"),
                            stride: ints(args["stride"]), padding: ints(args["padding"]),
                            dilation: ints(args["dilation"]), groups: args["groups"]?.intValue ?? 1, cache: cache)
    }

    @Test("conv2d gives the same result when the im2col panel is split into row bands")
    func convBands() throws {
        let f = try NNFixture("conv")
        for panel in [1, 16 * 9 * 16 * 3 + 5] {   // one output row per band; three rows per band
            var settings = Tensor.convSettings
            settings.panelFloats = panel
            try Tensor.$convSettings.withValue(settings) {
                for name in ["k3_16ch", "k3_s2_p1", "asym"] {
                    let args = try f.args(name)
                    let y = try f.tensor(name, "x").conv2d(weight: f.tensor(name, "w"), bias: f.optional(name, "b"),
                                                           stride: ints(args["stride"]), padding: ints(args["padding"]),
                                                           dilation: ints(args["dilation"]), groups: args["groups"]?.intValue ?? 1)
                    expectClose(y, try f.tensor(name, "out"), rtol: 1e-5, atol: 1e-5, "\(name) panel \(panel)")
                }
            }
        }
    }

    @Test("Winograd F(2×2,3×3) conv2d matches PyTorch on every 3×3 stride-1 case")
    func winogradFixtures() throws {
        let f = try NNFixture("conv")
        var checked = 0
        for block in [512, 5] {   // one block of tiles; many blocks with a ragged last one
            var settings = ConvSettings(useWinograd: true)
            settings.winogradMinChannels = 1
            settings.winogradTileBlock = block
            try Tensor.$convSettings.withValue(settings) {
                for name in f.cases {
                    let args = try f.args(name)
                    let wt = try f.tensor(name, "w")
                    guard wt.shape[2] == 3, wt.shape[3] == 3, ints(args["stride"]) == [1, 1], ints(args["dilation"]) == [1, 1] else { continue }
                    var x = try f.tensor(name, "x")
                    if args["channels_last"]?.boolValue == true { x = try x.permute([0, 3, 1, 2]) }
                    let y = try x.conv2d(weight: wt, bias: f.optional(name, "b"), stride: [1, 1],
                                         padding: ints(args["padding"]), groups: args["groups"]?.intValue ?? 1)
                    expectClose(y, try f.tensor(name, "out"), rtol: 1e-5, atol: 1e-5, "winograd \(name) block \(block)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 14)
    }

    @Test("conv2d matches PyTorch through each algorithm: im2col, the direct kernel, small-image Winograd")
    func convFixturesEveryAlgorithm() throws {
        let f = try NNFixture("conv")
        var smallWinograd = ConvSettings(useWinograd: false)
        smallWinograd.winogradMinChannels = 1
        let algorithms: [(String, ConvSettings, Bool)] = [
            ("im2col", ConvSettings(useWinograd: false, useDirect: false), false),
            ("direct", ConvSettings(useWinograd: false, useDirect: true, useSmallWinograd: false), true),
            ("small winograd", smallWinograd, true),
        ]
        for (label, settings, cached) in algorithms {
            try Tensor.$convSettings.withValue(settings) {
                for name in f.cases {
                    let y = try convCase(f, name, cache: cached ? ConvWeightCache() : nil)
                    expectClose(y, try f.tensor(name, "out"), rtol: 1e-5, atol: 1e-5, "\(label) \(name)")
                }
            }
        }
    }

    @Test("group_norm, group_norm+SiLU, layer_norm and softmax match PyTorch")
    func normFixtures() throws {
        let f = try NNFixture("norm")
        #expect(f.cases.count == 11)
        for name in f.cases {
            let args = try f.args(name)
            let x = try f.tensor(name, "x"), expected = try f.tensor(name, "out")
            switch args["op"]?.stringValue {
            case "group_norm":
                let g = args["groups"]?.intValue ?? 1
                let w = try f.optional(name, "w"), b = try f.optional(name, "b")
                let y = args["silu"]?.boolValue == true
                    ? try x.groupNormSiLU(groups: g, weight: w, bias: b)
                    : try x.groupNorm(groups: g, weight: w, bias: b)
                expectClose(y, expected, name)
            case "layer_norm":
                let y = try x.layerNorm(normalizedShape: ints(args["normalized_shape"]),
                                        weight: f.optional(name, "w"), bias: f.optional(name, "b"))
                expectClose(y, expected, name)
            case "softmax":
                expectClose(try x.softmax(dim: args["dim"]?.intValue ?? -1), expected, name)
            default:
                Issue.record("unknown op in case \(name)")
            }
        }
    }

    @Test("scaled_dot_product_attention matches PyTorch (masks, scale, rank 3)")
    func attentionFixtures() throws {
        let f = try NNFixture("attention")
        #expect(f.cases.count == 5)
        for name in f.cases {
            let args = try f.args(name)
            var mask = try f.optional(name, "mask")
            if args["mask"]?.stringValue == "bool" { mask = mask?.to(.bool) }
            let y = try Tensor.scaledDotProductAttention(
                query: f.tensor(name, "q"), key: f.tensor(name, "k"), value: f.tensor(name, "v"),
                attnMask: mask, scale: args["scale"]?.doubleValue.map(Float.init))
            expectClose(y, try f.tensor(name, "out"), name)
        }
    }

    @Test("interpolate, pad and avg_pool2d match PyTorch")
    func resampleFixtures() throws {
        let f = try NNFixture("resample")
        #expect(f.cases.count == 18)
        for name in f.cases {
            let args = try f.args(name)
            let x = try f.tensor(name, "x"), expected = try f.tensor(name, "out")
            switch args["op"]?.stringValue {
            case "interpolate":
                let size = args["size"].map { ints($0) }
                let scale = args["scale_factor"].map { ($0.arrayValue ?? []).compactMap(\.doubleValue) }
                let mode = InterpolationMode(rawValue: args["mode"]?.stringValue ?? "") ?? .nearest
                let y = try x.interpolate(size: size, scaleFactor: scale, mode: mode,
                                          alignCorners: args["align_corners"]?.boolValue ?? false)
                expectClose(y, expected, name)
            case "pad":
                let y = try x.pad(ints(args["pad"]), value: Float(args["value"]?.doubleValue ?? 0))
                expectClose(y, expected, rtol: 0, atol: 0, name)
            case "avg_pool2d":
                let y = try x.avgPool2d(kernel: args["kernel"]?.intValue ?? 1, stride: args["stride"]?.intValue)
                expectClose(y, expected, name)
            default:
                Issue.record("unknown op in case \(name)")
            }
        }
    }

    @Test("bad shapes throw TensorError naming the op")
    func badShapesThrow() throws {
        let a = Tensor.ones([2, 3]), b = Tensor.ones([4, 5]), x = Tensor.ones([1, 3, 8, 8])
        func expectError(_ op: String, _ body: () throws -> Tensor) {
            do {
                _ = try body()
                Issue.record("\(op): expected an error")
            } catch let e as TensorError {
                #expect(e.message.contains(op), "message \(e.message) should name \(op)")
            } catch {
                Issue.record("\(op): unexpected error \(error)")
            }
        }
        expectError("matmul") { try a.matmul(b) }
        expectError("matmul") { try Tensor(1).matmul(a) }
        expectError("matmul") { try Tensor.ones([2, 3, 4]).matmul(Tensor.ones([3, 5, 2])) }
        expectError("bmm") { try Tensor.bmm(a, b) }
        expectError("linear") { try a.linear(weight: b, bias: nil) }
        expectError("conv2d") { try x.conv2d(weight: Tensor.ones([4, 2, 3, 3]), bias: nil) }
        expectError("conv2d") { try x.conv2d(weight: Tensor.ones([4, 3, 9, 9]), bias: nil) }
        expectError("conv2d") { try x.conv2d(weight: Tensor.ones([4, 3, 3, 3]), bias: Tensor.ones([3])) }
        expectError("conv2d") { try a.conv2d(weight: Tensor.ones([4, 3, 3, 3]), bias: nil) }
        expectError("conv2d") { try x.conv2d(weight: Tensor.ones([4, 3, 3, 3]), bias: nil, stride: [0, 1]) }
        expectError("group_norm") { try x.groupNorm(groups: 2, weight: nil, bias: nil) }
        expectError("group_norm") { try x.groupNorm(groups: 3, weight: Tensor.ones([4]), bias: nil) }
        expectError("layer_norm") { try x.layerNorm(normalizedShape: [7], weight: nil, bias: nil) }
        expectError("softmax") { try a.softmax(dim: 2) }
        expectError("scaled_dot_product_attention") {
            try Tensor.scaledDotProductAttention(query: Tensor.ones([2, 4, 8]), key: Tensor.ones([2, 5, 7]), value: Tensor.ones([2, 5, 8]))
        }
        expectError("scaled_dot_product_attention") {
            try Tensor.scaledDotProductAttention(query: Tensor.ones([2, 4, 8]), key: Tensor.ones([2, 5, 8]),
                                                 value: Tensor.ones([2, 5, 8]), attnMask: Tensor.ones([3, 5]))
        }
        expectError("interpolate") { try a.interpolate(size: [4, 4]) }
        expectError("interpolate") { try x.interpolate() }
        expectError("interpolate") { try x.interpolate(size: [4, 4], alignCorners: true) }
        expectError("pad") { try a.pad([1, 2, 3]) }
        expectError("pad") { try a.pad([1, 1, 1, 1, 1, 1]) }
        expectError("pad") { try a.pad([-2, -2]) }
        expectError("avg_pool2d") { try x.avgPool2d(kernel: 9) }
        expectError("avg_pool2d") { try a.avgPool2d(kernel: 2) }
    }
}
