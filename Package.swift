// swift-tools-version: 6.0
import PackageDescription
import Foundation

/// Kernels need AVX2 + FMA code generation: without it `SIMD8<Float>` FMA lowers to a libm call per lane.
/// Debug builds optimise the libraries too: the test suite trains a real CNN, and unoptimised SIMD
/// kernels run ~50× slower. Preconditions stay on (-O keeps them; only -Ounchecked drops them).
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3", "-Xcc", "-mtune=znver3"]),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Flint",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FlintSupport", targets: ["FlintSupport"]),
        .library(name: "Flint", targets: ["Flint"]),
        .library(name: "FlintNN", targets: ["FlintNN"]),
        .library(name: "FlintData", targets: ["FlintData"]),
        .library(name: "FlintText", targets: ["FlintText"]),
        .library(name: "FlintModels", targets: ["FlintModels"]),
        .library(name: "FlintTrain", targets: ["FlintTrain"]),
        .library(name: "FlintServe", targets: ["FlintServe"]),
        .library(name: "FlintClient", targets: ["FlintClient"]),
        .executable(name: "flint", targets: ["flint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFlintBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CFlintZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Compiled without kernelFlags (baseline x86-64): `flint`'s start-up check that the CPU has AVX2/FMA.
        .target(name: "CFlintCPUCheck"),
        .target(
            name: "FlintSupport",
            swiftSettings: kernelFlags
        ),
        .target(
            name: "Flint",
            dependencies: ["FlintSupport", "CFlintBLAS"],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintNN",
            dependencies: ["Flint"],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintData",
            dependencies: ["Flint", "FlintSupport", "CFlintZlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintText",
            dependencies: ["Flint", "FlintSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintModels",
            dependencies: ["Flint", "FlintSupport", "FlintNN", "FlintText", "CFlintZlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintTrain",
            dependencies: ["Flint", "FlintSupport", "FlintNN", "FlintData", "FlintText", "FlintModels", "CFlintBLAS", .product(name: "Logging", package: "swift-log")],
            swiftSettings: kernelFlags
        ),
        // `flint bench`: Flint against its peers. Only the command-line tool depends on it.
        .target(
            name: "FlintBenchmarks",
            dependencies: ["Flint", "FlintSupport", "FlintNN", "FlintText", "FlintModels", "CFlintBLAS"],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintServe",
            dependencies: [
                "Flint", "FlintSupport", "FlintText", "FlintModels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: kernelFlags
        ),
        .target(
            name: "FlintClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "flint",
            dependencies: [
                "CFlintCPUCheck", "Flint", "FlintSupport", "FlintNN", "FlintData", "FlintText", "FlintModels", "FlintTrain", "FlintServe", "FlintBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: kernelFlags
        ),
        .target(name: "FlintTestSupport", dependencies: ["Flint", "FlintSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "FlintSupportTests", dependencies: ["FlintSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "FlintTests", dependencies: ["Flint", "FlintSupport", "FlintTestSupport"], resources: [.copy("Fixtures")], swiftSettings: kernelFlags),
        .testTarget(name: "FlintNNTests", dependencies: ["Flint", "FlintNN", "FlintTestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "FlintDataTests", dependencies: ["Flint", "FlintSupport", "FlintData", "FlintTestSupport"], swiftSettings: kernelFlags),
        .testTarget(name: "FlintTextTests", dependencies: ["Flint", "FlintText", "FlintTestSupport"], resources: [.copy("Fixtures")], swiftSettings: kernelFlags),
        .testTarget(name: "FlintModelsTests", dependencies: ["Flint", "FlintSupport", "FlintNN", "FlintText", "FlintModels", "FlintTestSupport"], resources: [.copy("Fixtures")], swiftSettings: kernelFlags),
        .testTarget(
            name: "FlintServeTests",
            dependencies: [
                "Flint", "FlintNN", "FlintText", "FlintModels", "FlintServe", "FlintClient", "FlintTestSupport", "FlintSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: kernelFlags
        ),
        .testTarget(name: "FlintBenchmarksTests", dependencies: ["Flint", "FlintSupport", "FlintBenchmarks"], swiftSettings: kernelFlags),
        .testTarget(name: "FlintTrainTests", dependencies: ["Flint", "FlintSupport", "FlintNN", "FlintData", "FlintText", "FlintModels", "FlintTrain", "FlintTestSupport"], swiftSettings: kernelFlags),
    ]
)

/// Fuzz targets (docs/fuzzing.md): built only when `FLINT_FUZZ=1` (by `make fuzz`, with
/// `-sanitize=fuzzer,address`). Fuzz mode drops the `flint` executable and the test targets, whose `main`
/// would clash with libFuzzer's, and adds one executable per loader or parser under `Fuzz/Targets/`.
if ProcessInfo.processInfo.environment["FLINT_FUZZ"] == "1" {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzSafeTensors", ["Flint"]),
        ("FuzzPyTorch", ["Flint", "FlintModels"]),
        ("FuzzIDX", ["Flint", "FlintData"]),
        ("FuzzTokenizerJSON", ["FlintText"]),
        ("FuzzBertConfig", ["FlintModels"]),
        ("FuzzServeYAML", ["FlintServe"]),
        ("FuzzBatchLine", ["FlintServe"]),
        ("FuzzRequestBodies", ["FlintServe"]),
        ("FuzzTensorBoard", ["FlintTrain"]),
        ("FuzzGGUF", ["Flint", "FlintModels"]),
        ("FuzzJinja", ["FlintText"]),
    ]
    package.targets.removeAll { $0.type == .test || $0.type == .executable || ["FlintTestSupport", "FlintClient"].contains($0.name) }
    package.products.removeAll { ["flint", "FlintClient"].contains($0.name) }
    package.targets.append(.target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/Support"))
    for target in fuzzTargets {
        package.targets.append(.executableTarget(
            name: target.name, dependencies: target.dependencies + ["FuzzSupport"], path: "Fuzz/Targets/\(target.name)",
            swiftSettings: kernelFlags
        ))
    }
}
