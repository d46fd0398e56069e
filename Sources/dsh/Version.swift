import Tensor

enum Version {
    static let string = "0.1.0"

    /// `dsh --version`: the version and what the numerics run on.
    static func report() -> String {
        var lines = ["dsh \(string)"]
        lines.append("BLAS: \(BLAS.configuration)")
        lines.append("BLAS kernel: \(BLAS.coreName), \(BLAS.threadCount) threads")
        lines.append("dsh threads: \(Parallel.threadCount)")
        return lines.joined(separator: "\n")
    }
}
