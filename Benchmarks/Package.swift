// swift-tools-version:6.2
// Benchmarks live apart from the main build: `make bench` builds this package in release mode.
import PackageDescription

let package = Package(
    name: "outpost-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "outpost", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        .executableTarget(
            name: "outpost-bench",
            dependencies: [
                .product(name: "Outpost", package: "outpost"),
                .product(name: "OutpostTesting", package: "outpost"),
                .product(name: "ServiceKit", package: "outpost"),
                .product(name: "VideoProcessing", package: "outpost"),
                .product(name: "Durable", package: "outpost"),
                .product(name: "Functions", package: "outpost"),
            ]
        ),
        // The video service as a release-built separate process, for the video suite.
        .executableTarget(
            name: "bench-video-processor",
            dependencies: [
                .product(name: "ServiceKit", package: "outpost"),
                .product(name: "VideoProcessing", package: "outpost"),
            ]
        ),
        // The baseline for the HTTP front: a bare Hummingbird hello world.
        .executableTarget(
            name: "hello-hummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
        // The floor under both: a bare SwiftNIO HTTP/1 pipeline answering a fixed body.
        .executableTarget(
            name: "hello-nio",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The Pitchey Worker behind a lean SwiftNIO HTTP/1 pipeline (a measurement prototype).
        .executableTarget(
            name: "nio-front",
            dependencies: [
                .product(name: "Outpost", package: "outpost"),
                .product(name: "Functions", package: "outpost"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ]
        ),
    ]
)
