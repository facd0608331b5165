// swift-tools-version:6.2
import PackageDescription

// Benchmarks live apart from the main build (like NIO's Benchmarks/): `bash Benchmarks/run.sh`.
let package = Package(
    name: "outpost-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "outpost", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "outpost-bench",
            dependencies: [.product(name: "Outpost", package: "outpost")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ]
)
