// swift-tools-version:6.0
import PackageDescription

// Modules depend one way only:
//   Tensor  <-  Diffusers, Imaging  <-  Script  <-  dsh
// Release builds of the numeric modules: no overflow/bounds traps in inner loops, and on x86-64 the
// Haswell level (AVX2 + FMA, x86-64-v3: every x86 CPU since 2013), so loops vectorise and fused multiply-adds
// (which the PyTorch-identical generator needs) are single instructions instead of libm calls. DSH_AVX2 lets
// code use AVX2 intrinsics where the compiler cannot vectorise on its own.
#if arch(x86_64)
let releaseFlags = ["-Ounchecked", "-target-cpu", "haswell", "-DDSH_AVX2"]
#else
let releaseFlags = ["-Ounchecked"]
#endif
let optimize: [SwiftSetting] = [
    .unsafeFlags(releaseFlags, .when(configuration: .release)),
]
// TensorKernels holds the hottest loops as inlinable bodies; Tensor compiles them with the flags above, and
// TensorAVX512 compiles the same bodies for Skylake-AVX512 (in every configuration: Tensor calls that module only
// where the CPU has those instructions, which it checks at run time).
#if arch(x86_64)
let avx512Flags = ["-target-cpu", "skylake-avx512"]
#else
let avx512Flags: [String] = []
#endif
let optimizeAVX512: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(avx512Flags),
]

let package = Package(
    name: "dsh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dsh", targets: ["dsh"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Diffusers", targets: ["Diffusers"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Script", targets: ["Script"]),
    ],
    targets: [
        // No pkgConfig for CBLAS: it would add -lopenblas, and BLAS.swift must dlopen the library itself.
        .systemLibrary(name: "CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CReadline", pkgConfig: "readline", providers: [.apt(["libreadline-dev"])]),

        .target(name: "CSupport"),
        .target(name: "TensorKernels", dependencies: ["CSupport"], swiftSettings: optimize),
        .target(name: "TensorAVX512", dependencies: ["TensorKernels"], swiftSettings: optimizeAVX512),
        .target(name: "Tensor", dependencies: ["CBLAS", "CSupport", "TensorKernels", "TensorAVX512"], swiftSettings: optimize),
        .target(name: "Diffusers", dependencies: ["Tensor"], resources: [.copy("Resources/tiny-cats-32")], swiftSettings: optimize),
        .target(name: "Imaging", dependencies: ["Tensor", "CPNG"], swiftSettings: optimize),
        .target(name: "Script", dependencies: ["Tensor", "Diffusers", "Imaging"], exclude: ["README.md", "Modules/Imaging/README.md"], swiftSettings: optimize),
        .executableTarget(name: "dsh", dependencies: ["Script", "CReadline"]),
        .executableTarget(name: "dsh-bench", dependencies: ["Tensor", "Diffusers", "Script", "Imaging"], path: "Sources/Benchmarks", swiftSettings: optimize),

        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TensorKernels", "TensorAVX512"], exclude: ["Fixtures"]),
        .testTarget(name: "DiffusersTests", dependencies: ["Diffusers"], exclude: ["Fixtures"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], exclude: ["Golden"]),
        .testTarget(name: "ScriptTests", dependencies: ["Script"], exclude: ["Conformance"]),
        .testTarget(name: "dshTests", dependencies: ["dsh"]),
    ],
    swiftLanguageModes: [.v5]
)
