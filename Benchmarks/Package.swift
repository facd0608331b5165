// swift-tools-version:6.2
import Foundation
import PackageDescription

// Benchmarks live apart from the main build so it never carries them. The root package is a path
// dependency; its identity is its directory's name, which differs between checkouts.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "outpost-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "outpost-bench",
            dependencies: [
                .product(name: "ServiceKit", package: root),
                .product(name: "VideoProcessing", package: root),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "bench-video-processor",
            dependencies: [
                .product(name: "ServiceKit", package: root),
                .product(name: "VideoProcessing", package: root),
            ],
            swiftSettings: settings
        ),
    ]
)
