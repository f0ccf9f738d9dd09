// swift-tools-version:6.0
import PackageDescription

// Layers, each depending only on those before it:
// Tensors ← Datasets, Networks ← Training ← Analysis ← Experiments ← Reporting ← Studies ← convdyn
// Each target declares exactly the modules it imports. Unsafe code (raw pointers, `@unchecked
// Sendable`) lives only in Tensors, _TensorsAVX512 and the Networks kernels (Docs/Architecture.md).
// The numeric kernels are compiled for AVX2 and FMA on x86-64 (any x86-64 from 2013 on), with
// AVX-512 variants of the two large products in _TensorsAVX512 that Tensors calls only where the
// processor has AVX-512; other architectures use the compiler's defaults.
#if arch(x86_64)
    let kernelSettings: [SwiftSetting] = [
        .unsafeFlags(["-target-cpu", "haswell"]),
        // Run-time exclusivity checks cost ≈3% of a W1 step; debug builds (the tests) keep them.
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    ]
    // Compiled for the AVX-512 subset of every AVX-512 processor; called only after a run-time check.
    let avx512Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"])]
#else
    let kernelSettings: [SwiftSetting] = [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
    ]
    let avx512Settings: [SwiftSetting] = []
#endif

let package = Package(
    name: "ConvDynamics",
    products: [
        .executable(name: "convdyn", targets: ["convdyn"]),
        .library(name: "ConvDynamics", targets: ["Experiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .target(name: "_TensorsAVX512", swiftSettings: avx512Settings),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .target(name: "Tensors", dependencies: ["_TensorsAVX512", "CZlib", "CPNG"], swiftSettings: kernelSettings),
        .target(name: "Datasets", dependencies: ["Tensors"]),
        .target(name: "Networks", dependencies: ["Tensors"], swiftSettings: kernelSettings),
        .target(name: "Training", dependencies: ["Tensors", "Datasets", "Networks"], swiftSettings: kernelSettings),
        .target(name: "Analysis", dependencies: ["Tensors", "Datasets", "Networks"]),
        .target(
            name: "Experiments",
            dependencies: ["Tensors", "Datasets", "Networks", "Training", "Analysis", "Yams"]
        ),
        .target(name: "Reporting", dependencies: ["Experiments"]),
        .target(
            name: "Studies",
            dependencies: ["Tensors", "Datasets", "Networks", "Training", "Analysis", "Experiments", "Reporting"]
        ),
        .executableTarget(
            name: "convdyn",
            dependencies: [
                "Tensors", "Datasets", "Experiments", "Reporting", "Studies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "_TestSupport", path: "Tests/_TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "_TensorsAVX512", "_TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Tensors", "_TestSupport"]),
        .testTarget(name: "NetworksTests", dependencies: ["Networks", "Datasets", "Tensors", "_TestSupport"]),
        .testTarget(
            name: "TrainingTests", dependencies: ["Training", "Networks", "Datasets", "Tensors", "_TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Datasets", "Networks", "Tensors"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Experiments", "Analysis", "Datasets", "Networks", "Tensors", "_TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ReportingTests", dependencies: ["Reporting", "Experiments", "Datasets", "_TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "Experiments", "Reporting", "_TestSupport"]),
        // Snapshots/ holds the expected --help texts, read from the source tree (see CLITests.swift).
        .testTarget(
            name: "ConvdynTests",
            dependencies: [
                "convdyn", "Experiments", "Studies", "_TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Snapshots"]
        ),
    ]
)
