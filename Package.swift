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
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: - System-library shims (module.modulemap + shim.h, nothing else)
        .systemLibrary(name: "CMPICH", path: "Sources/CMPICH", pkgConfig: "mpich",
                       providers: [.apt(["libmpich-dev"])]),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // MARK: - Implementation
        .target(
            name: "Causeway",
            dependencies: ["CBLAS", "CMPICH", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
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
