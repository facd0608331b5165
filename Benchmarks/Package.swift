// swift-tools-version:6.2
import PackageDescription

// Benchmarks live apart from the main build: `swift build -c release --package-path Benchmarks`,
// then `outpost-bench SUITE…`.
let package = Package(
    name: "outpost-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "outpost-bench",
            dependencies: ["Outpost", "OutpostTesting"]
        ),
    ]
)
