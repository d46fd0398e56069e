import Testing
@testable import Tensor
#if arch(x86_64)
import TensorAVX512
import TensorKernels

// The AVX-512 loops (Sources/TensorAVX512) against the portable ones they replace: the same products added in
// the same order, lane for lane, so the outputs must be the same bits, whatever the depth, strides and offsets.

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

    @Test("gemm and gemmPair give the portable kernel's bits", arguments: [(1, 1), (5, 1), (64, 1), (37, 3), (128, 2)])
    func gemm(_ shape: (depth: Int, weightStride: Int)) {
        let (depth, ws) = shape
        let plane = 48, second = 16, outputStride = 40
        let x = Self.values(depth * plane + second + 16, seed: UInt32(depth * 10 + ws))
        let w = Self.values(6 * depth * ws + 7, seed: 99)
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                let rows = (0..<6).map { wb.baseAddress! + $0 * depth * ws + $0 % 2 }
                rows.withUnsafeBufferPointer { rb in
                    var portable = [Float](repeating: 0, count: 6 * outputStride)
                    var fast = portable, pairPortable = portable, pair = portable
                    DirectKernel.gemmPortable(x: xb.baseAddress!, plane: plane, depth: depth, weights: rb.baseAddress!,
                                              weightStride: ws, output: &portable, outputStride: outputStride)
                    DirectKernel512.gemm(x: xb.baseAddress!, plane: plane, depth: depth, weights: rb.baseAddress!,
                                         weightStride: ws, output: &fast, outputStride: outputStride)
                    #expect(fast == portable)
                    pairPortable.withUnsafeMutableBufferPointer { p in
                        DirectKernel.gemmPortable(x: xb.baseAddress!, plane: plane, depth: depth, weights: rb.baseAddress!,
                                                  weightStride: ws, output: p.baseAddress!, outputStride: outputStride)
                        DirectKernel.gemmPortable(x: xb.baseAddress! + second, plane: plane, depth: depth, weights: rb.baseAddress!,
                                                  weightStride: ws, output: p.baseAddress! + 16, outputStride: outputStride)
                    }
                    DirectKernel512.gemmPair(x: xb.baseAddress!, second: second, plane: plane, depth: depth,
                                             weights: rb.baseAddress!, weightStride: ws, output: &pair, outputStride: outputStride)
                    #expect(pair == pairPortable)
                    #expect(pair.contains { $0 != 0 })
                }
            }
        }
    }

    @Test("the direct 3×3 block gives the portable kernel's bits", arguments: [1, 3, 16])
    func run(_ channels: Int) {
        let plane = 10 * 10, taps = 9
        let x = Self.values(channels * plane + 64, seed: UInt32(channels))
        let w = Self.values(6 * channels * taps, seed: 5)
        let offsets = (0..<3).flatMap { i in (0..<3).map { j in i * 10 + j } }
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                let rows = (0..<6).map { wb.baseAddress! + $0 * channels * taps }
                rows.withUnsafeBufferPointer { rb in
                    offsets.withUnsafeBufferPointer { ob in
                        var portable = [Float](repeating: 0, count: 6 * 16), fast = portable
                        DirectKernel.runPortable(x: xb.baseAddress!, plane: plane, channels: channels, taps: taps,
                                                 offsets: ob.baseAddress!, weights: rb.baseAddress!, output: &portable, outputStride: 16)
                        DirectKernel512.run(x: xb.baseAddress!, plane: plane, channels: channels, taps: taps,
                                            offsets: ob.baseAddress!, weights: rb.baseAddress!, output: &fast, outputStride: 16)
                        #expect(fast == portable)
                        #expect(fast.contains { $0 != 0 })
                    }
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
