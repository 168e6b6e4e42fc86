// swift-tools-version:5.9
// libFuzzer targets for Causeway's input readers, one executable per reader. A separate package
// so that the root `swift build` / `swift test` never builds them. Build and run them with
// `scripts/fuzz` (which builds with `swift build -c release -sanitize=fuzzer -sanitize=address`).
import PackageDescription

let readers = ["csv", "npy", "manifest", "study-grid", "truth", "checkpoint"]

let package = Package(
    name: "CausewayFuzz",
    dependencies: [.package(name: "Causeway", path: "..")],
    targets: readers.map { reader in
        // Each file defines LLVMFuzzerTestOneInput; libFuzzer supplies main, so the module is
        // compiled as a library (no top-level code, no Swift main).
        .executableTarget(
            name: "fuzz-\(reader)",
            dependencies: [.product(name: "Causeway", package: "Causeway")],
            path: "Sources/\(reader)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
