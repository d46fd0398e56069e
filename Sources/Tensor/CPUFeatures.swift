import CSupport
import Foundation

/// What the CPU offers beyond the Haswell level (AVX2 + FMA) that Tensor is compiled for.
public enum CPUFeatures {
    /// Whether the CPU and the OS support the AVX-512 subsets that the TensorAVX512 module is compiled for.
    public static let hasAVX512: Bool = dsh_cpu_has_avx512() != 0

    /// Whether Tensor runs its AVX-512 loops (the TensorAVX512 module): the CPU has them and `DSH_AVX512` is not `0`.
    public static let avx512: Bool = hasAVX512 && ProcessInfo.processInfo.environment["DSH_AVX512"] != "0"
}
