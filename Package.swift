// swift-tools-version:6.0
import PackageDescription

// Modules depend one way only:
//   Tensor  <-  Diffusers, Imaging  <-  Script  <-  dsh
let optimize: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
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
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CReadline", pkgConfig: "readline", providers: [.apt(["libreadline-dev"])]),

        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: optimize),
        .target(name: "Diffusers", dependencies: ["Tensor"], swiftSettings: optimize),
        .target(name: "Imaging", dependencies: ["Tensor", "CPNG"], swiftSettings: optimize),
        .target(name: "Script", dependencies: ["Tensor", "Diffusers", "Imaging"], swiftSettings: optimize),
        .executableTarget(name: "dsh", dependencies: ["Script", "CReadline"]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "DiffusersTests", dependencies: ["Diffusers"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "ScriptTests", dependencies: ["Script"]),
        .testTarget(name: "dshTests", dependencies: ["dsh"]),
    ],
    swiftLanguageModes: [.v5]
)
