// Tensor's GEMM blocks (TensorKernels' GEMMBlock) compiled for AVX-512: this module alone is built for the
// Skylake-AVX512 instruction set (Package.swift), so a 16-float vector is one zmm register and a broadcast weight
// folds into its FMA. With 32 such registers the blocks are eight rows high (six in the portable build). Tensor
// calls these only where the CPU has AVX-512 (`CPUFeatures.avx512`).
import TensorKernels

public enum DirectKernel512 {
    /// Output rows per block.
    public static let rows = 8

    @inline(never)
    public static func run(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int, offsets: UnsafePointer<Int>,
                           weights: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<8, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.run(x: x, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: w, output: output,
                      outputStride: outputStride)
    }

    @inline(never)
    public static func runPair(x: UnsafePointer<Float>, second: Int, plane: Int, channels cc: Int, taps: Int,
                               offsets: UnsafePointer<Int>, weights: UnsafePointer<UnsafePointer<Float>>,
                               output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<8, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.runPair(x: x, second: second, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: w,
                          output: output, outputStride: outputStride)
    }

    /// Rows of ``runQuad(x:second:plane:channels:taps:offsets:weights:output:outputStride:)``'s blocks.
    public static let quadRows = 4

    @inline(never)
    public static func runQuad(x: UnsafePointer<Float>, second: Int, plane: Int, channels cc: Int, taps: Int,
                               offsets: UnsafePointer<Int>, weights: UnsafePointer<UnsafePointer<Float>>,
                               output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<4, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.runQuad(x: x, second: second, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: w,
                          output: output, outputStride: outputStride)
    }

    @inline(never)
    public static func gemm(x: UnsafePointer<Float>, plane: Int, depth: Int, weights: UnsafePointer<UnsafePointer<Float>>,
                            weightStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<8, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.gemm(x: x, plane: plane, depth: depth, weights: w, weightStride: weightStride, output: output,
                       outputStride: outputStride)
    }

    @inline(never)
    public static func gemmPair(x: UnsafePointer<Float>, second: Int, plane: Int, depth: Int,
                                weights: UnsafePointer<UnsafePointer<Float>>, weightStride: Int,
                                output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let w: InlineArray<8, UnsafePointer<Float>> = GEMMBlock.rows(weights)
        GEMMBlock.gemmPair(x: x, second: second, plane: plane, depth: depth, weights: w, weightStride: weightStride,
                           output: output, outputStride: outputStride)
    }
}
