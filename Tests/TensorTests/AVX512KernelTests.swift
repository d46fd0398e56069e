import Testing
@testable import Tensor
#if arch(x86_64)
import TensorAVX512
import TensorKernels

// The AVX-512 loops (Sources/TensorAVX512) against the portable ones they replace: the same products added in
// the same order, lane for lane, so the outputs must be the same bits, whatever the depth, strides and offsets. The
// AVX-512 blocks are eight rows high, the portable ones six, so the portable block runs twice to cover eight.

@Suite("AVX-512 kernels", .enabled(if: CPUFeatures.hasAVX512, "this CPU has no AVX-512"))
struct AVX512KernelTests {
    /// Random floats (a fixed LCG, so a failure repeats).
    static func values(_ count: Int, seed: UInt32) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 24) - 0.5
        }
    }

    /// The portable 6-row block run twice, on rows 0..<6 and 2..<8, as one 8-row block.
    static func portable8(_ block: (UnsafePointer<UnsafePointer<Float>>, UnsafeMutablePointer<Float>) -> Void,
                          rows: [UnsafePointer<Float>], output: UnsafeMutablePointer<Float>, outputStride: Int) {
        rows.withUnsafeBufferPointer { rb in
            block(rb.baseAddress!, output)
            block(rb.baseAddress! + 2, output + 2 * outputStride)
        }
    }

    @Test("gemm and gemmPair give the portable kernel's bits", arguments: [(1, 1), (5, 1), (64, 1), (37, 3), (128, 2)])
    func gemm(_ shape: (depth: Int, weightStride: Int)) {
        let (depth, ws) = shape
        let plane = 48, second = 16, outputStride = 40, rowCount = DirectKernel512.rows
        #expect(rowCount == 8)
        let x = Self.values(depth * plane + second + 16, seed: UInt32(depth * 10 + ws))
        let w = Self.values(rowCount * depth * ws + 7, seed: 99)
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                let x0 = xb.baseAddress!
                let rows = (0..<rowCount).map { wb.baseAddress! + $0 * depth * ws + $0 % 2 }
                var portable = [Float](repeating: 0, count: rowCount * outputStride)
                var fast = portable, pairPortable = portable, pair = portable
                portable.withUnsafeMutableBufferPointer { p in
                    Self.portable8({ DirectKernel.gemmPortable(x: x0, plane: plane, depth: depth, weights: $0, weightStride: ws,
                                                               output: $1, outputStride: outputStride) },
                                   rows: rows, output: p.baseAddress!, outputStride: outputStride)
                }
                pairPortable.withUnsafeMutableBufferPointer { p in
                    for (offset, half) in [(0, 0), (second, 16)] {
                        Self.portable8({ DirectKernel.gemmPortable(x: x0 + offset, plane: plane, depth: depth, weights: $0,
                                                                   weightStride: ws, output: $1, outputStride: outputStride) },
                                       rows: rows, output: p.baseAddress! + half, outputStride: outputStride)
                    }
                }
                rows.withUnsafeBufferPointer { rb in
                    DirectKernel512.gemm(x: x0, plane: plane, depth: depth, weights: rb.baseAddress!, weightStride: ws,
                                         output: &fast, outputStride: outputStride)
                    DirectKernel512.gemmPair(x: x0, second: second, plane: plane, depth: depth, weights: rb.baseAddress!,
                                             weightStride: ws, output: &pair, outputStride: outputStride)
                }
                #expect(fast == portable)
                #expect(pair == pairPortable)
                #expect(pair.contains { $0 != 0 })
            }
        }
    }

    @Test("the direct 3×3 block and its pair give the portable kernel's bits", arguments: [1, 3, 16])
    func run(_ channels: Int) {
        let plane = 10 * 10, taps = 9, rowCount = DirectKernel512.rows, outputStride = 32
        let x = Self.values(channels * plane + 64, seed: UInt32(channels))
        let w = Self.values(rowCount * channels * taps, seed: 5)
        let offsets = (0..<3).flatMap { i in (0..<3).map { j in i * 10 + j } }
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                offsets.withUnsafeBufferPointer { ob in
                    let rows = (0..<rowCount).map { wb.baseAddress! + $0 * channels * taps }
                    var portable = [Float](repeating: 0, count: rowCount * outputStride), fast = portable, pair = portable
                    portable.withUnsafeMutableBufferPointer { p in
                        for half in [0, 16] {
                            Self.portable8({ DirectKernel.runPortable(x: xb.baseAddress! + half, plane: plane, channels: channels,
                                                                      taps: taps, offsets: ob.baseAddress!, weights: $0, output: $1,
                                                                      outputStride: outputStride) },
                                           rows: rows, output: p.baseAddress! + half, outputStride: outputStride)
                        }
                    }
                    rows.withUnsafeBufferPointer { rb in
                        for half in [0, 16] {
                            fast.withUnsafeMutableBufferPointer { f in
                                DirectKernel512.run(x: xb.baseAddress! + half, plane: plane, channels: channels, taps: taps,
                                                    offsets: ob.baseAddress!, weights: rb.baseAddress!, output: f.baseAddress! + half,
                                                    outputStride: outputStride)
                            }
                        }
                        DirectKernel512.runPair(x: xb.baseAddress!, second: 16, plane: plane, channels: channels, taps: taps,
                                                offsets: ob.baseAddress!, weights: rb.baseAddress!, output: &pair,
                                                outputStride: outputStride)
                    }
                    #expect(fast == portable)
                    #expect(pair == portable)
                    #expect(fast.contains { $0 != 0 })
                }
            }
        }
    }

    @Test("the four-block direct kernel for a few output channels gives the one-block kernel's bits", arguments: [1, 3, 32])
    func runQuad(_ channels: Int) {
        let plane = 10 * 10, taps = 9, rowCount = DirectKernel512.rows, outputStride = 64
        let x = Self.values(channels * plane + 96, seed: UInt32(channels) + 7)
        let w = Self.values(rowCount * channels * taps, seed: 6)
        let offsets = (0..<3).flatMap { i in (0..<3).map { j in i * 10 + j } }
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                offsets.withUnsafeBufferPointer { ob in
                    let rows = (0..<rowCount).map { wb.baseAddress! + $0 * channels * taps }
                    var single = [Float](repeating: 0, count: rowCount * outputStride), quad = single
                    rows.withUnsafeBufferPointer { rb in
                        single.withUnsafeMutableBufferPointer { o in
                            for block in 0..<4 {
                                DirectKernel512.run(x: xb.baseAddress! + 16 * block, plane: plane, channels: channels, taps: taps,
                                                    offsets: ob.baseAddress!, weights: rb.baseAddress!,
                                                    output: o.baseAddress! + 16 * block, outputStride: outputStride)
                            }
                        }
                        DirectKernel512.runQuad(x: xb.baseAddress!, second: 16, plane: plane, channels: channels, taps: taps,
                                                offsets: ob.baseAddress!, weights: rb.baseAddress!, output: &quad,
                                                outputStride: outputStride)
                    }
                    // The quad block's rows are the first four of the eight-row block's.
                    let n = DirectKernel512.quadRows * outputStride
                    #expect(Array(quad[0..<n]) == Array(single[0..<n]))
                    #expect(quad[0..<n].contains { $0 != 0 })
                }
            }
        }
    }

    @Test("affine + SiLU gives the portable loop's bits, tails and extremes included", arguments: [false, true])
    func affine(_ silu: Bool) {
        var x = Self.values(1000 + 7, seed: 3).map { $0 * 200 }   // −100…100: exp's clamps at both ends
        x += [0, -0, .infinity, -.infinity, .nan, 88.5, -87.5, 1e-30, -1e-30]
        var portable = [Float](repeating: 0, count: x.count), fast = portable
        VectorKernels.affine(x, &portable, count: x.count, scale: 0.75, shift: -0.5, silu: silu)
        VectorMath512.affine(x, &fast, count: x.count, scale: 0.75, shift: -0.5, silu: silu)
        #expect(fast.map(\.bitPattern) == portable.map(\.bitPattern))
        #expect(portable.contains { $0 != 0 })
    }
}
#endif
