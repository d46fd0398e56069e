// Tensor's elementwise loops (TensorKernels' VectorKernels) compiled for AVX-512; see DirectKernel512.swift.
import TensorKernels

public enum VectorMath512 {
    /// `y[i] = x[i]·scale + shift`, then SiLU when `silu`.
    @inline(never)
    public static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                              scale: Float, shift: Float, silu: Bool) {
        VectorKernels.affine(x, y, count: count, scale: scale, shift: shift, silu: silu)
    }
}
