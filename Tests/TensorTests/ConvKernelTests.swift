import Foundation
import Testing
@testable import Tensor

// The small-image convolution paths (Tensor+DirectConv.swift, Tensor+WinogradSmall.swift) against a plain
// seven-loop convolution in double precision, on shapes chosen for their edges: odd and tiny planes, output
// channels that do not fill the kernel's blocks of 6 or 8, one-channel inputs, rectangular kernels, padding 0–2.

/// `conv2d` written as its definition, accumulated in Double.
private func referenceConv(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], o: Int, kh: Int, kw: Int,
                           bias: [Float]?, ph: Int, pw: Int, groups: Int, stride sd: Int = 1, dilation dl: Int = 1) -> [Float] {
    let ho = (h + 2 * ph - dl * (kh - 1) - 1) / sd + 1, wo = (w + 2 * pw - dl * (kw - 1) - 1) / sd + 1
    let cg = c / groups, og = o / groups
    var out = [Float](repeating: 0, count: n * o * ho * wo)
    for b in 0..<n { for oc in 0..<o { for oy in 0..<ho { for ox in 0..<wo {
        let g = oc / og
        var sum = Double(bias?[oc] ?? 0)
        for ci in 0..<cg { for i in 0..<kh { for j in 0..<kw {
            let iy = oy * sd - ph + i * dl, ix = ox * sd - pw + j * dl
            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
            sum += Double(x[((b * c + g * cg + ci) * h + iy) * w + ix]) * Double(weight[((oc * cg + ci) * kh + i) * kw + j])
        } } }
        out[((b * o + oc) * ho + oy) * wo + ox] = Float(sum)
    } } } }
    return out
}

@Suite("Small-image convolution kernels")
struct ConvKernelTests {
    struct Shape: CustomStringConvertible, Sendable {
        var n = 1
        var c: Int
        var o: Int
        var h: Int
        var w: Int
        var kh = 3
        var kw = 3
        var ph = 1
        var pw = 1
        var groups = 1
        var stride = 1
        var dilation = 1
        var description: String { "n\(n) c\(c)→o\(o) \(h)×\(w) k\(kh)×\(kw) pad \(ph),\(pw) g\(groups) s\(stride) d\(dilation)" }
    }

    static let shapes: [Shape] = [
        Shape(c: 3, o: 7, h: 5, w: 9),
        Shape(n: 2, c: 13, o: 11, h: 11, w: 9),
        Shape(c: 8, o: 8, h: 1, w: 1),
        Shape(c: 16, o: 6, h: 33, w: 17),
        Shape(c: 9, o: 13, h: 8, w: 8, ph: 0, pw: 0),
        Shape(c: 10, o: 9, h: 7, w: 12, ph: 2, pw: 2),
        Shape(c: 5, o: 4, h: 6, w: 6, kh: 1, kw: 1, ph: 0, pw: 0),
        Shape(c: 7, o: 9, h: 4, w: 8, kh: 1, kw: 1, ph: 0, pw: 0),     // whole blocks: read in place
        Shape(n: 2, c: 20, o: 48, h: 8, w: 6, kh: 1, kw: 1, ph: 0, pw: 0), // and whole blocks of output channels:
        Shape(c: 64, o: 24, h: 4, w: 4, kh: 1, kw: 1, ph: 0, pw: 0),       // written straight into the output
        Shape(c: 4, o: 3, h: 9, w: 10, kh: 2, kw: 3, ph: 0, pw: 2),
        Shape(c: 20, o: 19, h: 16, w: 16),
        Shape(c: 1, o: 1, h: 32, w: 32),
        Shape(c: 8, o: 6, h: 10, w: 10, groups: 2),
        Shape(c: 32, o: 3, h: 32, w: 32),
        Shape(c: 64, o: 64, h: 8, w: 8),
        Shape(c: 12, o: 14, h: 3, w: 2, kh: 5, kw: 5, ph: 2, pw: 2),
        // Planes small enough for F(2×2, 3×3) with tiles as the block's rows (Tensor+WinogradTileRows.swift):
        // odd edges, output channels that fill neither 8 nor 16 lanes, batches, groups.
        Shape(c: 17, o: 21, h: 7, w: 7),
        Shape(c: 9, o: 40, h: 4, w: 6),
        Shape(n: 2, c: 13, o: 11, h: 8, w: 8),
        Shape(c: 128, o: 64, h: 8, w: 8),
        Shape(c: 12, o: 10, h: 5, w: 3, groups: 2),
        // Rows of tiles that are whole vectors of eight (V and M without the spare position), with a ragged last
        // column, and with a tile count that leaves half a block of padding.
        Shape(c: 16, o: 24, h: 16, w: 15),
        Shape(c: 8, o: 12, h: 6, w: 16),
        Shape(c: 8, o: 8, h: 26, w: 32),
        Shape(c: 12, o: 20, h: 31, w: 29),
        // F(4×4, 3×3) sizes (24–48 a side), whole and ragged tiles.
        Shape(c: 40, o: 32, h: 32, w: 32),
        Shape(c: 24, o: 13, h: 24, w: 30),
        Shape(c: 5, o: 7, h: 27, w: 25),
        Shape(n: 2, c: 9, o: 8, h: 26, w: 29, ph: 0, pw: 0),
        Shape(c: 16, o: 16, h: 41, w: 35, groups: 2),
        // Strided and dilated: the small im2col path.
        Shape(c: 32, o: 32, h: 33, w: 33, ph: 0, pw: 0, stride: 2),
        Shape(c: 7, o: 10, h: 16, w: 13, stride: 2),
        Shape(c: 6, o: 5, h: 12, w: 12, ph: 2, pw: 2, dilation: 2),
        Shape(c: 3, o: 4, h: 9, w: 11, kh: 2, kw: 3, ph: 1, pw: 0, stride: 3),
    ]

    @Test("direct kernel and small-image Winograd equal the definition", arguments: shapes)
    func matchesDefinition(_ s: Shape) throws {
        let g = Generator(seed: UInt64(s.c * 1000 + s.o * 10 + s.h))
        let x = Tensor.randn([s.n, s.c, s.h, s.w], generator: g)
        let weight = Tensor.randn([s.o, s.c / s.groups, s.kh, s.kw], generator: g)
        let bias = Tensor.randn([s.o], generator: g)
        let expected = referenceConv(x.scalars, n: s.n, c: s.c, h: s.h, w: s.w, weight: weight.scalars, o: s.o,
                                     kh: s.kh, kw: s.kw, bias: bias.scalars, ph: s.ph, pw: s.pw, groups: s.groups,
                                     stride: s.stride, dilation: s.dilation)
        let scale = max(1, expected.map(abs).max() ?? 1)
        var winograd = ConvSettings(useWinograd: false)
        winograd.winogradMinChannels = 1
        var winogradColumns = winograd
        winogradColumns.useTileRows = false
        for (label, settings, cache) in [("direct", ConvSettings(useWinograd: false, useSmallWinograd: false), nil),
                                         ("winograd", winograd, ConvWeightCache()),
                                         ("winograd, tiles as columns", winogradColumns, ConvWeightCache()),
                                         ("im2col", ConvSettings(useWinograd: false, useDirect: false), nil)] {
            let y = try Tensor.$convSettings.withValue(settings) {
                try x.conv2d(weight: weight, bias: bias, stride: [s.stride, s.stride], padding: [s.ph, s.pw],
                             dilation: [s.dilation, s.dilation], groups: s.groups, cache: cache)
            }
            let ho = (s.h + 2 * s.ph - s.dilation * (s.kh - 1) - 1) / s.stride + 1
            let wo = (s.w + 2 * s.pw - s.dilation * (s.kw - 1) - 1) / s.stride + 1
            #expect(y.shape == [s.n, s.o, ho, wo], "\(label) \(s)")
            let diff = zip(y.scalars, expected).map { abs($0 - $1) }.max() ?? 0
            // F(4×4, 3×3) rounds about ten times more than the direct sum (relative error near 1e-5).
            let f4 = label.hasPrefix("winograd") && s.kh == 3 && s.stride == 1 && s.dilation == 1 && Tensor.useWinograd4x4(outHeight: ho, outWidth: wo)
            #expect(diff <= (f4 ? 1e-4 : 2e-5) * scale, "\(label) \(s): max difference \(diff)")
        }
    }

    @Test("tiles as rows give the same bits as tiles as columns (the same products, added in the same order)",
          arguments: [(8, 8, 64, 64), (7, 7, 17, 21), (4, 6, 9, 40), (2, 2, 8, 8)])
    func tileRowsBitIdentical(_ size: (Int, Int, Int, Int)) throws {
        let (h, w, c, o) = size
        #expect(Tensor.winogradSmallUsesTileRows(outHeight: h, outWidth: w))
        let g = Generator(seed: UInt64(h * 100 + c))
        let x = Tensor.randn([1, c, h, w], generator: g), weight = Tensor.randn([o, c, 3, 3], generator: g)
        let bias = Tensor.randn([o], generator: g)
        var rows = ConvSettings(useWinograd: false)
        rows.winogradMinChannels = 1
        var columns = rows
        columns.useTileRows = false
        let a = try Tensor.$convSettings.withValue(rows) { try x.conv2d(weight: weight, bias: bias, padding: [1, 1], cache: ConvWeightCache()) }
        let b = try Tensor.$convSettings.withValue(columns) { try x.conv2d(weight: weight, bias: bias, padding: [1, 1], cache: ConvWeightCache()) }
        #expect(a.scalars == b.scalars)
    }

    @Test("a 1×1 convolution written straight into the output adds no bias when there is none")
    func directOutputWithoutBias() throws {
        let g = Generator(seed: 11)
        let x = Tensor.randn([1, 16, 8, 8], generator: g), weight = Tensor.randn([48, 16, 1, 1], generator: g)
        let expected = referenceConv(x.scalars, n: 1, c: 16, h: 8, w: 8, weight: weight.scalars, o: 48, kh: 1, kw: 1,
                                     bias: nil, ph: 0, pw: 0, groups: 1)
        let y = try x.conv2d(weight: weight, bias: nil)
        #expect(y.shape == [1, 48, 8, 8])
        #expect((zip(y.scalars, expected).map { abs($0 - $1) }.max() ?? 1) < 1e-4)
    }

    @Test("tiles as rows only where the usual layout wastes much of its blocks")
    func tileRowsChoice() {
        #expect(Tensor.winogradSmallUsesTileRows(outHeight: 8, outWidth: 8))     // 16 tiles in 32 positions
        #expect(Tensor.winogradSmallUsesTileRows(outHeight: 4, outWidth: 4))
        #expect(!Tensor.winogradSmallUsesTileRows(outHeight: 16, outWidth: 16))  // 64 tiles in 80
        #expect(!Tensor.winogradSmallUsesTileRows(outHeight: 10, outWidth: 10))
    }

    @Test("the Winograd weight cache follows in-place writes to the weight and a new weight tensor")
    func cacheInvalidation() throws {
        let g = Generator(seed: 7)
        let x = Tensor.randn([1, 8, 12, 12], generator: g)
        let weight = Tensor.randn([8, 8, 3, 3], generator: g)
        let cache = ConvWeightCache()
        func conv(_ w: Tensor) throws -> Tensor { try x.conv2d(weight: w, bias: nil, padding: [1, 1], cache: cache) }
        func plain(_ w: Tensor) throws -> Tensor {
            try Tensor.$convSettings.withValue(ConvSettings(useWinograd: false, useDirect: false)) {
                try x.conv2d(weight: w, bias: nil, padding: [1, 1])
            }
        }
        var settings = ConvSettings(useWinograd: false)
        settings.winogradMinChannels = 1
        try Tensor.$convSettings.withValue(settings) {
            #expect(maxAbsDiff(try conv(weight), try plain(weight)) < 1e-4)
            try weight.mul_(2)                                   // in place: the cached transform is stale
            #expect(maxAbsDiff(try conv(weight), try plain(weight)) < 1e-4)
            try weight.assign(0.5, at: [.int(0)])               // x[0] = 0.5
            #expect(maxAbsDiff(try conv(weight), try plain(weight)) < 1e-4)
            let other = Tensor.randn([8, 8, 3, 3], generator: g)  // another tensor through the same layer
            #expect(maxAbsDiff(try conv(other), try plain(other)) < 1e-4)
        }
    }
}
