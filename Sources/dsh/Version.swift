import Tensor

enum Version {
    static let string = "0.1.0"

    /// `dsh --version`: the version and what the numerics run on.
    static func report() -> String {
        var lines = ["dsh \(string)"]
        lines.append("BLAS: \(BLAS.configuration)")
        lines.append("BLAS kernel: \(BLAS.coreName), \(BLAS.threadCount) threads")
        lines.append("dsh threads: \(Parallel.threadCount)")
        let vectors = CPUFeatures.avx512 ? "AVX-512" : CPUFeatures.hasAVX512 ? "portable (AVX-512 off: DSH_AVX512=0)" : "portable"
        lines.append("dsh kernels: \(vectors)")
        return lines.joined(separator: "\n")
    }
}
