import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS, opened at run time.
///
/// Debian's OpenBLAS picks its kernels once, when the library loads, from `OPENBLAS_CORETYPE` or its
/// own CPU detection — and the detection mistakes recent AVX-512 Xeons for "Prescott" (a 4× slower
/// kernel). So Tensor does not link the library at load time: on first use it sets
/// `OPENBLAS_CORETYPE` from the CPU's flags (unless the user set it), then `dlopen`s
/// `libopenblas.so.0` and resolves the few functions dsh needs.
///
/// Threads: `DSH_NUM_THREADS` (then `OPENBLAS_NUM_THREADS`) sets how many threads BLAS uses;
/// the default is every core. Unless the user set `OPENBLAS_THREAD_TIMEOUT`, dsh sets it to 4, so
/// OpenBLAS's idle workers go to sleep almost at once after a GEMM instead of busy-waiting (by
/// default for about 2^28 cycles) on the cores dsh's own `Parallel` loops need.
public enum BLAS {
    /// The `OPENBLAS_THREAD_TIMEOUT` dsh sets when the user has not (log2 of the spin before an idle
    /// worker sleeps; OpenBLAS clamps it to 4…30, default 28).
    ///
    /// Measured with dsh-bench on the 2-core dev machine, 2026-11-28 (median of 3, seconds; "loaded" = one
    /// extra busy process), ddpm-cat-256 forward / tiny-cats 1000-step pipeline:
    ///   OpenBLAS default spin:       quiet 5.4, 6.0 / 6.8, 15.2   loaded 8.3 / 19.2
    ///   OPENBLAS_THREAD_TIMEOUT=4:   quiet 3.5, 3.5 / 9.3,  7.5   loaded 7.4 / 12.8
    ///   OPENBLAS_NUM_THREADS=1:      quiet 7.0, 5.9 / 10.0, 9.7   loaded 6.7 /  9.2
    /// The short timeout is the fastest when the cores are free and beats the default spin under load;
    /// one BLAS thread only wins when another process already takes a core. See docs/performance.md.
    static let defaultThreadTimeout = "4"

    /// Whether a matrix operand is read as stored or transposed.
    public enum Transpose: Sendable {
        case noTranspose, transpose
        var cblas: UInt32 { self == .noTranspose ? 111 : 112 }   // CblasNoTrans, CblasTrans
    }

    typealias SgemmFn = @convention(c) (UInt32, UInt32, UInt32, Int32, Int32, Int32, Float,
                                        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                        Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias StringFn = @convention(c) () -> UnsafeMutablePointer<CChar>?
    typealias GetIntFn = @convention(c) () -> Int32
    typealias SetIntFn = @convention(c) (Int32) -> Void

    /// The resolved entry points of a loaded library.
    struct Library: @unchecked Sendable {
        let sgemm: SgemmFn
        let corename: StringFn?
        let config: StringFn?
        let getThreads: GetIntFn?
        let setThreads: SetIntFn?
    }

    /// The library, loaded once on first use (Swift runs this initialiser exactly once, thread-safely).
    static let loaded: Result<Library, TensorError> = load()

    /// The loaded library, or an error explaining how to install it.
    static func library() throws -> Library {
        try loaded.get()
    }

    /// The core type OpenBLAS would be told to use for this CPU, from `/proc/cpuinfo` flags.
    static func detectedCoreType() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") { return "Haswell" }
        return nil
    }

    private static func load() -> Result<Library, TensorError> {
        let env = ProcessInfo.processInfo.environment
        if env["OPENBLAS_CORETYPE"] == nil, let core = detectedCoreType() {
            setenv("OPENBLAS_CORETYPE", core, 0)
        }
        if env["OPENBLAS_NUM_THREADS"] == nil, let s = env["DSH_NUM_THREADS"], let n = Int(s), n > 0 {
            setenv("OPENBLAS_NUM_THREADS", String(n), 0)
        }
        if env["OPENBLAS_THREAD_TIMEOUT"] == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", defaultThreadTimeout, 0)
        }
        var handle: UnsafeMutableRawPointer?
        for name in ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"] {
            handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if handle != nil { break }
        }
        guard let handle else {
            let why = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(TensorError(.unsupported,
                "BLAS: could not open libopenblas.so.0 (\(why)); install it with `apt-get install libopenblas-dev`"))
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            guard let p = dlsym(handle, name) else { return nil }
            return unsafeBitCast(p, to: type)
        }
        guard let sgemm = symbol("cblas_sgemm", as: SgemmFn.self) else {
            return .failure(TensorError(.unsupported, "BLAS: libopenblas has no cblas_sgemm; install libopenblas-dev"))
        }
        let lib = Library(sgemm: sgemm,
                          corename: symbol("openblas_get_corename", as: StringFn.self),
                          config: symbol("openblas_get_config", as: StringFn.self),
                          getThreads: symbol("openblas_get_num_threads", as: GetIntFn.self),
                          setThreads: symbol("openblas_set_num_threads", as: SetIntFn.self))
        if let s = env["DSH_NUM_THREADS"], let n = Int(s), n > 0 { lib.setThreads?(Int32(n)) }
        return .success(lib)
    }

    /// The kernel family OpenBLAS chose (e.g. `SkylakeX`), or `unavailable` when it cannot be loaded.
    public static var coreName: String {
        guard let lib = try? library(), let f = lib.corename, let p = f() else { return "unavailable" }
        return String(cString: p)
    }

    /// Threads OpenBLAS uses (0 when it cannot be loaded).
    public static var threadCount: Int {
        guard let lib = try? library(), let f = lib.getThreads else { return 0 }
        return Int(f())
    }

    /// OpenBLAS's build configuration string.
    public static var configuration: String {
        guard let lib = try? library(), let f = lib.config, let p = f() else { return "unavailable" }
        return String(cString: p)
    }

    /// Sets the number of threads OpenBLAS uses.
    public static func setThreadCount(_ n: Int) throws {
        try library().setThreads?(Int32(max(1, n)))
    }

    /// Row-major `C = alpha · op(A) · op(B) + beta · C` in single precision (`cblas_sgemm`), where
    /// `op(A)` is `m×k`, `op(B)` is `k×n` and `C` is `m×n`; `lda`, `ldb`, `ldc` are the row strides
    /// of the stored matrices. Complexity: `2·m·n·k` flops.
    public static func sgemm(transA: Transpose = .noTranspose, transB: Transpose = .noTranspose,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) throws {
        let lib = try library()
        guard m >= 0, n >= 0, k >= 0, m < Int(Int32.max), n < Int(Int32.max), k < Int(Int32.max),
              lda < Int(Int32.max), ldb < Int(Int32.max), ldc < Int(Int32.max) else {
            throw valueError("sgemm: sizes m=\(m) n=\(n) k=\(k) out of range for 32-bit BLAS")
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched when k == 0 only if beta == 1; be explicit.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        // OpenBLAS 0.3.21 threads a GEMM above 65536·4 multiply-adds (interface/gemm.c); its threads
        // should not find dsh's workers polling on the other core.
        if Double(m) * Double(n) * Double(k) > 262_144 { Parallel.park() }
        lib.sgemm(101, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
                  a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(ldc, 1)))
    }
}
