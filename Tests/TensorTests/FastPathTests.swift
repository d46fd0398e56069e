import Foundation
import Testing
@testable import Tensor

// The special cases that a UNet's forward pass takes, each against the general path it stands in for: attention with
// the queries adjacent in memory, a strided convolution padded after the image only, a one-row linear layer, and the
// cache of freed buffers.

/// Largest |a − b| over two equally shaped tensors, relative to the largest |b| (at least 1).
private func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
    let x = a.scalars, y = b.scalars
    let scale = max(1, y.map(abs).max() ?? 1)
    return (zip(x, y).map { abs($0 - $1) }.max() ?? 0) / scale
}

@Suite("Fast paths agree with the general ones")
struct FastPathTests {
    struct AttentionShape: CustomStringConvertible, Sendable {
        var batch: [Int], l: Int, s: Int, e: Int, ev: Int
        var keyBatch: [Int]? = nil
        var scale: Float? = nil
        var description: String { "batch \(batch) L \(l) S \(s) E \(e) Ev \(ev) scale \(scale.map { "\($0)" } ?? "default")" }
    }

    static let attentionShapes: [AttentionShape] = [
        AttentionShape(batch: [1, 1], l: 64, s: 64, e: 64, ev: 64),          // a 32×32 UNet's 8×8 attention
        AttentionShape(batch: [2, 3], l: 48, s: 40, e: 24, ev: 20),          // a 16-query span after two of 32
        AttentionShape(batch: [3], l: 16, s: 1, e: 1, ev: 9),                // one key, one dimension
        AttentionShape(batch: [2, 2], l: 32, s: 13, e: 7, ev: 5, keyBatch: [1, 2], scale: -0.3),
    ]

    @Test("attention with the queries adjacent in memory equals the BLAS path", arguments: attentionShapes)
    func attentionInColumns(_ shape: AttentionShape) throws {
        let g = Generator(seed: UInt64(shape.l * 100 + shape.s))
        // [..., E, L] seen as [..., L, E]: what a UNet's 1×1 projections give.
        let rank = shape.batch.count + 2
        let q = try Tensor.randn(shape.batch + [shape.e, shape.l], generator: g).transpose(rank - 2, rank - 1)
        let kb = shape.keyBatch ?? shape.batch
        let k = try Tensor.randn(kb + [shape.e, shape.s], generator: g).transpose(rank - 2, rank - 1)
        let v = try Tensor.randn(kb + [shape.ev, shape.s], generator: g).transpose(rank - 2, rank - 1)
        #expect(q.strides[rank - 2] == 1)
        let columns = try Tensor.scaledDotProductAttention(query: q, key: k, value: v, scale: shape.scale)
        let general = try Tensor.scaledDotProductAttention(query: q.contiguous(), key: k.contiguous(), value: v.contiguous(),
                                                           scale: shape.scale)
        #expect(columns.shape == shape.batch + [shape.l, shape.ev])
        #expect(relativeDifference(columns, general) < 1e-5, "\(shape)")
        // The result is the [..., Ev, L] buffer seen transposed, so that a UNet reshapes it without a copy.
        #expect(columns.strides[rank - 2] == 1)
    }

    @Test("attention with a column of only −∞ scores gives NaN there, as PyTorch's softmax does")
    func attentionInColumnsInfinity() throws {
        var qValues = [Float](repeating: 1, count: 4 * 16)
        for e in 0..<4 { qValues[e * 16 + 3] = -.infinity }  // query 3: every score −∞ (keys are positive)
        let q = try Tensor(shape: [1, 4, 16], scalars: qValues).transpose(1, 2)
        let k = Tensor.ones([1, 5, 4]), v = Tensor.ones([1, 5, 2])
        let out = try Tensor.scaledDotProductAttention(query: q, key: k, value: v)
        let values = try out.contiguous().reshape([16, 2]).scalars
        #expect(values[6].isNaN && values[7].isNaN)
        #expect(values.enumerated().allSatisfy { $0.offset / 2 == 3 || abs($0.element - 1) < 1e-6 })
    }

    @Test("a strided convolution padded after the image equals F.pad then conv2d",
          arguments: [(32, 32, 2, 1, 1), (16, 15, 2, 1, 1), (9, 12, 3, 2, 0), (8, 8, 1, 1, 1)])
    func convolutionPadEnd(_ c: (Int, Int, Int, Int, Int)) throws {
        let (h, w, stride, bottom, right) = c
        let g = Generator(seed: UInt64(h * w))
        let x = Tensor.randn([1, 6, h, w], generator: g), weight = Tensor.randn([10, 6, 3, 3], generator: g)
        let bias = Tensor.randn([10], generator: g)
        for settings in [ConvSettings.standard, ConvSettings(useWinograd: false, useDirect: false)] {
            let fused = try Tensor.$convSettings.withValue(settings) {
                try x.conv2d(weight: weight, bias: bias, stride: [stride, stride], padEnd: (bottom, right))
            }
            let padded = try Tensor.$convSettings.withValue(settings) {
                try x.pad([0, right, 0, bottom]).conv2d(weight: weight, bias: bias, stride: [stride, stride])
            }
            #expect(fused.shape == padded.shape)
            #expect(fused.scalars == padded.scalars, "\(c)")
        }
        #expect(throws: TensorError.self) { try x.conv2d(weight: weight, bias: bias, stride: [2, 2], padEnd: (-1, 0)) }
    }

    @Test("a stride-2 convolution on the quarter planes gives the im2col panel's bits",
          arguments: [(3, 3, 32, 32, 1, 0), (3, 3, 16, 15, 0, 1), (1, 1, 9, 9, 0, 0), (2, 2, 12, 10, 1, 1), (4, 3, 11, 14, 2, 0),
                      (1, 3, 8, 8, 0, 1)])
    func stride2(_ c: (Int, Int, Int, Int, Int, Int)) throws {
        let (kh, kw, h, w, pad, end) = c
        let g = Generator(seed: UInt64(kh * 100 + h))
        let x = Tensor.randn([2, 5, h, w], generator: g), weight = Tensor.randn([11, 5, kh, kw], generator: g)
        let bias = Tensor.randn([11], generator: g)
        var panel = ConvSettings.standard
        panel.useStride2Direct = false
        let results = try [ConvSettings.standard, panel].map { settings in
            try Tensor.$convSettings.withValue(settings) {
                try x.conv2d(weight: weight, bias: bias, stride: [2, 2], padding: [pad, pad], padEnd: (end, end))
            }
        }
        #expect(results[0].shape == results[1].shape)
        #expect(results[0].scalars == results[1].scalars, "\(c)")
    }

    @Test("a one-row linear layer equals the same rows through BLAS")
    func linearOneRow() throws {
        let g = Generator(seed: 5)
        for (inF, outF) in [(128, 64), (33, 7), (1, 3), (300, 200)] {
            let x = Tensor.randn([2, inF], generator: g), weight = Tensor.randn([outF, inF], generator: g)
            let bias = Tensor.randn([outF], generator: g)
            let both = try x.linear(weight: weight, bias: bias)  // two rows: BLAS
            for r in 0..<2 {
                let row = try x.narrow(0, start: r, length: 1)
                let one = try row.linear(weight: weight, bias: bias)
                #expect(relativeDifference(one, try both.narrow(0, start: r, length: 1)) < 1e-5, "\(inF)→\(outF)")
                let noBias = try row.linear(weight: weight, bias: nil)
                #expect(relativeDifference(try noBias + bias, one) < 1e-5)
            }
        }
    }

    @Test("a small linear layer row by row gives each row of a batch the bits of that row alone")
    func linearRowByRow() throws {
        let g = Generator(seed: 6)
        for (rows, inF, outF) in [(5, 128, 64), (3, 33, 7), (1000, 32, 16)] {
            let x = Tensor.randn([rows, inF], generator: g), weight = Tensor.randn([outF, inF], generator: g)
            let bias = Tensor.randn([outF], generator: g)
            let all = try x.linear(weight: weight, bias: bias, rowByRow: true)
            #expect(relativeDifference(all, try x.linear(weight: weight, bias: bias)) < 1e-5, "against BLAS")
            for r in [0, rows / 2, rows - 1] {
                let alone = try x.narrow(0, start: r, length: 1).linear(weight: weight, bias: bias)
                #expect(try all.narrow(0, start: r, length: 1).scalars == alone.scalars, "row \(r) of \(rows)")
            }
            let noBias = try x.linear(weight: weight, bias: nil, rowByRow: true)
            #expect(try noBias.narrow(0, start: rows - 1, length: 1).scalars
                    == x.narrow(0, start: rows - 1, length: 1).linear(weight: weight, bias: nil).scalars)
        }
    }

    @Test("cat of one image's channels, copied by both threads, puts every part in place")
    func catChannels() throws {
        let g = Generator(seed: 9)
        let parts = [64, 33, 3].map { Tensor.randn([1, $0, 32, 31], generator: g) }
        let joined = try Tensor.cat(parts, dim: 1)
        #expect(joined.shape == [1, 100, 32, 31])
        #expect(joined.count >= 1 << 16)  // large enough to be split
        var start = 0
        for (i, p) in parts.enumerated() {
            #expect(try joined.narrow(1, start: start, length: p.shape[1]).contiguous().scalars == p.scalars, "part \(i)")
            start += p.shape[1]
        }
    }

    @Test("freed buffers are reused for tensors of the same size, up to the cache's capacity")
    func bufferReuse() throws {
        // A cache of its own: the shared one is filled and emptied by every test running alongside.
        let cache = BufferCache()
        let count = 12_345
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count), q = UnsafeMutablePointer<Float>.allocate(capacity: count)
        #expect(cache.keep(p, count: count) && cache.keep(q, count: count))
        #expect(cache.take(count) == q && cache.take(count) == p)   // newest first
        #expect(cache.take(count) == nil && cache.take(count + 1) == nil)
        p.deallocate(); q.deallocate()
        // Too small and too large buffers go back to malloc, and so does one past the capacity.
        let small = UnsafeMutablePointer<Float>.allocate(capacity: BufferCache.smallest - 1)
        #expect(!cache.keep(small, count: BufferCache.smallest - 1))
        small.deallocate()
        #expect(cache.take(BufferCache.largest + 1) == nil)
        var kept: [UnsafeMutablePointer<Float>] = []
        let big = BufferCache.largest
        while true {
            let b = UnsafeMutablePointer<Float>.allocate(capacity: big)
            guard cache.keep(b, count: big) else { b.deallocate(); break }
            kept.append(b)
        }
        #expect(kept.count == BufferCache.capacity / (big * MemoryLayout<Float>.stride))
        while let b = cache.take(big) { b.deallocate() }
        // A reused buffer holds whatever the last tensor wrote; every op writes all of its output.
        let a = Tensor.full([count], 3)
        let b = try a + a
        #expect(b.scalars.allSatisfy { $0 == 6 })
    }
}
