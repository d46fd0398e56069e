// Tensor's GEMM blocks (TensorKernels' GEMMBlock) compiled for AVX-512: this module alone is built for the
// Skylake-AVX512 instruction set (Package.swift), so a 16-float vector is one zmm register and a broadcast weight
// folds into its FMA. Tensor calls these only where the CPU has AVX-512 (`CPUFeatures.avx512`).
import TensorKernels

public enum DirectKernel512 {
    @inline(never)
    public static func run(x: UnsafePointer<Float>, plane: Int, channels cc: Int, taps: Int, offsets: UnsafePointer<Int>,
                           weights: UnsafePointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        GEMMBlock.run(x: x, plane: plane, channels: cc, taps: taps, offsets: offsets, weights: weights, output: output,
                      outputStride: outputStride)
    }

    @inline(never)
    public static func gemm(x: UnsafePointer<Float>, plane: Int, depth: Int, weights: UnsafePointer<UnsafePointer<Float>>,
                            weightStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        GEMMBlock.gemm(x: x, plane: plane, depth: depth, weights: weights, weightStride: weightStride, output: output,
                       outputStride: outputStride)
    }

    @inline(never)
    public static func gemmPair(x: UnsafePointer<Float>, second: Int, plane: Int, depth: Int,
                                weights: UnsafePointer<UnsafePointer<Float>>, weightStride: Int,
                                output: UnsafeMutablePointer<Float>, outputStride: Int) {
        GEMMBlock.gemmPair(x: x, second: second, plane: plane, depth: depth, weights: weights, weightStride: weightStride,
                           output: output, outputStride: outputStride)
    }
}
