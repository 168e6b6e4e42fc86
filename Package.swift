// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Causeway",
    platforms: [.macOS(.v13)],
    // MARK: - Public API
    products: [
        .executable(name: "causeway", targets: ["causeway"]),
        .library(name: "Causeway", targets: ["Causeway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // graph.npz (the zip container of numpy's .npz)
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // SHA-256 of input files for provenance (data_sha256)
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // study grid files (TOML); wraps toml++ (C++17, built from source)
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: - System-library shims (module.modulemap + shim.h, nothing else)
        .systemLibrary(name: "CMPICH", path: "Sources/CMPICH", pkgConfig: "mpich",
                       providers: [.apt(["libmpich-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // MARK: - Implementation details
        // Study grid files read with TOMLKit, kept in a module of its own with library evolution
        // so that TOMLKit's extensions of Array, String… never reach Causeway (see GridFile.swift)
        .target(name: "_StudyGridFile", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
                swiftSettings: [.unsafeFlags(["-enable-library-evolution"])]),

        // MARK: - Implementation
        .target(
            name: "Causeway",
            dependencies: [
                "CBLAS", "CMPICH",
                "_StudyGridFile",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "causeway",
            dependencies: [
                "Causeway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Unit test bundles
        .testTarget(name: "CausewayTests", dependencies: ["Causeway"]),
    ]
)
