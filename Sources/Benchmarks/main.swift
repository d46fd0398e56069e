// dsh-bench: times dsh's kernels and, when the reference venv is present, the same ops in PyTorch.
//
//     swift run -c release dsh-bench [--runs N] [--no-torch] [key ...]
//
// Each benchmark is an entry in `Benchmark.all`; its key is shared with tools/bench_torch.py, which
// prints PyTorch's medians as JSON. Add an entry here (and, if PyTorch has the same op, a case
// there) to benchmark something new: a UNet forward, a scheduler loop, the interpreter.
import Diffusers
import Foundation
import Tensor

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

    /// conv2d 3×3 128→128; `winograd` times the F(2×2,3×3) path (GFLOP/s counts direct-convolution flops).
    static func conv(_ size: Int, winograd: Bool) -> Benchmark {
        Benchmark(key: "conv3x3_128_\(size)" + (winograd ? "_winograd" : ""), torchKey: "conv3x3_128_\(size)",
                  op: winograd ? "conv2d 3×3 winograd" : "conv2d 3×3 im2col", shape: "1×128×\(size)² → 128",
                  flops: 2 * 128 * 128 * 9 * Double(size * size)) {
            let x = try randomTensor([1, 128, size, size]), w = try randomTensor([128, 128, 3, 3], scale: 0.03)
            let b = try randomTensor([128])
            return {
                let saved = Tensor.useWinograd
                Tensor.useWinograd = winograd
                defer { Tensor.useWinograd = saved }
                _ = try x.conv2d(weight: w, bias: b, padding: [1, 1])
            }
        }
    }

    /// Every benchmark, in table order.
    static let all: [Benchmark] = [
        Benchmark(key: "sgemm_2048", torchKey: "sgemm_2048", op: "sgemm", shape: "2048³", flops: 2 * pow(2048, 3)) {
            let a = try randomTensor([2048, 2048]), b = try randomTensor([2048, 2048])
            return { _ = try a.matmul(b) }
        },
        conv(64, winograd: false),
        conv(64, winograd: true),
        conv(256, winograd: false),
        conv(256, winograd: true),
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
    ]
}

/// Median wall time in milliseconds of `runs` calls after one warm-up call.
func medianMilliseconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
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

/// Runs tools/bench_torch.py (found beside the venv) and returns its medians, or [:] on any failure.
func torchTimings(python: String, keys: [String], runs: Int) -> [String: Double] {
    let root = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let script = root.appendingPathComponent("tools/bench_torch.py").path
    guard FileManager.default.fileExists(atPath: script) else { return [:] }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, "--runs", String(runs), "--threads", String(max(1, BLAS.threadCount))] + keys
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
var torch: [String: Double] = [:]
if useTorch, let python = referencePython() {
    torch = torchTimings(python: python, keys: Array(Set(selected.compactMap(\.torchKey))).sorted(), runs: runs)
    if torch.isEmpty { print("PyTorch: tools/bench_torch.py failed; column left empty") }
    else { print("PyTorch: \(python), \(max(1, BLAS.threadCount)) threads") }
} else {
    print("PyTorch: no reference venv (.venv-ref/bin/python or DSH_REF_PYTHON); column left empty")
}
print("median of \(runs) runs after one warm-up\n")

let header = [pad("op", 20), pad("shape", 16), pad("dsh ms", 10, right: true), pad("GFLOP/s", 9, right: true),
              pad("torch ms", 10, right: true), pad("ratio", 7, right: true)]
print(header.joined(separator: "  "))
print(String(repeating: "-", count: 80))
for bench in selected {
    var dshText = "n/a", gflops = "", ratio = "—"
    do {
        if let body = try bench.setup() {
            let ms = try medianMilliseconds(runs: runs, body)
            dshText = String(format: "%.2f", ms)
            if let f = bench.flops { gflops = String(format: "%.1f", f / ms / 1e6) }
            if let key = bench.torchKey, let t = torch[key] { ratio = String(format: "%.2f×", ms / t) }
        }
    } catch {
        dshText = "error"
        FileHandle.standardError.write("\(bench.key): \(error)\n".data(using: .utf8) ?? Data())
    }
    let torchText = bench.torchKey.flatMap { torch[$0] }.map { String(format: "%.2f", $0) } ?? "—"
    print([pad(bench.op, 20), pad(bench.shape, 16), pad(dshText, 10, right: true), pad(gflops, 9, right: true),
           pad(torchText, 10, right: true), pad(ratio, 7, right: true)].joined(separator: "  "))
}
