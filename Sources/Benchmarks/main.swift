// dsh-bench: times dsh's kernels and, when the reference venv is present, the same ops in PyTorch.
//
//     swift run -c release dsh-bench [--runs N] [--no-torch] [key ...]
//
// Each benchmark is an entry in `Benchmark.all`; its key is shared with tools/bench_torch.py, which
// prints PyTorch's medians as JSON. Add an entry here (and, if PyTorch has the same op, a case
// there) to benchmark something new.
//
// Besides the kernels it times whole workloads: one ddpm-cat-256 UNet forward (and loading that model's
// 455 MB checkpoint), 1000 DDPM scheduler steps, 1000-step sampling with the embedded dsh/tiny-cats-32
// pipeline, a pure-Python loop in dsh's interpreter (against CPython), and drawing/writing a 256×256 image.
// The slow entries run fewer times (`maxRuns`) and may skip the warm-up; tools/bench_torch.py uses the
// same counts. Results: docs/performance.md.
import Diffusers
import Foundation
import Imaging
import Script
import Tensor
#if canImport(Glibc)
import Glibc
#endif

// The thread settings the user gave, read first: loading BLAS (any global below that asks it) sets dsh's defaults.
let userEnv = ProcessInfo.processInfo.environment
let threadEnv = ["DSH_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT", "OMP_NUM_THREADS"]
    .compactMap { k in userEnv[k].map { "\(k)=\($0)" } }

/// One timed operation.
struct Benchmark {
    /// Names the entry on the command line.
    let key: String
    /// The tools/bench_torch.py case to compare with (nil: none).
    var torchKey: String?
    let op: String
    let shape: String
    /// Floating-point operations per run, for the GFLOP/s column (nil: not meaningful).
    let flops: Double?
    /// The most timed runs for this entry, whatever `--runs` says (slow entries: a UNet forward takes seconds).
    var maxRuns: Int? = nil
    /// Whether one untimed run precedes the timed ones.
    var warmup: Bool = true
    /// Builds the inputs once and returns the body to time (nil: not available in this build).
    let setup: () throws -> (() throws -> Void)?
}

extension Benchmark {
    static func randomTensor(_ shape: [Int], scale: Float = 1) throws -> Tensor {
        // A cheap deterministic fill (independent of the RNG, which is benchmarked separately).
        let n = shape.reduce(1, *)
        var state: UInt32 = 12345
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            state = state &* 1_664_525 &+ 1_013_904_223
            values[i] = (Float(state >> 8) / Float(1 << 24) - 0.5) * 2 * scale
        }
        return try Tensor(shape: shape, scalars: values)
    }

    /// How a conv2d benchmark runs: which `ConvSettings`, and whether through a layer's weight cache.
    enum ConvAlgorithm: String {
        /// im2col + OpenBLAS sgemm (the small-image paths off).
        case im2col
        /// Winograd F(2×2, 3×3) with OpenBLAS GEMMs (`DSH_WINOGRAD=1`).
        case winograd
        /// The default for a script's `F.conv2d` on a small image: the direct kernel.
        case direct
        /// The default for a model layer on a small image: Winograd with the weights transformed once
        /// (F(4×4, 3×3) at 24–48 px, F(2×2, 3×3) otherwise).
        case layer

        var settings: ConvSettings {
            switch self {
            case .im2col: ConvSettings(useWinograd: false, useDirect: false)
            case .winograd: ConvSettings(useWinograd: true, useDirect: false)
            case .direct, .layer:
                // The process's settings (so DSH_TILE_ROWS=0 and the like compare paths), Winograd-by-BLAS off.
                { var s = ConvSettings.standard; s.useWinograd = false; s.useDirect = true; return s }()
            }
        }
    }

    /// conv2d 3×3 C→C at `size`² by `algorithm` (GFLOP/s counts direct-convolution flops).
    static func conv(_ size: Int, channels: Int = 128, _ algorithm: ConvAlgorithm) -> Benchmark {
        let torchKey = "conv3x3_\(channels)_\(size)"
        return Benchmark(key: torchKey + (algorithm == .im2col ? "" : "_" + algorithm.rawValue),
                         torchKey: torchKey, op: "conv2d 3×3 " + algorithm.rawValue, shape: "1×\(channels)×\(size)² → \(channels)",
                         flops: 2 * Double(channels * channels * 9 * size * size)) {
            let x = try randomTensor([1, channels, size, size]), w = try randomTensor([channels, channels, 3, 3], scale: 0.03)
            let b = try randomTensor([channels])
            let cache = algorithm == .layer ? ConvWeightCache() : nil
            return {
                _ = try Tensor.$convSettings.withValue(algorithm.settings) {
                    try x.conv2d(weight: w, bias: b, padding: [1, 1], cache: cache)
                }
            }
        }
    }

    /// Every benchmark, in table order.
    static let all: [Benchmark] = [
        Benchmark(key: "sgemm_2048", torchKey: "sgemm_2048", op: "sgemm", shape: "2048³", flops: 2 * pow(2048, 3)) {
            let a = try randomTensor([2048, 2048]), b = try randomTensor([2048, 2048])
            return { _ = try a.matmul(b) }
        },
        conv(64, .im2col),
        conv(64, .winograd),
        conv(64, .direct),
        conv(64, .layer),
        conv(256, .im2col),
        conv(256, .winograd),
        conv(32, channels: 64, .im2col),
        conv(32, channels: 64, .direct),
        conv(32, channels: 64, .layer),
        conv(16, channels: 64, .im2col),
        conv(16, channels: 64, .layer),
        conv(8, channels: 64, .im2col),
        conv(8, channels: 64, .layer),
        Benchmark(key: "group_norm_128_256", torchKey: "group_norm_128_256", op: "group_norm 32", shape: "1×128×256²", flops: nil) {
            let x = try randomTensor([1, 128, 256, 256]), w = try randomTensor([128]), b = try randomTensor([128])
            return { _ = try x.groupNorm(groups: 32, weight: w, bias: b) }
        },
        Benchmark(key: "group_norm_silu_128_256", torchKey: "group_norm_silu_128_256", op: "group_norm+silu", shape: "1×128×256²", flops: nil) {
            let x = try randomTensor([1, 128, 256, 256]), w = try randomTensor([128]), b = try randomTensor([128])
            return { _ = try x.groupNormSiLU(groups: 32, weight: w, bias: b) }
        },
        Benchmark(key: "sdpa_8x1024x64", torchKey: "sdpa_8x1024x64", op: "sdpa", shape: "1×8×1024×64", flops: 4 * 8 * 1024 * 1024 * 64) {
            let q = try randomTensor([1, 8, 1024, 64]), k = try randomTensor([1, 8, 1024, 64])
            let v = try randomTensor([1, 8, 1024, 64])
            return { _ = try Tensor.scaledDotProductAttention(query: q, key: k, value: v) }
        },
        Benchmark(key: "randn_3_256", torchKey: "randn_3_256", op: "randn", shape: "1×3×256²", flops: nil) {
            // Until the generator lands, randn returns zeros: detect that and report n/a.
            let probe = Tensor.randn([64], generator: Generator(seed: 0))
            guard probe.scalars.contains(where: { $0 != 0 }) else { return nil }
            let g = Generator(seed: 0)
            return { _ = Tensor.randn([1, 3, 256, 256], generator: g) }
        },
        Benchmark(key: "unet_ddpm_cat_256", torchKey: "unet_ddpm_cat_256", op: "unet ddpm-cat-256", shape: "1×3×256² fwd",
                  flops: nil, maxRuns: 3, warmup: false) {
            // 113.7M parameters, random weights; the peak RSS of this entry is reported below the table.
            let model = try UNet2DModel.ddpmCat256RandomWeights(seed: 0)
            let x = try randomTensor([1, 3, 256, 256])
            Report.resetPeakRSS()
            return {
                _ = try model(sample: x, timestep: .int(500)).sample
                Report.recordPeakRSS("unet_ddpm_cat_256")
            }
        },
        Benchmark(key: "unet_load_ckpt", torchKey: "unet_load_ckpt", op: "unet from_pretrained", shape: "455 MB fp32",
                  flops: nil, maxRuns: 3) {
            // Written once, then loaded from a warm page cache (the warm-up load).
            let dir = NSTemporaryDirectory() + "dsh-bench-ckpt-\(getpid())"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            Report.temporaryPaths.append(dir)
            try UNet2DModel.ddpmCat256RandomWeights(seed: 0).savePretrained(dir)
            return { _ = try UNet2DModel.fromPretrained(dir) }
        },
        Benchmark(key: "ddpm_scheduler_1000", torchKey: "ddpm_scheduler_1000", op: "DDPMScheduler ×1000", shape: "1×3×256²",
                  flops: nil, maxRuns: 3) {
            let scheduler = try DDPMScheduler.make()
            let output = try randomTensor([1, 3, 256, 256], scale: 0.5), start = try randomTensor([1, 3, 256, 256])
            return {
                try scheduler.setTimesteps(1000)
                let generator = Generator(seed: 0)
                var sample = start
                for t in scheduler.timesteps.scalars {
                    sample = try scheduler.step(modelOutput: output, timestep: Double(t), sample: sample, generator: generator).prevSample
                }
            }
        },
        Benchmark(key: "pipeline_tiny_cats_1000", torchKey: "pipeline_tiny_cats_1000", op: "pipeline tiny-cats", shape: "1000 DDPM, b1",
                  flops: nil, maxRuns: 3, warmup: false) {
            // The embedded model by id (found in the build's resources or the source tree); n/a until it exists.
            let pipeline: DiffusionPipeline
            if let p = try? DiffusionPipeline.fromPretrained("dsh/tiny-cats-32") { pipeline = p }
            else if let folder = tinyCatsFolder() { pipeline = try DiffusionPipeline.fromPretrained(folder) }
            else { return nil }
            return {
                var options = SamplingOptions(numInferenceSteps: 1000)
                options.generator = Generator(seed: 0)
                _ = try pipeline(options)
            }
        },
        Benchmark(key: "interpreter_loop", torchKey: "interpreter_loop", op: "interpreter loop", shape: "1e6 iterations",
                  flops: nil, maxRuns: 5) {
            // PyTorch column: CPython 3.11 (`python3`) exec-ing the same source.
            let interpreter = Interpreter(stdout: { _ in }, stderr: { _ in })
            return { try interpreter.run(source: interpreterLoopSource, filename: "<bench>") }
        },
        Benchmark(key: "render_256_truecolor", torchKey: nil, op: "render truecolor", shape: "256×256 RGB", flops: nil) {
            let image = try testImage()
            let renderer = TerminalRenderer(mode: .truecolor, columns: 256)
            return { _ = try renderer.render(image, widthCells: 256) }
        },
        Benchmark(key: "png_write_256", torchKey: nil, op: "PNG.write", shape: "256×256 RGB", flops: nil) {
            let image = try testImage()
            let path = NSTemporaryDirectory() + "dsh-bench-\(getpid()).png"
            Report.temporaryPaths.append(path)
            return { try PNG.write(image, to: path) }
        },
    ]
}

/// The interpreter benchmark's program (tools/bench_torch.py runs the same text in CPython).
let interpreterLoopSource = "total = 0\nfor i in range(1000000): total += i * 2\n"

/// A 256×256 RGB test image: smooth gradients with a little deterministic noise (like a sample).
func testImage() throws -> Image {
    var pixels = [UInt8](repeating: 0, count: 256 * 256 * 3)
    var state: UInt32 = 7
    for y in 0..<256 {
        for x in 0..<256 {
            state = state &* 1_664_525 &+ 1_013_904_223
            let n = Int(state >> 28)   // 0…15
            let i = (y * 256 + x) * 3
            pixels[i] = UInt8(min(255, x + n)); pixels[i + 1] = UInt8(min(255, y + n)); pixels[i + 2] = UInt8(min(255, (x + y) / 2 + n))
        }
    }
    return try Image(width: 256, height: 256, mode: .RGB, pixels: pixels)
}

/// Sources/Diffusers/Resources/tiny-cats-32 in the source tree this program was built from, if it exists.
func tinyCatsFolder() -> String? {
    // Sources/Benchmarks/main.swift → Sources/Diffusers/Resources/tiny-cats-32
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Diffusers/Resources/tiny-cats-32").path
    return FileManager.default.fileExists(atPath: path + "/model_index.json") ? path : nil
}

/// Measurements reported below the table, and files to remove at the end.
enum Report {
    nonisolated(unsafe) static var notes: [String] = []
    nonisolated(unsafe) static var temporaryPaths: [String] = []
    nonisolated(unsafe) static var peakKB: [String: (hwm: Int?, maxrss: Int)] = [:]

    /// Resets the kernel's peak-RSS mark (VmHWM) so the next reading covers only what follows.
    static func resetPeakRSS() {
        if let fd = fopen("/proc/self/clear_refs", "w") { fputs("5", fd); fclose(fd) }
    }

    /// The peak RSS since the last reset (VmHWM, kB) and the process's `getrusage` ru_maxrss (kB).
    static func recordPeakRSS(_ key: String) {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        var hwm: Int? = nil
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            hwm = Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        peakKB[key] = (hwm, Int(usage.ru_maxrss))
    }
}

/// Median wall time in milliseconds of `runs` calls, after one warm-up call when `warmup`.
func medianMilliseconds(runs: Int, warmup: Bool = true, _ body: () throws -> Void) rethrows -> Double {
    if warmup { try body() }
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    times.sort()
    let n = times.count
    return n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2
}

/// The reference interpreter: `DSH_REF_PYTHON`, else `.venv-ref/bin/python` in the current directory
/// or a parent.
func referencePython() -> String? {
    let fm = FileManager.default
    if let p = ProcessInfo.processInfo.environment["DSH_REF_PYTHON"], fm.isExecutableFile(atPath: p) { return p }
    var dir = URL(fileURLWithPath: fm.currentDirectoryPath)
    for _ in 0..<6 {
        let p = dir.appendingPathComponent(".venv-ref/bin/python").path
        if fm.isExecutableFile(atPath: p) { return p }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

/// Threads PyTorch is given: as many as dsh's own loops use (every core unless DSH_NUM_THREADS says).
let torchThreads = max(1, Parallel.threadCount, BLAS.threadCount)

/// Runs tools/bench_torch.py (found beside the venv) and returns its medians, or [:] on any failure.
func torchTimings(python: String, keys: [String], runs: Int) -> [String: Double] {
    let root = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let script = root.appendingPathComponent("tools/bench_torch.py").path
    guard FileManager.default.fileExists(atPath: script) else { return [:] }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    // PyTorch gets every core dsh uses (not BLAS's count, which may be 1 by design: see BLAS.swift).
    process.arguments = [script, "--runs", String(runs), "--threads", String(torchThreads)] + keys
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return [:] }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
}

func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= width { return s }
    let fill = String(repeating: " ", count: width - n)
    return right ? fill + s : s + fill
}

// MARK: Main
var runs = 10
var useTorch = true
var filters: [String] = []
var argv = CommandLine.arguments.dropFirst()
while let arg = argv.popFirst() {
    switch arg {
    case "--runs": runs = Int(argv.popFirst() ?? "") ?? runs
    case "--no-torch": useTorch = false
    case "-h", "--help":
        print("usage: dsh-bench [--runs N] [--no-torch] [key ...]")
        print("keys: " + Benchmark.all.map(\.key).joined(separator: " "))
        exit(0)
    default: filters.append(arg)
    }
}
let selected = Benchmark.all.filter { b in filters.isEmpty || filters.contains { b.key.contains($0) } }

print("BLAS: OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads; dsh loops: \(Parallel.threadCount) threads")
print("      \(BLAS.configuration)")
if !threadEnv.isEmpty { print("      set by the user: " + threadEnv.joined(separator: " ")) }
if userEnv["OPENBLAS_THREAD_TIMEOUT"] == nil, let t = getenv("OPENBLAS_THREAD_TIMEOUT") {
    print("      OPENBLAS_THREAD_TIMEOUT=\(String(cString: t)) (dsh's default: idle BLAS workers sleep at once)")
}
if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
    print("load average at start: " + load.split(separator: " ").prefix(3).joined(separator: " "))
}
var torch: [String: Double] = [:]
if useTorch, let python = referencePython() {
    torch = torchTimings(python: python, keys: Array(Set(selected.compactMap(\.torchKey))).sorted(), runs: runs)
    if torch.isEmpty { print("PyTorch: tools/bench_torch.py failed; column left empty") }
    else { print("PyTorch: \(python), \(torchThreads) threads") }
} else if !useTorch {
    print("PyTorch: not run (--no-torch)")
} else {
    print("PyTorch: no reference venv (.venv-ref/bin/python or DSH_REF_PYTHON); column left empty")
}
print("median of n runs (n = \(runs) unless the n column says; * = no warm-up run); ratio = dsh / torch\n")

let header = [pad("op", 20), pad("shape", 16), pad("n", 3, right: true), pad("dsh ms", 10, right: true), pad("GFLOP/s", 9, right: true),
              pad("torch ms", 10, right: true), pad("ratio", 7, right: true)]
print(header.joined(separator: "  "))
print(String(repeating: "-", count: 85))
for bench in selected {
    var dshText = "n/a", gflops = "", ratio = "—"
    let n = min(runs, bench.maxRuns ?? runs)
    do {
        if let body = try bench.setup() {
            let ms = try medianMilliseconds(runs: n, warmup: bench.warmup, body)
            dshText = String(format: "%.2f", ms)
            if let f = bench.flops { gflops = String(format: "%.1f", f / ms / 1e6) }
            if let key = bench.torchKey, let t = torch[key] { ratio = String(format: "%.2f×", ms / t) }
        }
    } catch {
        dshText = "error"
        FileHandle.standardError.write("\(bench.key): \(error)\n".data(using: .utf8) ?? Data())
    }
    let torchText = bench.torchKey.flatMap { torch[$0] }.map { String(format: "%.2f", $0) } ?? "—"
    print([pad(bench.op, 20), pad(bench.shape, 16), pad("\(n)\(bench.warmup ? "" : "*")", 3, right: true), pad(dshText, 10, right: true),
           pad(gflops, 9, right: true), pad(torchText, 10, right: true), pad(ratio, 7, right: true)].joined(separator: "  "))
    fflush(stdout)
}

// Peak memory of the UNet forward: dsh (VmHWM reset before the entry; ru_maxrss is the whole process so far)
// and PyTorch (the same, measured by tools/bench_torch.py in its own process).
if let peak = Report.peakKB["unet_ddpm_cat_256"] {
    var line = "\nunet ddpm-cat-256 peak RSS: dsh \(peak.hwm.map { "\($0 / 1024) MB" } ?? "?") (ru_maxrss \(peak.maxrss / 1024) MB)"
    if let t = torch["unet_ddpm_cat_256.peak_rss_mb"] {
        line += ", torch \(Int(t)) MB (ru_maxrss \(Int(torch["unet_ddpm_cat_256.maxrss_mb"] ?? 0)) MB)"
    }
    print(line)
}
if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
    print("load average at end: " + load.split(separator: " ").prefix(3).joined(separator: " "))
}
for path in Report.temporaryPaths { try? FileManager.default.removeItem(atPath: path) }
