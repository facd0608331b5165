// swift-tools-version:6.2
import PackageDescription

// Benchmarks live apart from the main build: `swift build -c release --package-path Benchmarks`,
// then `outpost-bench SUITE…`.
let package = Package(
    name: "outpost-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its directory name (main, a worktree…).
        .package(name: "outpost", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "outpost-bench",
            dependencies: [
                .product(name: "Outpost", package: "outpost"),
                .product(name: "OutpostTesting", package: "outpost"),
            ]
        ),
    ]
)
