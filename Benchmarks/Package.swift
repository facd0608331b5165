// swift-tools-version:6.2
import PackageDescription

// Benchmarks live apart from the main build: `swift build -c release --package-path Benchmarks`,
// then `.build/release/outpost-bench [suite…]` (no suite runs them all).
let package = Package(
    name: "outpost-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "outpost", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "outpost-bench",
            dependencies: [
                .product(name: "Outpost", package: "outpost"),
                .product(name: "OutpostTesting", package: "outpost"),
            ],
            path: "Sources/outpost-bench"
        ),
    ]
)
